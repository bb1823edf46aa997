"""Spectral clustering: K-means on the eigenvectors of a graph built from the data.

K-means cuts space into convex cells, so it cannot follow two interleaved moons
or one ring inside another. Spectral clustering first connects nearby points in a
graph, then embeds every point by the graph's smoothest "vibration modes": points
joined by many short paths land close together, whatever the shape they trace.
K-means on that embedding then separates shapes, not blobs.

1. Affinity A (n x n): "rbf", A_ij = exp(-gamma ||x_i - x_j||^2); or
   "nearest_neighbors", A_ij = 1 if j is among the n_neighbors nearest points of i
   (itself included), made symmetric as (C + C^T) / 2.
2. Normalised Laplacian L = I - D^-1/2 A D^-1/2, D the degrees (self-loops left
   out). Its eigenvectors u_1..u_k of the k smallest eigenvalues are the largest
   eigenvectors of M = D^-1/2 A D^-1/2.
3. Embedding: row i of [u_1 ... u_k] divided by sqrt(d_i) (the random-walk
   eigenvectors, as scikit-learn's ``spectral_embedding`` returns them).
4. Our own ``KMeans`` (n_init restarts) on the embedding.

The eigendecomposition here is numpy's dense ``eigh``: O(n^3) time and an n x n
matrix. Above ``max_dense`` rows (default 1,000), a random sample of that many
rows is clustered, and every other row takes the label of its nearest sampled
row; ``sampled_`` says so and ``sample_indices_`` lists the rows used.
"""

import warnings

import numpy as np

from ._threads import one_blas_thread
from ._validation import check_data, check_n_clusters, check_positive_int, check_random_state
from .base import BaseEstimator, ClusterMixin
from .exceptions import ConvergenceWarning
from .kmeans import KMeans
from .lloyd import assign

MAX_DENSE = 1000  # rows in the dense eigendecomposition (under a second on a small busy machine)


def _squared_distances(X):
    """All pairwise squared distances of the rows of X, from the expanded formula around the mean."""
    Xc = X - X.mean(axis=0)
    sq = np.einsum("ij,ij->i", Xc, Xc)
    D = sq[:, None] - 2.0 * Xc @ Xc.T + sq[None, :]
    np.maximum(D, 0.0, out=D)
    np.fill_diagonal(D, 0.0)
    return D


def affinity_matrix(X, affinity="rbf", *, gamma=1.0, n_neighbors=10):
    """The symmetric affinity matrix A of step 1 (dense, n x n).

    Parameters
    ----------
    X : array-like of shape (n, d)
    affinity : "rbf" or "nearest_neighbors"
    gamma : float > 0, rbf only
    n_neighbors : int, nearest_neighbors only (counting the point itself, as scikit-learn)

    Returns
    -------
    ndarray (n, n)
    """
    X = check_data(X).astype(np.float64, copy=False)
    affinity, gamma, n_neighbors = _check_affinity(affinity, gamma, n_neighbors, len(X))
    return _affinity(X, affinity, gamma, n_neighbors)


def _check_affinity(affinity, gamma, n_neighbors, n):
    if affinity not in ("rbf", "nearest_neighbors"):
        raise ValueError(f"affinity must be 'rbf' or 'nearest_neighbors'; got {affinity!r}")
    try:
        gamma = float(gamma)
    except (TypeError, ValueError):
        raise ValueError(f"gamma must be a positive number; got {gamma!r}") from None
    if not np.isfinite(gamma) or gamma <= 0:
        raise ValueError(f"gamma must be a positive finite number; got {gamma!r}")
    n_neighbors = check_positive_int(n_neighbors, "n_neighbors")
    if affinity == "nearest_neighbors" and n_neighbors > n:
        raise ValueError(f"n_neighbors={n_neighbors} is larger than the number of samples ({n})")
    return affinity, gamma, n_neighbors


def _affinity(X, affinity, gamma, n_neighbors):
    D = _squared_distances(X)
    if affinity == "rbf":
        return np.exp(-gamma * D)
    n = len(X)
    # each row's n_neighbors smallest distances (the point itself, at 0, among them)
    nearest = np.argpartition(D, n_neighbors - 1, axis=1)[:, :n_neighbors]
    C = np.zeros((n, n))
    C[np.repeat(np.arange(n), n_neighbors), nearest.ravel()] = 1.0
    return 0.5 * (C + C.T)


