"""Timing and memory helpers shared by the benchmark case modules.

Every case runs ours and scikit-learn's code in this one process, on the same
data, and reports medians: the machine is small and noisy.
"""

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass


@dataclass
class Result:
    """One benchmark case. ratio = ours_s / ref_s (lower is better)."""

    case: str
    target: str  # e.g. "<= 1.5" (time ratio) or a free-form target
    ours_s: float
    ref_s: float
    ours_peak_mib: float | None
    ref_peak_mib: float | None
    check: str  # what was verified, e.g. "labels agree on 100.0% of rows"
    ok: bool  # the check passed (not the speed target)
    limit: float | None = None  # numeric ratio target, if any

    @property
    def ratio(self):
        return self.ours_s / self.ref_s


QUICK = False  # set by run_bench.py --quick: at most QUICK_REPEATS timed runs per measurement
QUICK_REPEATS = 2


def median_time(fn, repeats=5, warmup=1):
    """Median wall time of fn() over ``repeats`` runs, after ``warmup`` unmeasured runs."""
    if QUICK:
        repeats = min(repeats, QUICK_REPEATS)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_mib(fn):
    """Peak memory traced while fn() runs, in MiB (numpy buffers are traced by tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20
