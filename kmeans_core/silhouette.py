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
a row sum over that cluster's columns.

Each tile uses the fast expansion, on data centred at that cluster's mean m_c
(u = x_i - m_c, v = x_j - m_c; the distance is the same):

    D_tile^2 = ||u||^2 - 2 U V^T + ||v||^2             (BLAS)
    S[rows, c] += sqrt(D_tile^2).sum(axis=1)           (cols all in cluster c)

Why it is exact: the expansion's rounding error is a few ulp of
||u||^2 + ||v||^2, so it is only trusted where D^2 is at least a fraction tau
of that (then its relative error is below 1e-13 whatever the BLAS kernel).
Centring on m_c makes that true for almost every pair; the few pairs that are
far closer than their cluster's spread (near-duplicates) are recomputed from
direct differences of the original coordinates, which are exact to a few ulp.

The product is BLAS, and BLAS plus numpy's ufuncs release the GIL, so two
threads can work on two row blocks at once.
"""

import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validation import check_data, check_random_state, scale_exponent

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
# A tile entry is recomputed directly when D^2 < tau(d) (||u||^2 + ||v||^2). With unit
# roundoff r = eps / 2, the expansion's error is at most (2d + 4) r times that sum (a
# length-d dot product, two norms, two additions: the textbook bounds), so above the
# threshold its relative error in the *distance* is at most (d + 2) r / tau = _MAX_REL_ERROR.
_MAX_REL_ERROR = 2.0**-43  # ~1.1e-13
_UNIT_ROUNDOFF = np.finfo(np.float64).eps / 2
_METRICS = ("euclidean", "precomputed")


def _exact_close_pairs(d2, u_norms, v_norms, v_max, Xs, start, a, tau):
    """Recompute, from direct differences, the entries of the expanded tile ``d2`` (rows
    ``start...`` against columns ``a...`` of Xs) whose pairs are too close for the expansion.

    A pair is trusted when D² >= tau * (|u|² + |v|²); a row's smallest entry screens the row first.
    """
    rows_in_doubt = np.flatnonzero(d2.min(axis=1) < tau * (u_norms + v_max))
    if len(rows_in_doubt):
        scale = u_norms[rows_in_doubt, None] + v_norms
        r, j = np.nonzero(d2[rows_in_doubt] < tau * scale)
        r = rows_in_doubt[r]
        diff = Xs[start + r] - Xs[a + j]
        d2[r, j] = np.einsum("ij,ij->i", diff, diff)


def _tau(d):
    """Threshold on D^2 / (||u||^2 + ||v||^2) below which the expansion is not trusted."""
    return (d + 2) * _UNIT_ROUNDOFF / _MAX_REL_ERROR


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


def silhouette_samples(X, labels, *, metric="euclidean"):
    """Silhouette coefficient of every sample.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or (n_samples, n_samples)
        Data (float32 input is upcast so all arithmetic is float64), or, with
        ``metric="precomputed"``, the matrix of pairwise distances.
    labels : array-like of shape (n_samples,)
        Cluster of each row: any integers or strings, need not be 0..k-1.
    metric : {"euclidean", "precomputed"}, default="euclidean"
        Euclidean distances between the rows of X, or X is itself a distance
        matrix: square, finite, non-negative, with zeros on the diagonal (up to
        100 eps, as scikit-learn allows).

    Returns
    -------
    ndarray of shape (n_samples,), float64
        Values in [-1, 1]. A point alone in its cluster scores 0 (its a(i) is
        undefined), as in Rousseeuw's paper and scikit-learn.

    Raises
    ------
    ValueError
        Non-finite or non-2-D X, a precomputed matrix that is not a distance
        matrix, labels of the wrong length, a number of distinct labels outside
        2..n_samples-1, or an unknown metric.

    Notes
    -----
    Exact: every distance has a relative error below about 1e-13 on any BLAS
    kernel (see the module docstring), so each s(i) is within ~1e-12 of the
    value computed from exact distances, also for data far from the origin
    and near-duplicate points. scikit-learn's expansion has no such guarantee:
    there the two can differ by far more than 1e-12.

    Memory: one ~1 MiB distance tile per thread plus O(n k) and a centred,
    sorted copy of X, never n^2 (except the precomputed matrix you pass).
    """
    X, codes, counts = _check_silhouette_input(X, labels, metric)
    return _samples_for(X, codes, counts, metric)


def silhouette_score(X, labels, *, metric="euclidean", sample_size=None, random_state=None):
    """Mean silhouette coefficient over all samples (or a random subset).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or (n_samples, n_samples)
        Data, or the pairwise distances with ``metric="precomputed"``.
    labels : array-like of shape (n_samples,)
        Cluster of each row: any integers.
    metric : {"euclidean", "precomputed"}, default="euclidean"
        As in :func:`silhouette_samples`.
    sample_size : int or None, default=None
        If given, score only this many rows drawn without replacement
        (``rng.choice(n_samples, sample_size, replace=False)`` with
        ``rng = np.random.default_rng(random_state)``, or the Generator
        itself); a precomputed matrix keeps those rows and columns. Cost grows
        as n^2, so this keeps big data interactive. A value >= n_samples uses
        every row, as scikit-learn does.
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
    # Full-length labels are checked first so a wrong length is reported as such.
    X, codes, counts = _check_silhouette_input(X, labels, metric)
    n = X.shape[0]
    if sample_size is not None:
        if not isinstance(sample_size, (numbers.Integral, np.integer)) or isinstance(sample_size, bool):
            raise ValueError(f"sample_size must be an integer or None; got {sample_size!r}")
        if sample_size < 2:
            raise ValueError(f"sample_size must be at least 2; got {sample_size}")
        rng = check_random_state(random_state)
        if sample_size < n:
            idx = rng.choice(n, size=int(sample_size), replace=False)
            X = X[np.ix_(idx, idx)] if metric == "precomputed" else X[idx]
            codes, counts = check_cluster_labels(codes[idx], len(idx))
    return float(np.mean(_samples_for(X, codes, counts, metric)))


