"""Soft K-means: every point belongs to every cluster, with a share set by a stiffness beta.

The E step of hard K-means sends each point to its nearest centre. The soft E step
gives point i a responsibility for each centre j instead,

    r_ij = exp(-b ||x_i - m_j||^2) / sum_l exp(-b ||x_i - m_l||^2),

and the M step moves every centre to the responsibility-weighted mean of all points,

    m_j = sum_i r_ij x_i / sum_i r_ij.

This is exactly EM for a mixture of k Gaussians with equal weights 1/k and one fixed
spherical covariance sigma^2 I, where b = 1 / (2 sigma^2). As b grows the
responsibilities become 0/1 and the two steps become Lloyd's: K-means is the
sigma^2 -> 0 limit of that mixture.

Scale convention. ``SoftKMeans(beta=...)`` takes a dimensionless beta and uses
b = beta / s2 in the kernel, where s2 = mean(var(X, axis=0)) is the mean per-feature
variance of the data (``data_scale``). So beta = 1 means "a kernel as wide as the
data", and one slider (say 0.1 to 10,000) fits every dataset whatever its units.
``soft_assign(X, centers, beta)`` is the plain formula with b = beta; pass
``scale=s2`` to use the same convention there.
"""

import warnings
from dataclasses import dataclass, replace

import numpy as np

from ._validation import (
    check_centers,
    check_data,
    check_n_clusters,
    check_positive_int,
    check_random_state,
    check_tol,
)
from .base import BaseEstimator, ClusterMixin, check_is_fitted
from .exceptions import ConvergenceWarning
from .lloyd import _frame, _squared_distances
from .seeding import kmeans_plusplus, random_init

# A fixed log grid of dimensionless beta values (5 per decade, 0.1 to 1,000,000),
# scanned by smallest_hard_beta. Fixed so that the answer is comparable between datasets.
# It reaches 1e6 because overlapping clusters keep a few boundary points split
# between two centres up to beta ~ 1e5 (4 touching blobs of 5,000 points).
BETA_GRID = np.logspace(-1, 6, 36)
RECORD_RESPONSIBILITIES_UP_TO = 50_000  # record="auto" keeps responsibilities up to this many rows


@dataclass(frozen=True)
class SoftStep:
    """One recorded half-step of a soft K-means run.

    phase : "init", "E" (responsibilities) or "M" (centres).
    iteration : 0 for the init, then 1, 2, ... (an E step and the M step after it share it).
    centers : (k, d) centres after this half-step.
    shares : (n, k) uint8 responsibilities, round(255 * r_ij), or None (init, or not recorded).
        255 per row up to rounding: enough to colour points, 1/8 of the float64 memory.
    log_likelihood : log-likelihood of the data under the equal-weight spherical
        mixture the run is EM for, for this step's centres (an E step scores the centres
        it starts from; None for the init). It never decreases.
    soft_inertia : sum_ij r_ij ||x_i - m_j||^2 with this step's responsibilities and centres.
    """

    phase: str
    iteration: int
    centers: np.ndarray
    shares: np.ndarray | None
    log_likelihood: float | None
    soft_inertia: float | None


def data_scale(X):
    """The mean per-feature variance s2 = mean(var(X, axis=0)) that beta is relative to.

    Returns 1.0 for data without any spread (all rows equal), so beta stays usable.
    """
    X = check_data(X)
    s2 = float(np.mean(np.var(X, axis=0, dtype=np.float64)))
    return s2 if s2 > 0 else 1.0


def _check_beta(beta):
    try:
        value = float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"beta must be a positive number; got {beta!r}") from None
    if isinstance(beta, bool) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"beta must be a positive finite number; got {beta!r}")
    return value


def soft_assign(X, centers, beta, *, scale=1.0):
    """Soft E step: responsibilities r_ij proportional to exp(-(beta/scale) ||x_i - m_j||^2).

    Parameters
    ----------
    X : array-like of shape (n, d)
    centers : array-like of shape (k, d)
    beta : float > 0, the stiffness. Large beta: nearly hard labels; small: nearly uniform.
    scale : float > 0, default 1.0. The kernel uses beta / scale; pass
        ``data_scale(X)`` to make beta dimensionless, as SoftKMeans does.

    Returns
    -------
    ndarray of shape (n, k), float64, each row summing to 1.

    Notes
    -----
    Computed with the log-sum-exp trick: subtracting each row's largest exponent
    before exp changes no ratio, and keeps exp from overflowing or underflowing
    to 0/0 for any beta (the nearest centre always gets exp(0) = 1).
    """
    X = check_data(X)
    centers = check_data(centers, name="centers")
    if centers.shape[1] != X.shape[1]:
        raise ValueError(f"centers have {centers.shape[1]} features but X has {X.shape[1]}")
    b = _check_beta(beta) / _check_beta(scale)
    return _responsibilities(X.astype(np.float64, copy=False), centers.astype(np.float64), b)[0]


