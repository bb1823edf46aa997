"""Two more ways to choose k: bootstrap stability and the gap statistic.

**Stability.** A k that matches real structure should give nearly the same
clusters on any sample of the data. For each k: draw ``n_resamples``
bootstrap samples (n rows drawn with replacement), fit K-means on each,
label *all* the original rows with each fitted model (nearest centre), and
compare every pair of those labelings with the adjusted Rand index. A mean
ARI near 1 means the partition hardly depends on which rows were drawn; a
low one means k is cutting the data somewhere arbitrary. k = 1 is trivially
stable (one cluster is always the same partition).

**The gap statistic** (Tibshirani, Walther & Hastie, 2001). ``W_k``, the
within-cluster sum of squares (the inertia), always falls with k; the gap
compares how fast it falls against data *without* clusters::

    Gap(k) = mean_b log W*_kb - log W_k

where ``W*_kb`` is the inertia of K-means on reference data set b, drawn
uniformly over a box that covers the data. The box is either the range of
each column ("uniform") or the range along the data's principal axes
("pca", the paper's recommended variant: it follows the shape of the data).
With ``sd_k`` the standard deviation of the B reference values ``log W*_kb``
and ``s_k = sd_k sqrt(1 + 1/B)``, the estimate is the smallest k with::

    Gap(k) >= Gap(k + 1) - s_{k+1}

which needs the gap up to k_max + 1 to judge k = 1 .. k_max. Like any rule of
thumb it can stop early: when splitting the data in two gains no more than
splitting a box does (clusters along a line, or on a ring), Gap(1) already
passes and the estimate is 1. Read it next to the curve.

Each k's resamples and references come from a seed derived from
(random_state, k, ...), so the numbers for one k do not depend on which
other k are computed, and a seed reproduces them.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ._validation import _is_int, check_data, check_positive_int
from .agreement import pairwise_adjusted_rand
from .kmeans import KMeans

__all__ = [
    "GapResult",
    "StabilityResult",
    "gap_from_log_w",
    "gap_log_w",
    "gap_statistic",
    "stability",
    "stability_for_k",
    "summarize_stability",
]

SWEEP_TOL = 1e-4  # scikit-learn's default tolerance: these are many fits, not the Explorer's run
BAND = (10, 90)  # the stability band: percentiles of the pairwise ARIs


@dataclass(frozen=True)
class StabilityResult:
    """Bootstrap stability for each k of ``ks``.

    mean : (m,) mean pairwise ARI per k.  low, high : (m,) its 10th and 90th
    percentiles (the band).  pair_ari : one (R*(R-1)/2,) array of pairwise
    ARIs per k.  n_resamples : R.
    """

    ks: tuple
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    pair_ari: tuple
    n_resamples: int


@dataclass(frozen=True)
class GapResult:
    """The gap statistic for k = 1 .. k_max + 1.

    log_w : (m,) log W_k of the data.  ref_log_w : (m,) mean over the
    references of log W*_k.  gap : ref_log_w - log_w.  s : (m,) s_k, the
    reference spread times sqrt(1 + 1/B).  best_k : the smallest k in
    1 .. k_max with Gap(k) >= Gap(k+1) - s_{k+1}, or None when no k passes.
    reference : "uniform" or "pca".  n_refs : B.
    """

    ks: tuple
    log_w: np.ndarray
    ref_log_w: np.ndarray
    gap: np.ndarray
    s: np.ndarray
    best_k: int | None
    reference: str
    n_refs: int


def _check_seed(random_state):
    if not _is_int(random_state) or random_state < 0:
        raise ValueError(f"random_state must be a non-negative int (results are seeded); got {random_state!r}")
    return int(random_state)


def _check_init(init):
    if init not in ("k-means++", "random"):
        raise ValueError(f"init must be 'k-means++' or 'random'; got {init!r}")
    return init


def _check_ks(ks, n):
    try:
        ks = tuple(ks)
    except TypeError:
        raise ValueError(f"ks must be a sequence of integers; got {ks!r}") from None
    if not ks:
        raise ValueError("ks is empty: give at least one k")
    for k in ks:
        if not _is_int(k) or k < 1:
            raise ValueError(f"every k must be a positive integer; got {k!r}")
        if k > n:
            raise ValueError(f"k={k} is larger than the number of rows ({n})")
    return tuple(int(k) for k in ks)


def _fit(X, k, init, seed, n_init=1):
    """A K-means model fitted on X (scikit-learn's default tolerance, no label history)."""
    with warnings.catch_warnings():
        # A bootstrap sample repeats rows, and uniform references may put k centres on fewer
        # distinct clusters: "only m distinct clusters" is expected here, not a problem.
        warnings.simplefilter("ignore", RuntimeWarning)
        return KMeans(k, init=init, n_init=n_init, random_state=seed, tol=SWEEP_TOL,
                      record="centers").fit(X)


def _tick(progress, fraction, text):
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), text)


