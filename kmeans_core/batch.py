"""Scores of many clusterings of the same data at once (the Elbow page's sweeps).

A sweep scores runs for k = 1 .. 10 from several seeds. Scored one at a time,
each run pays its own pass over the data; here the passes are shared:

``nearest_sq_dist_sums(X, center_groups)``
    For every group of centres (one run's centres), the sum over all rows of
    the squared distance to the nearest centre of that group: the inertia of
    the rows at those centres. One product per block of rows against *all*
    centres of all groups, then a minimum over each group's rows of that
    block: one pass over X instead of one per group.

``silhouette_means(X, labelings)``
    The mean silhouette of each labelling. Every labelling needs the same sums
    of distances from each point to each of its clusters, S = D Z (D the
    distance matrix, Z the labelling's one-hot matrix); stacking the one-hot
    matrices of all labellings side by side, one pass over D (built a tile at
    a time, as in :mod:`kmeans_core.silhouette`, and never held whole) gives
    all of them. Each distance is computed once instead of once per labelling.

Both give the same numbers as their one-at-a-time counterparts (``inertia``
at the nearest centres, :func:`kmeans_core.silhouette_score`) to rounding:
the distances use the same exact scheme as the silhouette module (centred
expansion, near-duplicate pairs recomputed from direct differences).
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._threads import one_blas_thread
from ._validation import check_data, scale_exponent
from .silhouette import (
    _N_THREADS,
    _TILE_ROWS,
    _exact_close_pairs,
    _silhouette_from_sums,
    _sorted_and_centred,
    _tau,
    check_cluster_labels,
)

__all__ = ["nearest_sq_dist_sums", "silhouette_means"]

# Below this many rows (or row blocks) a second thread costs more than it saves.
_THREADS_FROM_ROWS = 2_000
# nearest_sq_dist_sums: rows per block, so the (centres, rows) block of distances stays near
# 2**18 entries (2 MiB, in the L2 cache for its few passes); at least 256 rows.
_BLOCK_ENTRIES = 2**18


def _check_groups(center_groups, d):
    groups = []
    for i, c in enumerate(center_groups):
        c = np.asarray(c, dtype=np.float64)
        if c.ndim != 2 or c.shape[1] != d or len(c) < 1:
            raise ValueError(f"center group {i} must be a (k, {d}) array with k >= 1; got shape {c.shape}")
        if not np.isfinite(c).all():
            raise ValueError(f"center group {i} contains NaN or infinite values")
        groups.append(c)
    return groups


def nearest_sq_dist_sums(X, center_groups):
    """Sum over the rows of X of the squared distance to the nearest centre, for each group.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    center_groups : sequence of arrays of shape (k_i, n_features), k_i >= 1
        One run's centres each (k may differ between groups).

    Returns
    -------
    ndarray of shape (len(center_groups),), float64
        ``out[i] = sum_r min_j ||X[r] - center_groups[i][j]||^2``.

    Notes
    -----
    The expansion ||x||^2 - 2 x.c + ||c||^2 on rows and centres moved to the
    mean of all centres (no cancellation between huge, nearly equal terms); its
    error is a few ulp of ||x - o||^2 + ||c - o||^2 per row, far below the sum
    for data of any offset. -2 x.c + ||c||^2 of every centre comes from one
    product of [x, 1] with [-2 c, ||c||^2] per block of rows; groups of the same
    size are reduced together.
    """
    X = check_data(X)
    n, d = X.shape
    groups = _check_groups(center_groups, d)
    if not groups:
        return np.zeros(0)
    X = X.astype(np.float64, copy=False)
    C = np.vstack(groups)
    exponent = scale_exponent(np.float64, X, C)
    if exponent:  # exact power-of-two rescale; squared distances scale by 4**exponent
        X, C = np.ldexp(X, exponent), np.ldexp(C, exponent)
    origin = C.mean(axis=0)
    C = C - origin
    # [-2 c, ||c||^2] against [x, 1]: -2 x.c + ||c||^2 for every centre in one product.
    C_aug = np.hstack([-2.0 * C, np.einsum("ij,ij->i", C, C)[:, None]])
    # Runs of consecutive groups with the same k: their (g * k, rows) distances reduce as one
    # (g, k, rows) array, one numpy call per run of groups instead of one per group.
    sizes = [len(c) for c in groups]
    runs, start = [], 0
    while start < len(sizes):
        stop = start
        while stop < len(sizes) and sizes[stop] == sizes[start]:
            stop += 1
        runs.append((start, stop, sizes[start]))
        start = stop
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    block = max(256, _BLOCK_ENTRIES // len(C))

    def do_blocks(first, step):
        """Totals over the blocks first, first + step, ... (one thread's share)."""
        totals = np.zeros(len(groups))
        out = np.empty((len(groups), min(block, n)))
        x_aug = np.ones((min(block, n), d + 1))
        for r0 in range(first * block, n, step * block):
            b = min(block, n - r0)
            x = x_aug[:b, :d]
            np.subtract(X[r0:r0 + b], origin, out=x)
            D = C_aug @ x_aug[:b].T  # (centres, rows)
            mins = out[:, :b]
            for g0, g1, k in runs:
                part = D[offsets[g0]:offsets[g1]]
                np.min(part.reshape(g1 - g0, k, b), axis=1, out=mins[g0:g1])
            mins += np.einsum("ij,ij->i", x, x)
            np.maximum(mins, 0.0, out=mins)
            totals += mins.sum(axis=1)
        return totals

    workers = _N_THREADS if n >= max(_THREADS_FROM_ROWS, 2 * block) else 1
    with one_blas_thread():  # our own threads, one BLAS thread each (see _threads.py)
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                totals = sum(pool.map(do_blocks, range(workers), [workers] * workers))
        else:
            totals = do_blocks(0, 1)
    return np.ldexp(totals, -2 * exponent) if exponent else totals


def silhouette_means(X, labelings):
    """Mean silhouette coefficient of each labelling of the same rows.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    labelings : sequence of array-likes of shape (n_samples,)
        Cluster of each row, one array per clustering (any integers).

    Returns
    -------
    ndarray of shape (len(labelings),), float64
        ``silhouette_score(X, labelings[i])``, or NaN where it is undefined (fewer
        than two clusters, or as many clusters as rows).

    Notes
    -----
    Costs one pass over the n^2 distances (in tiles, bounded memory) plus a
    product of each tile with the stacked one-hot matrices (n^2 times the total
    number of clusters), instead of one full pass per labelling.
    """
    X = check_data(X, min_samples=2)
    n, d = X.shape
    X = X.astype(np.float64, copy=False)
    exponent = scale_exponent(np.float64, X)
    if exponent:  # a ratio of distances: an exact rescale changes nothing
        X = np.ldexp(X, exponent)
    out = np.full(len(labelings), np.nan)
    checked = []  # (index, codes, counts) of the labellings whose silhouette is defined
    for i, labels in enumerate(labelings):
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise ValueError(f"labelling {i} has shape {labels.shape}; it must be ({n},)")
        try:
            codes, counts = check_cluster_labels(labels, n)
        except ValueError:
            continue  # undefined: stays NaN
        checked.append((i, codes, counts))
    if not checked:
        return out
    # Sort and centre by the finest labelling: each of its clusters is a contiguous run of
    # columns centred on its own mean, which keeps the expansion accurate (see silhouette.py).
    _, fine, fine_counts = max(checked, key=lambda t: len(t[2]))
    order, Xs, begins, ends, means, V, v_norms = _sorted_and_centred(X, fine, fine_counts)
    tau = _tau(d)
    # The stacked one-hot matrix of every defined labelling, rows in sorted order.
    widths = [len(counts) for _, _, counts in checked]
    col0 = np.concatenate([[0], np.cumsum(widths)])
    Z = np.zeros((n, col0[-1]))
    for (_, codes, _), c0 in zip(checked, col0):
        Z[np.arange(n), c0 + codes[order]] = 1.0
    sums = np.empty((n, col0[-1]))

    def do_rows(start):
        stop = min(start + _TILE_ROWS, n)
        rows = Xs[start:stop]
        tile = np.empty((stop - start, n))
        for c, (a, b) in enumerate(zip(begins, ends)):
            U = rows - means[c]
            u_norms = np.einsum("ij,ij->i", U, U)
            d2 = tile[:, a:b]
            np.matmul(-2.0 * U, V[a:b].T, out=d2)
            d2 += u_norms[:, None]
            d2 += v_norms[a:b]
            _exact_close_pairs(d2, u_norms, v_norms[a:b], v_norms[a:b].max(), Xs, start, a, tau)
        np.sqrt(tile, out=tile)
        np.matmul(tile, Z, out=sums[start:stop])

    starts = range(0, n, _TILE_ROWS)
    with one_blas_thread():  # our own threads, one BLAS thread each (see _threads.py)
        if _N_THREADS > 1 and n >= _THREADS_FROM_ROWS:
            with ThreadPoolExecutor(_N_THREADS) as pool:
                list(pool.map(do_rows, starts))
        else:
            for start in starts:
                do_rows(start)
    for (i, codes, counts), c0, w in zip(checked, col0, widths):
        s = _silhouette_from_sums(sums[:, c0:c0 + w].copy(), codes[order], counts)
        out[i] = float(np.mean(s))
    return out
