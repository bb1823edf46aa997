"""Random init against k-means++: the seeding story of one seed, and many seeds compared.

Every "run" here is one initialisation followed by Lloyd's algorithm
(``n_init=1``), with exactly the settings the Explorer passes to
``kmeans_app.runs.fit_run``, so a seed's result here is the run the Explorer
shows for that seed. Restarts
(``n_init > 1``) are not run; their effect is computed from the single runs
(``expected_best``).
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import streamlit as st

from kmeans_app import runs
from kmeans_app.figures.style import plot_sample
from kmeans_core import (
    KMeans,
    adjusted_rand_score,
    kmeans_plusplus_steps,
    pairwise_adjusted_rand,
    random_init,
)

INITS = ("random", "k-means++")
SLUG = {"random": "random", "k-means++": "kpp"}  # for widget keys (and CSS classes made from them)
SEED_COUNT = (10, 200, 50, 10)  # min, max, default, step of the "runs per init" control
MAX_RESTARTS = 20
NEAR_BEST = 0.01  # "as good as the best": inertia within 1 % of the best run found
BATCH = 10  # fits per cached batch (and per progress-bar update)
ARI_MAX_ROWS = 20_000  # ARI is computed on a fixed sample of rows above this
AUTO_RUN_WORK = 1_000_000  # rows x runs up to which the comparison starts by itself (~10 s at most)
# The Explorer's settings, so a seed's run here is the run the Explorer shows.
MAX_ITER, TOL = runs.MAX_ITER, runs.TOL

# A bad start, found by search with the core (tests/app/test_initialization.py checks it):
# four well-separated blobs; with seed 0 random init puts two centres in one blob
# and Lloyd cannot move them out, while k-means++ finds the four blobs.
BAD_START = {"dataset": "blobs", "n": 500, "centers": 4, "spread": 1.0, "data_seed": 8, "k": 4, "seed": 0}


def apply_bad_start():
    """on_click callback: set the sidebar widgets to the bad-start example."""
    for key, value in BAD_START.items():
        st.session_state[key] = value
    st.session_state["init_detail_seed"] = BAD_START["seed"]


# --------------------------------------------------------------------------- seeding story


@dataclass(frozen=True)
class SeedRound:
    """How one starting centre was picked.

    probabilities : (n,) chance of each point being drawn this round.
    candidates : row indices drawn (k-means++ draws a few; random init one).
    candidate_potentials : potential (inertia against the centres so far plus
        that candidate) for each candidate.
    chosen : row index kept: the candidate with the lowest potential.
    potential : the potential after this round.
    """

    probabilities: np.ndarray
    candidates: np.ndarray
    candidate_potentials: np.ndarray
    chosen: int
    potential: float


def _d2_probabilities(X, picked):
    """Round j's sampling probabilities for every j: uniform, then D(x)^2 / sum D^2.

    D(x) is the distance to the nearest of the centres picked before round j.
    """
    n = X.shape[0]
    out, closest = [np.full(n, 1.0 / n)], None
    for row in picked[:-1]:
        d = ((X - X[row]) ** 2).sum(axis=1)
        closest = d if closest is None else np.minimum(closest, d)
        total = closest.sum()
        out.append(closest / total if total > 0 else np.full(n, 1.0 / n))
    return out


def seeding_story(X, k, seed):
    """The rounds of k-means++ and of random init for ``seed``: {init: [SeedRound] * k}.

    Both use the random stream KMeans(random_state=seed) uses, so the centres
    are the starting centres of that seed's runs. Candidates, their potentials
    and the pick come from the core's ``kmeans_plusplus_steps``; the sampling
    probabilities are recomputed here from the picks (D^2 to the centres so far)
    and a test checks they agree with the core's.
    """
    _, _, steps = kmeans_plusplus_steps(X, k, random_state=seed)
    picked = [int(s.chosen) for s in steps]
    story = {"k-means++": [
        SeedRound(p, np.asarray(s.candidates), np.asarray(s.candidate_potentials, dtype=np.float64),
                  int(s.chosen), float(s.potential))
        for p, s in zip(_d2_probabilities(X, picked), steps)
    ]}
    _, picked = random_init(X, k, np.random.default_rng(seed))
    n, rounds, closest = X.shape[0], [], None
    for j, row in enumerate(picked):
        probs = np.full(n, 1.0 / (n - j))  # uniform over the rows not yet picked
        probs[picked[:j]] = 0.0
        d = ((X - X[row]) ** 2).sum(axis=1)
        closest = d if closest is None else np.minimum(closest, d)
        pot = float(closest.sum())
        rounds.append(SeedRound(probs, np.array([row]), np.array([pot]), int(row), pot))
    story["random"] = rounds
    return story


@st.cache_data(max_entries=8, show_spinner=False)  # an entry holds 2 k probability vectors of n rows
def cached_seeding_story(_X, data_key, k, seed):
    """:func:`seeding_story`, cached per (data, k, seed); ``_X`` is identified by ``data_key``."""
    return seeding_story(_X, k, seed)


# --------------------------------------------------------------------------- many runs


@dataclass(frozen=True)
class RunSet:
    """Single runs (init + Lloyd, n_init=1) of one init, one per seed.

    labels : (runs, rows) final labels, for rows ``ari_rows`` of X only.
    """

    init: str
    seeds: np.ndarray
    inertia: np.ndarray
    n_iter: np.ndarray
    labels: np.ndarray


def ari_rows(n_rows, max_rows=ARI_MAX_ROWS):
    """The rows agreement is measured on: all, or a fixed random sample."""
    return plot_sample(n_rows, max_rows)


def fit_one(X, k, init, seed):
    """One run exactly as the Explorer's ``fit_run`` makes it (without labels in the history)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # too few distinct points: shown by the page
        return KMeans(k, init=init, n_init=1, random_state=int(seed), max_iter=MAX_ITER, tol=TOL,
                      record="centers").fit(X)


