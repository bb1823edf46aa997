"""Gaussian mixtures fitted by EM, with scikit-learn's ``GaussianMixture`` API.

The model: p(x) = sum_j w_j N(x; mu_j, Sigma_j). EM alternates

    E step   r_ij = w_j N(x_i; mu_j, Sigma_j) / p(x_i)           (responsibilities)
    M step   n_j = sum_i r_ij,  w_j = n_j / n,  mu_j = sum_i r_ij x_i / n_j,
             Sigma_j = sum_i r_ij (x_i - mu_j)(x_i - mu_j)^T / n_j + reg_covar I

and the mean log-likelihood (1/n) sum_i log p(x_i) never decreases. covariance_type
restricts Sigma_j: "full" (any), "tied" (one Sigma for all components), "diag"
(axis-aligned) or "spherical" (sigma_j^2 I). K-means is the limit of the spherical
mixture with equal weights and a common sigma^2 -> 0 (see ``soft.py``).

Densities are computed through the Cholesky factor U_j of each precision matrix
(Sigma_j^-1 = U_j U_j^T, U_j upper triangular), as scikit-learn does:
||(x - mu_j) U_j||^2 is the squared Mahalanobis distance and log det U_j is half the
log-determinant of the precision, so no matrix is ever inverted in the E step.

Where this differs from scikit-learn, on purpose:

- Covariances are computed from centred differences (x - mu_j) for every type;
  scikit-learn uses E[x^2] - mu^2 for "tied", "diag" and "spherical", which loses
  digits when the data sits far from the origin. Same numbers up to rounding.
- Arithmetic is float64 even for float32 input.
- With reg_covar=0, a covariance whose (conditional) variance along some feature is
  at most 1e-12 of the data's variance along it is treated as singular and raises
  ValueError, instead of going on with a precision of 1e15 or more.
"""

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np

from ._threads import one_blas_thread
from ._validation import (
    _is_int,
    check_data,
    check_n_clusters,
    check_positive_int,
    check_random_state,
    check_tol,
)
from .base import BaseEstimator, ClusterMixin, check_is_fitted
from .exceptions import ConvergenceWarning
from .kmeans import KMeans
from .seeding import kmeans_plusplus

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_PARAMS = ("kmeans", "k-means++", "random")
RECORD_RESPONSIBILITIES_UP_TO = 50_000  # record="auto" keeps uint8 responsibilities up to this many rows
_SINGULAR = 1e-12  # variance below this share of the data's (per feature) counts as singular

_SINGULAR_MESSAGE = (
    "Fitting the Gaussian mixture failed: a component's covariance is singular (it "
    "collapsed onto a point or a line, e.g. too few or duplicate points). Increase "
    "reg_covar, use fewer components, or scale the data."
)


@dataclass(frozen=True)
class MixtureStep:
    """One recorded half-step of EM.

    phase : "init", "E" or "M".
    iteration : 0 for the init, then 1, 2, ... (an E step and the M step after it share it).
    weights : (k,) mixture weights after this half-step.
    means : (k, d) means after this half-step.
    covariances : (k, d, d) covariance matrices after this half-step, whatever the
        covariance_type (expanded, so ellipses are drawn the same way for every type).
    log_likelihood : sum_i log p(x_i) for this half-step's parameters
        (the E step computes it for the parameters it starts from).
    shares : E steps: (n, k) uint8 responsibilities round(255 r_ij), if recorded; else None.
    """

    phase: str
    iteration: int
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: float | None
    shares: np.ndarray | None = None


def full_covariances(covariances, covariance_type, n_components, n_features):
    """Any covariance_type's ``covariances_`` as (n_components, n_features, n_features) matrices."""
    cov = np.asarray(covariances, dtype=np.float64)
    if covariance_type == "full":
        return cov.copy()
    if covariance_type == "tied":
        return np.broadcast_to(cov, (n_components, n_features, n_features)).copy()
    eye = np.eye(n_features)
    if covariance_type == "diag":
        return cov[:, :, None] * eye
    return cov[:, None, None] * eye  # spherical


def _logsumexp(a):
    """log sum_j exp(a_ij) per row, with the row maximum taken out so exp cannot overflow."""
    top = a.max(axis=1)
    return top + np.log(np.exp(a - top[:, None]).sum(axis=1))


# ------------------------------------------------------------------ kernels (valid input)


