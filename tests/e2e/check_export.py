#!/usr/bin/env python3
"""Checks a `train_dbm export` with NumPy (run by tests/e2e/export_test.cpp).

  check_export.py --npz dbm.npz --json weights.json --expected expected.json --inspect inspect.json

expected.json is written by the C++ test from the model as the engine loads it:
  {"dims": [...], "arrays": {"W1": [flat C-order values], ..., "a0": [...], ...},
   "states": [[x_0, ..., x_L], ...], "energies": [E(x), ...]}
with E from model::Dbm::energy. inspect.json is the output of `inspect --json`.
Prints one line per check; exits 1 at the first failure.
"""

import argparse
import json
import sys
import zipfile

import numpy as np


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def numpy_energy(arrays, state):
    """E(x) = - sum_l x_{l-1} @ W_l @ x_l - sum_l a_l @ x_l (ALGORITHM.md section 0), in float64."""
    n_layers = len(state) - 1
    x = [np.asarray(layer, dtype=np.float32).astype(np.float64) for layer in state]
    energy = 0.0
    for l in range(1, n_layers + 1):
        energy -= x[l - 1] @ arrays["W%d" % l].astype(np.float64) @ x[l]
    for l in range(n_layers + 1):
        energy -= arrays["a%d" % l].astype(np.float64) @ x[l]
    return energy


def main():
    parser = argparse.ArgumentParser()
    for name in ("npz", "json", "expected", "inspect"):
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()

    with open(args.expected) as f:
        expected = json.load(f)
    with open(args.inspect) as f:
        metadata = json.load(f)
    dims = expected["dims"]
    n_layers = len(dims) - 1
    check(metadata["dimensions"] == dims,
          "inspect --json dimensions %s != engine %s" % (metadata["dimensions"], dims))
    names = ["dims", "config_json"] + ["W%d" % l for l in range(1, n_layers + 1)] + \
            ["a%d" % l for l in range(n_layers + 1)]

    # The container: a zip of .npy files in format version 1.0.
    with zipfile.ZipFile(args.npz) as archive:
        members = sorted(archive.namelist())
        check(members == sorted(n + ".npy" for n in names), "npz members %s" % members)
        for member in members:
            with archive.open(member) as f:
                version = np.lib.format.read_magic(f)
                check(version == (1, 0), "%s: npy version %s, not 1.0" % (member, version))
                _, fortran_order, _ = np.lib.format.read_array_header_1_0(f)
                check(not fortran_order, "%s: stored in Fortran order" % member)
    print("npz holds %s as .npy 1.0" % ", ".join(names))

    z = np.load(args.npz, allow_pickle=False)
    check(z["dims"].dtype == np.dtype("<i8") and z["dims"].shape == (n_layers + 1,),
          "dims: %s %s" % (z["dims"].dtype, z["dims"].shape))
    check(z["dims"].tolist() == dims, "dims %s != %s" % (z["dims"].tolist(), dims))
    arrays = {}
    for l in range(1, n_layers + 1):
        name = "W%d" % l
        w = z[name]
        check(w.dtype == np.dtype("<f4"), "%s dtype %s" % (name, w.dtype))
        check(w.shape == (dims[l - 1], dims[l]), "%s shape %s" % (name, w.shape))
        want = np.array(expected["arrays"][name], dtype=np.float32).reshape(w.shape)
        check(np.array_equal(w, want), "%s values differ from the engine's" % name)
        arrays[name] = w
    for l in range(n_layers + 1):
        name = "a%d" % l
        a = z[name]
        check(a.dtype == np.dtype("<f4"), "%s dtype %s" % (name, a.dtype))
        check(a.shape == (dims[l],), "%s shape %s" % (name, a.shape))
        want = np.array(expected["arrays"][name], dtype=np.float32)
        check(np.array_equal(a, want), "%s values differ from the engine's" % name)
        arrays[name] = a
    config = z["config_json"]
    check(config.shape == () and config.dtype.kind == "U",
          "config_json: shape %s dtype %s, want a 0-d unicode array" % (config.shape, config.dtype))
    check(json.loads(str(config)) == metadata, "config_json differs from inspect --json")
    print("dtypes, shapes and values match the engine's; config_json equals inspect --json")

    for s, (state, energy) in enumerate(zip(expected["states"], expected["energies"])):
        mine = numpy_energy(arrays, state)
        check(abs(mine - energy) <= 1e-9 * max(1.0, abs(energy)),
              "state %d: NumPy energy %.17g, engine %.17g" % (s, mine, energy))
    print("energies of %d states agree with Dbm::energy" % len(expected["states"]))

    with open(args.json) as f:
        exported = json.load(f)
    check(exported["format"] == "train_dbm-export" and exported["format_version"] == 1,
          "json export: format %s version %s" % (exported.get("format"), exported.get("format_version")))
    check(exported["dims"] == dims, "json export dims %s" % exported["dims"])
    for name, array in arrays.items():
        values = np.array(exported[name], dtype=np.float32)
        check(values.shape == array.shape and np.array_equal(values, array),
              "json export %s differs from the npz" % name)
    check(exported["config"] == metadata, "json export config differs from inspect --json")
    print("json export holds the same arrays and metadata")


if __name__ == "__main__":
    main()
