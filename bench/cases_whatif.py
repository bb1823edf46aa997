"""Benchmark cases for the Elbow page's stability and gap-statistic section.

Target (issue 14): bootstrap stability for k = 1..10 with 20 resamples on 5,000
rows takes at most 10 s. That is 200 K-means fits plus 10 x 190 ARIs. The
reference column runs the same procedure with scikit-learn's KMeans (n_init=1,
same tolerance) and adjusted_rand_score, for scale; the target is the absolute
time of ours. scikit-learn runs on one thread here (threadpool_limits): its OpenMP
threads on small fits only add overhead, badly so on a shared machine. The gap statistic (k = 1..11, B = 10: 121 fits) is timed the same
way, without a target.
"""

import itertools
import warnings

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from bench.common import Result, median_time
from kmeans_core.stability import gap_statistic, stability

N, KS, R, B = 5_000, tuple(range(1, 11)), 20, 10
BUDGET_S = 10.0


def _data():
    X, _ = make_blobs(n_samples=N, centers=4, cluster_std=1.0, random_state=0)
    return X


def _sklearn_stability(X, ks, n_resamples, seed=0):
    """The same procedure with scikit-learn: fit each bootstrap sample, label all rows, pair ARIs."""
    n = len(X)
    means = []
    for k in ks:
        labelings = []
        for r in range(n_resamples):
            rng = np.random.default_rng([seed, k, r])
            rows = rng.integers(0, n, n)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = SkKMeans(k, n_init=1, tol=1e-4, random_state=int(rng.integers(2**31))).fit(X[rows])
            labelings.append(model.predict(X))
        means.append(np.mean([adjusted_rand_score(a, b) for a, b in itertools.combinations(labelings, 2)]))
    return np.array(means)


def _sklearn_gap(X, k_max, n_refs, seed=0):
    lo, hi = X.min(axis=0), X.max(axis=0)

    def log_w(data, k):
        if k == 1:
            return np.log(((data - data.mean(axis=0)) ** 2).sum())
        return np.log(SkKMeans(k, n_init=1, tol=1e-4, random_state=0).fit(data).inertia_)

    ks = range(1, k_max + 2)
    data = np.array([log_w(X, k) for k in ks])
    refs = np.array([[log_w(np.random.default_rng([seed, b]).uniform(lo, hi, size=X.shape), k) for k in ks]
                     for b in range(n_refs)])
    return refs.mean(axis=0) - data


def stability_5k_k1_10_r20():
    X = _data()
    ours = stability(X, KS, R, random_state=0)
    with threadpool_limits(1):
        ref = _sklearn_stability(X, KS, R)
    ours_s = median_time(lambda: stability(X, KS, R, random_state=0), repeats=3)
    with threadpool_limits(1):
        ref_s = median_time(lambda: _sklearn_stability(X, KS, R), repeats=1, warmup=0)
    at4 = ours.mean[KS.index(4)]
    return Result(
        case=f"stability k=1..10, {R} resamples, n={N:,} d=2",
        target=f"ours <= {BUDGET_S:.0f} s (absolute)",
        ours_s=ours_s, ref_s=ref_s, ours_peak_mib=None, ref_peak_mib=None,
        check=(f"{ours_s:.2f} s for {len(KS) * R} fits (budget {BUDGET_S:.0f} s); mean ARI at k=4 "
               f"{at4:.3f} (sklearn procedure {ref[KS.index(4)]:.3f})"),
        ok=ours_s <= BUDGET_S and at4 > 0.9 and abs(at4 - ref[KS.index(4)]) < 0.1,
    )


def gap_5k_kmax10_b10():
    X = _data()
    ours = gap_statistic(X, 10, B, random_state=0)
    with threadpool_limits(1):
        ref = _sklearn_gap(X, 10, B)
    ours_s = median_time(lambda: gap_statistic(X, 10, B, random_state=0), repeats=3)
    with threadpool_limits(1):
        ref_s = median_time(lambda: _sklearn_gap(X, 10, B), repeats=1, warmup=0)
    ref_peak = int(np.argmax(ref[:10])) + 1
    return Result(
        case=f"gap statistic k=1..11, B={B}, n={N:,} d=2",
        target="(no target)",
        ours_s=ours_s, ref_s=ref_s, ours_peak_mib=None, ref_peak_mib=None,
        check=f"picks k={ours.best_k}; largest gap at k={int(np.argmax(ours.gap[:10])) + 1} "
              f"(sklearn procedure: k={ref_peak})",
        ok=ours.best_k == 4,
    )


CASES = [stability_5k_k1_10_r20, gap_5k_kmax10_b10]