def spectral_embedding(A, n_components):
    """Steps 2-3: the first n_components eigenvectors of the normalised Laplacian of A, divided by sqrt(degree).

    Returns
    -------
    embedding : ndarray (n, n_components), columns in order of increasing Laplacian eigenvalue
    eigenvalues : ndarray (n_components,), those Laplacian eigenvalues
    """
    A = np.array(A, dtype=np.float64)
    np.fill_diagonal(A, 0.0)  # self-loops do not count towards the degree (as scipy's laplacian)
    degree = A.sum(axis=1)
    dd = np.sqrt(np.where(degree > 0, degree, 1.0))  # an isolated point keeps scale 1
    M = A / dd[:, None] / dd[None, :]
    with one_blas_thread():
        values, vectors = np.linalg.eigh(M)  # ascending eigenvalues of M
    top = vectors[:, ::-1][:, :n_components]  # largest of M = smallest of L = I - M
    embedding = top / dd[:, None]
    # a deterministic sign: each column's largest-magnitude entry positive
    signs = np.sign(embedding[np.abs(embedding).argmax(axis=0), np.arange(n_components)])
    return embedding * np.where(signs == 0, 1.0, signs), 1.0 - values[::-1][:n_components]


class SpectralClustering(ClusterMixin, BaseEstimator):
    """Spectral clustering with a normalised Laplacian and our KMeans (scikit-learn's names).

    Parameters
    ----------
    n_clusters : int, default 8
    affinity : "rbf" (default) or "nearest_neighbors"
    gamma : float, default 1.0, the rbf kernel's exp(-gamma ||x - y||^2) (in the data's units)
    n_neighbors : int, default 10, for "nearest_neighbors"
    n_init : int, default 10, K-means restarts on the embedding
    random_state : None, int or numpy Generator (the sample and the K-means seeds)
    max_dense : int, default 1,000, the most rows put through the dense eigendecomposition

    Attributes
    ----------
    labels_ : (n,) int32
    embedding_ : (n_used, n_clusters), the spectral embedding of the rows used
    eigenvalues_ : (n_clusters,), the smallest normalised-Laplacian eigenvalues
    affinity_matrix_ : (n_used, n_used)
    sampled_ : bool, True if only a sample of rows went through the eigendecomposition
    sample_indices_ : (n_used,) rows of X that were embedded (all rows if not sampled)
    n_features_in_ : int
    """

    def __init__(self, n_clusters=8, *, affinity="rbf", gamma=1.0, n_neighbors=10, n_init=10,
                 random_state=None, max_dense=MAX_DENSE):
        self.n_clusters = n_clusters
        self.affinity = affinity
        self.gamma = gamma
        self.n_neighbors = n_neighbors
        self.n_init = n_init
        self.random_state = random_state
        self.max_dense = max_dense

    def fit(self, X, y=None):
        """Cluster X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = check_data(X).astype(np.float64, copy=False)
        n = len(X)
        k = check_n_clusters(self.n_clusters, n)
        n_init = check_positive_int(self.n_init, "n_init")
        max_dense = check_positive_int(self.max_dense, "max_dense")
        if max_dense < k:
            raise ValueError(f"max_dense={max_dense} must be at least n_clusters={k}")
        rng = check_random_state(self.random_state)
        used = np.arange(n) if n <= max_dense else np.sort(rng.choice(n, max_dense, replace=False))
        affinity, gamma, n_neighbors = _check_affinity(self.affinity, self.gamma, self.n_neighbors,
                                                       len(used))
        A = _affinity(X[used], affinity, gamma, n_neighbors)
        isolated = int(np.count_nonzero(A.sum(axis=1) - A.diagonal() <= 0))
        if isolated:
            warnings.warn(f"{isolated} of {len(used)} points have no neighbour in the affinity graph "
                          f"(rbf with gamma={gamma:g} is too narrow for the data's scale?); their "
                          "embedding is meaningless. Lower gamma or use affinity='nearest_neighbors'.",
                          ConvergenceWarning, stacklevel=2)
        embedding, eigenvalues = spectral_embedding(A, k)
        seed = int(rng.integers(2**31))
        labels_used = KMeans(k, n_init=n_init, random_state=seed).fit(embedding).labels_
        labels = np.empty(n, dtype=np.int32)
        labels[used] = labels_used
        if len(used) < n:
            # every other row takes the label of its nearest sampled row
            rest = np.setdiff1d(np.arange(n), used)
            labels[rest] = labels_used[assign(X[rest], X[used])[0]]
        self.labels_ = labels
        self.embedding_ = embedding
        self.eigenvalues_ = eigenvalues
        self.affinity_matrix_ = A
        self.sampled_ = len(used) < n
        self.sample_indices_ = used
        self.n_features_in_ = X.shape[1]
        return self
