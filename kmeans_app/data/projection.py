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
    var = np.zeros(2)
    var[: min(2, len(s))] = s[:2] ** 2
    total = float((s**2).sum())
    comps = np.zeros((2, d))
    comps[: min(2, len(vt))] = vt[:2]
    # An axis without variance (rank-1 or constant data) has an arbitrary direction whose
    # coordinates are rounding noise: draw it at exactly 0 and say so in its title
    # (singular values below 1e-10 of the largest: rounding noise is ~1e-16 of it).
    flat = var <= 1e-20 * var[0] if var[0] > 0 else np.ones(2, bool)
    comps[flat] = 0.0
    explained = np.where(flat, 0.0, var / total if total > 0 else 0.0)
    titles = tuple(f"PC{i + 1} (no variance)" if flat[i] else f"PC{i + 1} ({explained[i]:.0%} of variance)"
                   for i in range(2))
    return Projection(mean, comps, explained, titles)
