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
block of rows at a time, multiplied by Z and thrown away:

    D_block^2 = ||x||^2 - 2 X_block X^T + ||y||^2   (clipped at 0: rounding)
    S[block]  = sqrt(D_block^2) @ Z

Both steps are matrix products (BLAS), and BLAS plus numpy's ufuncs release
the GIL, so two threads can work on two blocks at once.
"""

import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validation import check_data, check_random_state

__all__ = ["check_cluster_labels", "silhouette_samples", "silhouette_score"]

# One (block_rows, n) distance block is ~ this many bytes. Small enough to stay
# near the CPU caches (measured faster than 64+ MiB blocks), large enough that
# the per-block Python overhead is negligible.
_BLOCK_BYTES = 8 * 2**20
_N_THREADS = min(2, os.cpu_count() or 1)


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

    Memory: a (block, n) buffer of ~8 MiB per thread plus O(n k), never n^2.
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
    """S[i, c] = sum of ||x_i - x_j|| over j in cluster c, a block of rows at a time."""
    n = X.shape[0]
    sq_norms = np.einsum("ij,ij->i", X, X)
    # Z, the one-hot of the labels (n, k): small next to a distance block.
    one_hot = np.zeros((n, k))
    one_hot[np.arange(n), codes] = 1.0
    sums = np.empty((n, k))
    block = max(1, min(n, _BLOCK_BYTES // (8 * n)))
    starts = range(0, n, block)

    def do_block(start):
        stop = min(start + block, n)
        # -2 x.y via a product with -2X: multiplying by 2 is exact, so this
        # rounds exactly like -2 * (X_block @ X.T) without the extra pass.
        d2 = (-2.0 * X[start:stop]) @ X.T
        d2 += sq_norms[start:stop, None]
        d2 += sq_norms
        np.maximum(d2, 0.0, out=d2)  # rounding can push tiny distances below 0
        # A point's distance to itself is 0, whatever the rounding said.
        d2[np.arange(stop - start), np.arange(start, stop)] = 0.0
        np.sqrt(d2, out=d2)
        np.matmul(d2, one_hot, out=sums[start:stop])

    if _N_THREADS > 1 and len(starts) > 1:
        with ThreadPoolExecutor(_N_THREADS) as pool:
            list(pool.map(do_block, starts))
    else:
        for start in starts:
            do_block(start)
    return sums
