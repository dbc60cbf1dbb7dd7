#!/usr/bin/env python3
"""The last step of scripts/bench: merges the engine's figures (dbm_bench's JSON),
the peers' JSON lines and the thread bit-identity check into one object, derives
the peers' GFLOP/s, fraction of peak and our speed-up over each, checks issue 6's
targets, and prints either a human table or (--json) that one JSON object.

The peers are credited with the engine's FLOP count of the same work (the
`flops_per_example` of the engine workload each one names in `compare_to`), so
GFLOP/s compare like with like and the speed-up is simply the ratio of seconds
per epoch.

  report.py --engine engine.json [--peers peers.jsonl] [--determinism det.json]
            [--wall-seconds S] [--json]
"""

import argparse
import datetime
import json
import sys

ENGINE_WORKLOADS = ("rbm_cd1_b100", "rbm_cd1_b5", "dbm_joint_b100", "dbm_ais")


def load_peers(path):
    peers = {}
    if not path:
        return peers
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                peer = json.loads(line)
                peers[peer["name"]] = peer
    return peers


def add_peer_figures(peers, workloads, peak):
    for peer in peers.values():
        ours = workloads[peer["compare_to"]]
        peer["flops_per_example"] = ours["flops_per_example"]
        peer["gflops"] = peer["examples_per_s"] * ours["flops_per_example"] / 1e9
        peer["fraction_of_peak"] = peer["gflops"] / peak
        # Ours over theirs: > 1 means the engine is faster.
        peer["our_speedup"] = peer["seconds_per_epoch"] / ours["seconds_per_epoch"]


def check_targets(result):
    """Issue 6's targets, each with the real figure and whether it is met. A target
    whose figures were not measured (e.g. --no-peers) is listed as not measured."""
    w = result["workloads"]
    peers = w["peers"]
    targets = []

    def target(text, value, goal, met):
        targets.append({"target": text, "value": value, "goal": goal,
                        "met": None if value is None else bool(met)})

    def peer_seconds(names):
        found = [peers[n]["seconds_per_epoch"] for n in names if n in peers]
        return min(found) if found else None

    rbm, joint, b5 = w["rbm_cd1_b100"], w["dbm_joint_b100"], w["rbm_cd1_b5"]
    target("RBM CD-1 784-500 batch 100: fraction of GEMM peak", rbm["fraction_of_peak"], 0.70,
           rbm["fraction_of_peak"] >= 0.70)
    fastest_best = peer_seconds(["sklearn_b100_float32", "torch_rbm_cd1_b100_threads1"])
    speedup = None if fastest_best is None else fastest_best / rbm["seconds_per_epoch"]
    target("RBM CD-1 batch 100: speed-up over the fastest peer at its best setting", speedup, 1.4,
           speedup is not None and speedup >= 1.4)
    for name in ("sklearn_b100_float64", "torch_rbm_cd1_b100_threads2"):
        s = peers[name]["our_speedup"] if name in peers else None
        target(f"RBM CD-1 batch 100: speed-up over {name} (as usually called)", s, 4.0,
               s is not None and s >= 4.0)
    target("DBM joint 784-500-1000 batch 100: fraction of GEMM peak", joint["fraction_of_peak"],
           0.60, joint["fraction_of_peak"] >= 0.60)
    s = peers["torch_dbm_joint_b100_threads1"]["our_speedup"] if (
        "torch_dbm_joint_b100_threads1" in peers) else None
    target("DBM joint batch 100: speed-up over PyTorch at its best setting", s, 1.4,
           s is not None and s >= 1.4)
    s = peers["sklearn_b5_float32"]["our_speedup"] if "sklearn_b5_float32" in peers else None
    target("RBM batch 5: speed-up over scikit-learn float32 at batch 5", s, 3.0,
           s is not None and s >= 3.0)
    target("RBM batch 5: seconds per epoch", b5["seconds_per_epoch"], 3.3,
           b5["seconds_per_epoch"] <= 3.3)
    memory = result.get("memory")
    mib = memory["peak_rss_mib"] if memory else None
    target("peak resident memory of a full-MNIST 784-500-1000 training run (MiB)", mib, 1024,
           mib is not None and mib <= 1024)
    det = result.get("determinism")
    same = det["identical"] if det else None
    target("same seed, --threads 1 vs --threads 2: bit-identical parameters", same, True,
           same is True)
    return targets


def fmt(value, digits=1, suffix=""):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return f"{value:,.{digits}f}{suffix}"


