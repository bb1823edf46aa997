"""Mini-batch K-means (Sculley 2010): Lloyd's steps on small random batches.

Each step takes a batch of b rows, assigns them to their nearest centres (the E
step on the batch only), and moves each centre towards its new points with a
per-centre learning rate 1 / count, count being how many points that centre has
absorbed so far. Applied point by point, c <- (1 - 1/count) c + (1/count) x makes
every centre the running mean of all the points it has ever been given, so for a
centre that receives m points in a batch the update is

    c_new = (count * c + sum of its m points) / (count + m),   count <- count + m.

Early batches move the centres a lot, later ones less and less: the rate decays
without a schedule. A step costs O(b k d) instead of O(n k d), which is the point
on big data; the price is a somewhat higher final inertia than full Lloyd.

Where this differs from scikit-learn's ``MiniBatchKMeans``, on purpose:

- No reassignment of small clusters: scikit-learn moves centres that receive
  very few points (``reassignment_ratio``) to random data points; here a centre
  that stops receiving points simply stays where it is.
- Batches are drawn by shuffling the data once per epoch and cutting it into
  consecutive batches, so every row is seen once per pass; scikit-learn draws
  each batch independently (with replacement between batches).
- Early stopping: like scikit-learn, the run stops when an exponentially weighted
  average of the batch inertia (per point) has not improved for
  ``max_no_improvement`` consecutive batches, or when the centres move less than
  ``tol`` (relative to the data's variance, and off by default). scikit-learn's
  weighting and bookkeeping details differ, so the stopping step is not the same.
- One initialisation (no ``n_init``), computed on a random sample of
  ``init_size`` rows (default 3 * batch_size), as scikit-learn does.
"""

import math
import time
from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_data,
    check_n_clusters,
    check_positive_int,
    check_random_state,
    check_tol,
)
from .base import BaseEstimator, ClusterMixin, check_is_fitted
from .lloyd import assign
from .soft import _check_init, _start_centers


@dataclass(frozen=True)
class BatchFrame:
    """The centres after one batch (a recorded frame of the run).

    batch : how many batches have been processed (0 for the initial centres).
    n_seen : how many points have been processed (batch * batch_size, the last one may be smaller).
    elapsed : fit time in seconds up to this frame, not counting the inertia evaluations.
    centers : (k, d) centres after this batch.
    inertia : full-data inertia of these centres, or None when not computed.
    """

    batch: int
    n_seen: int
    elapsed: float
    centers: np.ndarray
    inertia: float | None


