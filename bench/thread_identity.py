#!/usr/bin/env python3
"""Same seed, --threads 1 and --threads 2: are the trained parameters the same bits?
(issue 6; SPEC §4). Trains a 784-500-1000 DBM twice with the real train_dbm on the
first N MNIST images, through every phase (CD-1 and PCD epochs of both RBMs, then
joint training), exports both models with `train_dbm export --format npz` and
compares every parameter array (W1, W2, a0..a2) bit for bit. Prints one JSON object.

  thread_identity.py --train-dbm build/train_dbm --data-dir data --limit 3000
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def train_and_export(train_dbm, data_dir, models_dir, limit, seed, threads):
    command = [train_dbm, "-d", "784,500,1000", "--data", "mnist", "--data-dir", data_dir,
               "--models-dir", str(models_dir), "--limit", str(limit), "--batch-size", "100",
               "--learning-rate", "0.05", "--k3", "0", "--epochs", "2", "--finetune-epochs", "1",
               "--seed", str(seed), "--threads", str(threads), "--log-level", "warn"]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"thread_identity: {' '.join(command)} failed ({run.returncode}):\n{run.stderr}")
    run_dir = run.stdout.strip()
    npz = models_dir / f"threads{threads}.npz"
    export = subprocess.run([train_dbm, "export", "--model", run_dir, "--format", "npz",
                             "--out", str(npz)], capture_output=True, text=True)
    if export.returncode != 0:
        sys.exit(f"thread_identity: export failed:\n{export.stderr}")
    return dict(np.load(npz))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-dbm", required=True)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dbm_threads_") as tmp:
        models = Path(tmp)
        one = train_and_export(args.train_dbm, args.data_dir, models, args.limit, args.seed, 1)
        two = train_and_export(args.train_dbm, args.data_dir, models, args.limit, args.seed, 2)
    # The parameters only: config_json records --threads itself, dims are the sizes.
    names = sorted(n for n in one if re.fullmatch(r"[Wa][0-9]+", n))
    differing = [n for n in names
                 if n not in two or one[n].shape != two[n].shape
                 or one[n].tobytes() != two[n].tobytes()]
    print(json.dumps({
        "seed": args.seed,
        "examples": args.limit,
        "dimensions": "784-500-1000",
        "schedule": "2 epochs per RBM (CD-1, then PCD-5), 1 joint epoch, batch 100",
        "arrays": names,
        "arrays_compared": len(names),
        "differing": differing,
        "identical": bool(names) and not differing,
    }))


if __name__ == "__main__":
    main()
