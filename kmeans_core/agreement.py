"""How much two clusterings agree: the adjusted Rand index (ARI).

Look at every pair of points. Two labelings agree on a pair when both put
the two points together, or both keep them apart. The Rand index is the share
of pairs they agree on; the *adjusted* index subtracts what two random
labelings with the same cluster sizes would reach by chance (Hubert & Arabie,
1985), so that

* 1 means the same partition (the label names do not matter),
* about 0 means no more agreement than chance,
* negative values mean less than chance.

With the contingency table ``n_ij`` (points in cluster i of one labeling and
cluster j of the other), row sums ``a_i`` and column sums ``b_j``, and
``C(m) = m (m - 1) / 2`` pairs among m points::

    index    = sum_ij C(n_ij)      pairs together in both
    A        = sum_i  C(a_i)       pairs together in the first
    B        = sum_j  C(b_j)       pairs together in the second
    expected = A B / C(n)          index expected by chance
    ARI      = (index - expected) / ((A + B) / 2 - expected)

Everything above is a whole number of pairs, so the code multiplies through
by ``2 C(n)`` and divides once at the end, in exact integer arithmetic.
"""

import numpy as np

__all__ = ["adjusted_rand_score", "contingency_table", "pairwise_adjusted_rand"]


def _check_labels(labels, name):
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per point); got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite labels")
    return arr


def _codes(labels):
    """Labels as integers 0..m-1 (in sorted order of the distinct labels)."""
    if labels.dtype.kind in "iu" and len(labels) and labels.min() >= 0 and labels.max() < 4 * len(labels):
        # Already small non-negative integers: skip the sort, drop unused values.
        present = np.bincount(labels) > 0
        return (np.cumsum(present) - 1)[labels], int(present.sum())
    if len(labels) == 0:
        return np.zeros(0, dtype=np.intp), 0
    uniques, codes = np.unique(labels, return_inverse=True)
    return codes.reshape(-1), len(uniques)


def contingency_table(labels_a, labels_b):
    """Counts ``n_ij`` of points labelled i in ``labels_a`` and j in ``labels_b``.

    Rows and columns follow the sorted distinct labels of each input.

    Returns
    -------
    ndarray of shape (distinct labels in a, distinct labels in b), int64
    """
    a = _check_labels(labels_a, "labels_a")
    b = _check_labels(labels_b, "labels_b")
    if a.shape != b.shape:
        raise ValueError(f"labels_a and labels_b must have the same length; got {len(a)} and {len(b)}")
    (ca, ma), (cb, mb) = _codes(a), _codes(b)
    return _table(ca, ma, cb, mb)


def _table(ca, ma, cb, mb):
    return np.bincount(ca * mb + cb, minlength=ma * mb).reshape(ma, mb).astype(np.int64)


def _pairs(counts):
    """sum over the counts m of C(m) = m (m - 1) / 2, as an exact Python int."""
    counts = counts.astype(np.int64, copy=False)
    return int((counts * (counts - 1)).sum()) // 2


def _ari_from_table(table, n):
    index = _pairs(table.ravel())
    A = _pairs(table.sum(axis=1))
    B = _pairs(table.sum(axis=0))
    total = n * (n - 1) // 2
    # Pairs split by one labeling but not the other; none means the same partition
    # (this covers the 0/0 cases: one cluster each, singletons each, n < 2).
    if A == index and B == index:
        return 1.0
    numerator = 2 * (index * total - A * B)
    denominator = (A + B) * total - 2 * A * B
    return numerator / denominator


def adjusted_rand_score(labels_a, labels_b):
    """Adjusted Rand index between two labelings of the same points.

    Parameters
    ----------
    labels_a, labels_b : array-like of shape (n,)
        Cluster labels of any hashable kind (ints, strings); only which points
        share a label matters, not the label values.

    Returns
    -------
    float
        1.0 for identical partitions (also when both are a single cluster, or
        both all singletons), around 0.0 for chance agreement, below 0 for
        less than chance. Symmetric in its arguments. Matches
        ``sklearn.metrics.adjusted_rand_score``.

    Raises
    ------
    ValueError
        If the inputs are not 1-D or differ in length.
    """
    a = _check_labels(labels_a, "labels_a")
    b = _check_labels(labels_b, "labels_b")
    if a.shape != b.shape:
        raise ValueError(f"labels_a and labels_b must have the same length; got {len(a)} and {len(b)}")
    (ca, ma), (cb, mb) = _codes(a), _codes(b)
    return float(_ari_from_table(_table(ca, ma, cb, mb), len(a)))


def pairwise_adjusted_rand(labelings):
    """ARI between every pair of rows of ``labelings``.

    Parameters
    ----------
    labelings : array-like of shape (m, n)
        m labelings of the same n points (for example the labels of m runs).

    Returns
    -------
    ndarray of shape (m, m)
        Symmetric, with ones on the diagonal.
    """
    L = np.asarray(labelings)
    if L.ndim != 2:
        raise ValueError(f"labelings must be 2-D (runs, points); got shape {L.shape}")
    for i, row in enumerate(L):
        _check_labels(row, f"labelings[{i}]")
    coded = [_codes(row) for row in L]
    m, n = L.shape
    out = np.eye(m)
    for i in range(m):
        ci, mi = coded[i]
        for j in range(i + 1, m):
            cj, mj = coded[j]
            out[i, j] = out[j, i] = _ari_from_table(_table(ci, mi, cj, mj), n)
    return out
