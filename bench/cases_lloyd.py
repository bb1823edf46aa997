"""Benchmark cases for the K-means engine: KMeans.fit and kmeans_plusplus against scikit-learn.

Converge cases: whole fits to convergence (tol=0, n_init=1, k random rows as init),
ours with algorithm="auto" against the faster of scikit-learn's "lloyd" and "elkan";
labels, n_iter and inertia must agree with scikit-learn's lloyd.

Fixed-iteration fit cases: same data, same initial centres, tol=0, n_init=1 and a fixed max_iter
on data that does not converge before it, so both sides run the same number of
iterations (checked). Ours runs with the default record="auto", which keeps
labels in history_ only up to 50,000 rows (so the 10k case records full labels
and the larger ones record centres only).
"""

import statistics
import time

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import kmeans_plusplus as sk_kmeans_plusplus

from bench import common
from bench.common import Result, median_time, peak_mib
from kmeans_core import KMeans, kmeans_plusplus
from kmeans_core.hamerly import use_bounds

QUICK_SEEDS = 3


def _data(n, d, k, seed):
    """Overlapping Gaussian blobs: Lloyd keeps moving for many iterations."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=2.0, size=(k, d))
    X = means[rng.integers(0, k, n)] + rng.normal(size=(n, d))
    init = X[rng.choice(n, size=k, replace=False)]
    return X, init


def _cpu_seconds(fn):
    """Process CPU time of one call: the work done, less sensitive to a busy machine than wall time."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def _fit_case(n, d, k, max_iter, limit, repeats):
    X, init = _data(n, d, k, seed=n + d + k)

    def ours():
        return KMeans(k, init=init, n_init=1, max_iter=max_iter, tol=0.0).fit(X)

    def ref():
        return SkKMeans(k, init=init, n_init=1, max_iter=max_iter, tol=0.0).fit(X)

    a, b = ours(), ref()
    agree = float(np.mean(a.labels_ == b.labels_))
    same_iter = a.n_iter_ == b.n_iter_
    rel = abs(a.inertia_ - b.inertia_) / b.inertia_
    ok = same_iter and agree >= 0.999 and rel < 1e-6
    return Result(
        case=f"KMeans.fit n={n:,} d={d} k={k} ({a.n_iter_} iter)",
        target=f"<= {limit}",
        ours_s=median_time(ours, repeats=repeats),
        ref_s=median_time(ref, repeats=repeats),
        ours_peak_mib=peak_mib(ours),
        ref_peak_mib=peak_mib(ref),
        check=f"labels agree {agree:.2%}, n_iter {a.n_iter_}/{b.n_iter_}, inertia rel diff {rel:.1e}; "
        f"CPU s ours/ref {_cpu_seconds(ours):.3f}/{_cpu_seconds(ref):.3f}",
        ok=ok,
        limit=limit,
    )


def fit_10k_d2_k5():
    return _fit_case(10_000, 2, 5, max_iter=50, limit=2.0, repeats=9)


def fit_1m_d2_k8():
    return _fit_case(1_000_000, 2, 8, max_iter=20, limit=1.5, repeats=5)


def fit_200k_d16_k32():
    return _fit_case(200_000, 16, 32, max_iter=20, limit=1.0, repeats=5)


def fit_100k_d64_k256():
    return _fit_case(100_000, 64, 256, max_iter=10, limit=1.0, repeats=3)