def _responsibilities(X, centers, b):
    """(R, D, log_norm): responsibilities, squared distances and log sum_j exp(-b D_ij) per row."""
    origin, exponent = _frame(X, centers)
    D = np.empty((len(X), len(centers)))
    for rows, block in _squared_distances(X, centers, origin, exponent):
        D[rows] = np.ldexp(np.maximum(block, 0.0), -2 * exponent)
    logits = -b * D
    top = logits.max(axis=1, keepdims=True)  # log-sum-exp: the largest term becomes exp(0) = 1
    R = np.exp(logits - top)
    total = R.sum(axis=1, keepdims=True)
    R /= total
    return R, D, (top + np.log(total))[:, 0]


def _start_centers(X, k, init, rng):
    """Starting centres from "k-means++", "random" or an array (validated by the caller)."""
    if isinstance(init, str):
        if init == "k-means++":
            return kmeans_plusplus(X, k, random_state=rng)[0].astype(np.float64)
        return random_init(X, k, rng)[0].astype(np.float64)
    return np.array(init, dtype=np.float64)


def _check_init(init, k, n_features, dtype=np.float64):
    if isinstance(init, str):
        if init not in ("k-means++", "random"):
            raise ValueError(f"init must be 'k-means++', 'random' or an array; got {init!r}")
        return init
    return check_centers(init, k, n_features, dtype)


