"""Lloyd's algorithm in the matrix form: the E step (assign) and the M step (update).

With X (n, d) and centres M (k, d):

    D = ||x||^2 - 2 X M^T + ||m||^2        squared distances, (n, k)
    y = rowwise_argmin(D)                  E step
    M = Z^T X / Z^T 1                      M step, Z = one_hot(y)

The functions below compute exactly that, but a chunk of rows at a time so
that no (n, k) matrix and no one-hot Z is ever held in memory.
"""

import numpy as np

CHUNK_ROWS = 4096


def assign(X, centers):
    """E step: index of the nearest centre for every row, and its squared distance.

    Returns
    -------
    labels : ndarray of shape (n,), int
    min_sq_dist : ndarray of shape (n,)
    """
    n = X.shape[0]
    labels = np.empty(n, dtype=np.intp)
    min_sq = np.empty(n, dtype=X.dtype)
    center_sq = np.einsum("ij,ij->i", centers, centers)  # ||m||^2, (k,)
    for start in range(0, n, CHUNK_ROWS):
        rows = X[start : start + CHUNK_ROWS]
        # ||x||^2 is the same for every centre, so argmin needs only -2 X M^T + ||m||^2.
        partial = center_sq - 2.0 * (rows @ centers.T)
        y = partial.argmin(axis=1)
        labels[start : start + len(rows)] = y
        x_sq = np.einsum("ij,ij->i", rows, rows)
        min_sq[start : start + len(rows)] = np.maximum(
            partial[np.arange(len(rows)), y] + x_sq, 0.0
        )
    return labels, min_sq


def update(X, labels, n_clusters, sample_weight=None):
    """M step: each centre becomes the (weighted) mean of its points, M = Z^T X / Z^T 1.

    Returns
    -------
    sums : ndarray (k, d)      Z^T X, weighted
    counts : ndarray (k,)      Z^T 1, weighted
    Centres are ``sums / counts[:, None]`` where ``counts > 0``; the caller
    decides what to do with empty clusters.
    """
    w = np.ones(X.shape[0], dtype=X.dtype) if sample_weight is None else sample_weight
    counts = np.bincount(labels, weights=w, minlength=n_clusters).astype(X.dtype)
    sums = np.empty((n_clusters, X.shape[1]), dtype=X.dtype)
    for j in range(X.shape[1]):
        sums[:, j] = np.bincount(labels, weights=X[:, j] * w, minlength=n_clusters)
    return sums, counts


def inertia(X, centers, labels, sample_weight=None):
    """Sum of (weighted) squared distances from each point to the centre of its cluster."""
    total = 0.0
    for start in range(0, X.shape[0], CHUNK_ROWS):
        diff = X[start : start + CHUNK_ROWS] - centers[labels[start : start + CHUNK_ROWS]]
        sq = np.einsum("ij,ij->i", diff, diff)
        if sample_weight is not None:
            sq = sq * sample_weight[start : start + CHUNK_ROWS]
        total += float(sq.sum())
    return total
