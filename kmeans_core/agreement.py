"""How much two clusterings agree: the adjusted Rand index (ARI), the normalised
mutual information (NMI) and purity.

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

The NMI looks at information instead of pairs. With ``p_ij = n_ij / n`` and
the margins ``p_i = a_i / n``, ``q_j = b_j / n``::

    MI   = sum_ij p_ij log(p_ij / (p_i q_j))      what one labeling tells about the other
    H(a) = -sum_i p_i log p_i                     entropy of each labeling
    NMI  = MI / ((H(a) + H(b)) / 2)               arithmetic-mean normalisation

so it is 1 for the same partition and 0 for independent ones (scikit-learn's
default, ``average_method="arithmetic"``). Purity gives each cluster the
class most of its points have and counts the share of points that fit::

    purity = sum_j max_i n_ij / n                 (i: true classes, j: clusters)

Purity is easy to read but rewards many small clusters (one per point
scores 1), so read it next to the ARI and NMI.
"""

import numpy as np

__all__ = [
    "adjusted_rand_score",
    "contingency_matrix",
    "contingency_table",
    "normalized_mutual_info_score",
    "pairwise_adjusted_rand",
    "purity_score",
]


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


def contingency_matrix(labels_true, labels_pred, *, return_labels=False):
    """Contingency matrix of true classes (rows) against clusters (columns).

    The same counts as :func:`contingency_table`, under scikit-learn's name
    (``sklearn.metrics.cluster.contingency_matrix``): entry (i, j) is the
    number of points of the i-th distinct true label in the j-th distinct
    predicted label, both in sorted order.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n,)
        Labels of any sortable kind (ints, strings).
    return_labels : bool, default False
        Also return the distinct labels behind the rows and the columns.

    Returns
    -------
    table : ndarray of shape (n_classes, n_clusters), int64
    classes, clusters : ndarray
        Only with ``return_labels``: the row and column labels.

    Raises
    ------
    ValueError
        If the inputs are not 1-D or differ in length.
    """
    a, b = _pair(labels_true, labels_pred, "labels_true", "labels_pred")
    classes, ca = np.unique(a, return_inverse=True)
    clusters, cb = np.unique(b, return_inverse=True)
    table = _table(ca.reshape(-1), len(classes), cb.reshape(-1), len(clusters))
    return (table, classes, clusters) if return_labels else table


def _pair(labels_a, labels_b, name_a, name_b):
    a = _check_labels(labels_a, name_a)
    b = _check_labels(labels_b, name_b)
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same length; got {len(a)} and {len(b)}")
    return a, b


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


def normalized_mutual_info_score(labels_true, labels_pred):
    """Normalised mutual information between two labelings, arithmetic-mean normalisation.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n,)
        Labels of any kind; only which points share a label matters.

    Returns
    -------
    float
        In [0, 1]: 1.0 for the same partition (also when both are a single
        cluster), 0.0 when one tells nothing about the other (also when only
        one of them is a single cluster). Symmetric. Matches
        ``sklearn.metrics.normalized_mutual_info_score`` with its default
        ``average_method="arithmetic"``; natural logarithms.

    Raises
    ------
    ValueError
        If the inputs are not 1-D or differ in length.
    """
    a, b = _pair(labels_true, labels_pred, "labels_true", "labels_pred")
    (ca, ma), (cb, mb) = _codes(a), _codes(b)
    if ma == mb <= 1:
        # Neither labeling splits the data (or there is none): the same partition.
        return 1.0
    return _nmi_from_table(_table(ca, ma, cb, mb))


def _nmi_from_table(table):
    n = float(table.sum())
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    if len(rows) == 1 or len(cols) == 1:
        return 0.0  # one side is a single cluster: it carries no information
    i, j = np.nonzero(table)
    nij = table[i, j].astype(np.float64)
    # p_ij log(p_ij / (p_i q_j)) = (n_ij / n) (log n_ij + log n - log a_i - log b_j)
    mi = float(np.sum(nij / n * (np.log(nij) + np.log(n) - np.log(rows[i]) - np.log(cols[j]))))
    if mi <= 1e-15:
        # Rounding can leave a tiny positive or negative sum for independent labelings.
        return 0.0
    h_a, h_b = _entropy(rows, n), _entropy(cols, n)
    return float(min(mi / ((h_a + h_b) / 2), 1.0))


def _entropy(counts, n):
    p = counts[counts > 0] / n
    return float(-np.sum(p * np.log(p)))


def purity_score(labels_true, labels_pred):
    """Purity of a clustering against known classes.

    Each cluster is credited with its most common true class; purity is the
    share of points that belong to the class of their cluster.

    Parameters
    ----------
    labels_true : array-like of shape (n,)
        The known classes.
    labels_pred : array-like of shape (n,)
        The clusters. Not symmetric: swapping the arguments answers another question.

    Returns
    -------
    float
        In (0, 1]: 1.0 when no cluster mixes classes. At least the share of
        the largest class; more clusters can only raise it (one cluster per
        point scores 1), so it cannot choose k on its own.

    Raises
    ------
    ValueError
        If the inputs are not 1-D, differ in length or are empty.
    """
    a, b = _pair(labels_true, labels_pred, "labels_true", "labels_pred")
    if len(a) == 0:
        raise ValueError("purity needs at least one labelled point; got none")
    (ca, ma), (cb, mb) = _codes(a), _codes(b)
    table = _table(ca, ma, cb, mb)
    return float(table.max(axis=0).sum() / len(a))
