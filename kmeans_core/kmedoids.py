"""K-medoids: like K-means, but every centre is one of the data points (a medoid).

The objective is the sum of distances (not squared distances) from each point to
its nearest medoid, so one far outlier pulls a cluster's cost up linearly instead of
quadratically, and it cannot drag the centre off into empty space: the centre is
always a real data point.

Two ways to minimise it:

- "alternate" (Voronoi iteration, the K-means analogue): assign every point to
  its nearest medoid, then replace each medoid by the member of its cluster with
  the smallest total distance to the other members; repeat until nothing changes.
- "pam" (Kaufman and Rousseeuw): start from the alternate result, then try every
  swap of a medoid with a non-medoid and make the best one while it lowers the
  cost. Each round costs O(k n^2) with the full n x n distance matrix in memory,
  so it is offered for n <= PAM_MAX_SAMPLES only.

Names follow scikit-learn-extra's ``KMedoids``: cluster_centers_, medoid_indices_,
labels_, inertia_ (the sum of distances to the nearest medoid).
"""

from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_centers,
    check_data,
    check_n_clusters,
    check_positive_int,
    check_random_state,
)
from .base import BaseEstimator, ClusterMixin, check_is_fitted

METRICS = ("euclidean", "sqeuclidean", "manhattan")
PAM_MAX_SAMPLES = 3000  # the swap phase holds an n x n float64 matrix: 72 MB at 3,000 rows
# The medoid update compares each member with every other member of its cluster (O(m^2));
# above this many members only a random sample of candidates (plus the old medoid) is tried.
MAX_CANDIDATES = 2000


@dataclass(frozen=True)
class MedoidStep:
    """One recorded step of a K-medoids run.

    phase : "init", "assign", "update" (alternate) or "swap" (pam).
    iteration : 0 for the init, then 1, 2, ...
    medoid_indices : (k,) rows of X that are the medoids after this step.
    labels : (n,) labels after this step (None for the init).
    inertia : sum of distances to the assigned medoid (None for the init).
    """

    phase: str
    iteration: int
    medoid_indices: np.ndarray
    labels: np.ndarray | None
    inertia: float | None


