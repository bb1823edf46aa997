"""Silhouette coefficient (Rousseeuw, 1987), exact, in bounded memory.

For a point i in cluster A:

    a(i) = mean distance from i to the *other* points of A
    b(i) = min over clusters B != A of the mean distance from i to the points of B
    s(i) = (b(i) - a(i)) / max(a(i), b(i))          (s(i) = 0 when A = {i})

s(i) is near 1 when i sits well inside its own cluster, near 0 on a border
and negative when i is closer, on average, to another cluster.

Everything hinges on one quantity, the sum of distances from each point to
every cluster: S[i, c] = sum_{j in c} ||x_i - x_j||. With a one-hot matrix Z
(n, k) of the labels that is simply S = D Z, where D is the (n, n) distance
matrix. D is far too big to hold (20,000 points -> 3 GiB), so it is built a
small tile at a time, summed and thrown away. With the points sorted by
cluster, the columns of one cluster are contiguous and "multiply by Z" is just
a row sum over that cluster's columns:

    D_tile^2 = ||x||^2 - 2 X_rows X_cols^T + ||y||^2   (clipped at 0: rounding)
    S[rows, c] += sqrt(D_tile^2).sum(axis=1)           (cols all in cluster c)

The product is BLAS, and BLAS plus numpy's ufuncs release the GIL, so two
threads can work on two row blocks at once.
"""

import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validation import check_data, check_random_state

__all__ = ["check_cluster_labels", "silhouette_samples", "silhouette_score"]

# Distances are made in tiles of _TILE_ROWS rows by ~_TILE_ELEMENTS / (_TILE_ROWS d)
# columns (1 MiB for d = 2). Measured, this beats big blocks: the tile stays in
# the L2 cache for all its passes (product, two adds, clip, sqrt, sum), and its
# product is small enough that OpenBLAS runs it on the calling thread instead
# of waking its own pool, which would fight our threads on a busy machine.
# (OpenBLAS threads a product only above m*n*k = 2**18; cols is chosen to stay
# under that up to d = 16, beyond which the product dominates and its threads pay.)
_TILE_ROWS = 64
_TILE_ELEMENTS = 2**18
# KMEANS_THREADS caps it: the class server (scripts/class_server.py) runs one process per core,
# each on one thread, so threads of several processes do not fight over the same cores.
_THREADS_CAP = os.environ.get("KMEANS_THREADS", "2").strip()
_N_THREADS = max(1, min(2, os.cpu_count() or 1, int(_THREADS_CAP) if _THREADS_CAP.isdigit() else 2))


def check_cluster_labels(labels, n_samples):
    """Map any labels to codes 0..k-1 and check 2 <= k <= n_samples - 1.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Cluster label of every row; any integers (e.g. 3, 7, -1) or strings.
    n_samples : int
        Number of rows of the data the labels belong to.

    Returns
    -------
    codes : ndarray of shape (n_samples,), intp
        ``codes[i]`` is the rank of ``labels[i]`` among the distinct labels.
    counts : ndarray of shape (k,), intp
        Number of rows in each cluster (all >= 1).

    Raises
    ------
    ValueError
        Wrong shape or length, missing values, or a number of distinct labels
        for which the scores are undefined (same rule as scikit-learn).
    """
    try:
        lab = np.asarray(labels)
    except Exception as exc:  # ragged input
        raise ValueError(f"labels could not be read as an array: {exc}") from None
    if lab.ndim != 1:
        raise ValueError(f"labels must be 1-D; got shape {lab.shape}")
    if lab.shape[0] != n_samples:
        raise ValueError(
            f"labels has {lab.shape[0]} entries but X has {n_samples} rows; they must match"
        )
    if lab.dtype.kind == "f" and not np.isfinite(lab).all():
        raise ValueError("labels contains NaN or infinite values")
    if lab.dtype.kind not in "biufUS":
        raise ValueError(f"labels must be integers or strings; got dtype {lab.dtype}")
    uniques, codes = np.unique(lab, return_inverse=True)
    n_labels = len(uniques)
    if not 2 <= n_labels <= n_samples - 1:
        raise ValueError(
            f"Number of labels is {n_labels}. Valid values are 2 to n_samples - 1 "
            f"(inclusive) = {n_samples - 1}: a score needs at least two clusters, and "
            "at least one cluster with two or more points."
        )
    codes = codes.astype(np.intp, copy=False).ravel()
    return codes, np.bincount(codes, minlength=n_labels)


def silhouette_samples(X, labels):
    """Silhouette coefficient of every sample (Euclidean distance).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data; float32 input is upcast so all arithmetic is float64.
    labels : array-like of shape (n_samples,)
        Cluster of each row: any integers, need not be 0..k-1.

    Returns
    -------
    ndarray of shape (n_samples,), float64
        Values in [-1, 1]. A point alone in its cluster scores 0 (its a(i) is
        undefined), as in Rousseeuw's paper and scikit-learn.

    Raises
    ------
    ValueError
        Non-finite or non-2-D X, labels of the wrong length, or a number of
        distinct labels outside 2..n_samples-1.

    Notes
    -----
    Matches ``sklearn.metrics.silhouette_samples`` to ~1e-14. Like
    scikit-learn, distances come from the expansion
    ``||x||^2 - 2 x.y + ||y||^2``, whose rounding error is about
    ``1e-16 * ||x||^2`` in the *squared* distance: two points closer than
    ~1e-8 times their norm get a slightly wrong distance. Exact duplicates
    with integer-valued coordinates are still exactly 0, and every point's
    distance to itself is set to 0.

    Memory: one ~1 MiB distance tile per thread plus O(n k) and a sorted copy
    of X, never n^2.
    """
    X = check_data(X, min_samples=2)
    codes, counts = check_cluster_labels(labels, X.shape[0])
    return _silhouette_samples(X.astype(np.float64, copy=False), codes, counts)