def print_table(r, out):
    g = r["gemm"]
    p = r["peak_gflops"]
    print(f"train_dbm speed: {r['mode']} run, {r['threads']} threads, {r['date']} "
          f"(Eigen {r['eigen_version']}, {r['simd']}; products: {r['gemm_backend']})", file=out)
    print(f"GEMM peak at the training shapes (FLOP-weighted over one joint DBM step): "
          f"{p:.1f} GFLOP/s = max(plain products split over the threads {g['split_weighted_gflops']:.1f}, "
          f"dbm::multiply {g['multiply_weighted_gflops']:.1f}); plain product on 1 thread "
          f"{g['eigen_single_thread_weighted_gflops']:.1f}; best single shape "
          f"{g['best_gflops']:.1f}", file=out)
    print(file=out)
    header = f"{'workload':<16} {'what':<70} {'examples/s':>11} {'GFLOP/s':>8} {'of peak':>8} {'s/epoch':>8}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for name in ENGINE_WORKLOADS:
        w = r["workloads"][name]
        per_epoch = fmt(w.get("seconds_per_epoch"), 2)
        what = w["description"]
        if name == "dbm_ais":
            what += f" ({w['betas_per_s']:,.0f} betas/s)"
        print(f"{name:<16} {what:<70} {fmt(w['examples_per_s'], 0):>11} {fmt(w['gflops']):>8} "
              f"{fmt(100 * w['fraction_of_peak'], 1, '%'):>8} {per_epoch:>8}", file=out)
    peers = r["workloads"]["peers"]
    if peers:
        print(file=out)
        header = (f"{'peer':<30} {'setting':<18} {'s/epoch':>8} {'examples/s':>11} "
                  f"{'GFLOP/s':>8} {'of peak':>8} {'our speed-up':>12}  BLAS kernel, threads")
        print(header, file=out)
        print("-" * len(header), file=out)
        for name, peer in peers.items():
            blas = ", ".join(
                f"{b.get('internal_api', '?')} {b.get('architecture', '')} x{b.get('num_threads', '?')}"
                for b in peer["blas"] if b.get("internal_api") in ("openblas", "mkl", "blis"))
            print(f"{name:<30} {peer['setting']:<18} {fmt(peer['seconds_per_epoch'], 2):>8} "
                  f"{fmt(peer['examples_per_s'], 0):>11} {fmt(peer['gflops']):>8} "
                  f"{fmt(100 * peer['fraction_of_peak'], 1, '%'):>8} "
                  f"{fmt(peer['our_speedup'], 2, 'x'):>12}  {blas or '-'}", file=out)
    memory = r.get("memory")
    det = r.get("determinism")
    print(file=out)
    if memory:
        how = "stopped early in joint training" if memory["stopped_in_joint_training"] else "to the end"
        print(f"peak RSS, full-MNIST 784-500-1000 train_dbm run ({how}): "
              f"{memory['peak_rss_mib']:.0f} MiB", file=out)
    if det:
        print(f"--threads 1 vs --threads 2, seed {det['seed']}: "
              f"{'bit-identical' if det['identical'] else 'DIFFERENT'} "
              f"({det['arrays_compared']} arrays: {', '.join(det['arrays'])})", file=out)
    print(file=out)
    print("issue 6 targets:", file=out)
    for t in r["targets"]:
        state = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        value = t["value"]
        shown = fmt(value, 2) if not isinstance(value, bool) else fmt(value)
        goal = fmt(t["goal"]) if isinstance(t["goal"], bool) else t["goal"]
        print(f"  [{state:^12}] {t['target']}: {shown} (goal {goal})", file=out)
    if "wall_seconds" in r:
        print(f"\nscripts/bench wall time: {r['wall_seconds']:.0f} s", file=out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", required=True, help="dbm_bench's JSON output")
    parser.add_argument("--peers", help="the peers' JSON lines")
    parser.add_argument("--determinism", help="the thread bit-identity check's JSON")
    parser.add_argument("--wall-seconds", type=float)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    with open(args.engine) as f:
        result = json.load(f)
    result["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    workloads = result["workloads"]
    peers = load_peers(args.peers)
    add_peer_figures(peers, workloads, result["peak_gflops"])
    workloads["peers"] = peers
    if args.determinism:
        with open(args.determinism) as f:
            result["determinism"] = json.load(f)
    if args.wall_seconds is not None:
        result["wall_seconds"] = args.wall_seconds
    result["targets"] = check_targets(result)

    if args.json:
        json.dump(result, sys.stdout, allow_nan=False)
        print()
    else:
        print_table(result, sys.stdout)


if __name__ == "__main__":
    main()
