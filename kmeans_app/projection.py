"""2-D views of data with more than two features: principal components by numpy SVD."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Projection:
    """An affine map R^d -> R^2: ``(X - mean) @ components.T``.

    For d <= 2 it is the identity (padded with a zero column for d == 1).
    explained : share of the variance each axis keeps (None for the identity).
    """

    mean: np.ndarray
    components: np.ndarray
    explained: np.ndarray | None
    axis_titles: tuple

    @property
    def is_identity(self):
        return self.explained is None

    def apply(self, Y):
        Y = np.asarray(Y, dtype=np.float64)
        if self.is_identity:
            if Y.shape[1] == 1:
                return np.column_stack([Y[:, 0], np.zeros(len(Y))])
            return Y
        return (Y - self.mean) @ self.components.T


def fit_projection(X, feature_names=("x1", "x2"), max_rows=50_000, seed=0):
    """The identity for d <= 2, else the top two principal axes of X (fitted on a sample)."""
    d = X.shape[1]
    if d <= 2:
        names = tuple(feature_names[:d]) + (("",) if d == 1 else ())
        return Projection(np.zeros(d), np.eye(2, d), None, names)
    sample = X
    if len(X) > max_rows:
        sample = X[np.random.default_rng(seed).choice(len(X), max_rows, replace=False)]
    mean = sample.mean(axis=0)
    _, s, vt = np.linalg.svd(sample - mean, full_matrices=False)
    var = s**2
    explained = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
    comps = vt[:2]
    if comps.shape[0] < 2:
        comps = np.vstack([comps, np.zeros((2 - comps.shape[0], d))])
    titles = tuple(f"PC{i + 1} ({explained[i]:.0%} of variance)" for i in range(2))
    return Projection(mean, comps, explained, titles)
