"""Choosing k: the cached sweeps behind the Elbow and Silhouette pages.

A sweep fits many runs, so each is one core K-means run (n_init=1) stopped at
scikit-learn's default tolerance (``SWEEP_TOL``). A clustering a page *shows*
is ``explorer_run``: ``runs.fit_run`` with the Explorer's own settings (run to
full convergence), so "open it in the Explorer" shows exactly the same run.
From the same seed the two almost always end in the same partition; on big
data the sweep saves hundreds of iterations per run.
Each sweep run is kept on its own (data key, k, init, seed) in a bounded store
shared by every session (``_store``: one dict lookup, no pickling, where an
``st.cache_data`` entry per run cost about 0.3 ms): a sweep reports progress
run by run, widening the k range or adding seeds reuses what is done, and 30
sessions on the same data compute it once. Only small things are kept
(centres, inertia, time, scores), never labels of every row, so memory stays
bounded whatever the data size. A finished sweep is also kept whole
(``_finished``), so a rerun that changed nothing costs one lookup.

Work shared across runs (``kmeans_core.batch``): the mean silhouettes of all k
of a sweep come from one pass over the pairwise distances (each distance once,
not once per k), and on big data the all-rows inertia of every run from one
pass over the rows against all runs' centres at once.

Big data (more than ``FIT_SAMPLE_ABOVE`` rows): each sweep run fits a fixed
random sample of ``FIT_SAMPLE`` rows (k-means++ and Lloyd there), and its
inertia is then measured on *all* rows at the centres it found: the number on
the chart is the true within-cluster sum of squares of the whole data for those
centres, just not further iterated on all rows. ``sweep_note`` says so on the
page. The clustering the page shows is iterated on all rows (``refined_run``).

All rows are clustered. The silhouette costs O(n^2): one clustering's silhouette
plot is exact up to ``SILHOUETTE_EXACT_MAX`` points and uses a fixed random
sample of ``SILHOUETTE_SAMPLE`` points above that; curves against k (one
silhouette per k) use at most ``SWEEP_SILHOUETTE_MAX`` rows, sampled the same
way. Samples are seeded, so the same rows are scored for every k and session.
"""

import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import streamlit as st

from kmeans_app import runs
from kmeans_app.choosing_k.elbow_figure import elbow_figure
from kmeans_app.choosing_k.silhouette_figures import (
    silhouette_by_k_figure,
    silhouette_figure,
    silhouette_scatter,
)
from kmeans_app.figures.common import clustering_figure
from kmeans_app.figures.style import finish, plain, projector, projector_as
from kmeans_app.runs import fit_run
from kmeans_core import (
    KMeans,
    assign,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
)
from kmeans_core.batch import nearest_sq_dist_sums, silhouette_means
from kmeans_core.knee import find_knee

DEFAULT_K_RANGE = (1, 10)
DEFAULT_SEEDS = 5
MAX_SEEDS = 20
SILHOUETTE_EXACT_MAX = 20_000
SILHOUETTE_SAMPLE = 10_000
SAMPLE_SEED = 0
# Curves of the mean silhouette against k need one silhouette per k: they use at most this many rows.
SWEEP_SILHOUETTE_MAX = 5_000
SWEEP_MAX_ITER, SWEEP_TOL = 300, 1e-4  # scikit-learn's defaults
# Above this many rows a sweep run fits a random sample of FIT_SAMPLE rows (same rows for every
# k and seed); its inertia is measured on all rows. 50 full fits of 1M x 3 take ~15 s, this ~2 s.
FIT_SAMPLE_ABOVE, FIT_SAMPLE = 100_000, 20_000
EXPLORER_MAX_ITER, EXPLORER_TOL = runs.MAX_ITER, runs.TOL  # the run the Explorer shows


def explorer_run(X, data_key, k, init, seed):
    """The run the Explorer shows for (data, k, init, seed): cached and shared with it."""
    return fit_run(X, data_key, k, sweep_init(init), seed, max_iter=EXPLORER_MAX_ITER, tol=EXPLORER_TOL)


