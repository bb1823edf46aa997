"""The KMeans estimator: validation, restarts, and the recorded history of a run."""

import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from ._validation import check_data, check_n_clusters, check_random_state, check_sample_weight
from .lloyd import assign, inertia, update
from .seeding import _kmeans_plusplus, random_init


@dataclass(frozen=True)
class Step:
    """One recorded half-step of a run.

    phase : "init", "assign" (E step) or "update" (M step).
    iteration : 0 for the init, then 1, 2, ... (an assign and the update after it share it).
    centers : (k, d) centres after this half-step.
    labels : (n,) labels after this half-step; None before the first assignment,
        or when labels are not recorded (large data).
    inertia : objective after this half-step (None for the init: nothing is assigned yet).
    n_changed : assign: how many points switched cluster (all of them on the first one).
    shift : update: (k,) distance each centre moved.
    relocated : update: ((cluster, point_index), ...) for empty clusters moved to a far point.
    """

    phase: str
    iteration: int
    centers: np.ndarray
    labels: np.ndarray | None
    inertia: float | None
    n_changed: int = 0
    shift: np.ndarray | None = None
    relocated: tuple = ()


def _tolerance(X, tol):
    """tol is relative to the data's scale: scikit-learn multiplies by the mean feature variance."""
    if tol == 0:
        return 0.0
    return float(np.mean(np.var(X, axis=0)) * tol)


def _relocate_empty(X, labels, min_sq, sums, counts, w):
    """Move each empty cluster onto one of the points farthest from its centre."""
    empty = np.flatnonzero(counts == 0)
    if len(empty) == 0:
        return ()
    far = np.argsort(min_sq)[::-1][: len(empty)]
    moved = []
    for cluster, point in zip(empty, far):
        old = labels[point]
        sums[old] -= X[point] * w[point]
        counts[old] -= w[point]
        sums[cluster] = X[point] * w[point]
        counts[cluster] = w[point]
        moved.append((int(cluster), int(point)))
    return tuple(moved)


def lloyd(X, centers, *, max_iter=300, tol=0.0, sample_weight=None, record_labels=True):
    """Run Lloyd's algorithm from ``centers`` (assumes valid input).

    Returns (centers, labels, inertia, n_iter, history).
    """
    n, k = X.shape[0], centers.shape[0]
    w = np.ones(n, dtype=X.dtype) if sample_weight is None else sample_weight
    centers = centers.astype(X.dtype, copy=True)
    history = [Step("init", 0, centers.copy(), None, None)]
    labels = None
    n_iter = 0
    for it in range(1, max_iter + 1):
        new_labels, min_sq = assign(X, centers)
        n_changed = n if labels is None else int(np.count_nonzero(new_labels != labels))
        labels = new_labels
        history.append(
            Step("assign", it, centers.copy(), labels.copy() if record_labels else None,
                 float(min_sq @ w), n_changed=n_changed)
        )
        n_iter = it
        if n_changed == 0 and it > 1:
            return centers, labels, float(min_sq @ w), it, history
        sums, counts = update(X, labels, k, w)
        moved = _relocate_empty(X, labels, min_sq, sums, counts, w)
        new_centers = sums / counts[:, None]
        shift = np.sqrt(((new_centers - centers) ** 2).sum(axis=1))
        centers = new_centers
        step_labels = labels.copy()
        for cluster, point in moved:
            step_labels[point] = cluster
        history.append(
            Step("update", it, centers.copy(), step_labels if record_labels else None,
                 inertia(X, centers, step_labels, w), shift=shift, relocated=moved)
        )
        if float((shift**2).sum()) <= tol:
            break
    labels, min_sq = assign(X, centers)
    final = float(min_sq @ w)
    history.append(Step("assign", n_iter + 1, centers.copy(), labels.copy() if record_labels else None,
                        final, n_changed=int(np.count_nonzero(labels != history[-1].labels))
                        if record_labels else 0))
    return centers, labels, final, n_iter, history


