"""Choosing the starting centres: uniform random rows, or k-means++ (D^2 sampling)."""

from dataclasses import dataclass

import numpy as np

from ._validation import check_data, check_n_clusters, check_random_state, check_sample_weight


@dataclass(frozen=True)
class SeedStep:
    """One round of k-means++ seeding, for showing how the next centre was picked.

    probabilities : (n,) the D^2 sampling probability of every point this round
        (uniform for the first centre).
    candidates : indices of the points drawn as candidates.
    candidate_potentials : the total potential (inertia) each candidate would give.
    chosen : index of the candidate kept (the one with the lowest potential).
    potential : the potential after adding the chosen centre.
    """

    probabilities: np.ndarray
    candidates: np.ndarray
    candidate_potentials: np.ndarray
    chosen: int
    potential: float


def random_init(X, n_clusters, rng):
    """k distinct rows of X chosen uniformly at random."""
    indices = rng.choice(X.shape[0], size=n_clusters, replace=False)
    return X[indices].copy(), indices


def _sq_dist_to(X, x_sq, point):
    d = x_sq - 2.0 * (X @ point) + point @ point
    return np.maximum(d, 0.0, out=d)


def _kmeans_plusplus(X, n_clusters, rng, n_local_trials, w, steps=None):
    n = X.shape[0]
    x_sq = np.einsum("ij,ij->i", X, X)
    indices = np.empty(n_clusters, dtype=np.intp)
    first = rng.choice(n, p=w / w.sum())
    indices[0] = first
    closest = _sq_dist_to(X, x_sq, X[first])
    potential = float(closest @ w)
    if steps is not None:
        steps.append(SeedStep(w / w.sum(), np.array([first]), np.array([potential]), first, potential))
    for c in range(1, n_clusters):
        weighted = closest * w
        total = weighted.sum()
        if total <= 0:  # every point already sits on a centre (duplicates)
            probs = w / w.sum()
        else:
            probs = weighted / total
        candidates = rng.choice(n, size=n_local_trials, p=probs)
        best, best_pot, best_dist, pots = -1, np.inf, None, []
        for cand in candidates:
            dist = np.minimum(closest, _sq_dist_to(X, x_sq, X[cand]))
            pot = float(dist @ w)
            pots.append(pot)
            if pot < best_pot:
                best, best_pot, best_dist = cand, pot, dist
        indices[c] = best
        closest, potential = best_dist, best_pot
        if steps is not None:
            steps.append(SeedStep(probs, candidates, np.array(pots), int(best), potential))
    return X[indices].copy(), indices


def _prepare(X, n_clusters, random_state, n_local_trials, sample_weight):
    X = check_data(X)
    k = check_n_clusters(n_clusters, X.shape[0])
    w = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    if n_local_trials is None:
        # Arthur & Vassilvitskii's greedy variant: a few candidates per round,
        # growing like log k, keep the one that lowers the potential most.
        n_local_trials = 2 + int(np.log(k))
    if int(n_local_trials) < 1:
        raise ValueError("n_local_trials must be at least 1")
    return X, k, check_random_state(random_state), int(n_local_trials), w


def kmeans_plusplus(X, n_clusters, *, random_state=None, n_local_trials=None, sample_weight=None):
    """Pick starting centres by greedy k-means++.

    Returns
    -------
    centers : ndarray (n_clusters, n_features)
    indices : ndarray (n_clusters,), the rows of X used as centres
    """
    X, k, rng, trials, w = _prepare(X, n_clusters, random_state, n_local_trials, sample_weight)
    return _kmeans_plusplus(X, k, rng, trials, w)


def kmeans_plusplus_steps(X, n_clusters, *, random_state=None, n_local_trials=None, sample_weight=None):
    """Like :func:`kmeans_plusplus`, also returning one :class:`SeedStep` per centre.

    For the same random_state the centres are identical to ``kmeans_plusplus``.
    """
    X, k, rng, trials, w = _prepare(X, n_clusters, random_state, n_local_trials, sample_weight)
    steps = []
    centers, indices = _kmeans_plusplus(X, k, rng, trials, w, steps)
    return centers, indices, steps
