"""Benchmark cases for the K-means variants (Gaussian mixture, ...) against scikit-learn.

Both sides start from the same initial parameters (weights_init, means_init,
precisions_init), so they run the same EM iterations; the check compares the
iteration count and the final mean log-likelihood.

BLAS threads: scikit-learn's full-covariance EM calls a Cholesky factorisation and
a triangular solve per component per iteration on tiny (d x d) matrices. With two
OpenBLAS threads on this busy 2-core machine those calls run many times slower
than on one, so each side is timed with the BLAS pool at its default size and at
one thread, and its faster setting is the one reported.
"""

import numpy as np
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from bench.common import Result, median_time
from kmeans_core import GaussianMixture

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
    threadpool_limits = None


def _best_time(fn, repeats):
    """(seconds, setting): the faster of the default BLAS pool and one BLAS thread."""
    default = median_time(fn, repeats=repeats)
    if threadpool_limits is None:
        return default, "default"
    with threadpool_limits(1):
        single = median_time(fn, repeats=repeats)
    return (single, "1 BLAS thread") if single < default else (default, "default threads")


def gaussian_mixture_10k_d2_k5_full():
    n, d, k, limit = 10_000, 2, 5, 1.5
    rng = np.random.default_rng(10)
    means = rng.normal(scale=4.0, size=(k, d))
    shapes = rng.normal(size=(k, d, d)) * 0.6 + np.eye(d)
    X = np.concatenate([rng.normal(size=(n // k, d)) @ shapes[j] + means[j] for j in range(k)])
    init = dict(weights_init=np.full(k, 1 / k), means_init=X[rng.choice(n, k, replace=False)],
                precisions_init=np.stack([np.eye(d)] * k))
    kw = dict(n_components=k, covariance_type="full", tol=1e-6, max_iter=500, **init)
    ours = GaussianMixture(**kw, record="params").fit(X)
    ref = SkGaussianMixture(**kw).fit(X)
    diff = abs(ours.lower_bound_ - ref.lower_bound_)
    ok = ours.n_iter_ == ref.n_iter_ and diff <= 1e-6
    ours_s, ours_setting = _best_time(lambda: GaussianMixture(**kw, record="params").fit(X), 5)
    ref_s, ref_setting = _best_time(lambda: SkGaussianMixture(**kw).fit(X), 5)
    return Result(
        case=f"GaussianMixture.fit n={n:,} d={d} k={k} full",
        target=f"<= {limit}",
        ours_s=ours_s,
        ref_s=ref_s,
        ours_peak_mib=None,
        ref_peak_mib=None,
        check=(f"{ours.n_iter_} vs {ref.n_iter_} EM iterations, |lower bound diff| {diff:.1e} "
               f"(<= 1e-6); timed with {ours_setting} / {ref_setting}"),
        ok=ok,
        limit=limit,
    )


CASES = [gaussian_mixture_10k_d2_k5_full]


if __name__ == "__main__":
    for case in CASES:
        r = case()
        print(f"{r.case}: ours {r.ours_s:.4f}s sklearn {r.ref_s:.4f}s ratio {r.ratio:.2f} "
              f"(target {r.target}) {r.check} {'OK' if r.ok else 'CHECK FAILED'}")