class KMeans:
    """K-means clustering with scikit-learn's names and semantics.

    Parameters
    ----------
    n_clusters : int, default 8
    init : "k-means++", "random" or array of shape (n_clusters, n_features)
    n_init : "auto" or int. "auto" is 1 for k-means++ or an array, 10 for random.
    max_iter : int, default 300
    tol : float, relative to the mean per-feature variance of X.
    random_state : None, int or numpy Generator.
    record : "auto", "full" or "centers". What ``history_`` keeps per half-step:
        "full" stores labels too, "centers" stores only centres and inertia
        (cheap for large n); "auto" picks "full" up to 50,000 samples.
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300,
                 tol=1e-4, random_state=None, record="auto"):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.record = record

    def fit(self, X, sample_weight=None):
        X = check_data(X)
        k = check_n_clusters(self.n_clusters, X.shape[0])
        w = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        rng = check_random_state(self.random_state)
        init = self.init
        if isinstance(init, str):
            if init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random' or an array; got {init!r}")
        else:
            init = check_data(init, name="init").astype(X.dtype)
            if init.shape != (k, X.shape[1]):
                raise ValueError(
                    f"init has shape {init.shape}; expected ({k}, {X.shape[1]})"
                )
        n_init = self.n_init
        if n_init == "auto":
            n_init = 10 if isinstance(init, str) and init == "random" else 1
        if not isinstance(n_init, numbers.Integral) or n_init < 1:
            raise ValueError(f"n_init must be 'auto' or a positive integer; got {self.n_init!r}")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer; got {self.max_iter!r}")
        if not np.isfinite(self.tol) or self.tol < 0:
            raise ValueError(f"tol must be a non-negative number; got {self.tol!r}")
        if self.record not in ("auto", "full", "centers"):
            raise ValueError("record must be 'auto', 'full' or 'centers'")
        record_labels = self.record == "full" or (self.record == "auto" and X.shape[0] <= 50_000)

        n_distinct = len(np.unique(X, axis=0)) if X.shape[0] <= 200_000 else X.shape[0]
        if n_distinct < k:
            warnings.warn(
                f"Only {n_distinct} distinct points for n_clusters={k}; some clusters will coincide.",
                RuntimeWarning, stacklevel=2,
            )
        tol = _tolerance(X, self.tol)
        best = None
        for _ in range(n_init):
            if isinstance(init, str) and init == "k-means++":
                centers, _ = _kmeans_plusplus(X, k, rng, 2 + int(np.log(k)), w)
            elif isinstance(init, str):
                centers, _ = random_init(X, k, rng)
            else:
                centers = init
            result = lloyd(X, centers, max_iter=self.max_iter, tol=tol, sample_weight=w,
                           record_labels=record_labels)
            if best is None or result[2] < best[2]:
                best = result
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_, self.history_ = best
        self.n_features_in_ = X.shape[1]
        return self

    def _check_fitted_input(self, X):
        if not hasattr(self, "cluster_centers_"):
            raise ValueError("This KMeans instance is not fitted yet; call fit first")
        X = check_data(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features; the model was fitted with {self.n_features_in_}"
            )
        return X

    def predict(self, X):
        X = self._check_fitted_input(X)
        return assign(X, self.cluster_centers_.astype(X.dtype))[0]

    def fit_predict(self, X, sample_weight=None):
        return self.fit(X, sample_weight).labels_

    def transform(self, X):
        X = self._check_fitted_input(X)
        diff = X[:, None, :] - self.cluster_centers_[None, :, :]
        return np.sqrt((diff**2).sum(axis=2))

    def score(self, X, sample_weight=None):
        X = self._check_fitted_input(X)
        w = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        _, min_sq = assign(X, self.cluster_centers_.astype(X.dtype))
        return -float(min_sq @ w)
