"""Benchmark cases for the choosing-k metrics against scikit-learn.

silhouette_score is the expensive one (O(n^2 d)): scikit-learn holds ~1 GiB of
distances at a time (its working_memory default), ours a few 8 MiB blocks.
Values must agree to 1e-10. Calinski-Harabasz and Davies-Bouldin are O(n d);
their line is there to show they stay cheap on big data.
"""

import numpy as np
from sklearn import metrics as skm

from bench.common import Result, median_time, peak_mib
from kmeans_core import calinski_harabasz_score, davies_bouldin_score, silhouette_score


def _blobs(n, d, k, seed):
    """Overlapping Gaussian blobs labelled by their nearest mean (a realistic k-means output)."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=3.0, size=(k, d))
    X = means[rng.integers(0, k, n)] + rng.normal(size=(n, d))
    labels = np.empty(n, dtype=np.intp)
    for s in range(0, n, 65536):
        x = X[s : s + 65536]
        labels[s : s + 65536] = ((x[:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    return X, labels


def silhouette_20k_d2_k8():
    n, d, k, limit = 20_000, 2, 8, 0.6
    X, labels = _blobs(n, d, k, seed=20)
    ours_val = silhouette_score(X, labels)
    ref_val = skm.silhouette_score(X, labels)
    diff = abs(ours_val - ref_val)
    return Result(
        case=f"silhouette_score n={n:,} d={d} k={k}",
        target=f"<= {limit}, extra memory <= 64 MiB",
        ours_s=median_time(lambda: silhouette_score(X, labels), repeats=5),
        ref_s=median_time(lambda: skm.silhouette_score(X, labels), repeats=3),
        ours_peak_mib=peak_mib(lambda: silhouette_score(X, labels)),
        ref_peak_mib=peak_mib(lambda: skm.silhouette_score(X, labels)),
        check=f"score {ours_val:.6f}, |ours - sklearn| = {diff:.1e} (must be <= 1e-10)",
        ok=diff <= 1e-10,
        limit=limit,
    )


def calinski_davies_1m_d8_k16():
    n, d, k, limit = 1_000_000, 8, 16, 1.0
    X, labels = _blobs(n, d, k, seed=1)
    ch, ref_ch = calinski_harabasz_score(X, labels), skm.calinski_harabasz_score(X, labels)
    db, ref_db = davies_bouldin_score(X, labels), skm.davies_bouldin_score(X, labels)
    rel = max(abs(ch / ref_ch - 1), abs(db / ref_db - 1))

    def ours():
        calinski_harabasz_score(X, labels)
        davies_bouldin_score(X, labels)

    def ref():
        skm.calinski_harabasz_score(X, labels)
        skm.davies_bouldin_score(X, labels)

    return Result(
        case=f"calinski_harabasz + davies_bouldin n={n:,} d={d} k={k}",
        target=f"<= {limit}",
        ours_s=median_time(ours, repeats=3),
        ref_s=median_time(ref, repeats=3),
        ours_peak_mib=peak_mib(ours),
        ref_peak_mib=peak_mib(ref),
        check=f"CH {ch:.6g}, DB {db:.6g}, max rel diff vs sklearn {rel:.1e} (must be <= 1e-10)",
        ok=rel <= 1e-10,
        limit=limit,
    )


CASES = [silhouette_20k_d2_k8, calinski_davies_1m_d8_k16]


if __name__ == "__main__":
    for case in CASES:
        r = case()
        print(
            f"{r.case}: ours {r.ours_s:.3f}s, sklearn {r.ref_s:.3f}s, ratio {r.ratio:.2f} ({r.target}); "
            f"peak MiB ours {r.ours_peak_mib:.1f} / sklearn {r.ref_peak_mib:.1f}; {r.check}; ok={r.ok}"
        )