class SoftKMeans(ClusterMixin, BaseEstimator):
    """Soft K-means (EM for an equal-weight spherical Gaussian mixture with fixed width).

    Parameters
    ----------
    n_clusters : int, default 8
    beta : float > 0, default 10.0, dimensionless stiffness. The kernel is
        exp(-(beta / s2) ||x - m||^2) with s2 = mean(var(X, axis=0)) (see the module
        docstring), i.e. each component has variance s2 / (2 beta) per feature.
    init : "k-means++", "random" or array of shape (n_clusters, n_features)
    max_iter : int, default 300
    tol : float, default 1e-6, relative to s2: stop when the sum of squared centre
        shifts is at most tol * s2 (as KMeans does).
    random_state : None, int or numpy Generator
    record : "auto", "full" or "centers": whether ``history_`` keeps the uint8
        responsibilities of every E step ("auto": up to 50,000 rows).

    Attributes
    ----------
    cluster_centers_ : (k, d) ndarray
    responsibilities_ : (n, k) ndarray, float64, for the final centres
    labels_ : (n,) int32, the most responsible centre (ties to the lowest index)
    log_likelihood_ : float, of the final centres
    n_iter_ : int
    converged_ : bool
    beta_scaled_ : float, beta / s2, the b actually used in the kernel
    history_ : list of SoftStep: init, then E and M half-steps
    n_features_in_ : int
    """

    def __init__(self, n_clusters=8, beta=10.0, *, init="k-means++", max_iter=300, tol=1e-6,
                 random_state=None, record="auto"):
        self.n_clusters = n_clusters
        self.beta = beta
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.record = record

    def fit(self, X, y=None):
        """Run soft K-means from the initial centres until the centres stop moving.

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
        beta = _check_beta(self.beta)
        init = _check_init(self.init, k, d)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_tol(self.tol)
        if not isinstance(self.record, str) or self.record not in ("auto", "full", "centers"):
            raise ValueError(f"record must be 'auto', 'full' or 'centers'; got {self.record!r}")
        keep = self.record == "full" or (self.record == "auto" and n <= RECORD_RESPONSIBILITIES_UP_TO)
        s2 = data_scale(X)
        b = beta / s2
        centers = _start_centers(X, k, init, check_random_state(self.random_state))
        history = [SoftStep("init", 0, _frozen(centers.copy()), None, None, None)]
        # log p(x) of N(x; m, s I) with s = 1/(2b), mixed with weights 1/k:
        # log sum_j exp(-b D_ij) - log k + (d/2) log(b / pi).
        constant = n * (0.5 * d * np.log(b / np.pi) - np.log(k))
        mean = X.mean(axis=0)
        x_sq = np.einsum("ij,ij->i", X - mean, X - mean)  # for the M step's soft inertia
        converged = False
        n_iter = 0
        for it in range(1, max_iter + 1):
            n_iter = it
            R, D, log_norm = _responsibilities(X, centers, b)
            loglik = float(log_norm.sum() + constant)
            history.append(SoftStep("E", it, history[-1].centers, _shares(R) if keep else None,
                                    loglik, float(np.einsum("ij,ij->", R, D))))
            new, mass = _weighted_means(X, R, centers)
            shift = float(np.sum((new - centers) ** 2))
            centers = new
            # sum_ij r_ij ||x_i - m_j||^2 for the new (weighted-mean) centres, without new distances:
            # per centre it is sum_i r_ij ||x_i - mean||^2 - n_j ||m_j - mean||^2 (data centred first)
            moved = centers - mean
            soft_inertia = float((R.T @ x_sq).sum() - mass @ np.einsum("ij,ij->i", moved, moved))
            history.append(SoftStep("M", it, _frozen(centers.copy()), history[-1].shares,
                                    None, max(soft_inertia, 0.0)))  # log-likelihood: filled in below
            if shift <= tol * s2:
                converged = True
                break
        R, D, log_norm = _responsibilities(X, centers, b)
        final = float(log_norm.sum() + constant)
        # an M step's log-likelihood is that of its new centres: the next E step's value
        scores = [step.log_likelihood for step in history[3::2]] + [final]
        history[2::2] = [replace(step, log_likelihood=value) for step, value in zip(history[2::2], scores)]
        if not converged:
            warnings.warn(f"SoftKMeans did not converge in max_iter={max_iter} iterations "
                          "(the centres still moved more than tol); increase max_iter or tol.",
                          ConvergenceWarning, stacklevel=2)
        self.cluster_centers_ = centers
        self.responsibilities_ = R
        self.labels_ = R.argmax(axis=1).astype(np.int32)
        self.log_likelihood_ = final
        self.n_iter_ = n_iter
        self.converged_ = converged
        self.beta_scaled_ = b
        self.history_ = history
        self.n_features_in_ = d
        return self

    def _check_fitted_input(self, X):
        check_is_fitted(self, "cluster_centers_")
        X = check_data(X)
        self._check_n_features(X, reset=False)
        return X.astype(np.float64, copy=False)

    def predict_proba(self, X):
        """Responsibilities of the fitted centres for new rows, (n, k)."""
        X = self._check_fitted_input(X)
        return _responsibilities(X, self.cluster_centers_, self.beta_scaled_)[0]

    def predict(self, X):
        """The most responsible centre for each row (int32)."""
        return self.predict_proba(X).argmax(axis=1).astype(np.int32)


def _weighted_means(X, R, previous):
    """Soft M step m_j = sum_i r_ij x_i / sum_i r_ij (and the masses sum_i r_ij).

    A centre with no mass at all (every r_ij underflowed to 0) stays where it is.
    """
    mass = R.sum(axis=0)
    sums = R.T @ X
    centers = previous.copy()
    has_mass = mass > 0
    centers[has_mass] = sums[has_mass] / mass[has_mass, None]
    return centers, mass


def _shares(R):
    return _frozen(np.rint(R * 255.0).astype(np.uint8))


def _frozen(array):
    array.flags.writeable = False
    return array


def smallest_hard_beta(X, init, hard_labels, *, grid=BETA_GRID, max_iter=300, tol=1e-6):
    """The smallest beta on a fixed log grid at which soft K-means gives the hard labels.

    Runs SoftKMeans from the same initial centres for each beta of ``grid`` in
    increasing order and returns the first whose labels_ equal ``hard_labels``
    (the labels of hard K-means from ``init``), or None if none on the grid does.

    Parameters
    ----------
    X : array-like of shape (n, d)
    init : array-like of shape (k, d), the initial centres both runs start from
    hard_labels : array-like of shape (n,), e.g. ``KMeans(k, init=init).fit(X).labels_``
    grid : increasing positive betas (dimensionless, see the module docstring), default BETA_GRID
    max_iter, tol : passed to SoftKMeans

    Returns
    -------
    (beta, model) : the beta found and its fitted SoftKMeans, or (None, None)
    """
    X = check_data(X)
    init = check_data(init, name="init")
    hard = np.asarray(hard_labels)
    if hard.shape != (X.shape[0],):
        raise ValueError(f"hard_labels must have shape ({X.shape[0]},); got {hard.shape}")
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
        raise ValueError("grid must be a non-empty 1-D array of positive finite betas")
    for beta in np.sort(grid):
        model = SoftKMeans(len(init), beta=float(beta), init=init, max_iter=max_iter, tol=tol).fit(X)
        if np.array_equal(model.labels_, hard):
            return float(beta), model
    return None, None
