"""Mini-batch page: K-means on small random batches (Sculley 2010) beside full Lloyd from the same start."""

import streamlit as st

from kmeans_app import runs as app_runs
from kmeans_app import state, ui
from kmeans_app.beyond import figures as bf
from kmeans_app.beyond import runs, views
from kmeans_app.beyond import ui as beyond_ui
from kmeans_app.figures.style import plain, plot_sample

BATCH_SIZES = (10, 20, 50, 100, 200, 500, 1000, 2000)
BATCH_DEFAULT = 50
DRAWN_POINTS = 3000

st.title("Mini-batch K-means: a few points at a time")
st.markdown(
    "Each step takes a small random **batch**, assigns its points to their nearest centres, and moves "
    "each centre towards its new points with a learning rate 1 / (points it has absorbed so far): every "
    "centre is the running mean of all the points it was ever given. A step costs b·k·d instead of n·k·d."
)
ds = ui.require_dataset()
beyond_ui.quiet_animation_interrupts()  # Pause in the animated charts logs no error
cfg = state.settings()
init = "random" if cfg.init == "random" else "k-means++"
if cfg.init == "pick":
    st.caption("Hand-picked centres belong to the Explorer; this page starts from k-means++ instead.")
n, d = ds.X.shape
if cfg.k > n:
    st.warning(f"k = {cfg.k} is more than the {n} rows of this data: lower k in the sidebar.")
    st.stop()
distinct = app_runs.distinct_rows(ds.X, ds.key)
if distinct < cfg.k:
    st.warning(f"The data has only {distinct} distinct point(s) for k = {cfg.k}: some clusters will be "
               "empty or share a point. Lower k in the sidebar.")
batch = st.select_slider("Batch size", options=BATCH_SIZES, value=BATCH_DEFAULT, key="mb_batch",
                         help="Points per step (capped at the number of rows).")
if batch > n:
    st.caption(f"The data has only {n:,} rows, so each batch is the whole data (a full Lloyd step "
               "with a decaying learning rate).")
with st.spinner("Running mini-batch K-means and full Lloyd…"):
    mb = runs.minibatch_run(ds.X, ds.key, cfg.k, init, cfg.seed, batch)
    lloyd = runs.lloyd_run(ds.X, ds.key, cfg.k, init, cfg.seed)
proj = app_runs.projection(ds.X, ds.key, ds.feature_names)
rows = plot_sample(n, DRAWN_POINTS)
P = proj.apply(ds.X[rows])
centers, titles, seen, elapsed, inertia = views.minibatch_frames(mb.history_, proj.apply)
gap = views.relative_gap(mb.inertia_, lloyd["model"].inertia_)

m1, m2, m3, m4 = st.columns(4)
m1.metric("Final inertia gap", f"{gap:+.2%}", help="(mini-batch − full Lloyd) / full Lloyd, on all rows.")
m2.metric("Mini-batch inertia", f"{mb.inertia_:.5g}")
m3.metric("Full Lloyd inertia", f"{lloyd['model'].inertia_:.5g}")
m4.metric("Batches", f"{mb.n_steps_:,}", help=f"{mb.n_iter_} pass(es) over the data")
st.markdown(f"**Final inertia gap: mini-batch ends {gap:+.2%} "
            f"{'above' if gap >= 0 else 'below'} full Lloyd from the same start** "
            f"({mb.n_steps_:,} batches of {min(batch, n):,} points against {lloyd['model'].n_iter_} full iterations).")

left, right = st.columns([3, 2])
left.plotly_chart(bf.minibatch_figure(P, mb.labels_[rows], centers, titles, bf.box_of(P),
                                      tuple(plain(t) for t in proj.axis_titles),
                                      f"Centres batch by batch (b = {min(batch, n):,})",
                                      lloyd_centers=proj.apply(lloyd["model"].cluster_centers_)),
                  width="stretch", key="mb_chart")
frames_note = (f"{len(centers)} frames: every batch" if len(centers) == mb.n_steps_ + 1
               else f"{len(centers)} evenly spaced frames of {mb.n_steps_:,} batches")
left.caption(f"{frames_note}. Step with the slider or press ▶ Play (in your browser). Hollow circles: "
             "full Lloyd's final centres.")
if len(rows) < n:
    left.caption(f"Showing a random {len(rows):,} of {n:,} points; all {n:,} are clustered.")
if d > 2:
    left.caption(f"{d} features, drawn on their first two principal components.")
right.plotly_chart(bf.inertia_curves(seen, inertia, lloyd["seen"], lloyd["inertia"], "points processed",
                                     "Inertia against points processed"), width="stretch", key="mb_by_points")
right.plotly_chart(bf.inertia_curves(elapsed, inertia, lloyd["elapsed"], lloyd["inertia"], "seconds",
                                     "Inertia against time"), width="stretch", key="mb_by_time")
right.caption("Inertia is always measured on all rows (not timed). Full Lloyd's fit is timed as a whole "
              "and spread evenly over its iterations. On small data full Lloyd is fast anyway; "
              "mini-batch pays off when n is large.")
if mb.n_iter_ < 100 and mb.n_steps_ < 100 * -(-n // min(batch, n)):
    st.caption("The run stopped early: the smoothed batch inertia had not improved for 10 batches "
               "(scikit-learn's max_no_improvement).")