def sweep_init(init):
    """The init a sweep uses: the sidebar's, with "pick" (hand-picked centres) read as k-means++."""
    return "random" if init == "random" else "k-means++"


def k_values(lo, hi, n_rows):
    """The k in [lo, hi] that the data can take (k never exceeds the number of rows)."""
    return tuple(range(max(1, lo), min(hi, n_rows) + 1))


def seed_list(first_seed, n_seeds):
    """The seeds of a sweep: the sidebar's seed and the ones after it."""
    return tuple(int(first_seed) + i for i in range(int(n_seeds)))


@dataclass(frozen=True)
class Fit:
    """One K-means run, reduced to what a sweep needs (labels are ``assign(X, centers)``)."""

    k: int
    seed: int
    inertia: float
    seconds: float
    n_iter: int
    centers: np.ndarray
    n_fitted: int = 0  # rows the run was fitted on (all rows, or FIT_SAMPLE on big data)


def fit_rows(n):
    """Rows a sweep run is fitted on: None (all) up to FIT_SAMPLE_ABOVE rows, else a fixed sorted
    random sample of FIT_SAMPLE rows, the same for every k, seed and session."""
    return silhouette_rows(n, FIT_SAMPLE_ABOVE, FIT_SAMPLE)


def sweep_note(n):
    """What a sweep on n rows did, for the page; None when every run was fitted on all rows."""
    if fit_rows(n) is None:
        return None
    return (f"{n:,} rows: each run is fitted on a random sample of {FIT_SAMPLE:,} rows (seed {SAMPLE_SEED}, "
            f"the same rows for every k and seed), and its inertia is that of all {n:,} rows at the "
            "centres it found. Fit times are those of the sample fits.")


class _Bounded:
    """A dict of at most ``size`` entries, the least recently used dropped first; shared by
    every session, so guarded by a lock."""

    def __init__(self, size):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self):
        return len(self._items)


STORE_SIZE = 512  # runs (or scores) kept per kind, over all data sets


@st.cache_resource(max_entries=4, show_spinner=False)
def _store(kind):
    """The shared store of one kind ("fits", "silhouettes", "others"), keyed by
    (data key, k, init, seed); cleared with Streamlit's caches."""
    return _Bounded(STORE_SIZE)