# ---------------------------------------------------------------- stability


def stability_for_k(X, k, n_resamples=20, *, init="k-means++", random_state=0, progress=None):
    """Pairwise ARIs between the clusterings of ``n_resamples`` bootstrap samples, for one k.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    k : int, 1 <= k <= n_samples
    n_resamples : int >= 2
    init : "k-means++" or "random" (one run per resample, n_init=1)
    random_state : non-negative int. Resample r of this k uses the seed
        sequence (random_state, k, r), so k's result is the same whatever
        other k are computed.
    progress : callable(fraction, text), optional, called after each resample.

    Returns
    -------
    ndarray of shape (n_resamples * (n_resamples - 1) / 2,)
        The ARI of every pair of resamples (each labeling covers all rows).
    """
    X = check_data(X, min_samples=2)
    (k,) = _check_ks([k], X.shape[0])
    R = check_positive_int(n_resamples, "n_resamples")
    if R < 2:
        raise ValueError(f"n_resamples must be at least 2 (stability compares pairs); got {R}")
    return _stability_for_k(X, k, R, _check_init(init), _check_seed(random_state), progress)


def _stability_for_k(X, k, R, init, seed, progress, done=0.0, share=1.0):
    n = X.shape[0]
    labelings = np.empty((R, n), dtype=np.int32)
    for r in range(R):
        rng = np.random.default_rng([seed, k, r])
        rows = rng.integers(0, n, n)  # a bootstrap sample: n rows with replacement
        model = _fit(X[rows], k, init, rng)
        labelings[r] = model.predict(X)  # every original row, not only the drawn ones
        _tick(progress, done + share * (r + 1) / R, f"Stability: k = {k}, resample {r + 1} of {R}")
    M = pairwise_adjusted_rand(labelings)
    return M[np.triu_indices(R, 1)]


def stability(X, ks, n_resamples=20, *, init="k-means++", random_state=0, progress=None):
    """Bootstrap stability (mean pairwise ARI, with a 10-90 percentile band) for each k.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    ks : sequence of int, each in [1, n_samples]
    n_resamples, init, random_state : as in :func:`stability_for_k`
    progress : callable(fraction, text), optional, called after every fit.

    Returns
    -------
    StabilityResult

    Raises
    ------
    ValueError
        For bad data, a k outside [1, n_samples], fewer than 2 resamples,
        an unknown init or a seed that is not a non-negative int.
    """
    X = check_data(X, min_samples=2)
    ks = _check_ks(ks, X.shape[0])
    R = check_positive_int(n_resamples, "n_resamples")
    if R < 2:
        raise ValueError(f"n_resamples must be at least 2 (stability compares pairs); got {R}")
    init, seed = _check_init(init), _check_seed(random_state)
    pairs = tuple(_stability_for_k(X, k, R, init, seed, progress, i / len(ks), 1 / len(ks))
                  for i, k in enumerate(ks))
    return summarize_stability(ks, pairs, R)