def silhouette_score(X, labels, *, sample_size=None, random_state=None):
    """Mean silhouette coefficient over all samples (or a random subset).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    labels : array-like of shape (n_samples,)
        Cluster of each row: any integers.
    sample_size : int or None, default=None
        If given, score only this many rows drawn without replacement
        (``rng.choice(n_samples, sample_size, replace=False)`` with
        ``rng = np.random.default_rng(random_state)``, or the Generator
        itself). Cost grows as n^2, so this keeps big data interactive.
        A value >= n_samples uses every row, as scikit-learn does.
    random_state : None, int or numpy.random.Generator, default=None
        Makes the subset reproducible; ignored when ``sample_size`` is None.

    Returns
    -------
    float
        Mean of :func:`silhouette_samples` over the scored rows, in [-1, 1].

    Raises
    ------
    ValueError
        As :func:`silhouette_samples`; also when ``sample_size`` < 2 or the
        subset holds a single cluster or only singletons.
    """
    X = check_data(X, min_samples=2)
    n = X.shape[0]
    # Full-length labels are checked first so a wrong length is reported as such.
    codes, counts = check_cluster_labels(labels, n)
    if sample_size is not None:
        if not isinstance(sample_size, (numbers.Integral, np.integer)) or isinstance(sample_size, bool):
            raise ValueError(f"sample_size must be an integer or None; got {sample_size!r}")
        if sample_size < 2:
            raise ValueError(f"sample_size must be at least 2; got {sample_size}")
        rng = check_random_state(random_state)
        if sample_size < n:
            idx = rng.choice(n, size=int(sample_size), replace=False)
            X = X[idx]
            codes, counts = check_cluster_labels(codes[idx], len(idx))
    return float(np.mean(_silhouette_samples(X.astype(np.float64, copy=False), codes, counts)))


def _silhouette_samples(X, codes, counts):
    """Kernel: X float64 C-contiguous, codes in 0..k-1, every count >= 1."""
    n = X.shape[0]
    k = len(counts)
    sums = _cluster_distance_sums(X, codes, k)  # S[i, c], (n, k)

    rows = np.arange(n)
    intra = sums[rows, codes]
    # Mean distance to each other cluster; the own cluster is excluded from b(i).
    sums /= counts
    sums[rows, codes] = np.inf
    b = sums.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # A singleton divides 0 by 0 -> NaN -> 0 below (its silhouette is 0 by definition).
        a = intra / (counts - 1)[codes]
        s = (b - a) / np.maximum(a, b)
    # max(a, b) = 0 only for a point whose own and nearest other cluster are all
    # duplicates of it: no evidence either way, so 0 as well.
    return np.nan_to_num(s, nan=0.0, posinf=0.0, neginf=0.0)


def _cluster_distance_sums(X, codes, k):
    """S[i, c] = sum of ||x_i - x_j|| over j in cluster c, one small tile at a time."""
    n, d = X.shape
    # Sort the points by cluster so that each cluster is a contiguous run of
    # columns: a tile inside one cluster then needs only a row sum, no one-hot.
    order = np.argsort(codes, kind="stable")
    Xs = X[order]
    sq_norms = np.einsum("ij,ij->i", Xs, Xs)
    minus_2X = -2.0 * Xs  # doubling is exact: rounds exactly like -2 * (X @ Y.T)
    counts = np.bincount(codes, minlength=k)
    ends = np.cumsum(counts)
    cols = max(256, _TILE_ELEMENTS // (_TILE_ROWS * d))
    col_chunks = [
        (c, a, min(a + cols, ends[c])) for c in range(k) for a in range(ends[c] - counts[c], ends[c], cols)
    ]
    sums = np.zeros((n, k))

    def do_rows(start):
        stop = min(start + _TILE_ROWS, n)
        out = sums[start:stop]
        for c, a, b in col_chunks:
            d2 = minus_2X[start:stop] @ Xs[a:b].T  # same order of operations as scikit-learn
            d2 += sq_norms[start:stop, None]
            d2 += sq_norms[a:b]
            np.maximum(d2, 0.0, out=d2)  # rounding can push tiny distances below 0
            lo, hi = max(start, a), min(stop, b)
            if lo < hi:  # this tile holds some points' distance to themselves: exactly 0
                i = np.arange(lo, hi)
                d2[i - start, i - a] = 0.0
            np.sqrt(d2, out=d2)
            out[:, c] += d2.sum(axis=1)

    starts = range(0, n, _TILE_ROWS)
    if _N_THREADS > 1 and len(starts) > 1:
        with ThreadPoolExecutor(_N_THREADS) as pool:
            list(pool.map(do_rows, starts))
    else:
        for start in starts:
            do_rows(start)
    unsorted = np.empty_like(sums)
    unsorted[order] = sums
    return unsorted