def _estimate_parameters(X, resp, reg_covar, covariance_type):
    """M step: (n_j, means, covariances) from responsibilities, as in the module docstring."""
    nk = resp.sum(axis=0) + 10 * np.finfo(np.float64).eps  # + 10 eps: an empty component divides by ~0, not 0
    means = (resp.T @ X) / nk[:, None]
    k, d = means.shape
    if covariance_type in ("full", "tied"):
        cov = np.empty((k, d, d))
        for j in range(k):
            diff = X - means[j]
            cov[j] = (resp[:, j] * diff.T) @ diff / nk[j]
        if covariance_type == "tied":
            # the weighted average of the per-component scatter matrices
            cov = np.tensordot(nk, cov, axes=1) / nk.sum()
            cov.flat[:: d + 1] += reg_covar
        else:
            cov.reshape(k, -1)[:, :: d + 1] += reg_covar
    else:
        cov = np.empty((k, d))
        for j in range(k):
            cov[j] = resp[:, j] @ (X - means[j]) ** 2 / nk[j]
        cov += reg_covar
        if covariance_type == "spherical":
            cov = cov.mean(axis=1)
    return nk, means, cov


def _precision_cholesky(cov, covariance_type, floor):
    """Cholesky factors U of the precisions (Sigma^-1 = U U^T), or ValueError if singular.

    With Sigma = L L^T (L lower triangular), U = L^-T. L_ii^2 is the variance of
    feature i left after the features before it: at or below ``floor[i]`` (a tiny
    share of the data's own variance along feature i when reg_covar is 0), Sigma is
    singular in all but rounding.
    """
    if covariance_type in ("full", "tied"):
        mats = cov[None] if covariance_type == "tied" else cov
        try:
            L = np.linalg.cholesky(mats)
        except np.linalg.LinAlgError:
            raise ValueError(_SINGULAR_MESSAGE) from None
        if np.any(np.diagonal(L, axis1=1, axis2=2) ** 2 <= floor):
            raise ValueError(_SINGULAR_MESSAGE)
        eye = np.broadcast_to(np.eye(cov.shape[-1]), mats.shape)
        U = np.swapaxes(np.linalg.solve(L, eye), 1, 2)  # L^-1, transposed: upper triangular
        return U[0] if covariance_type == "tied" else U
    limit = floor if covariance_type == "diag" else floor.mean()
    if np.any(cov <= limit):
        raise ValueError(_SINGULAR_MESSAGE)
    return 1.0 / np.sqrt(cov)


def _cholesky_from_precisions(precisions, covariance_type):
    """U with precisions = U U^T, U upper triangular, from precision matrices.

    numpy's cholesky gives lower factors; reversing rows and columns (J P J, J the
    exchange matrix) turns an upper factor into a lower one and back.
    """
    if covariance_type in ("full", "tied"):
        flipped = np.linalg.cholesky(precisions[..., ::-1, ::-1])
        return np.ascontiguousarray(flipped[..., ::-1, ::-1])
    return np.sqrt(precisions)


def _log_gaussian(X, means, prec_chol, covariance_type):
    """log N(x_i; mu_j, Sigma_j) for every row and component, (n, k)."""
    n, d = X.shape
    k = len(means)
    if covariance_type in ("full", "tied"):
        U = np.broadcast_to(prec_chol, (k, d, d)) if covariance_type == "tied" else prec_chol
        log_det = np.log(np.diagonal(U, axis1=1, axis2=2)).sum(axis=1)
        # all (x - mu_j) U_j at once: X @ [U_1 ... U_k] minus each mu_j U_j
        stacked = np.concatenate(list(U), axis=1)  # (d, k*d)
        Y = (X @ stacked).reshape(n, k, d) - np.einsum("ji,jil->jl", means, U)
        maha = np.einsum("nkd,nkd->nk", Y, Y)
    elif covariance_type == "diag":
        log_det = np.log(prec_chol).sum(axis=1)
        prec = prec_chol**2
        maha = (X**2) @ prec.T - 2.0 * X @ (means * prec).T + (means**2 * prec).sum(axis=1)
    else:
        log_det = d * np.log(prec_chol)
        prec = prec_chol**2
        sq = np.einsum("ij,ij->i", X, X)[:, None] - 2.0 * X @ means.T + (means**2).sum(axis=1)
        maha = sq * prec
    return -0.5 * (d * math.log(2 * math.pi) + maha) + log_det


