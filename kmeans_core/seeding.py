"""Choosing the starting centres: uniform random rows, or k-means++ (D^2 sampling)."""

from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_data,
    check_n_clusters,
    check_positive_int,
    check_random_state,
    check_sample_weight,
)
from .lloyd import _Engine


@dataclass(frozen=True)
class SeedStep:
    """One round of k-means++ seeding, for showing how the next centre was picked.

    probabilities : (n,) the D^2 sampling probability of every point this round
        (proportional to the sample weights for the first centre).
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


def _draw(cumulative, rng, size):
    """Indices drawn with probability proportional to the increments of ``cumulative``.

    One uniform number per draw, located in the running total by binary search:
    the same D^2 sampling as ``rng.choice(n, p=...)`` without normalising an
    n-long probability vector each round. side="right" never lands on a
    zero-mass point (its running total equals the previous one).
    """
    total = cumulative[-1]
    picks = np.searchsorted(cumulative, rng.uniform(size=size) * total, side="right")
    # u * total can round up to total itself; fall back to the last point with mass.
    picks[picks >= len(cumulative)] = np.searchsorted(cumulative, total, side="left")
    return picks


def _random_init(n_samples, n_clusters, rng, w):
    """Indices of k distinct rows, drawn with probability proportional to the weights."""
    positive = np.count_nonzero(w)
    if positive == len(w) and np.all(w == w[0]):
        return rng.choice(n_samples, size=n_clusters, replace=False)
    if positive >= n_clusters:
        return rng.choice(n_samples, size=n_clusters, replace=False, p=w / w.sum())
    # Fewer weighted rows than clusters: take them all, fill up with zero-weight rows.
    chosen = np.flatnonzero(w)
    rest = rng.choice(np.flatnonzero(w == 0), size=n_clusters - positive, replace=False)
    return np.concatenate([chosen, rest])


def random_init(X, n_clusters, rng=None, sample_weight=None):
    """k distinct rows of X chosen at random (weighted by ``sample_weight`` if given).

    Returns
    -------
    centers : ndarray (n_clusters, n_features)
    indices : ndarray (n_clusters,), the rows of X used as centres
    """
    X = check_data(X)
    k = check_n_clusters(n_clusters, X.shape[0])
    w = check_sample_weight(sample_weight, X.shape[0], np.float64)
    indices = _random_init(X.shape[0], k, check_random_state(rng), w)
    return X[indices].copy(), indices


def _kmeans_plusplus(engine, n_clusters, rng, n_local_trials, steps=None):
    """Greedy k-means++ on a prepared engine (assumes valid input).

    Each round draws ``n_local_trials`` candidates by D^2 sampling and keeps
    the one that lowers the potential sum_i w_i D(x_i)^2 most. Returns the
    chosen row indices; ``steps`` (a list) receives one SeedStep per centre.
    """
    w = engine.w64
    indices = np.empty(n_clusters, dtype=np.intp)
    first = int(_draw(np.cumsum(w), rng, 1)[0])
    indices[0] = first
    closest = engine.sq_dist_to_row(first)  # D(x)^2: squared distance to the nearest chosen centre
    potential = float(closest @ w)
    if steps is not None:
        steps.append(SeedStep(w / w.sum(), np.array([first]),
                              np.array([engine.sq_to_original(potential)]), first,
                              engine.sq_to_original(potential)))
    for c in range(1, n_clusters):
        mass = closest if engine.unit_weights else closest * w
        cumulative = np.cumsum(mass)
        if cumulative[-1] <= 0:  # every point already sits on a centre (duplicates): draw by weight
            mass, cumulative = w, np.cumsum(w)
        if steps is not None:  # before `closest` (which `mass` may be) is updated in place
            probabilities = mass / cumulative[-1]
        candidates = _draw(cumulative, rng, n_local_trials)
        potentials = engine.candidate_potentials(closest, candidates)
        best = int(np.argmin(potentials))
        indices[c] = candidates[best]
        np.minimum(closest, engine.sq_dist_to_row(candidates[best]), out=closest)
        potential = float(potentials[best])
        if steps is not None:
            steps.append(SeedStep(probabilities, candidates.copy(),
                                  np.array([engine.sq_to_original(p) for p in potentials]),
                                  int(candidates[best]), engine.sq_to_original(potential)))
    return indices


def _prepare(X, n_clusters, random_state, n_local_trials, sample_weight):
    X = check_data(X)
    k = check_n_clusters(n_clusters, X.shape[0])
    w = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    if n_local_trials is None:
        # Arthur & Vassilvitskii's greedy variant: a few candidates per round,
        # growing like log k, keep the one that lowers the potential most.
        n_local_trials = 2 + int(np.log(k))
    trials = check_positive_int(n_local_trials, "n_local_trials")
    return X, k, check_random_state(random_state), trials, w


def kmeans_plusplus(X, n_clusters, *, random_state=None, n_local_trials=None, sample_weight=None):
    """Pick starting centres by greedy k-means++.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_clusters : int
    random_state : None, int or numpy Generator
    n_local_trials : int, default 2 + int(ln k)
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    centers : ndarray (n_clusters, n_features), rows of X
    indices : ndarray (n_clusters,), the rows of X used as centres
    """
    X, k, rng, trials, w = _prepare(X, n_clusters, random_state, n_local_trials, sample_weight)
    engine = _Engine(X, w)
    with engine.threads(trials):
        indices = _kmeans_plusplus(engine, k, rng, trials)
    return X[indices].copy(), indices


def kmeans_plusplus_steps(X, n_clusters, *, random_state=None, n_local_trials=None, sample_weight=None):
    """Like :func:`kmeans_plusplus`, also returning one :class:`SeedStep` per centre.

    For the same random_state the centres are identical to ``kmeans_plusplus``.

    Returns
    -------
    centers, indices, steps : as kmeans_plusplus, plus a list of SeedStep
    """
    X, k, rng, trials, w = _prepare(X, n_clusters, random_state, n_local_trials, sample_weight)
    engine = _Engine(X, w)
    steps = []
    with engine.threads(trials):
        indices = _kmeans_plusplus(engine, k, rng, trials, steps)
    return X[indices].copy(), indices, steps
