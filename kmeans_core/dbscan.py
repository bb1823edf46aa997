"""DBSCAN: clusters as regions of high density, and an honest "noise" label.

A point is a *core* point if at least ``min_samples`` points (itself included) lie
within distance ``eps`` of it. Core points within eps of each other belong to the
same cluster, transitively; a non-core point within eps of a core point joins that
point's cluster (a *border* point); every other point is *noise*, label -1.

Unlike K-means there is no k and no centre: the clusters can have any shape
(moons, rings) and some points belong to no cluster at all. The price is eps,
a distance in the data's units that must suit every cluster's density at once.

Labels follow scikit-learn's ``DBSCAN`` exactly: points are scanned in row order,
the first unlabelled core point starts the next cluster, which is grown depth first;
a border point within reach of two clusters joins the one numbered first.
"""

import math

import numpy as np

from ._validation import check_data, check_positive_int, check_sample_weight
from .base import BaseEstimator, ClusterMixin
from .lloyd import _row_chunks

NOISE = -1


def _neighborhoods(X, eps):
    """For every row, the indices of the rows within distance eps (itself included).

    Squared distances are summed from the differences, feature by feature, so a
    point at exactly eps (a common case on grids) is inside, as in scikit-learn;
    the expanded ||x||^2 - 2xy + ||y||^2 can land an ulp outside.
    """
    limit = eps * eps
    found = []
    for rows in _row_chunks(len(X), len(X)):
        D = np.zeros((rows.stop - rows.start, len(X)))
        for j in range(X.shape[1]):
            diff = np.subtract.outer(X[rows, j], X[:, j])
            D += diff * diff
        found.extend(np.flatnonzero(row <= limit) for row in D)
    return found


class DBSCAN(ClusterMixin, BaseEstimator):
    """Density-based clustering with noise (scikit-learn's names and labels).

    Parameters
    ----------
    eps : float > 0, default 0.5, the neighbourhood radius (Euclidean, in the data's units)
    min_samples : int, default 5, points (or total sample weight) within eps, itself
        included, that make a point a core point

    Attributes
    ----------
    labels_ : (n,) int, cluster of every row; -1 for noise
    core_sample_indices_ : (n_core,) indices of the core points
    components_ : (n_core, d) the core points themselves
    n_features_in_ : int

    Notes
    -----
    All neighbourhoods are held at once: memory grows like n times the average
    number of neighbours (n^2 in the worst case, as in scikit-learn).
    """

    def __init__(self, eps=0.5, *, min_samples=5):
        self.eps = eps
        self.min_samples = min_samples

    def fit(self, X, y=None, sample_weight=None):
        """Find the core points, grow the clusters, label the rest as noise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional: a point of weight w
            counts w times towards its neighbours' min_samples

        Returns
        -------
        self
        """
        X = check_data(X).astype(np.float64, copy=False)
        try:
            eps = float(self.eps)
        except (TypeError, ValueError):
            raise ValueError(f"eps must be a positive number; got {self.eps!r}") from None
        if not math.isfinite(eps) or eps <= 0:
            raise ValueError(f"eps must be a positive finite number; got {self.eps!r}")
        min_samples = check_positive_int(self.min_samples, "min_samples")
        neighborhoods = _neighborhoods(X, eps)
        if sample_weight is None:
            counts = np.array([len(nb) for nb in neighborhoods])
        else:
            w = check_sample_weight(sample_weight, len(X), np.float64)
            counts = np.array([w[nb].sum() for nb in neighborhoods])
        is_core = counts >= min_samples

        labels = np.full(len(X), NOISE, dtype=np.intp)
        cluster = 0
        for start in range(len(X)):
            if labels[start] != NOISE or not is_core[start]:
                continue
            stack = [start]  # depth-first growth from the first unlabelled core point
            while stack:
                i = stack.pop()
                if labels[i] != NOISE:
                    continue
                labels[i] = cluster
                if is_core[i]:  # only core points pass the cluster on
                    stack.extend(int(v) for v in neighborhoods[i][::-1] if labels[v] == NOISE)
            cluster += 1
        self.labels_ = labels
        self.core_sample_indices_ = np.flatnonzero(is_core)
        self.components_ = X[self.core_sample_indices_].copy()
        self.n_features_in_ = X.shape[1]
        return self