def _separated(n, d, k, seed):
    """Well-separated Gaussian blobs (means spread over a box growing like k^(1/d)), k random rows as init."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-1, 1, (k, d)) * 10 * k ** (1 / d)
    X = means[rng.integers(0, k, n)] + rng.normal(size=(n, d))
    init = X[rng.choice(n, size=k, replace=False)]
    return X, init


def _timed(fn, repeats, warmup=False):
    """(median wall time, median process CPU time, first result) over ``repeats`` runs.

    Most of these fits take seconds on a shared machine: a warm-up run would only add
    minutes. A fit of milliseconds gets one (``warmup``): its first run also pays for
    cold caches and, right after scikit-learn's, for OpenMP threads still spinning.
    """
    if common.QUICK:
        repeats = min(repeats, common.QUICK_REPEATS)
    if warmup:
        fn()
    walls, cpus, first = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        first = result if first is None else first
    return statistics.median(walls), statistics.median(cpus), first


def _converge_case(n, d, k, limit, repeats, separated=True, warmup=False):
    """A whole fit to convergence (tol=0) against the faster of scikit-learn's lloyd and elkan.

    Both sides do the same work per call: build the estimator, validate X and the
    given centres, fit, compute the final inertia (ours also records ``history_``
    with the default record="auto").
    """
    X, init = (_separated if separated else _data)(n, d, k, seed=n + d + k)

    def ours():
        return KMeans(k, init=init, n_init=1, tol=0.0).fit(X)  # algorithm="auto"

    def ref(algorithm):
        return lambda: SkKMeans(k, init=init, n_init=1, tol=0.0, algorithm=algorithm).fit(X)

    ours_s, ours_cpu, a = _timed(ours, repeats, warmup)
    refs = {alg: _timed(ref(alg), repeats, warmup) for alg in ("lloyd", "elkan")}
    b = refs["lloyd"][2]
    agree = float(np.mean(a.labels_ == b.labels_))
    rel = abs(a.inertia_ - b.inertia_) / b.inertia_
    ok = a.n_iter_ == b.n_iter_ == refs["elkan"][2].n_iter_ and agree == 1.0 and rel < 1e-9
    faster = min(refs, key=lambda alg: refs[alg][0])
    return Result(
        case=f"converge n={n:,} d={d} k={k} {'separated' if separated else 'overlapping'} ({a.n_iter_} iter)",
        target=f"<= {limit}",
        ours_s=ours_s,
        ref_s=refs[faster][0],
        ours_peak_mib=peak_mib(ours),
        ref_peak_mib=None,
        check=f"vs sklearn {faster} (lloyd {refs['lloyd'][0]:.4g} s, elkan {refs['elkan'][0]:.4g} s; CPU s ours "
        f"{ours_cpu:.3g}, lloyd {refs['lloyd'][1]:.3g}, elkan {refs['elkan'][1]:.3g}, CPU ratio "
        f"{ours_cpu / min(refs['lloyd'][1], refs['elkan'][1]):.2f}); labels agree "
        f"{agree:.2%}, n_iter {a.n_iter_}/{b.n_iter_}, inertia rel diff {rel:.1e}; ours runs "
        f"{'hamerly' if use_bounds(n, d, k) else 'lloyd'}",
        ok=ok,
        limit=limit,
    )


def converge_10k_d2_k5():
    # a few ms per fit: many runs, so the median is not one scheduler hiccup
    return _converge_case(10_000, 2, 5, limit=1.0, repeats=201, warmup=True)


def converge_1m_d2_k8():
    return _converge_case(1_000_000, 2, 8, limit=0.7, repeats=3)


def converge_200k_d16_k32():
    return _converge_case(200_000, 16, 32, limit=0.7, repeats=3)


def converge_100k_d64_k64():
    return _converge_case(100_000, 64, 64, limit=0.7, repeats=3)


def converge_200k_d16_k32_overlapping():
    return _converge_case(200_000, 16, 32, limit=0.8, repeats=3, separated=False)


def _potential(X, centers):
    """sum of squared distances to the nearest centre, plain numpy in blocks (neither side's code)."""
    total = 0.0
    c_sq = (centers**2).sum(1)
    for s in range(0, len(X), 65536):
        x = X[s : s + 65536]
        d = (x**2).sum(1)[:, None] - 2 * x @ centers.T + c_sq
        total += float(np.maximum(d.min(1), 0).sum())
    return total


def kmeans_plusplus_1m_d3_k64():
    n, d, k = 1_000_000, 3, 64
    X, _ = _data(n, d, 16, seed=7)
    seeds = list(range(QUICK_SEEDS if getattr(common, "QUICK", False) else 5))
    ours_pot = [_potential(X, kmeans_plusplus(X, k, random_state=s)[0]) for s in seeds]
    ref_pot = [_potential(X, sk_kmeans_plusplus(X, k, random_state=s)[0]) for s in seeds]
    rel = np.mean(ours_pot) / np.mean(ref_pot) - 1
    return Result(
        case=f"kmeans_plusplus n={n:,} d={d} k={k}",
        target="<= 1.0, potential within 2%",
        ours_s=median_time(lambda: kmeans_plusplus(X, k, random_state=0), repeats=3),
        ref_s=median_time(lambda: sk_kmeans_plusplus(X, k, random_state=0), repeats=3),
        ours_peak_mib=peak_mib(lambda: kmeans_plusplus(X, k, random_state=0)),
        ref_peak_mib=peak_mib(lambda: sk_kmeans_plusplus(X, k, random_state=0)),
        check=f"mean potential over {len(seeds)} seeds: ours/sklearn - 1 = {rel:+.2%}; CPU s ours/ref "
        f"{_cpu_seconds(lambda: kmeans_plusplus(X, k, random_state=0)):.2f}/"
        f"{_cpu_seconds(lambda: sk_kmeans_plusplus(X, k, random_state=0)):.2f}",
        ok=rel <= 0.02,  # within 2%, or better than scikit-learn
        limit=1.0,
    )


CASES = [fit_10k_d2_k5, fit_1m_d2_k8, fit_200k_d16_k32, fit_100k_d64_k256, kmeans_plusplus_1m_d3_k64,
         converge_10k_d2_k5, converge_1m_d2_k8, converge_200k_d16_k32, converge_100k_d64_k64,
         converge_200k_d16_k32_overlapping]


def auto_table(budget=1.5):
    """algorithm="auto": bounded vs plain Lloyd over n, d and k (both ours, whole fits to convergence).

    Writes the ``auto`` section of docs/benchmarks.md. Each cell is
    min CPU time of hamerly / min CPU time of lloyd, the two run alternately for about
    ``budget`` seconds per cell (at least 3 runs each), on separated and on overlapping
    blobs from k random rows. The minimum of process CPU time is the figure least
    disturbed by other work on a shared machine; below 1 the bounds pay off.
    """
    import os

    from bench.run_bench import ROOT, write_section  # noqa: PLC0415 (run_bench imports this module)

    def cpu(X, init, algorithm, record):
        t0 = time.process_time()
        KMeans(len(init), init=init, n_init=1, tol=0.0, algorithm=algorithm, record=record).fit(X)
        return time.process_time() - t0

    load = os.getloadavg()
    lines = ["## algorithm=\"auto\": bounded (hamerly) / plain Lloyd, whole fits to convergence", "",
             "`python -m bench.cases_lloyd` (`bench.cases_lloyd.auto_table`): min process CPU time of "
             "hamerly / min of lloyd, run alternately (at least 3 each); "
             f"load average {load[0]:.1f} at start. Below 1 the bounds pay off; "
             "the last column is what \"auto\" picks.", "",
             "| n | d | k | n·k·(d+2) | separated | overlapping | separated, record=\"full\" | auto |",
             "|---|---|---|---|---|---|---|---|"]
    for n in (1_000, 10_000, 100_000):
        for d in (2, 16, 64):
            for k in (3, 8, 32):
                cells = []
                for make, record in ((_separated, "centers"), (_data, "centers"), (_separated, "full")):
                    X, init = make(n, d, k, seed=n + d + k)
                    times = {"lloyd": [], "hamerly": []}
                    start = time.perf_counter()
                    while len(times["lloyd"]) < 4 or (time.perf_counter() - start < budget
                                                      and len(times["lloyd"]) < 50):
                        for algorithm in times:
                            times[algorithm].append(cpu(X, init, algorithm, record))
                    cells.append(f"{min(times['hamerly'][1:]) / min(times['lloyd'][1:]):.2f}")
                lines.append(f"| {n:,} | {d} | {k} | {n * k * (d + 2):,} | {' | '.join(cells)} | "
                             f"{'hamerly' if use_bounds(n, d, k) else 'lloyd'} |")
                print(lines[-1], flush=True)
    write_section(str(ROOT / "docs" / "benchmarks.md"), "auto", "\n".join(lines))


if __name__ == "__main__":
    auto_table()
