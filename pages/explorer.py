"""Explorer: Lloyd's algorithm one half-step at a time, stepped in the browser, with its math and source."""

import streamlit as st

from kmeans_app import runs, state, ui
from kmeans_app.data import downloads, reproduce
from kmeans_app.explorer import component, stepper

st.title("Explorer")
st.caption("Watch K-means work: each **assignment** sends every point to its nearest centre, "
           "each **update** moves every centre to the mean of its points. Both lower the inertia.")
ds = ui.require_dataset()
cfg = state.settings()
n, d = ds.X.shape
if cfg.k > n:
    st.warning(f"k = {cfg.k} is more than the {n} rows of this data: choose a smaller k in the sidebar.")
    st.stop()
rows, P, proj = stepper.drawn(ds.X, ds.key, ds.feature_names)

picked = stepper.picked(ds.key, n) if cfg.init == "pick" else []
if cfg.init == "pick" and len(picked) < cfg.k:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.info(f"Picked {len(picked)} of {cfg.k} — click more points on the chart to place the "
              "starting centres.", icon=":material/ads_click:")
    right.button("Clear picks", on_click=stepper.clear_picks, disabled=not picked, key="x_clear")
    rid = stepper.run_id(ds.key, cfg.k, cfg.init, cfg.seed, picked)
    component.show_pick(stepper.pick_payload(ds.X, rid, ds.key, ds.feature_names, tuple(picked), cfg.k),
                        rows_drawn=rows, k=cfg.k)
    st.stop()

picked = tuple(picked[: cfg.k])
sig = stepper.signature(ds.key, cfg.k, cfg.init, cfg.seed)
centres = stepper.dragged(sig) if d == 2 else None
if st.session_state.get(stepper.DRAG_ERROR):
    st.warning(st.session_state[stepper.DRAG_ERROR])
init = "dragged" if centres else cfg.init
rid = stepper.run_id(ds.key, cfg.k, cfg.init, cfg.seed, picked, centres)
try:
    if centres:
        model = stepper.fit_from(ds.X, ds.key, cfg.k, centres, runs.MAX_ITER, runs.TOL)
    else:
        model = runs.fit_run(ds.X, ds.key, cfg.k, cfg.init, cfg.seed, picked=picked or None,
                             max_iter=runs.MAX_ITER, tol=runs.TOL)
except ValueError as err:
    st.error(f"K-means could not run on this data: {err}")
    st.stop()

if centres:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.info("This run starts from the centres you dragged.", icon=":material/pan_tool:")
    right.button(f"Back to {cfg.init} init", on_click=stepper.clear_dragged, key="x_undrag")
elif cfg.init == "pick":
    st.button("Pick other starting points", on_click=stepper.clear_picks, key="x_repick")

data = stepper.payload(model, ds.X, rid, ds.key, ds.feature_names, init, runs.MAX_ITER, autoplay=bool(centres))
component.show_run(data, k=cfg.k, sig=sig)
ui.sample_note(n)

st.subheader("Download")
st.caption(f"The converged run: {cfg.k} clusters after {model.n_iter_} iterations.")
left, right = st.columns(2)
left.download_button(
    "Data with a cluster column (CSV)", key="x_dl_data", on_click="ignore", mime="text/csv",
    file_name="kmeans_clusters.csv", icon=":material/download:",
    data=lambda: downloads.labelled_csv(ds.frame if ds.frame is not None else ds.X,
                                        model.labels_, ds.feature_names))
right.download_button(
    "Centres (CSV)", key="x_dl_centres", on_click="ignore", mime="text/csv",
    file_name="kmeans_centres.csv", icon=":material/download:",
    data=lambda: downloads.centers_csv(model.cluster_centers_, ds.feature_names))
reproduce.download_button(ds, cfg, model)  # kmeans_reproduce.py: the same clustering as code