def _check_init_arrays(model, k, d, covariance_type):
    """The user's weights_init / means_init / precisions_init, checked, float64 copies (or None)."""
    weights = means = precisions = None
    if model.weights_init is not None:
        weights = np.array(model.weights_init, dtype=np.float64)
        if weights.shape != (k,):
            raise ValueError(f"weights_init must have shape ({k},); got {weights.shape}")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or np.any(weights > 1):
            raise ValueError("weights_init must lie in [0, 1]")
        if abs(1.0 - weights.sum()) > 1e-8:
            raise ValueError(f"weights_init must sum to 1; got {weights.sum():.6g}")
    if model.means_init is not None:
        means = check_data(model.means_init, name="means_init").astype(np.float64)
        if means.shape != (k, d):
            raise ValueError(f"means_init must have shape ({k}, {d}); got {means.shape}")
    if model.precisions_init is not None:
        precisions = np.array(model.precisions_init, dtype=np.float64)
        shape = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}[covariance_type]
        if precisions.shape != shape:
            raise ValueError(f"precisions_init must have shape {shape} for "
                             f"covariance_type={covariance_type!r}; got {precisions.shape}")
        if not np.all(np.isfinite(precisions)):
            raise ValueError("precisions_init contains NaN or infinite values")
        if covariance_type in ("full", "tied"):
            mats = precisions.reshape(-1, d, d)
            if not np.allclose(mats, np.swapaxes(mats, 1, 2)) or np.any(np.linalg.eigvalsh(mats) <= 0):
                raise ValueError("precisions_init must be symmetric and positive-definite")
        elif np.any(precisions <= 0):
            raise ValueError("precisions_init must be positive")
    return weights, means, precisions