class MiniBatchKMeans(ClusterMixin, BaseEstimator):
    """Mini-batch K-means with the per-centre learning rate 1 / count (Sculley 2010).

    Parameters
    ----------
    n_clusters : int, default 8
    init : "k-means++" (default), "random" or array of shape (n_clusters, n_features)
    max_iter : int, default 100, maximum number of passes (epochs) over the data
    batch_size : int, default 1024 (capped at n_samples)
    tol : float, default 0.0, relative to the mean feature variance: stop when the sum of
        squared centre shifts over one batch is at most tol * variance (0: never)
    max_no_improvement : int or None, default 10: stop after this many batches without
        improvement of the smoothed batch inertia (None: never)
    init_size : int, optional, rows sampled to compute the initial centres (3 * batch_size)
    random_state : None, int or numpy Generator
    max_frames : int, default 300, at most this many frames are kept in ``history_``
        (evenly spaced batches, always including the first and the last)
    compute_inertia : bool, default True, evaluate the full-data inertia at every frame

    Attributes
    ----------
    cluster_centers_ : (k, d) ndarray
    labels_ : (n,) int32, nearest final centre of every row
    inertia_ : float, full-data inertia of the final centres
    counts_ : (k,) number of points each centre has absorbed
    n_steps_ : int, batches processed
    n_iter_ : int, passes over the data started (ceil(n_steps_ * batch_size / n))
    history_ : list of BatchFrame
    n_features_in_ : int
    """

    def __init__(self, n_clusters=8, *, init="k-means++", max_iter=100, batch_size=1024, tol=0.0,
                 max_no_improvement=10, init_size=None, random_state=None, max_frames=300,
                 compute_inertia=True):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.random_state = random_state
        self.max_frames = max_frames
        self.compute_inertia = compute_inertia

    def _check_params(self, X):
        n, d = X.shape
        k = check_n_clusters(self.n_clusters, n)
        init = _check_init(self.init, k, d)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        batch = min(check_positive_int(self.batch_size, "batch_size"), n)
        tol = check_tol(self.tol)
        patience = None
        if self.max_no_improvement is not None:
            patience = check_positive_int(self.max_no_improvement, "max_no_improvement")
        init_size = 3 * batch if self.init_size is None else check_positive_int(self.init_size, "init_size")
        init_size = min(max(init_size, k), n)
        max_frames = check_positive_int(self.max_frames, "max_frames")
        if max_frames < 2:
            raise ValueError(f"max_frames must be at least 2 (the first and the last); got {max_frames}")
        return k, init, max_iter, batch, tol, patience, init_size, max_frames

    def fit(self, X, y=None):
        """Run mini-batch K-means on X.

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
        k, init, max_iter, b, tol, patience, init_size, max_frames = self._check_params(X)
        rng = check_random_state(self.random_state)
        variance = float(np.mean(X.var(axis=0)))

        started = time.perf_counter()
        sample = X if init_size >= n else X[rng.choice(n, init_size, replace=False)]
        centers = _start_centers(sample, k, init, rng)
        counts = np.zeros(k)
        steps_per_epoch = math.ceil(n / b)
        total_steps = max_iter * steps_per_epoch
        # Frames are recorded every `every` batches. The run's length is unknown (early
        # stopping), so `every` starts at 1 and doubles, dropping every other frame,
        # whenever max_frames would be exceeded: the kept frames stay evenly spaced.
        every = 1
        paused = 0.0  # time spent on inertia evaluations, kept off the clock

        def frame(step, n_seen):
            nonlocal paused
            t = time.perf_counter()
            elapsed = t - started - paused
            value = float(assign(X, centers)[1].sum()) if self.compute_inertia else None
            paused += time.perf_counter() - t
            return BatchFrame(step, n_seen, elapsed, _frozen(centers.copy()), value)

        history = [frame(0, 0)]
        smoothed, best, since_best = None, np.inf, 0
        alpha = min(1.0, 2.0 * b / (n + 1))  # weight of the newest batch in the smoothed inertia
        step = n_seen = 0
        order = np.empty(0, dtype=np.intp)
        while step < total_steps:
            if step % steps_per_epoch == 0:
                order = rng.permutation(n)
            start = (step % steps_per_epoch) * b
            batch = X[order[start:start + b]]
            step += 1
            n_seen += len(batch)
            labels, sq = assign(batch, centers)  # E step on the batch only
            # M step with rate 1/count: each centre becomes the running mean of its points
            m = np.bincount(labels, minlength=k).astype(np.float64)
            sums = np.column_stack([np.bincount(labels, weights=batch[:, j], minlength=k) for j in range(d)])
            moved = m > 0
            new = centers.copy()
            new[moved] = (counts[moved, None] * centers[moved] + sums[moved]) / (counts[moved] + m[moved])[:, None]
            counts += m
            shift = float(np.sum((new - centers) ** 2))
            centers = new
            last = step == total_steps
            # early stopping on the smoothed batch inertia per point (computed before the move)
            value = float(sq.sum()) / len(batch)
            smoothed = value if smoothed is None else (1 - alpha) * smoothed + alpha * value
            if smoothed < best:
                best, since_best = smoothed, 0
            else:
                since_best += 1
            stop = (tol > 0 and shift <= tol * variance) or (patience is not None and since_best >= patience)
            if last or stop or step % every == 0:
                history.append(frame(step, n_seen))
                while len(history) > max_frames:
                    every *= 2
                    final = history[-1] if last or stop else None
                    history = [f for f in history if f.batch % every == 0 or f is final]
            if stop:
                break
        self.cluster_centers_ = centers
        labels, sq = assign(X, centers)
        self.labels_ = labels.astype(np.int32)
        self.inertia_ = float(sq.sum())
        self.counts_ = counts
        self.n_steps_ = step
        self.n_iter_ = math.ceil(step / steps_per_epoch)
        self.history_ = history
        self.n_features_in_ = d
        return self

    def predict(self, X):
        """Index of the nearest centre for each row of X (int32)."""
        check_is_fitted(self, "cluster_centers_")
        X = check_data(X)
        self._check_n_features(X, reset=False)
        return assign(X, self.cluster_centers_)[0].astype(np.int32)

    def score(self, X, y=None):
        """Opposite of the inertia of X with the fitted centres."""
        check_is_fitted(self, "cluster_centers_")
        X = check_data(X)
        self._check_n_features(X, reset=False)
        return -float(assign(X, self.cluster_centers_)[1].sum())


def _frozen(array):
    array.flags.writeable = False
    return array
