"""The KMeans estimator: validation, restarts, and the recorded history of a run."""

import warnings
from dataclasses import dataclass, replace

import numpy as np

from ._validation import (
    check_centers,
    check_data,
    check_n_clusters,
    check_positive_int,
    check_random_state,
    check_sample_weight,
    check_tol,
)
from .base import BaseEstimator, ClusterMixin, TransformerMixin, check_is_fitted
from .exceptions import ConvergenceWarning
from .hamerly import bounded_e_step, use_bounds
from .lloyd import _Engine, _frame, _squared_distances, assign, inertia
from .seeding import _kmeans_plusplus, _random_init

RECORD_LABELS_UP_TO = 50_000  # record="auto" keeps labels in history_ up to this many rows
# "elkan" is scikit-learn's name for its bounded method; here it maps to ours.
ALGORITHMS = ("lloyd", "hamerly", "elkan", "auto")


@dataclass(frozen=True)
class Step:
    """One recorded half-step of a run.

    phase : "init", "assign" (E step) or "update" (M step).
    iteration : 0 for the init, then 1, 2, ... (an assign and the update after it share it).
    centers : (k, d) centres after this half-step.
    labels : (n,) labels after this half-step; None before the first assignment,
        or when labels are not recorded (large data). Stored in the smallest
        unsigned integer type that holds k - 1, read-only, and shared between
        consecutive steps when they are equal.
    inertia : objective after this half-step (None for the init: nothing is assigned yet).
        For an update it is the objective of the new centres with the labels they
        were computed from (relocations included). It never rises from one
        half-step to the next; where rounding would show a rise of a few ulps,
        the previous value is kept.
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


def _frozen(array):
    array.flags.writeable = False
    return array


def _run_lloyd(engine, centers, max_iter, tol, record_labels, start=None):
    """Lloyd's algorithm on a prepared engine, with scikit-learn's stopping rules.

    ``centers`` and ``tol`` are in engine units. Each iteration is an E step
    then an M step; the run stops when the labels repeat ("strict convergence"),
    when the centres moved less than tol in total (sum of squared shifts), or
    after max_iter. In the last two cases one more E step makes the labels
    match the final centres. Returns (centers, labels, inertia, n_iter, history)
    with centres and inertia in engine units, history in original units
    (``start``: the starting centres exactly as the caller gave them, for the init record).
    """
    n, k = engine.n, len(centers)
    label_dtype = np.min_scalar_type(k - 1)
    labels = np.empty(n, dtype=np.intp)
    old_labels = np.empty(n, dtype=np.intp)
    original = _frozen(engine.to_original(centers) if start is None else np.array(start))
    history = [Step("init", 0, original, None, None)]
    recorded = None  # labels of the last recorded E step (shared with the update if unchanged)
    last = np.inf  # last recorded inertia, engine units
    relocated = ()
    strict = False
    n_iter = 0
    for it in range(1, max_iter + 1):
        n_iter = it
        if it > 1:
            labels, old_labels = old_labels, labels  # keep the previous E step's labels to compare
        value, n_changed = engine.assign(centers, labels, None if it == 1 else old_labels)
        last = min(value, last)
        if record_labels:
            recorded = _frozen(labels.astype(label_dtype))
        history.append(Step("assign", it, original, recorded, engine.sq_to_original(last),
                            n_changed=n_changed))
        if it > 1 and n_changed == 0:
            strict = True
            if not relocated:
                # Same labels give bit-for-bit the same means: the M step would change nothing.
                break
        new, relocated, gain = engine.update(labels, centers)
        last = max(last - gain, 0.0)
        step = (new - centers).astype(np.float64, copy=False)
        shift = np.sqrt(np.einsum("ij,ij->i", step, step))
        centers = new
        original = _frozen(engine.to_original(centers))
        step_labels = recorded
        if record_labels and relocated:
            step_labels = recorded.copy()
            for cluster, point in relocated:
                step_labels[point] = cluster
            step_labels = _frozen(step_labels)
        history.append(Step("update", it, original, step_labels, engine.sq_to_original(last),
                            shift=_frozen(engine.length_to_original(shift)), relocated=relocated))
        if strict or float(shift @ shift) <= tol:
            break
    if not strict:
        # Re-run the E step so that the labels match the final centres.
        old_labels, labels = labels, old_labels
        value, n_changed = engine.assign(centers, labels, old_labels)
        last = min(value, last)
        if record_labels:
            recorded = _frozen(labels.astype(label_dtype))
        history.append(Step("assign", n_iter + 1, original, recorded, engine.sq_to_original(last),
                            n_changed=n_changed))
    # The reported objective is computed from the differences directly, like scikit-learn's.
    final = min(engine.objective(centers, labels), last)
    engine.end_run()
    history[-1] = replace(history[-1], inertia=engine.sq_to_original(final))
    return centers, labels, final, n_iter, history


def lloyd(X, centers, *, max_iter=300, tol=0.0, sample_weight=None, record_labels=True):
    """Run Lloyd's algorithm from ``centers``.

    Parameters
    ----------
    X : array-like (n, d)
    centers : array-like (k, d), the starting centres
    max_iter : int
    tol : float, absolute: stop when the sum of squared centre shifts is <= tol
        (KMeans passes tol times the mean feature variance, as scikit-learn does).
    sample_weight : array-like (n,), optional
    record_labels : keep the labels of every half-step in the history

    Returns
    -------
    (centers, labels, inertia, n_iter, history)
    """
    X = check_data(X)
    centers = check_data(centers, name="centers")
    check_n_clusters(len(centers), X.shape[0])
    centers = check_centers(centers, len(centers), X.shape[1], X.dtype, name="centers")
    w = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_tol(tol)
    engine = _Engine(X, w, extra=(centers,))
    with engine.threads(len(centers)):
        c, labels, value, n_iter, history = _run_lloyd(
            engine, engine.to_engine(centers), max_iter, float(np.ldexp(tol, 2 * engine.exponent)), record_labels,
            start=centers)
    return (engine.to_original(c), labels.astype(np.int32), engine.sq_to_original(value), n_iter,
            history)


def _lloyd_kernel(algorithm, n, d, k):
    """The run function for ``algorithm`` on n rows, d features and k clusters.

    Every run function has ``_run_lloyd``'s signature and returns the same
    (centers, labels, inertia, n_iter, history). The single place where
    "lloyd", "hamerly", "elkan" and "auto" are dispatched.
    """
    if algorithm == "lloyd" or (algorithm == "auto" and not use_bounds(n, d, k)):
        return _run_lloyd
    return _run_hamerly  # "hamerly", "elkan" (scikit-learn's name for a bounded Lloyd), "auto"


def _run_hamerly(engine, centers, max_iter, tol, record_labels, start=None):
    """``_run_lloyd`` with the bounded E step of hamerly.py: the same run, most distances skipped."""
    with bounded_e_step(engine, len(centers)):
        return _run_lloyd(engine, centers, max_iter, tol, record_labels, start=start)


def _report(run, max_iter, tol, engine):
    """verbose: print a finished run the way scikit-learn's verbose mode does, from its history."""
    history, n_iter = run[4], run[3]
    print("Initialization complete")
    for step in history:
        if step.phase == "assign" and step.inertia is not None:
            print(f"Iteration {step.iteration - 1}, inertia {step.inertia}.")
    # A strict stop ends on the last iteration's own E step (or its update after a
    # relocation); otherwise one more E step, numbered n_iter + 1, follows the last update.
    if history[-1].iteration == n_iter and n_iter > 1:
        print(f"Converged at iteration {n_iter - 1}: strict convergence.")
        return
    shifts = [step.shift for step in history if step.phase == "update"]
    shift = float(shifts[-1] @ shifts[-1]) if shifts else 0.0
    tol = float(np.ldexp(tol, -2 * engine.exponent))  # a squared length in engine units
    if shift <= tol:
        print(f"Converged at iteration {n_iter - 1}: center shift {shift} within tolerance {tol}.")


