"""Two cheap internal scores for choosing k: Calinski-Harabasz and Davies-Bouldin.

Both only need the cluster centroids and one pass over the data, O(n d),
so unlike the silhouette they stay instant on any data the app can load.
"""

import numpy as np

from ._validation import check_data
from .silhouette import check_cluster_labels

__all__ = ["calinski_harabasz_score", "davies_bouldin_score"]

_CHUNK_ROWS = 65536


def calinski_harabasz_score(X, labels):
    """Calinski-Harabasz index (variance ratio criterion); higher is better.

    With n points, k clusters of sizes n_c and centroids m_c, overall mean m:

        B = sum_c n_c ||m_c - m||^2              between-cluster dispersion
        W = sum_c sum_{i in c} ||x_i - m_c||^2   within-cluster dispersion (= inertia)
        CH = (B / (k - 1)) / (W / (n - k))

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    labels : array-like of shape (n_samples,)
        Cluster of each row: any integers.

    Returns
    -------
    float
        The index. Convention (scikit-learn's): 1.0 when W == 0, i.e. every
        cluster is a set of identical points and the ratio is undefined.

    Raises
    ------
    ValueError
        Bad X, labels of the wrong length, or a number of distinct labels
        outside 2..n_samples-1.
    """
    X = check_data(X, min_samples=2)
    codes, counts = check_cluster_labels(labels, X.shape[0])
    return _calinski_harabasz(X.astype(np.float64, copy=False), codes, counts)


def davies_bouldin_score(X, labels):
    """Davies-Bouldin index; lower is better, 0 is the minimum.

    With s_c the mean distance of cluster c's points to its centroid m_c:

        R_cj = (s_c + s_j) / ||m_c - m_j||       how alike clusters c and j are
        DB   = mean over c of max_{j != c} R_cj

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    labels : array-like of shape (n_samples,)
        Cluster of each row: any integers.

    Returns
    -------
    float
        The index. Conventions (scikit-learn's): 0.0 when every s_c is
        within 1e-8 of 0 or every centroid distance is within 1e-8 of 0
        (including the zero diagonal, so: all centroids coincide); a pair of
        clusters with identical centroids (distance exactly 0) is skipped
        when taking the max.

    Notes
    -----
    Point-to-centroid distances use the difference form ``||x - m_c||``.
    scikit-learn uses the expansion ``||x||^2 - 2 x.m + ||m||^2`` there, so
    on data far from the origin relative to its spread (e.g. offset 1e5,
    spread 10) its value loses digits (~1e-6 relative) while this one keeps
    them, and a singleton cluster's spread is exactly 0 here but ~1e-8 of
    the data's scale there. Elsewhere the two agree to ~1e-14.

    Raises
    ------
    ValueError
        Bad X, labels of the wrong length, or a number of distinct labels
        outside 2..n_samples-1.
    """
    X = check_data(X, min_samples=2)
    codes, counts = check_cluster_labels(labels, X.shape[0])
    return _davies_bouldin(X.astype(np.float64, copy=False), codes, counts)


def _centroids(X, codes, counts):
    """Per-cluster means (k, d) via bincount, one feature at a time (no (n, k) one-hot)."""
    k = len(counts)
    sums = np.empty((k, X.shape[1]))
    for j in range(X.shape[1]):
        sums[:, j] = np.bincount(codes, weights=X[:, j], minlength=k)
    return sums / counts[:, None]


def _sq_dist_to_own_centroid(X, codes, centroids):
    """||x_i - m_{c(i)}||^2 for every row, built in chunks so temporaries stay small."""
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        # The difference form, not the ||x||^2 - 2x.m + ||m||^2 expansion: points
        # near their centroid would otherwise lose most of their digits.
        diff = X[rows] - centroids[codes[rows]]
        out[rows] = np.einsum("ij,ij->i", diff, diff)
    return out


def _calinski_harabasz(X, codes, counts):
    n, k = X.shape[0], len(counts)
    centroids = _centroids(X, codes, counts)
    within = float(_sq_dist_to_own_centroid(X, codes, centroids).sum())
    if within == 0.0:
        return 1.0
    offsets = centroids - X.mean(axis=0)
    between = float(counts @ np.einsum("ij,ij->i", offsets, offsets))
    return between * (n - k) / (within * (k - 1.0))


def _davies_bouldin(X, codes, counts):
    k = len(counts)
    centroids = _centroids(X, codes, counts)
    dist = np.sqrt(_sq_dist_to_own_centroid(X, codes, centroids))
    spread = np.bincount(codes, weights=dist, minlength=k) / counts  # s_c
    diff = centroids[:, None, :] - centroids[None, :, :]
    centroid_dist = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))  # (k, k), k is small
    # Same tolerance as scikit-learn (numpy.isclose(.., 0) -> |v| <= 1e-8).
    if np.all(np.abs(spread) <= 1e-8) or np.all(np.abs(centroid_dist) <= 1e-8):
        return 0.0
    centroid_dist[centroid_dist == 0] = np.inf  # the diagonal, and coincident centroids
    ratios = (spread[:, None] + spread[None, :]) / centroid_dist
    return float(ratios.max(axis=1).mean())
