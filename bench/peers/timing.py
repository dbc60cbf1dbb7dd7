"""The one JSON line every peer prints: what ran, on how many examples, how long it
took, and which BLAS kernel did the work. scripts/bench adds GFLOP/s, the fraction
of the engine's GEMM peak and our speed-up, from the engine's own FLOP counts."""

import json
import platform
import time

from blas_info import blas_libraries, environment

EPOCH_EXAMPLES = 60000  # seconds_per_epoch is scaled to a full MNIST epoch


class Stopwatch:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def report(name, description, examples, seconds, batch_size, compare_to, setting, **extra):
    result = {
        "name": name,
        "description": description,
        "setting": setting,             # "as usually called" or "best"
        "compare_to": compare_to,       # the engine workload doing the same work
        "batch_size": batch_size,
        "examples": examples,
        "seconds": seconds,
        "seconds_per_epoch": seconds * EPOCH_EXAMPLES / examples,
        "examples_per_s": examples / seconds,
        "python": platform.python_version(),
        "blas": blas_libraries(),
        "environment": environment(),
    }
    result.update(extra)
    print(json.dumps(result), flush=True)