def _is_count(value):
    return isinstance(value, (bool, np.bool_)) or (
        isinstance(value, (int, np.integer)) and value >= 0)


def _same_partition(a, b):
    """True if two labelings are the same clustering up to renaming the clusters."""
    pairs = np.unique(np.stack([a, b]), axis=1)
    return pairs.shape[1] == len(np.unique(a)) == len(np.unique(b))


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means clustering with scikit-learn's names and semantics.

    A drop-in estimator: ``get_params`` / ``set_params`` (so scikit-learn's
    ``clone``, ``Pipeline`` and ``GridSearchCV`` work), ``fit_predict``,
    ``fit_transform``, ``get_feature_names_out``, a repr of the changed parameters.

    Parameters
    ----------
    n_clusters : int, default 8
    init : "k-means++", "random", array of shape (n_clusters, n_features) or callable
        "random" picks n_clusters distinct rows (weighted by sample_weight).
        A callable is called as ``init(X, n_clusters, random_state)`` once per
        run and returns the (n_clusters, n_features) starting centres; it gets
        X as validated (float64 or float32, read-only, in the caller's
        coordinates, not centred as in scikit-learn) and the fit's numpy Generator.
    n_init : "auto" or int. "auto" is 1 for k-means++ or an array, 10 for random
        or a callable. The run with the lowest inertia wins.
    max_iter : int, default 300
    tol : float, relative to the mean per-feature variance of X: a run stops when
        the sum of squared centre shifts is at most tol * mean(var(X, axis=0)).
    verbose : int, default 0. Above 0, print each run's inertia per iteration and
        why it stopped (scikit-learn's wording), once the run has ended.
    random_state : None, int, numpy Generator or numpy RandomState (a seed is drawn from it).
    algorithm : "lloyd", "hamerly", "elkan" or "auto", default "auto".
        "hamerly" skips the distance computations that distance bounds prove
        unnecessary; "elkan" (scikit-learn's name for its bounded method) maps to
        it; "auto" picks by n, d and k. All give the same labels as "lloyd".
    record : "auto", "full" or "centers". What ``history_`` keeps per half-step:
        "full" stores labels too, "centers" stores only centres and inertia
        (cheap for large n); "auto" picks "full" up to 50,000 samples.

    Attributes
    ----------
    cluster_centers_ : (k, d) ndarray
    labels_ : (n,) int32 ndarray
    inertia_ : float, sum of (weighted) squared distances to the nearest centre
    n_iter_ : int, iterations of the winning run (as scikit-learn counts them)
    history_ : list of Step, the winning run's init, E and M half-steps
    n_features_in_ : int

    Warns
    -----
    ConvergenceWarning
        When fewer distinct clusters than n_clusters are found (X has fewer
        distinct points than that).

    Notes
    -----
    Very large or tiny values are rescaled internally by a power of two (exact),
    so centres and labels stay right; if the inertia itself exceeds the float64
    range it is reported as inf with a RuntimeWarning.
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300,
                 tol=1e-4, verbose=0, random_state=None, algorithm="auto", record="auto"):
        # Stored as given (the estimator protocol); fit validates them.
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.algorithm = algorithm
        self.record = record

    def _check_params(self, X):
        k = check_n_clusters(self.n_clusters, X.shape[0])
        init = self.init
        if isinstance(init, str):
            if init not in ("k-means++", "random"):
                raise ValueError(f"init must be 'k-means++', 'random', an array or a callable; got {init!r}")
            init = str(init)  # a numpy str_ too
        elif not callable(init):
            init = check_centers(init, k, X.shape[1], X.dtype)
        if isinstance(self.n_init, str) and self.n_init == "auto":
            n_init = 1 if isinstance(init, np.ndarray) or init == "k-means++" else 10
        elif isinstance(self.n_init, str):
            raise ValueError(f"n_init must be 'auto' or a positive integer; got {self.n_init!r}")
        else:
            n_init = check_positive_int(self.n_init, "n_init")
        if isinstance(init, np.ndarray) and n_init != 1:
            warnings.warn("Explicit initial center position passed: performing only one init in "
                          f"{type(self).__name__} instead of n_init={n_init}.", RuntimeWarning, stacklevel=3)
            n_init = 1
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_tol(self.tol)
        if not isinstance(self.algorithm, str) or self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(map(repr, ALGORITHMS))}; "
                             f"got {self.algorithm!r}")
        if not isinstance(self.record, str) or self.record not in ("auto", "full", "centers"):
            raise ValueError(f"record must be 'auto', 'full' or 'centers'; got {self.record!r}")
        if not _is_count(self.verbose):
            raise ValueError(f"verbose must be a non-negative integer (or a bool); got {self.verbose!r}")
        return k, init, n_init, max_iter, tol

    def fit(self, X, y=None, sample_weight=None):
        """Compute the clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features); never modified
        y : ignored, present for scikit-learn's API (Pipeline passes it)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        X = check_data(X)
        k, init, n_init, max_iter, tol = self._check_params(X)
        w = check_sample_weight(sample_weight, X.shape[0], X.dtype)
        # Given centres draw nothing: skip seeding a generator from OS entropy (~20 us) for them.
        fixed_start = isinstance(init, np.ndarray) and self.random_state is None
        rng = None if fixed_start else check_random_state(self.random_state)
        record_labels = self.record == "full" or (
            self.record == "auto" and X.shape[0] <= RECORD_LABELS_UP_TO)

        if isinstance(init, str):
            starts = ()
        elif isinstance(init, np.ndarray):
            starts = (init,) * n_init
        else:
            # A callable draws every run's centres first: nothing else uses rng in between,
            # so this is the same stream as drawing them run by run, and the rescaling
            # below can take all of them into account.
            view = X.view()
            view.flags.writeable = False  # the callable cannot modify the caller's X
            starts = tuple(check_centers(init(view, k, rng), k, X.shape[1], X.dtype) for _ in range(n_init))
        engine = _Engine(X, w, extra=starts[:1] if isinstance(init, np.ndarray) else starts)
        # tol is relative to the variance, which scales by 4**exponent with the data.
        # (mean variance from the engine's centred rows: same number, without another pass over X;
        # not needed at all for tol=0).
        tol = tol * engine.mean_variance() if tol else 0.0
        run_kernel = _lloyd_kernel(self.algorithm, X.shape[0], X.shape[1], k)
        best = None
        with engine.threads(k):
            for i in range(n_init):
                if isinstance(init, str):
                    if init == "k-means++":
                        rows = _kmeans_plusplus(engine, k, rng, 2 + int(np.log(k)))
                    else:
                        rows = _random_init(X.shape[0], k, rng, engine.w64)
                    start, original = engine.Xc[rows], X[rows]
                else:
                    start, original = engine.to_engine(starts[i]), starts[i]
                run = run_kernel(engine, start, max_iter, tol, record_labels, start=original)
                if self.verbose:
                    _report(run, max_iter, tol, engine)
                # Like scikit-learn: a lower inertia replaces the best run unless it is the
                # same clustering (a rounding-level difference with permuted labels).
                if best is None or (run[2] < best[2] and not _same_partition(run[1], best[1])):
                    best = run
        centers, labels, value, n_iter, history = best
        self.cluster_centers_ = engine.to_original(centers)
        self.labels_ = labels.astype(np.int32)
        self.inertia_ = engine.sq_to_original(value)
        self.n_iter_ = n_iter
        self.history_ = history
        self._check_n_features(X, reset=True)
        if not np.isfinite(self.inertia_):
            warnings.warn("inertia_ exceeds the float64 range and is reported as inf; "
                          "centres and labels are exact (computed on rescaled data)",
                          RuntimeWarning, stacklevel=2)
        n_found = np.count_nonzero(np.bincount(self.labels_, minlength=k))
        if n_found < k:
            # scikit-learn's wording and warning class (ours is also a RuntimeWarning)
            warnings.warn(f"Number of distinct clusters ({n_found}) found smaller than n_clusters ({k}). "
                          "Possibly due to duplicate points in X.", ConvergenceWarning, stacklevel=2)
        return self

    def _check_fitted_input(self, X):
        check_is_fitted(self, "cluster_centers_")
        X = check_data(X)
        self._check_n_features(X, reset=False)
        return X

    def predict(self, X):
        """Index of the nearest centre for each row of X (int32)."""
        X = self._check_fitted_input(X)
        return assign(X, self.cluster_centers_)[0].astype(np.int32)

    def fit_predict(self, X, y=None, sample_weight=None):
        """fit, then return labels_ (y is ignored)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def fit_transform(self, X, y=None, sample_weight=None):
        """fit, then return transform(X): distances to the fitted centres (y is ignored)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def get_feature_names_out(self, input_features=None):
        """Names of transform's columns: "kmeans0", "kmeans1", ... (as scikit-learn names them)."""
        check_is_fitted(self, "cluster_centers_")
        prefix = type(self).__name__.lower()
        return np.array([f"{prefix}{i}" for i in range(len(self.cluster_centers_))], dtype=object)

    def transform(self, X):
        """Distances from each row to every centre, (n, k), a block of rows at a time.

        D = ||x||^2 - 2 X M^T + ||m||^2, except where D is small next to the squared
        norms it came from: there the expansion has cancelled most digits, so those
        entries are computed from the differences directly (a point on a centre is 0).
        """
        X = self._check_fitted_input(X)
        centers = self.cluster_centers_.astype(X.dtype, copy=False)
        out = np.empty((X.shape[0], len(centers)), dtype=X.dtype)
        origin, exponent = _frame(X, centers)
        M = np.ldexp(centers - origin, exponent)  # the frame _squared_distances uses
        m_sq = np.einsum("ij,ij->i", M, M)
        for rows, D in _squared_distances(X, centers, origin, exponent):
            x = np.ldexp(X[rows] - origin, exponent)
            x_sq = np.einsum("ij,ij->i", x, x)
            # The expansion's error is about (d + 2) eps (||x||^2 + ||m||^2): below 1/64 of
            # that sum, recompute, so every entry keeps a relative error near (d + 2) * 64 eps.
            i, j = np.nonzero(D < (x_sq[:, None] + m_sq) * (1 / 64))
            diff = x[i] - M[j]
            D[i, j] = np.einsum("ij,ij->i", diff, diff)
            np.sqrt(np.maximum(D, 0.0, out=D), out=D)
            out[rows] = np.ldexp(D, -exponent)
        return out

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the (weighted) inertia of X with the fitted centres (y is ignored)."""
        X = self._check_fitted_input(X)
        labels = assign(X, self.cluster_centers_)[0]
        # from the differences directly, like inertia_ (the expansion can cancel)
        return -inertia(X, self.cluster_centers_, labels, sample_weight)


def k_means(X, n_clusters, *, sample_weight=None, init="k-means++", n_init="auto", max_iter=300,
            verbose=0, tol=1e-4, random_state=None, algorithm="auto", return_n_iter=False):
    """K-means as a function (scikit-learn's ``k_means``): fit a :class:`KMeans`, return its results.

    Parameters
    ----------
    X, sample_weight : as :meth:`KMeans.fit`
    n_clusters, init, n_init, max_iter, verbose, tol, random_state, algorithm : as :class:`KMeans`
    return_n_iter : bool, also return the number of iterations

    Returns
    -------
    centers : (n_clusters, n_features) ndarray
    labels : (n_samples,) int32 ndarray
    inertia : float
    n_iter : int, only with return_n_iter=True
    """
    est = KMeans(n_clusters, init=init, n_init=n_init, max_iter=max_iter, verbose=verbose, tol=tol,
                 random_state=random_state, algorithm=algorithm, record="centers")
    est.fit(X, sample_weight=sample_weight)
    result = (est.cluster_centers_, est.labels_, est.inertia_)
    return result + (est.n_iter_,) if return_n_iter else result