def run_seeds(X, k, init, seeds):
    """Fit one run per seed; return a :class:`RunSet`."""
    rows = ari_rows(X.shape[0])
    dtype = np.int8 if k < 128 else np.int32
    inertia, n_iter, labels = [], [], np.empty((len(seeds), len(rows)), dtype=dtype)
    for i, seed in enumerate(seeds):
        model = fit_one(X, k, init, seed)
        inertia.append(model.inertia_)
        n_iter.append(model.n_iter_)
        labels[i] = model.labels_[rows]
    return RunSet(init, np.asarray(seeds, dtype=np.int64), np.array(inertia, dtype=np.float64),
                  np.array(n_iter, dtype=np.int64), labels)


@st.cache_data(max_entries=400, show_spinner=False)
def _cached_batch(_X, data_key, k, init, first_seed, count):
    return run_seeds(_X, k, init, range(first_seed, first_seed + count))


def _concat(parts):
    return RunSet(parts[0].init, *(np.concatenate([getattr(p, f) for p in parts])
                                   for f in ("seeds", "inertia", "n_iter", "labels")))


def run_both(X, data_key, k, n_seeds, progress=None):
    """Seeds 0..n_seeds-1 for both inits, in cached batches: {init: RunSet}.

    progress(done, total) is called after each batch (cached batches return at once).
    """
    total, done, parts = 2 * n_seeds, 0, {init: [] for init in INITS}
    for first in range(0, n_seeds, BATCH):
        count = min(BATCH, n_seeds - first)
        for init in INITS:
            parts[init].append(_cached_batch(X, data_key, k, init, first, count))
            done += count
            if progress is not None:
                progress(done, total)
    return {init: _concat(p) for init, p in parts.items()}


# --------------------------------------------------------------------------- restarts math


def best_of_n_weights(n_values, n, replace=False):
    """P(the best of n draws is the i-th smallest value), for i = 1..n_values.

    Without replacement (n distinct runs picked at random from the n_values,
    n <= n_values) the minimum is the i-th smallest when that one is drawn and
    the other n-1 come from the n_values - i larger ones::

        C(n_values - i, n - 1) / C(n_values, n)

    With replacement (n independent draws from the empirical distribution)::

        ((n_values - i + 1) / n_values) ** n - ((n_values - i) / n_values) ** n
    """
    N = int(n_values)
    if N < 1 or n < 1 or (not replace and n > N):
        raise ValueError(f"need 1 <= n <= {N} draws without replacement; got n={n}")
    i = np.arange(1, N + 1)
    if replace:
        return ((N - i + 1) / N) ** n - ((N - i) / N) ** n
    total = math.comb(N, n)
    return np.array([math.comb(N - j, n - 1) / total for j in i])