def summarize_stability(ks, pair_ari, n_resamples):
    """A StabilityResult from the pairwise ARIs of each k (e.g. cached one k at a time)."""
    pairs = tuple(np.asarray(p, dtype=np.float64) for p in pair_ari)
    mean = np.array([p.mean() for p in pairs])
    low = np.array([np.percentile(p, BAND[0]) for p in pairs])
    high = np.array([np.percentile(p, BAND[1]) for p in pairs])
    return StabilityResult(tuple(ks), mean, low, high, pairs, int(n_resamples))


# ---------------------------------------------------------------- gap statistic


def _reference_box(X, reference):
    """(lo, hi, axes, centre): references are centre + U(lo, hi) @ axes.T.

    uniform: the columns' own ranges (axes = identity, centre 0).
    pca: the ranges of the centred data along its principal axes (rows of Vt).
    """
    d = X.shape[1]
    if reference == "uniform":
        return X.min(axis=0), X.max(axis=0), np.eye(d), np.zeros(d)
    centre = X.mean(axis=0)
    Xc = X - centre
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    axes = Vt.T  # (d, r), r = min(n, d) principal directions
    P = Xc @ axes
    return P.min(axis=0), P.max(axis=0), axes, centre


def _log_w(X, k, init, seed, n_init):
    """log of the within-cluster sum of squares of the best of n_init K-means runs."""
    if k == 1:  # one cluster: its centre is the mean, no fitting needed
        w = float(((X - X.mean(axis=0)) ** 2).sum())
    else:
        w = _fit(X, k, init, seed, n_init).inertia_
    # W = 0 only when every point sits on a centre (k >= distinct rows): log W = -inf,
    # and gap_from_log_w reports no gap (NaN) for that k.
    return float(np.log(w)) if w > 0 else -np.inf


def gap_statistic(X, k_max=10, n_refs=10, *, reference="uniform", init="k-means++", n_init=1,
                  random_state=0, progress=None):
    """The gap statistic for k = 1 .. k_max + 1, and the smallest-k estimate.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    k_max : int >= 1, the largest k to choose from (the gap is also computed
        at k_max + 1, which the rule needs); k_max + 1 <= n_samples.
    n_refs : int >= 2, B, the number of reference data sets.
    reference : "uniform" (a box over each column's range) or "pca" (a box
        over the ranges along the principal axes).
    init : "k-means++" or "random".
    n_init : runs per fit (best inertia kept), the same for data and references; the
        default 1 (k-means++ seeding) keeps the (k_max + 1) (B + 1) fits affordable.
    random_state : non-negative int. Reference b is drawn from the seed
        sequence (random_state, b): the same B references serve every k.
    progress : callable(fraction, text), optional, called after every fit.

    Returns
    -------
    GapResult

    Raises
    ------
    ValueError
        For bad data, k_max + 1 above the number of rows, B < 2, or an
        unknown reference or init.
    """
    X = check_data(X, min_samples=2).astype(np.float64, copy=False)
    n, d = X.shape
    k_max = check_positive_int(k_max, "k_max")
    if k_max + 1 > n:
        raise ValueError(f"k_max + 1 = {k_max + 1} is larger than the number of rows ({n}); "
                         "the rule compares each k with k + 1")
    B = check_positive_int(n_refs, "n_refs")
    if B < 2:
        raise ValueError(f"n_refs must be at least 2 (the rule needs the references' spread); got {B}")
    if reference not in ("uniform", "pca"):
        raise ValueError(f"reference must be 'uniform' or 'pca'; got {reference!r}")
    init, seed = _check_init(init), _check_seed(random_state)
    n_init = check_positive_int(n_init, "n_init")
    return _gap(X, k_max, B, reference, init, n_init, seed, progress)


def _gap(X, k_max, B, reference, init, n_init, seed, progress):
    box = _reference_box(X, reference)
    total = (k_max + 1) * (B + 1)
    rows = []
    for b in range(-1, B):  # b = -1: the data itself; then the B references
        done = (b + 1) * (k_max + 1)

        def tick(i, k, label, done=done):
            _tick(progress, (done + i + 1) / total, f"Gap statistic: k = {k}, {label}")

        rows.append(_log_w_curve(X, k_max, None if b < 0 else b, box, init, n_init, seed, tick))
    return gap_from_log_w(rows[0], np.array(rows[1:]), reference)