def _check_silhouette_input(X, labels, metric):
    """Validate once for both public functions: (X as float64, codes, counts)."""
    if not isinstance(metric, str) or metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}; got {metric!r}")
    X = check_data(X, min_samples=2)
    eps = np.finfo(X.dtype).eps  # of the input: a float32 matrix rounds at float32's eps
    X = X.astype(np.float64, copy=False)
    codes, counts = check_cluster_labels(labels, X.shape[0])
    if metric == "precomputed":
        n = X.shape[0]
        if X.shape != (n, n):
            raise ValueError(f"a precomputed distance matrix must be square; got shape {X.shape}")
        if (X < 0).any():
            raise ValueError("a precomputed distance matrix cannot hold negative distances")
        # The same allowance as scikit-learn: rounding may leave ~eps on the diagonal.
        if (np.abs(np.diagonal(X)) > 100 * eps).any():
            raise ValueError(
                "The precomputed distance matrix contains non-zero elements on the diagonal: "
                "a point's distance to itself must be 0 (use np.fill_diagonal(X, 0))."
            )
    return X, codes, counts


def _samples_for(X, codes, counts, metric):
    if metric == "precomputed":
        return _silhouette_from_sums(_precomputed_sums(X, codes, len(counts)), codes, counts)
    # s(i) is a ratio of distances, so a power-of-two rescale (exact) changes nothing
    # but keeps squares of values like 1e200 from overflowing.
    exponent = scale_exponent(X.dtype, X)
    return _silhouette_samples(np.ldexp(X, exponent) if exponent else X, codes, counts)


def _precomputed_sums(D, codes, k):
    """S[i, c] = sum of D[i, j] over j in cluster c (the diagonal counts as 0)."""
    D = D.copy()
    np.fill_diagonal(D, 0.0)
    return np.stack([D[:, codes == c].sum(axis=1) for c in range(k)], axis=1)


def _silhouette_samples(X, codes, counts):
    """Kernel: X float64 C-contiguous, codes in 0..k-1, every count >= 1."""
    return _silhouette_from_sums(_cluster_distance_sums(X, codes, len(counts)), codes, counts)


def _silhouette_from_sums(sums, codes, counts):
    """s(i) from S[i, c], the sum of distances from point i to cluster c (S is overwritten)."""
    n = len(codes)
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


def _sorted_and_centred(X, codes, counts):
    """X sorted by cluster code (each cluster a contiguous run), each point centred on its own
    cluster's mean: (order, sorted X, run begins, run ends, means, centred points, their squared norms)."""
    order = np.argsort(codes, kind="stable")
    Xs = X[order]
    ends = np.cumsum(counts)
    begins = ends - counts
    means = np.stack([Xs[a:b].mean(axis=0) for a, b in zip(begins, ends)])
    V = Xs - np.repeat(means, counts, axis=0)
    return order, Xs, begins, ends, means, V, np.einsum("ij,ij->i", V, V)


def _cluster_distance_sums(X, codes, k):
    """S[i, c] = sum of ||x_i - x_j|| over j in cluster c, one small tile at a time."""
    n, d = X.shape
    # Sort the points by cluster so that each cluster is a contiguous run of
    # columns: a tile inside one cluster then needs only a row sum, no one-hot.
    order, Xs, begins, ends, means, V, v_norms = _sorted_and_centred(X, codes, np.bincount(codes, minlength=k))
    tau = _tau(d)
    cols = max(256, _TILE_ELEMENTS // (_TILE_ROWS * d))
    col_chunks = [[(a, min(a + cols, b), v_norms[a : a + cols].max()) for a in range(a0, b, cols)]
                  for a0, b in zip(begins, ends)]
    sums = np.zeros((n, k))

    def do_rows(start):
        stop = min(start + _TILE_ROWS, n)
        rows = Xs[start:stop]
        for c in range(k):
            U = rows - means[c]  # the row points, centred on cluster c's mean
            u_norms = np.einsum("ij,ij->i", U, U)
            minus_2U = -2.0 * U  # doubling is exact
            for a, b, v_max in col_chunks[c]:
                d2 = minus_2U @ V[a:b].T
                d2 += u_norms[:, None]
                d2 += v_norms[a:b]
                # Pairs much closer than their distance from m_c (near-duplicates, a point
                # and itself): the expansion cancels there, so take direct differences.
                # A row's smallest entry tells cheaply whether the row can hold such a pair.
                _exact_close_pairs(d2, u_norms, v_norms[a:b], v_max, Xs, start, a, tau)
                np.sqrt(d2, out=d2)
                sums[start:stop, c] += d2.sum(axis=1)

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