def _fit(X, rows, k, init, seed):
    """One sweep run on X (or its ``rows``): (model, seconds)."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "only m distinct points": fine here
        model = KMeans(k, init=sweep_init(init), n_init=1, random_state=seed, max_iter=SWEEP_MAX_ITER,
                       tol=SWEEP_TOL, record="centers").fit(X if rows is None else X[rows])
    return model, time.perf_counter() - start


def _fit_runs(X, data_key, runs, init, progress=None, text=None):
    """The Fit of every (k, seed) in ``runs``, from the store or computed (then stored).

    On big data every new run is fitted on ``fit_rows`` and the all-rows inertia of all of
    them is measured in one shared pass (``nearest_sq_dist_sums``). ``progress(fraction, text)``
    after each run (``text(k, seed)``), and once more at the end.
    """
    store = _store("fits")
    rows = fit_rows(len(X))
    out, todo = [None] * len(runs), []
    total = len(runs) + (1 if rows is not None else 0)
    for i, (k, seed) in enumerate(runs):
        key = (data_key, int(k), init, int(seed))
        fit = store.get(key)
        if fit is None:
            model, seconds = _fit(X, rows, int(k), init, int(seed))
            centers = np.array(model.cluster_centers_)
            centers.flags.writeable = False  # shared between sessions
            fit = Fit(int(k), int(seed), float(model.inertia_), seconds, int(model.n_iter_), centers,
                      len(X) if rows is None else len(rows))
            if rows is None:
                store.put(key, fit)
            else:
                todo.append(i)
        out[i] = fit
        if text is not None:
            _tick(progress, i + 1, total, text(k, seed))
    if todo:  # big data: the inertia of all rows at each new run's centres, in one pass
        if text is not None:
            _tick(progress, len(runs), total, f"Measuring the inertia of all {len(X):,} rows")
        sums = nearest_sq_dist_sums(X, [out[i].centers for i in todo])
        for i, inertia in zip(todo, sums):
            f = out[i]
            out[i] = Fit(f.k, f.seed, float(inertia), f.seconds, f.n_iter, f.centers, f.n_fitted)
            store.put((data_key, f.k, init, f.seed), out[i])
    if text is not None:
        _tick(progress, total, total, "Done")
    return out


def fit_one(X, data_key, k, init, seed):
    """One sweep run (n_init=1) on all rows of X (on big data: on ``fit_rows``, inertia on all
    rows); ``data_key`` identifies X for the store."""
    return _fit_runs(X, data_key, [(k, seed)], init)[0]


@st.cache_resource(max_entries=8, show_spinner=False)  # big data only: each holds n labels
def refined_run(_X, data_key, k, init, seed):
    """The sweep's run (data, k, init, seed) iterated on all rows from its centres (big data),
    to SWEEP_TOL; a KMeans shared between sessions (read-only)."""
    start = fit_one(_X, data_key, k, init, seed).centers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return KMeans(k, init=start, n_init=1, max_iter=SWEEP_MAX_ITER, tol=SWEEP_TOL,
                      record="centers").fit(_X)


def shown_run(X, data_key, k, init, seed):
    """The clustering the Elbow page shows for k: the Explorer's run, or on big data the sweep's
    run iterated on all rows (the Explorer's full k-means++ run takes seconds there)."""
    if fit_rows(len(X)) is None:
        return explorer_run(X, data_key, k, init, seed)
    return refined_run(X, data_key, k, init, seed)


@st.cache_resource(max_entries=256, show_spinner=False)
def _finished(kind, data_key, *args):
    """A box per (kind, data, arguments) holding a finished sweep: a rerun that changed nothing
    reads it at once. Filled only after every run is done (an interrupted sweep leaves it empty)."""
    return {}


@dataclass(frozen=True)
class ElbowSweep:
    """Inertia of every (k, seed) run. Rows follow ``ks``, columns follow ``seeds``."""

    ks: tuple
    seeds: tuple
    inertia: np.ndarray  # (len(ks), len(seeds))
    seconds: np.ndarray  # (len(ks), len(seeds)), time of each run when it was first computed

    @property
    def mean(self):
        return self.inertia.mean(axis=1)

    @property
    def low(self):
        return self.inertia.min(axis=1)

    @property
    def high(self):
        return self.inertia.max(axis=1)

    @property
    def mean_seconds(self):
        return self.seconds.mean(axis=1)

    def best_seed(self, k):
        """The seed whose run reached the lowest inertia for this k (the first one on ties)."""
        return self.seeds[int(np.argmin(self.inertia[self.ks.index(k)]))]


def _tick(progress, done, total, text):
    if progress is not None:
        progress(min(done / total, 1.0), text)


def elbow_sweep(X, data_key, ks, init, seeds, progress=None):
    """Fit every k in ``ks`` from every seed; ``progress(fraction, text)`` is called after each run."""
    ks, seeds = tuple(ks), tuple(seeds)
    box = _finished("elbow", data_key, ks, init, seeds)
    if "result" in box:
        return box["result"]
    fits = _fit_runs(X, data_key, [(k, seed) for k in ks for seed in seeds], init, progress,
                     text=lambda k, seed: f"Fitting k = {k} (seed {seed})")
    inertia = np.array([f.inertia for f in fits]).reshape(len(ks), len(seeds))
    seconds = np.array([f.seconds for f in fits]).reshape(len(ks), len(seeds))
    inertia.flags.writeable = seconds.flags.writeable = False  # shared between sessions
    box["result"] = ElbowSweep(ks, seeds, inertia, seconds)
    return box["result"]


def knee_of(sweep):
    """The knee of the mean inertia curve (Kneedle, from the core), or None when there is none."""
    if len(sweep.ks) < 3:
        return None
    knee = find_knee(np.asarray(sweep.ks, dtype=float), sweep.mean)
    return None if knee is None else int(round(knee))


def silhouette_rows(n, limit=None, size=None, seed=SAMPLE_SEED):
    """Rows a silhouette uses: None (all rows) up to ``limit`` rows, else a fixed sorted random
    sample of ``size`` rows (the same rows for every k). Defaults: one clustering's silhouette
    (SILHOUETTE_EXACT_MAX, SILHOUETTE_SAMPLE)."""
    limit = SILHOUETTE_EXACT_MAX if limit is None else limit
    size = SILHOUETTE_SAMPLE if size is None else size
    if n <= limit:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def sweep_rows(n):
    """Rows behind the per-k mean silhouettes (Elbow panel, Silhouette page's small chart)."""
    return silhouette_rows(n, SWEEP_SILHOUETTE_MAX, SWEEP_SILHOUETTE_MAX)


def sample_note(n, sweep=False, short=False):
    """On the rows behind a silhouette: a sentence, or a chart label when ``short``; None when
    every row is used."""
    limit, size = (SWEEP_SILHOUETTE_MAX,) * 2 if sweep else (SILHOUETTE_EXACT_MAX, SILHOUETTE_SAMPLE)
    if n <= limit:
        return None
    if short:
        return f"random sample of {size:,} of the {n:,} points (seed {SAMPLE_SEED})"
    return (f"Silhouette on a random sample of {size:,} of the {n:,} points (seed {SAMPLE_SEED}, "
            f"the same rows for every k); all {n:,} points are clustered.")


@dataclass(frozen=True)
class Scores:
    """Quality scores of one run; None where a score is undefined (a single cluster)."""

    k: int
    seed: int
    silhouette: float | None
    calinski_harabasz: float | None
    davies_bouldin: float | None
    n_sampled: int  # rows behind the silhouette


def _defined(score, *args):
    try:
        return float(score(*args))
    except ValueError:  # fewer than two clusters (or one per point): the score is undefined
        return None


def _scores(X, data_key, runs, init, silhouette, others, progress=None):
    """Scores of every (k, seed) in ``runs`` (the runs of ``fit_one``), from the stores or computed.

    The mean silhouettes of all new runs come from one shared pass over the distances of the
    ``sweep_rows`` (``silhouette_means``); Calinski-Harabasz and Davies-Bouldin (all rows) one
    run at a time. ``progress(fraction, text)`` after each step.
    """
    fits = _fit_runs(X, data_key, runs, init)
    keys = [(data_key, f.k, init, f.seed) for f in fits]
    rows = sweep_rows(len(X))
    Xs = X if rows is None else X[rows]
    sil_store, other_store = _store("silhouettes"), _store("others")
    sil = [sil_store.get(key) if silhouette else None for key in keys]
    other = [other_store.get(key) if others else None for key in keys]
    new_sil = [i for i, v in enumerate(sil) if silhouette and v is None]
    new_other = [i for i, v in enumerate(other) if others and v is None]
    steps, done = len(new_other) + (1 if new_sil else 0), 0
    labels = {}  # all-rows labels of the runs that need them (Calinski-Harabasz, Davies-Bouldin)
    for i in new_other:
        labels[i] = assign(X, fits[i].centers)[0]
        several = len(np.unique(labels[i])) >= 2
        other[i] = (_defined(calinski_harabasz_score, X, labels[i]) if several else None,
                    _defined(davies_bouldin_score, X, labels[i]) if several else None)
        other_store.put(keys[i], other[i])
        done += 1
        _tick(progress, done, steps, f"Scoring k = {fits[i].k}")
    if new_sil:
        def sample_labels(i):  # the silhouette needs the labels of its rows only
            if i in labels:
                return labels[i] if rows is None else labels[i][rows]
            return assign(Xs, fits[i].centers)[0]

        means = silhouette_means(Xs, [sample_labels(i) for i in new_sil])
        for i, m in zip(new_sil, means):
            sil[i] = (None if np.isnan(m) else float(m),)  # a tuple: a stored None means "undefined"
            sil_store.put(keys[i], sil[i])
        done += 1
        _tick(progress, done, steps, "Mean silhouettes")
    return [Scores(f.k, f.seed, sil[i][0] if silhouette else None,
                   other[i][0] if others else None, other[i][1] if others else None, len(Xs))
            for i, f in enumerate(fits)]


def run_scores(X, data_key, k, init, seed, silhouette=True, others=True):
    """Mean silhouette (on ``sweep_rows``; skipped, None, unless ``silhouette``), Calinski-Harabasz
    and Davies-Bouldin (all rows; skipped unless ``others``) of the run
    ``fit_one(X, data_key, k, init, seed)``."""
    return _scores(X, data_key, [(k, seed)], init, silhouette, others)[0]


def score_sweep(X, data_key, ks, init, seed_of_k, progress=None, silhouette=True, others=True):
    """Scores for each k of ``ks``, for the run of seed ``seed_of_k(k)``; a tuple of Scores.
    ``silhouette`` / ``others`` = False skip the silhouette / Calinski-Harabasz and Davies-Bouldin."""
    ks = tuple(ks)
    seeds = tuple(seed_of_k(k) for k in ks)
    box = _finished("scores", data_key, ks, init, seeds, bool(silhouette), bool(others))
    if "result" in box:
        return box["result"]
    box["result"] = tuple(_scores(X, data_key, list(zip(ks, seeds)), init, bool(silhouette), bool(others),
                                  progress))
    return box["result"]


def scores_ready(data_key, ks, init, seeds, silhouette=True, others=True):
    """True when ``score_sweep`` with these arguments is already finished (cached)."""
    return "result" in _finished("scores", data_key, tuple(ks), init, tuple(seeds), bool(silhouette),
                                 bool(others))


# ------------------------------------------------------------ charts, built once --------
# Building a Plotly figure with subplots costs ~0.1 s of Python (validation of every trace);
# st.plotly_chart then only copies and serialises it (a few ms). So a rerun that changed
# nothing reuses the figure object: the caches hold Figures, shared and never modified.


# Each shared chart is cached per projector mode too (an argument, so part of the cache key):
# one session's toggle never restyles the chart another session gets.
def elbow_chart(ks, inertia, seconds, knee, panels=(), note=None):
    """``elbow_figure`` for these values (panels: tuple of (title, tuple of values, better)),
    built once per distinct input and projector mode; read-only."""
    return _elbow_chart(ks, inertia, seconds, knee, panels, note, projector())


@st.cache_resource(max_entries=64, show_spinner=False)
def _elbow_chart(ks, inertia, seconds, knee, panels, note, projector_mode):
    with projector_as(projector_mode):
        return elbow_figure(ks, inertia, seconds, knee=knee, note=note,
                            panels=[(title, list(values), better) for title, values, better in panels])


def clustering_chart(X, data_key, feature_names, k, init, seed, n_seeds):
    """(model, figure) of the clustering the Elbow page shows for k (``shown_run``), drawn on the
    data's 2-D view; built once per (data, k, init, seed, projector mode) and shared, read-only."""
    return _clustering_chart(X, data_key, feature_names, k, init, seed, n_seeds, projector())


@st.cache_resource(max_entries=16, show_spinner=False)  # each keeps its model (n labels) alive
def _clustering_chart(_X, data_key, feature_names, k, init, seed, n_seeds, projector_mode):
    model = shown_run(_X, data_key, k, init, seed)
    proj = runs.projection(_X, data_key, feature_names)
    title = f"k = {k}: best of the {n_seeds} seeds (seed {seed})"
    if fit_rows(len(_X)) is not None:
        title += ", iterated on all rows"
    fig = clustering_figure(proj.apply(_X), model.labels_, proj.apply(model.cluster_centers_),
                            draw_cells=_X.shape[1] <= 2, axis_titles=tuple(plain(t) for t in proj.axis_titles),
                            title=title, finished=False)
    return model, finish(fig, projector_mode)


def silhouette_charts(X, model, view, data_key, feature_names, k, init, seed):
    """(silhouette plot, scatter) of the run (data, k, init, seed) whose model and silhouette
    view are ``model`` and ``view``; built once per run and projector mode, shared, read-only."""
    return _silhouette_charts(X, model, view, data_key, feature_names, k, init, seed, projector())


@st.cache_resource(max_entries=32, show_spinner=False)
def _silhouette_charts(_X, _model, _view, data_key, feature_names, k, init, seed, projector_mode):
    with projector_as(projector_mode):
        return _silhouette_pair(_X, _model, _view, data_key, feature_names, k, seed)


def _silhouette_pair(_X, _model, _view, data_key, feature_names, k, seed):
    n = len(_X)
    plot = silhouette_figure(_view.values, _view.labels, k, note=sample_note(n, short=True))
    proj = runs.projection(_X, data_key, feature_names)
    X_scored = _X if _view.rows is None else _X[_view.rows]
    scatter = silhouette_scatter(proj.apply(X_scored), _view.labels, _view.values,
                                 proj.apply(_model.cluster_centers_), draw_cells=_X.shape[1] <= 2,
                                 axis_titles=tuple(plain(t) for t in proj.axis_titles),
                                 title=f"k = {k}, seed {seed}: hover a point for its silhouette")
    return plot, scatter


def silhouette_by_k_chart(ks, means, chosen=None, note=None):
    """``silhouette_by_k_figure`` for these values, built once per distinct input and projector
    mode; read-only."""
    return _silhouette_by_k_chart(ks, means, chosen, note, projector())


@st.cache_resource(max_entries=64, show_spinner=False)
def _silhouette_by_k_chart(ks, means, chosen, note, projector_mode):
    with projector_as(projector_mode):
        return silhouette_by_k_figure(ks, list(means), chosen=chosen, note=note)


def best_silhouette_k(scores):
    """The k with the highest mean silhouette, or None when none is defined."""
    defined = [s for s in scores if s.silhouette is not None]
    return max(defined, key=lambda s: s.silhouette).k if defined else None


def verdict(knee, best_sil):
    """One plain sentence comparing the elbow's k with the best mean silhouette's k."""
    if knee is None and best_sil is None:
        return "No clear elbow: inertia falls without a marked bend, so this curve does not single out a k."
    if knee is None:
        return (f"No clear elbow: inertia falls without a marked bend. The mean silhouette is highest "
                f"at k = {best_sil}, but check that clustering before trusting it.")
    if best_sil is None or best_sil == knee:
        also = "" if best_sil is None else ", and the mean silhouette is highest there too"
        return f"The elbow is at k = {knee}{also}."
    return (f"The two criteria disagree: the elbow is at k = {knee} but the mean silhouette is "
            f"highest at k = {best_sil}, so look at both clusterings before choosing.")


@dataclass(frozen=True)
class SilhouetteView:
    """Per-point silhouettes of one run. ``rows`` is None when every row is scored."""

    rows: np.ndarray | None
    values: np.ndarray
    labels: np.ndarray  # labels of the scored rows
    n: int

    @property
    def mean(self):
        return float(self.values.mean())


@st.cache_data(max_entries=16, show_spinner=False)
def silhouette_view(_X, _labels, data_key, k, init, seed):
    """Silhouette of every scored row of the run (data_key, k, init, seed) whose labels are _labels."""
    rows = silhouette_rows(len(_X))
    Xs, ls = (_X, np.asarray(_labels)) if rows is None else (_X[rows], np.asarray(_labels)[rows])
    values = np.asarray(silhouette_samples(Xs, ls), dtype=float)
    return SilhouetteView(rows, values, ls.astype(np.intp), len(_X))


__all__ = [
    "DEFAULT_K_RANGE", "DEFAULT_SEEDS", "SILHOUETTE_EXACT_MAX", "SILHOUETTE_SAMPLE", "SWEEP_SILHOUETTE_MAX",
    "FIT_SAMPLE", "FIT_SAMPLE_ABOVE",
    "ElbowSweep", "Fit", "Scores", "SilhouetteView", "best_silhouette_k", "elbow_sweep", "explorer_run",
    "clustering_chart", "elbow_chart", "silhouette_by_k_chart", "silhouette_charts", "fit_one", "fit_rows", "refined_run", "scores_ready", "shown_run", "sweep_note",
    "k_values", "knee_of", "run_scores", "sample_note", "score_sweep", "seed_list", "silhouette_rows",
    "silhouette_view", "sweep_init", "sweep_rows", "verdict",
]