class GaussianMixture(ClusterMixin, BaseEstimator):
    """Gaussian mixture model fitted by EM (scikit-learn's names and semantics).

    Parameters
    ----------
    n_components : int, default 1
    covariance_type : "full" (default), "tied", "diag" or "spherical"
    tol : float, default 1e-3. EM stops when the mean log-likelihood per sample
        changes by less than tol.
    reg_covar : float >= 0, default 1e-6, added to the diagonal of every covariance.
    max_iter : int, default 100
    n_init : int, default 1. The run with the highest final mean log-likelihood wins.
    init_params : "kmeans" (default), "k-means++" or "random". Initial
        responsibilities: one-hot K-means labels, one-hot at k-means++ seed points,
        or uniform random numbers normalised per row; the first M step turns them
        into parameters. weights_init / means_init / precisions_init override
        what they give.
    weights_init : (n_components,) array, optional
    means_init : (n_components, n_features) array, optional
    precisions_init : array, optional, inverse covariances in the shape of the
        covariance_type ("full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,))
    random_state : None, int or numpy Generator
    record : "auto", "full" or "params": whether ``history_`` keeps the uint8
        responsibilities of every E step ("auto": up to 50,000 rows).

    Attributes
    ----------
    weights_ : (k,)
    means_ : (k, d)
    covariances_ : shape depends on covariance_type, as scikit-learn's
    precisions_ : inverse covariances, same shape
    precisions_cholesky_ : Cholesky factors of the precisions, same shape
    converged_ : bool
    n_iter_ : int, EM iterations of the best run
    lower_bound_ : float, its mean log-likelihood per sample (for EM the lower bound is exact)
    lower_bounds_ : list of float, that value after every iteration
    history_ : list of MixtureStep, the best run: init, then E and M half-steps
    labels_ : (n,) int32, the most responsible component of each training row
    n_features_in_ : int
    """

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6,
                 max_iter=100, n_init=1, init_params="kmeans", weights_init=None, means_init=None,
                 precisions_init=None, random_state=None, record="auto"):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.record = record

    # ---------------------------------------------------------------- fitting

    def _check_params(self, X):
        n, d = X.shape
        if n < 2:
            raise ValueError(f"X has {n} sample; a Gaussian mixture needs at least 2")
        k = check_n_clusters(self.n_components, n) if _is_int(self.n_components) else None
        if k is None:
            raise ValueError(f"n_components must be an integer; got {self.n_components!r}")
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}; got {self.covariance_type!r}")
        if self.init_params not in INIT_PARAMS:
            raise ValueError(f"init_params must be one of {INIT_PARAMS}; got {self.init_params!r}")
        try:
            reg = float(self.reg_covar)
        except (TypeError, ValueError):
            raise ValueError(f"reg_covar must be a non-negative number; got {self.reg_covar!r}") from None
        if not math.isfinite(reg) or reg < 0:
            raise ValueError(f"reg_covar must be a non-negative finite number; got {self.reg_covar!r}")
        if self.record not in ("auto", "full", "params"):
            raise ValueError(f"record must be 'auto', 'full' or 'params'; got {self.record!r}")
        return (k, reg, check_tol(self.tol), check_positive_int(self.max_iter, "max_iter"),
                check_positive_int(self.n_init, "n_init"))

    def _initial_resp(self, X, k, rng):
        n = len(X)
        if self.init_params == "random":
            resp = rng.uniform(size=(n, k))
            return resp / resp.sum(axis=1, keepdims=True)
        resp = np.zeros((n, k))
        if self.init_params == "kmeans":
            labels = KMeans(k, n_init=1, random_state=rng).fit(X).labels_
            resp[np.arange(n), labels] = 1.0
        else:
            resp[kmeans_plusplus(X, k, random_state=rng)[1], np.arange(k)] = 1.0
        return resp

    def fit(self, X, y=None):
        """Estimate the parameters by EM (n_init runs, the best one kept).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = check_data(X).astype(np.float64, copy=False)
        k, reg, tol, max_iter, n_init = self._check_params(X)
        n, d = X.shape
        cov_type = self.covariance_type
        weights_init, means_init, precisions_init = _check_init_arrays(self, k, d, cov_type)
        # Without reg_covar, a component that collapsed onto a point or a line is singular
        # up to rounding: its variance along some feature is a tiny share of the data's.
        # With reg_covar > 0 every covariance is positive definite by construction (even a
        # k-means++ start, reg_covar * I), so only a failed factorisation counts.
        floor = np.zeros(d)
        if reg == 0:
            data_var = X.var(axis=0)
            # a constant feature has no variance to compare with: use the others' scale
            floor = _SINGULAR * np.maximum(data_var, max(float(data_var.mean()), np.finfo(np.float64).tiny))
        keep = self.record == "full" or (self.record == "auto" and n <= RECORD_RESPONSIBILITIES_UP_TO)
        rng = check_random_state(self.random_state)
        all_given = weights_init is not None and means_init is not None and precisions_init is not None
        best = None
        for _ in range(n_init):
            if all_given:
                weights, means, cov = weights_init, means_init, None
            else:
                nk, means, cov = _estimate_parameters(X, self._initial_resp(X, k, rng), reg, cov_type)
                weights = nk / n if weights_init is None else weights_init
                means = means if means_init is None else means_init
            if precisions_init is None:
                prec_chol = _precision_cholesky(cov, cov_type, floor)
            else:
                prec_chol = _cholesky_from_precisions(precisions_init, cov_type)
                cov = _covariances_from_cholesky(prec_chol, cov_type)
            with one_blas_thread():
                run = _em(X, weights.copy(), means.copy(), cov, prec_chol, cov_type, reg, tol,
                          max_iter, floor, keep)
            if best is None or run["lower_bound"] > best["lower_bound"]:
                best = run
        if not best["converged"]:
            warnings.warn("Best performing initialization did not converge. Try different init "
                          "parameters, or increase max_iter or tol.", ConvergenceWarning, stacklevel=2)
        self.weights_, self.means_, self.covariances_ = best["weights"], best["means"], best["cov"]
        self.precisions_cholesky_ = best["prec_chol"]
        U = self.precisions_cholesky_
        if cov_type in ("full", "tied"):
            self.precisions_ = U @ np.swapaxes(U, -1, -2)
        else:
            self.precisions_ = U**2
        self.converged_ = best["converged"]
        self.n_iter_ = best["n_iter"]
        self.lower_bound_ = best["lower_bound"]
        self.lower_bounds_ = best["lower_bounds"]
        self.history_ = best["history"]
        self.n_features_in_ = d
        self.labels_ = self._weighted_log_prob(X).argmax(axis=1).astype(np.int32)
        return self

    # ---------------------------------------------------------------- using the model

    def _checked(self, X):
        check_is_fitted(self, "means_")
        X = check_data(X).astype(np.float64, copy=False)
        self._check_n_features(X, reset=False)
        return X

    def _weighted_log_prob(self, X):
        """log w_j + log N(x_i; mu_j, Sigma_j), (n, k)."""
        return (_log_gaussian(X, self.means_, self.precisions_cholesky_, self.covariance_type)
                + np.log(self.weights_))

    def score_samples(self, X):
        """log p(x_i) for every row, (n,)."""
        return _logsumexp(self._weighted_log_prob(self._checked(X)))

    def score(self, X, y=None):
        """Mean log-likelihood per sample of X."""
        return float(self.score_samples(X).mean())

    def predict_proba(self, X):
        """Responsibilities r_ij of every component for every row, (n, k)."""
        a = self._weighted_log_prob(self._checked(X))
        return np.exp(a - _logsumexp(a)[:, None])

    def predict(self, X):
        """The most responsible component of each row (int32)."""
        return self._weighted_log_prob(self._checked(X)).argmax(axis=1).astype(np.int32)

    def _n_parameters(self):
        k, d = self.means_.shape
        cov_params = {"full": k * d * (d + 1) / 2, "diag": k * d, "tied": d * (d + 1) / 2,
                      "spherical": k}[self.covariance_type]
        return int(cov_params + d * k + k - 1)

    def bic(self, X):
        """Bayesian information criterion: -2 log L + (number of parameters) log n. Lower is better."""
        X = self._checked(X)
        return -2 * self.score(X) * len(X) + self._n_parameters() * math.log(len(X))

    def aic(self, X):
        """Akaike information criterion: -2 log L + 2 (number of parameters). Lower is better."""
        X = self._checked(X)
        return -2 * self.score(X) * len(X) + 2 * self._n_parameters()


def _covariances_from_cholesky(prec_chol, covariance_type):
    """Sigma = (U U^T)^-1 for the init record when only precisions were given."""
    if covariance_type in ("full", "tied"):
        return np.linalg.inv(prec_chol @ np.swapaxes(prec_chol, -1, -2))
    return 1.0 / prec_chol**2


def _em(X, weights, means, cov, prec_chol, cov_type, reg, tol, max_iter, floor, keep):
    """One EM run from initial parameters; returns its final parameters and history."""
    n, d = X.shape
    k = len(means)

    def snapshot(phase, it, loglik, shares=None):
        record = MixtureStep(phase, it, weights.copy(), means.copy(),
                             full_covariances(cov, cov_type, k, d), loglik, shares)
        for a in (record.weights, record.means, record.covariances):
            a.flags.writeable = False
        return record

    history = [snapshot("init", 0, None)]
    lower_bound, lower_bounds, converged, n_iter = -np.inf, [], False, 0
    for it in range(1, max_iter + 1):
        n_iter = it
        previous = lower_bound
        # E step: log responsibilities, and log p(x_i) of the current parameters
        a = _log_gaussian(X, means, prec_chol, cov_type) + np.log(weights)
        top = a.max(axis=1, keepdims=True)  # log-sum-exp, keeping exp(a - top) for resp
        resp = np.exp(a - top, out=a)
        total = resp.sum(axis=1, keepdims=True)
        resp /= total
        log_norm = (top + np.log(total))[:, 0]
        loglik = float(log_norm.sum())
        if it > 1:  # the previous M step's parameters are the ones just scored
            history[-1] = _with_loglik(history[-1], loglik)
        shares = None
        if keep:
            shares = np.rint(resp * 255.0).astype(np.uint8)
            shares.flags.writeable = False
        history.append(snapshot("E", it, loglik, shares))
        # M step
        nk, means, cov = _estimate_parameters(X, resp, reg, cov_type)
        weights = nk / nk.sum()
        prec_chol = _precision_cholesky(cov, cov_type, floor)
        history.append(snapshot("M", it, None))
        lower_bound = loglik / n
        lower_bounds.append(lower_bound)
        if abs(lower_bound - previous) < tol:
            converged = True
            break
    # As scikit-learn, lower_bound_ is the mean log-likelihood from the last E step; the last
    # M step's own value is computed once more for its record.
    a = _log_gaussian(X, means, prec_chol, cov_type) + np.log(weights)
    history[-1] = _with_loglik(history[-1], float(_logsumexp(a).sum()))
    return {"weights": weights, "means": means, "cov": cov, "prec_chol": prec_chol,
            "converged": converged, "n_iter": n_iter, "lower_bound": lower_bound,
            "lower_bounds": lower_bounds, "history": history}


def _with_loglik(step, loglik):
    return replace(step, log_likelihood=loglik)