def _log_w_curve(X, k_max, b, box, init, n_init, seed, tick=None):
    """log W_k for k = 1 .. k_max + 1 on the data (b None) or on reference b."""
    if b is None:
        data, label = X, "the data"
    else:
        lo, hi, axes, centre = box
        rng = np.random.default_rng([seed, b])
        data = centre + rng.uniform(lo, hi, size=(X.shape[0], len(lo))) @ axes.T
        label = f"reference {b + 1}"
    out = np.empty(k_max + 1)
    for i, k in enumerate(range(1, k_max + 2)):
        out[i] = _log_w(data, k, init, np.random.default_rng([seed, 0 if b is None else b + 1, k]), n_init)
        if tick is not None:
            tick(i, k, label)
    return out


def gap_log_w(X, k_max, b=None, *, reference="uniform", init="k-means++", n_init=1, random_state=0):
    """One row of the gap statistic's work: log W_k, k = 1 .. k_max + 1, on one data set.

    ``b=None`` clusters X itself; ``b = 0, 1, ...`` clusters reference data set b
    (the same one :func:`gap_statistic` draws with these arguments). Lets a caller
    compute, cache and report progress one data set at a time, then combine the
    rows with :func:`gap_from_log_w`. Arguments as in :func:`gap_statistic`.

    Returns
    -------
    ndarray of shape (k_max + 1,)
    """
    X = check_data(X, min_samples=2).astype(np.float64, copy=False)
    k_max = check_positive_int(k_max, "k_max")
    if k_max + 1 > X.shape[0]:
        raise ValueError(f"k_max + 1 = {k_max + 1} is larger than the number of rows ({X.shape[0]}); "
                         "the rule compares each k with k + 1")
    if b is not None and (not _is_int(b) or b < 0):
        raise ValueError(f"b must be None (the data) or a non-negative int (a reference); got {b!r}")
    if reference not in ("uniform", "pca"):
        raise ValueError(f"reference must be 'uniform' or 'pca'; got {reference!r}")
    box = _reference_box(X, reference) if b is not None else None
    return _log_w_curve(X, k_max, b, box, _check_init(init), check_positive_int(n_init, "n_init"),
                        _check_seed(random_state))


def gap_from_log_w(log_w, ref_log_w, reference):
    """The GapResult from log W_k of the data, (k_max + 1,), and of B references, (B, k_max + 1)."""
    log_w = np.asarray(log_w, dtype=np.float64)
    ref = np.atleast_2d(np.asarray(ref_log_w, dtype=np.float64))
    if ref.shape[1] != len(log_w) or len(log_w) < 2:
        raise ValueError(f"ref_log_w must be (B, {len(log_w)}) for log_w of length {len(log_w)} (at least 2)")
    B = ref.shape[0]
    if B < 2:
        raise ValueError(f"the gap statistic needs at least 2 references; got {B}")
    ks = tuple(range(1, len(log_w) + 1))
    # A k with W_k = 0 (at least as many clusters as distinct rows) has no gap: NaN. Such a k
    # is never picked, and the k before it passes the rule (it is the last one that can be judged).
    with np.errstate(invalid="ignore"):  # inf - inf for such k, replaced by NaN just below
        ref_mean = ref.mean(axis=0)
        s = ref.std(axis=0) * np.sqrt(1 + 1 / B)  # sd_k with 1/B, as in the paper
        gap = np.where(np.isfinite(log_w) & np.isfinite(ref_mean), ref_mean - log_w, np.nan)
    best = next((k for i, k in enumerate(ks[:-1]) if np.isfinite(gap[i]) and
                 (gap[i] >= gap[i + 1] - s[i + 1] or not np.isfinite(gap[i + 1]))), None)
    return GapResult(ks, log_w, ref_mean, gap, s, best, reference, B)
