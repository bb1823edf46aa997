"""The Elbow page's "Stability and the gap statistic" section.

Both numbers come from ``kmeans_core.stability`` and cost many fits (R
resamples per k; (k_max + 1) (B + 1) fits for the gap), so the section
starts from a button and the Elbow page's default view stays as fast as
before. Once started for a dataset it follows the page's range of k and its
own controls. Every piece is cached across sessions: stability one k at a
time (widening the range reuses what is done), the gap one data set (the
data, or one reference) at a time. The progress bar moves after each piece.

Above ``MAX_ROWS`` rows both use a fixed random sample of the rows (said on
screen): a resample of 400,000 rows fitted 200 times would take minutes.
"""

import numpy as np
import streamlit as st

from kmeans_app.choosing_k.stability_figures import REFERENCE_WORDS, gap_figure, stability_figure
from kmeans_app.choosing_k.sweeps import sweep_init
from kmeans_core.stability import gap_from_log_w, gap_log_w, stability_for_k, summarize_stability

MAX_ROWS = 5_000
SAMPLE_SEED = 0
DEFAULT_RESAMPLES, MAX_RESAMPLES = 20, 50
DEFAULT_REFS, MAX_REFS = 10, 50
STABLE_ENOUGH = 0.8  # below this mean ARI the section says no k is really stable
STARTED_KEY = "_stability_started"  # data key the button was pressed for
BUTTON = "stab_start"
RESAMPLES = "stab_resamples"
REFS = "stab_refs"
REFERENCE = "stab_reference"
REFERENCE_LABELS = {"uniform": "Box over each column's range", "pca": "Box along the principal axes"}


def sample_rows(n, limit=MAX_ROWS, seed=SAMPLE_SEED):
    """None (every row) up to ``limit`` rows, else a fixed sorted random sample of ``limit`` rows."""
    if n <= limit:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def _rows_of(X):
    rows = sample_rows(len(X))
    return X if rows is None else X[rows]


# The cached pieces never call Streamlit (a cached function that draws would replay its
# output on every hit): progress is reported between them, one k or one data set at a time.


@st.cache_data(max_entries=256, show_spinner=False)
def stability_pairs(_X, data_key, k, n_resamples, init, seed):
    """Pairwise ARIs of the bootstrap clusterings for one k (on ``sample_rows``); cached per k."""
    return stability_for_k(_rows_of(_X), k, n_resamples, init=init, random_state=seed)


@st.cache_data(max_entries=512, show_spinner=False)
def gap_row(_X, data_key, k_max, b, reference, init, seed):
    """log W_k, k = 1 .. k_max + 1, of the data (b None) or of reference b (on ``sample_rows``)."""
    return gap_log_w(_rows_of(_X), k_max, b, reference=reference, init=init, random_state=seed)


def gap_k_max(ks, n):
    """The largest k the gap can judge: the page's, kept below the rows used (k_max + 1 <= rows)."""
    return min(int(ks[-1]), min(n, MAX_ROWS) - 1)


def compute(X, data_key, ks, n_resamples, n_refs, reference, init, seed, progress=None):
    """(StabilityResult, GapResult or None); ``progress(fraction, text)`` after each piece.

    Work is counted in fits: R per k for stability, k_max + 1 per data set for the gap.
    """
    k_max = gap_k_max(ks, len(X))
    gap_sets = n_refs + 1 if k_max >= 1 else 0
    total = len(ks) * n_resamples + gap_sets * (k_max + 1)
    done = 0

    def tick(work, text):
        nonlocal done
        done += work
        if progress is not None:
            progress(min(done / total, 1.0), text)

    pairs = []
    for k in ks:
        pairs.append(stability_pairs(X, data_key, k, n_resamples, init, seed))
        tick(n_resamples, f"Stability: k = {k} done ({n_resamples} resamples)")
    result = summarize_stability(ks, pairs, n_resamples)
    if not gap_sets:
        return result, None
    data = gap_row(X, data_key, k_max, None, reference, init, seed)
    tick(k_max + 1, "Gap statistic: the data done")
    refs = []
    for b in range(n_refs):
        refs.append(gap_row(X, data_key, k_max, b, reference, init, seed))
        tick(k_max + 1, f"Gap statistic: reference {b + 1} of {n_refs} done")
    return result, gap_from_log_w(data, np.array(refs), reference)


def most_stable(result):
    """(k, mean ARI) of the most stable k >= 2 (the smallest on ties), or None without such k."""
    candidates = [(m, -k) for k, m in zip(result.ks, result.mean) if k >= 2]
    if not candidates:
        return None
    m, neg_k = max(candidates)
    return -neg_k, float(m)


def stability_sentence(result):
    best = most_stable(result)
    pairs = result.n_resamples * (result.n_resamples - 1) // 2
    if best is None:
        return "Stability needs k ≥ 2 to say anything: one cluster is always the same partition."
    k, m = best
    text = (f"Most stable k ≥ 2: **k = {k}**, mean ARI {m:.2f} over the {pairs} pairs of "
            f"{result.n_resamples} bootstrap resamples.")
    if m < STABLE_ENOUGH:
        text += (f" No k reaches {STABLE_ENOUGH}: which clusters you get depends on which rows were "
                 "drawn, so treat any k with care.")
    return text