def expected_best(values, n, replace=False):
    """Exact expected minimum of n draws from ``values`` (see :func:`best_of_n_weights`)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    return float(best_of_n_weights(len(x), n, replace) @ x)


def chance_near_best(values, threshold, n):
    """P(at least one of n runs drawn without replacement has value <= threshold)."""
    values = np.asarray(values)
    N, good = len(values), int((values <= threshold).sum())
    return 1.0 - math.comb(N - good, n) / math.comb(N, n)


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class InitSummary:
    init: str
    best: float
    median: float
    worst: float
    share_near_best: float  # runs within NEAR_BEST of the best inertia found by either init
    mean_iter: float
    max_iter: int
    mean_pairwise_ari: float  # mean ARI over all pairs of this init's runs
    mean_ari_vs_best: float  # mean ARI of this init's runs against the best run found
    restarts: np.ndarray  # 1..MAX_RESTARTS (capped at the number of runs)
    expected_best: np.ndarray  # expected best inertia after that many restarts
    chance_near_best: np.ndarray  # chance that many restarts get within NEAR_BEST of the best


@dataclass(frozen=True)
class Comparison:
    runs: dict  # init -> RunSet
    summaries: dict  # init -> InitSummary
    best_inertia: float
    best_init: str
    best_seed: int
    n_rows: int
    ari_rows: int  # rows ARI was computed on (a sample for large data)


def _mean_upper(M):
    if len(M) < 2:
        return 1.0
    return float(M[np.triu_indices(len(M), 1)].mean())


def summarise(runs, n_rows):
    """Turn {init: RunSet} into a :class:`Comparison` (pure numpy, no Streamlit)."""
    best_init = min(INITS, key=lambda i: runs[i].inertia.min())
    best_at = int(np.argmin(runs[best_init].inertia))
    best = float(runs[best_init].inertia[best_at])
    best_labels = runs[best_init].labels[best_at]
    threshold = best * (1 + NEAR_BEST)
    summaries = {}
    for init in INITS:
        r = runs[init]
        restarts = np.arange(1, min(MAX_RESTARTS, len(r.inertia)) + 1)
        summaries[init] = InitSummary(
            init=init, best=float(r.inertia.min()), median=float(np.median(r.inertia)),
            worst=float(r.inertia.max()),
            share_near_best=float(np.mean(r.inertia <= threshold)),
            mean_iter=float(r.n_iter.mean()), max_iter=int(r.n_iter.max()),
            mean_pairwise_ari=_mean_upper(pairwise_adjusted_rand(r.labels)),
            mean_ari_vs_best=float(np.mean([adjusted_rand_score(lab, best_labels) for lab in r.labels])),
            restarts=restarts,
            expected_best=np.array([expected_best(r.inertia, n) for n in restarts]),
            chance_near_best=np.array([chance_near_best(r.inertia, threshold, n) for n in restarts]),
        )
    return Comparison(runs, summaries, best, best_init, int(runs[best_init].seeds[best_at]),
                      n_rows, runs[INITS[0]].labels.shape[1])


@st.cache_data(max_entries=32, show_spinner=False)
def _cached_summary(_runs, data_key, k, n_seeds, n_rows):
    return summarise(_runs, n_rows)


def compare(X, data_key, k, n_seeds, progress=None):
    """Run (or fetch from the cache) n_seeds runs of each init and summarise them."""
    runs = run_both(X, data_key, k, n_seeds, progress)
    return _cached_summary(runs, data_key, k, n_seeds, X.shape[0])


def auto_runs(n_rows, n_seeds):
    """Whether the comparison is cheap enough to start without a click."""
    return n_rows * 2 * n_seeds <= AUTO_RUN_WORK


# --------------------------------------------------------------------------- tables


def rounds_table(story):
    """One row per centre: k-means++'s candidates, their potentials and the one kept; random's pick."""
    rows = []
    for j, (pp, rnd) in enumerate(zip(story["k-means++"], story["random"])):
        rows.append({
            "centre": j + 1,
            "k-means++ candidates (row)": ", ".join(str(int(c)) for c in pp.candidates),
            "their potential φ": ", ".join(f"{p:,.1f}" for p in pp.candidate_potentials),
            "kept (lowest φ)": int(pp.chosen),
            "k-means++ φ": pp.potential,
            "random pick (row)": int(rnd.chosen),
            "random φ": rnd.potential,
        })
    return rows


def summary_table(comparison):
    """The headline numbers per init, as {metric: {init label: value}} rows for a table."""
    pct = NEAR_BEST * 100
    rows = {
        "best inertia": lambda s: f"{s.best:,.2f}",
        "median inertia": lambda s: f"{s.median:,.2f}",
        "worst inertia": lambda s: f"{s.worst:,.2f}",
        f"runs within {pct:g}% of the best found": lambda s: f"{s.share_near_best:.0%}",
        "mean iterations": lambda s: f"{s.mean_iter:.1f}",
        "most iterations": lambda s: f"{s.max_iter}",
        "agreement between runs (mean pairwise ARI)": lambda s: f"{s.mean_pairwise_ari:.3f}",
        "agreement with the best run (mean ARI)": lambda s: f"{s.mean_ari_vs_best:.3f}",
    }
    return [{"": name} | {init: fmt(comparison.summaries[init]) for init in INITS} for name, fmt in rows.items()]


def worst_seed(comparison, init):
    """The seed of ``init``'s run with the highest final inertia."""
    runs = comparison.runs[init]
    return int(runs.seeds[int(np.argmax(runs.inertia))])
