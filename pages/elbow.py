"""Elbow page: inertia against k over several seeds, the knee, optional scores, one clustering."""

import time

import streamlit as st

from kmeans_app import state
from kmeans_app.choosing_k import stability_view
from kmeans_app.choosing_k import sweeps as ck

PANELS = {  # label -> (Scores field, better)
    "Mean silhouette": ("silhouette", "max"),
    "Calinski–Harabasz": ("calinski_harabasz", "max"),
    "Davies–Bouldin": ("davies_bouldin", "min"),
}
SHOW_KEY, CHART_KEY = "elbow_show_k", "elbow_chart"
EARLY_CHART_ROWS = 2_000  # above this many rows the inertia curve is drawn before the scores
# The progress bar: not drawn for work that ends within PROGRESS_AFTER seconds (a cold sweep
# of a class-sized data set takes ~0.1 s; 60 bar updates cost more than the bar tells), then
# redrawn at most every PROGRESS_EVERY seconds.
PROGRESS_AFTER, PROGRESS_EVERY = 0.3, 0.15


def _clicked_k():
    """Chart click -> the 'show the clustering for k' selector."""
    points = st.session_state[CHART_KEY].selection.points
    if points and "x" in points[0]:
        st.session_state[SHOW_KEY] = int(round(points[0]["x"]))


def _open_in_explorer(k, seed, init):
    st.session_state["k"], st.session_state["seed"], st.session_state["init"] = k, seed, init


st.title("Elbow: how many clusters?")
st.markdown("Inertia always falls as k grows; the **elbow** is where adding a cluster stops paying off. "
            "Each k is fitted from several seeds: the line is their mean, the band their range.")
ds = state.current_dataset()
if ds is None:
    st.info("Upload a CSV file in the sidebar to draw its elbow curve.")
    st.stop()
cfg = state.settings()
n = len(ds.X)
c1, c2, c3 = st.columns([2, 1, 3])
lo, hi = c1.slider("Range of k", 1, 20, ck.DEFAULT_K_RANGE, key="elbow_range")
n_seeds = c2.number_input("Seeds per k", 1, ck.MAX_SEEDS, ck.DEFAULT_SEEDS, key="elbow_seeds",
                          help="Each k is fitted once from each seed (the sidebar's seed and the next ones).")
shown = c3.multiselect("Also plot", list(PANELS), default=["Mean silhouette"], key="elbow_panels",
                       help="Each score gets its own panel below, on the same k axis.")
ks = ck.k_values(lo, hi, n)
if not ks:
    st.warning(f"This data has only {n} rows: choose a range of k that starts at {n} or below.")
    st.stop()
seeds = ck.seed_list(cfg.seed, n_seeds)
init = ck.sweep_init(cfg.init)


@st.fragment
def clustering_for_k(ds, ks, sweep, init, n_seeds):
    """The 'show the clustering for k' section. A fragment: moving its slider reruns only this
    function, so the sweep above is neither recomputed nor sent to the browser again."""
    st.subheader("The clustering for one k")
    k = st.select_slider("Show the clustering for k", options=list(ks), key=SHOW_KEY)
    seed = sweep.best_seed(k)
    big = ck.fit_rows(len(ds.X)) is not None
    with st.spinner(f"Running k = {k} from seed {seed}"
                    + (" on all rows…" if big else " to convergence, as the Explorer does…")):
        model, fig = ck.clustering_chart(ds.X, ds.key, tuple(ds.feature_names), k, init, seed, n_seeds)
    left, right = st.columns([3, 1])
    left.plotly_chart(fig, width="stretch", key="elbow_clustering")
    right.metric("Inertia", f"{model.inertia_:,.2f}")
    right.metric("Iterations", model.n_iter_)
    if ds.X.shape[1] > 2:
        right.caption(f"{ds.X.shape[1]} features, drawn on their first two principal components.")
    if big:
        right.caption("Iterated on all rows from the sweep run's centres (tol 1e-4). The Explorer runs "
                      "k-means++ on all rows from the same seed, so its result can differ slightly.")
    if right.button(f"Open k = {k} in the Explorer", on_click=_open_in_explorer, args=(k, seed, init),
                    help=f"Sets the sidebar's k to {k} and seed to {seed}, then opens the Explorer.",
                    type="primary"):
        # query_params={}: Streamlit 1.67 refuses to clear the widget-bound URL parameters otherwise;
        # the bound sidebar widgets write them back on the next run.
        st.switch_page("pages/explorer.py", query_params={})


# Placeholders: the progress bar only appears while something is computed (a cached rerun
# draws nothing there), the inertia chart is drawn early while the scores are computed.
message, bar, chart = st.empty(), st.empty(), st.empty()


_started, _drawn = time.perf_counter(), [0.0]


def progress(fraction, text):
    now = time.perf_counter()
    if now - _started < PROGRESS_AFTER or now - _drawn[0] < PROGRESS_EVERY:
        return
    _drawn[0] = now
    bar.progress(fraction, text=text)


sweep = ck.elbow_sweep(ds.X, ds.key, ks, init, seeds, progress=progress)
knee = ck.knee_of(sweep)
want_sil = "Mean silhouette" in shown
want_others = any(label != "Mean silhouette" for label in shown)
scores = ()
if shown:
    best_seeds = tuple(sweep.best_seed(k) for k in ks)
    # On larger data the scores take a while: show the inertia curve meanwhile. On small data
    # they take milliseconds, and a second figure would cost more than it shows.
    if n > EARLY_CHART_ROWS and not ck.scores_ready(ds.key, ks, init, best_seeds, want_sil, want_others):
        chart.plotly_chart(ck.elbow_chart(ks, sweep.inertia, sweep.mean_seconds, knee), width="stretch")
    scores = ck.score_sweep(ds.X, ds.key, ks, init, sweep.best_seed, progress=progress,
                            silhouette=want_sil, others=want_others)
bar.empty()

best_sil = ck.best_silhouette_k(scores) if want_sil else None
if best_sil is None and knee is not None:
    message.success(f"The elbow (Kneedle's knee of the mean curve) is at k = {knee}.")
elif knee is not None and knee == best_sil:
    message.success(ck.verdict(knee, best_sil))
else:
    message.warning(ck.verdict(knee, best_sil))

if SHOW_KEY not in st.session_state or st.session_state[SHOW_KEY] not in ks:
    st.session_state[SHOW_KEY] = knee if knee is not None else min(max(cfg.k, ks[0]), ks[-1])
panels = tuple((label, tuple(getattr(s, PANELS[label][0]) for s in scores), PANELS[label][1]) for label in shown)
note = ck.sample_note(n, sweep=True) if want_sil else None
chart.plotly_chart(ck.elbow_chart(ks, sweep.inertia, sweep.mean_seconds, knee, panels, note), width="stretch",
                   key=CHART_KEY, on_select=_clicked_k, selection_mode="points")
fitted = ck.sweep_note(n) or f"All {n:,} rows are clustered for every k."
st.caption(f"{fitted} {len(seeds)} runs per k, init {init}, seeds {seeds[0]}–{seeds[-1]}. Fit time is per "
           "run, measured when it was first computed; results are cached. Click a point to see that "
           "clustering." + (" A knee needs at least three values of k: widen the range." if len(ks) < 3 else ""))

clustering_for_k(ds, ks, sweep, init, len(seeds))
stability_view.section(ds, cfg, ks)