def _pairwise(A, B, metric):
    """Distances between every row of A and every row of B, (len(A), len(B)).

    From the differences, not the expanded ||a||^2 - 2ab + ||b||^2: a square root
    turns that formula's rounding (1e-16 of ||a||^2) into errors of 1e-8 of the
    scale, enough to change which member of a tight cluster is the medoid.
    """
    out = np.zeros((len(A), len(B)))
    step = max(1, 2**20 // max(len(B), 1))  # rows per block: temporaries of at most 8 MiB
    for s in range(0, len(A), step):
        block = out[s:s + step]
        for j in range(A.shape[1]):  # one feature at a time: no (rows, len(B), d) temporary
            diff = np.subtract.outer(A[s:s + step, j], B[:, j])
            block += np.abs(diff, out=diff) if metric == "manhattan" else np.square(diff, out=diff)
    return np.sqrt(out, out=out) if metric == "euclidean" else out


def _nearest(X, medoids, metric):
    """Labels and distances of every row to its nearest medoid (ties to the lower index)."""
    D = _pairwise(X, medoids, metric)
    labels = D.argmin(axis=1)
    return labels, D[np.arange(len(X)), labels]


def _best_member(members, X, metric, rng, current):
    """The member of a cluster with the smallest total distance to all members."""
    candidates = members
    if len(members) > MAX_CANDIDATES:
        candidates = np.union1d(rng.choice(members, MAX_CANDIDATES, replace=False), [current])
    totals = np.empty(len(candidates))
    for s in range(0, len(candidates), 256):  # 256 candidates at a time: no m x m matrix
        totals[s:s + 256] = _pairwise(X[candidates[s:s + 256]], X[members], metric).sum(axis=1)
    best = candidates[np.argmin(totals)]
    # keep the current medoid on a tie, so the iteration cannot cycle between equals
    if current in candidates and totals[np.searchsorted(candidates, current)] <= totals.min():
        return current
    return best


def _init_medoids(X, k, init, metric, rng):
    n = len(X)
    if isinstance(init, np.ndarray):
        # the data point nearest each given centre, kept distinct
        chosen = []
        for c in init:
            order = np.argsort(_pairwise(c[None], X, metric)[0], kind="stable")
            chosen.append(next(i for i in order if i not in chosen))
        return np.array(chosen, dtype=np.intp)
    if init == "random":
        return rng.choice(n, k, replace=False)
    if init == "build":  # PAM's BUILD: greedy, each new medoid lowers the total cost most
        D = _pairwise(X, X, metric)
        chosen = [int(np.argmin(D.sum(axis=0)))]
        closest = D[:, chosen[0]].copy()
        for _ in range(1, k):
            gains = _column_sums(lambda rows: np.maximum(closest[rows, None] - D[rows], 0.0), len(D))
            gains[chosen] = -1.0
            chosen.append(int(np.argmax(gains)))
            np.minimum(closest, D[:, chosen[-1]], out=closest)
        return np.array(chosen, dtype=np.intp)
    # "k-medoids++": k-means++ seeding with the chosen metric's distance, squared
    chosen = [int(rng.integers(n))]
    closest = _pairwise(X[chosen], X, metric)[0]
    for _ in range(1, k):
        weight = closest**2
        total = weight.sum()
        if total <= 0:  # every point sits on a medoid already (duplicates)
            rest = np.setdiff1d(np.arange(n), chosen)
            chosen.append(int(rng.choice(rest)))
        else:
            chosen.append(int(rng.choice(n, p=weight / total)))
        np.minimum(closest, _pairwise(X[chosen[-1:]], X, metric)[0], out=closest)
    return np.array(chosen, dtype=np.intp)


def _swap_phase(D, medoids, max_iter, history, start_iter):
    """PAM SWAP: make the best cost-lowering (medoid, non-medoid) swap until there is none."""
    n = len(D)
    medoids = medoids.copy()
    for it in range(start_iter, start_iter + max_iter):
        Dm = D[:, medoids]  # (n, k)
        order = np.argsort(Dm, axis=1, kind="stable")
        d1 = Dm[np.arange(n), order[:, 0]]
        d2 = Dm[np.arange(n), order[:, 1]] if len(medoids) > 1 else np.full(n, np.inf)
        cost = d1.sum()
        best = (cost, None, None)
        for i in range(len(medoids)):
            # distance of every point to the medoids other than number i
            without = np.where(order[:, 0] == i, d2, d1)
            # the cost of swapping medoid i for each candidate o: sum_x min(D[x, o], without[x])
            totals = _column_sums(lambda rows, w=without: np.minimum(D[rows], w[rows, None]), n)
            totals[medoids] = np.inf
            o = int(np.argmin(totals))
            # a swap must lower the cost by more than rounding to count
            if totals[o] < best[0] - 1e-12 * max(cost, 1e-300):
                best = (totals[o], i, o)
        if best[1] is None:
            return medoids
        medoids[best[1]] = best[2]
        labels = D[:, medoids].argmin(axis=1)
        history.append(MedoidStep("swap", it, _frozen(medoids.copy()), _frozen(labels),
                                  float(D[np.arange(n), medoids[labels]].sum())))
    return medoids


def _column_sums(block, n_rows, step=256):
    """Column sums of an (n_rows, n) matrix given a block at a time: no second n x n array."""
    total = None
    for start in range(0, n_rows, step):
        part = block(slice(start, min(start + step, n_rows))).sum(axis=0)
        total = part if total is None else total + part
    return total


def _frozen(array):
    array.flags.writeable = False
    return array


class KMedoids(ClusterMixin, BaseEstimator):
    """K-medoids clustering (scikit-learn-extra's names).

    Parameters
    ----------
    n_clusters : int, default 8
    metric : "euclidean" (default), "sqeuclidean" or "manhattan"
    method : "alternate" (default) or "pam" (alternate, then PAM swaps; n <= 3,000)
    init : "k-medoids++" (default), "build", "random", or an array of shape
        (n_clusters, n_features) whose nearest data points become the first medoids
    max_iter : int, default 300, iterations of each phase
    random_state : None, int or numpy Generator

    Attributes
    ----------
    cluster_centers_ : (k, d) the medoids (rows of X)
    medoid_indices_ : (k,) their row numbers in X
    labels_ : (n,) int32
    inertia_ : float, sum of distances from each point to its nearest medoid
    n_iter_ : int, iterations of the alternate phase
    history_ : list of MedoidStep
    n_features_in_ : int
    """

    def __init__(self, n_clusters=8, *, metric="euclidean", method="alternate", init="k-medoids++",
                 max_iter=300, random_state=None):
        self.n_clusters = n_clusters
        self.metric = metric
        self.method = method
        self.init = init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        """Find the medoids.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = check_data(X).astype(np.float64, copy=False)
        n, d = X.shape
        k = check_n_clusters(self.n_clusters, n)
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}; got {self.metric!r}")
        if self.method not in ("alternate", "pam"):
            raise ValueError(f"method must be 'alternate' or 'pam'; got {self.method!r}")
        if self.method == "pam" and n > PAM_MAX_SAMPLES:
            raise ValueError(f"method='pam' needs an n x n distance matrix; it is limited to "
                             f"{PAM_MAX_SAMPLES:,} samples (X has {n:,}). Use method='alternate'.")
        init = self.init
        if isinstance(init, str):
            if init not in ("k-medoids++", "build", "random"):
                raise ValueError(f"init must be 'k-medoids++', 'build', 'random' or an array; got {init!r}")
            if init == "build" and n > PAM_MAX_SAMPLES:
                raise ValueError(f"init='build' is limited to {PAM_MAX_SAMPLES:,} samples (X has {n:,})")
        else:
            init = check_centers(init, k, d, np.float64)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        rng = check_random_state(self.random_state)

        medoids = _init_medoids(X, k, init, self.metric, rng)
        history = [MedoidStep("init", 0, _frozen(medoids.copy()), None, None)]
        n_iter = 0
        settled = {}  # cluster -> (medoid, members) for which that medoid is the best member
        for it in range(1, max_iter + 1):
            n_iter = it
            labels, dist = _nearest(X, X[medoids], self.metric)  # assign
            history.append(MedoidStep("assign", it, history[-1].medoid_indices, _frozen(labels),
                                      float(dist.sum())))
            new = medoids.copy()
            for j in range(k):  # update: the best member of each cluster
                members = np.flatnonzero(labels == j)
                known = settled.get(j)
                if len(members) and not (known and known[0] == medoids[j] and np.array_equal(known[1], members)):
                    new[j] = _best_member(members, X, self.metric, rng, medoids[j])
                    if new[j] == medoids[j]:
                        settled[j] = (medoids[j], members)  # same medoid and members: skip next time
            if np.array_equal(new, medoids):
                break
            medoids = new
            own = _pairwise_rows(X, X[medoids][labels], self.metric)
            history.append(MedoidStep("update", it, _frozen(medoids.copy()), history[-1].labels,
                                      float(own.sum())))
        if self.method == "pam":
            D = _pairwise(X, X, self.metric)
            medoids = _swap_phase(D, medoids, max_iter, history, n_iter + 1)
        labels, dist = _nearest(X, X[medoids], self.metric)
        self.medoid_indices_ = medoids
        self.cluster_centers_ = X[medoids].copy()
        self.labels_ = labels.astype(np.int32)
        self.inertia_ = float(dist.sum())
        self.n_iter_ = n_iter
        self.history_ = history
        self.n_features_in_ = d
        return self

    def predict(self, X):
        """Index of the nearest medoid for each row of X (int32)."""
        check_is_fitted(self, "medoid_indices_")
        X = check_data(X).astype(np.float64, copy=False)
        self._check_n_features(X, reset=False)
        return _nearest(X, self.cluster_centers_, self.metric)[0].astype(np.int32)

    def transform(self, X):
        """Distances from each row of X to every medoid, (n, k)."""
        check_is_fitted(self, "medoid_indices_")
        X = check_data(X).astype(np.float64, copy=False)
        self._check_n_features(X, reset=False)
        return _pairwise(X, self.cluster_centers_, self.metric)


def _pairwise_rows(A, B, metric):
    """Distance between A[i] and B[i] for every i (from differences: exact zeros stay zero)."""
    diff = A - B
    if metric == "manhattan":
        return np.abs(diff).sum(axis=1)
    sq = np.einsum("ij,ij->i", diff, diff)
    return sq if metric == "sqeuclidean" else np.sqrt(sq)