def gap_sentence(g, k_max):
    where = REFERENCE_WORDS[g.reference]
    judged = np.asarray(g.gap[:k_max], dtype=float)
    peak = int(np.nanargmax(judged)) + 1 if np.isfinite(judged).any() else None
    also = (f" The gap itself is largest at k = {peak}: look at both." if peak is not None and peak != g.best_k
            else "")
    if g.best_k is None:
        return (f"No k in 1–{k_max} passes the rule Gap(k) ≥ Gap(k+1) − s(k+1): the gap still rises "
                f"at k = {k_max}. Widen the range of k. (Reference: {where}, B = {g.n_refs}.)")
    if g.best_k == 1:
        return (f"The gap statistic picks **k = 1**: splitting the data in two gains no more than splitting "
                f"reference data without clusters ({where}, B = {g.n_refs}). Either there are no clusters, "
                "or the first split gains little (clusters along a line or on a ring, or overlapping "
                "pairs), where the rule is known to stop early." + also)
    return (f"The gap statistic picks **k = {g.best_k}**, the smallest k with Gap(k) ≥ Gap(k+1) − s(k+1) "
            f"(reference: {where}, B = {g.n_refs})." + also)


def _start(data_key):
    st.session_state[STARTED_KEY] = data_key


@st.fragment
def section(ds, cfg, ks):
    """The whole section, for the Elbow page: ``ks`` is the page's range of k."""
    st.subheader("Stability and the gap statistic")
    st.markdown(
        "Two more checks of k. **Stability**: cluster bootstrap resamples of the rows, label every "
        "row with each, and compare the labelings pairwise with the adjusted Rand index (1 = the same "
        "partition). **The gap statistic** (Tibshirani, Walther & Hastie, 2001): how far log inertia "
        "falls below that of data spread uniformly over a box around yours.")
    c1, c2, c3 = st.columns([1, 1, 2])
    n_resamples = int(c1.number_input("Bootstrap resamples", 2, MAX_RESAMPLES, DEFAULT_RESAMPLES,
                                      key=RESAMPLES, help="Clusterings per k; every pair is compared."))
    n_refs = int(c2.number_input("Reference data sets (B)", 2, MAX_REFS, DEFAULT_REFS, key=REFS,
                                 help="Uniform data sets behind the gap statistic and its error s(k)."))
    reference = c3.radio("Reference box", list(REFERENCE_LABELS), format_func=REFERENCE_LABELS.get,
                         key=REFERENCE, horizontal=True,
                         help="Where the reference data is drawn: the range of each column, or the range "
                              "along the data's principal axes (follows the shape of the data).")
    n = len(ds.X)
    init, seed = sweep_init(cfg.init), cfg.seed
    if st.session_state.get(STARTED_KEY) != ds.key:
        fits = len(ks) * n_resamples + (gap_k_max(ks, n) + 1) * (n_refs + 1)
        st.button("Compute stability and the gap statistic", key=BUTTON, icon=":material/science:",
                  on_click=_start, args=(ds.key,), type="primary",
                  help=f"About {fits:,} K-means fits; a few seconds.")
        st.caption(f"Not computed yet: for k = {ks[0]}–{ks[-1]} this takes about {fits:,} K-means fits.")
        return
    bar = st.progress(0.0, text="Stability…")
    try:
        result, g = compute(ds.X, ds.key, ks, n_resamples, n_refs, reference, init, seed,
                            progress=lambda f, t: bar.progress(min(f, 1.0), text=t))
    except ValueError as err:
        bar.empty()
        st.error(f"Stability and the gap statistic could not be computed on this data: {err}")
        return
    bar.empty()
    best = most_stable(result)
    left, right = st.columns(2)
    left.plotly_chart(stability_figure(result.ks, result.mean, result.low, result.high, n_resamples,
                                       best=None if best is None else best[0]),
                      width="stretch", key="stab_chart")
    left.markdown(stability_sentence(result))
    if g is None:
        right.info("The gap statistic needs at least three rows (k = 1 is compared with k = 2).")
    else:
        k_max = gap_k_max(ks, n)
        right.plotly_chart(gap_figure(g.ks, g.gap, g.s, g.best_k, g.reference, g.n_refs, k_max=k_max),
                           width="stretch", key="gap_chart")
        right.markdown(gap_sentence(g, k_max))
    rows = sample_rows(n)
    used = (f"a fixed random sample of {MAX_ROWS:,} of the {n:,} rows (seed {SAMPLE_SEED})" if rows is not None
            else f"all {n:,} rows")
    st.caption(f"Both use {used}; init {init}, seed {seed}; one run per fit (scikit-learn's default "
               "tolerance). Each resample's model labels every row used, so pairs are compared on the same "
               "rows. Results are cached.")
