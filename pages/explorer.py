"""Explorer: Lloyd's algorithm one half-step at a time, with its math and its source."""

import numpy as np
import streamlit as st

from kmeans_app import downloads, explain, narration, runs, state, stepper, ui
from kmeans_app.figures.explorer import frame_window, pick_figure

PICK_CHART = "explorer_pick_chart"

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
draw_cells = d <= 2

picked = stepper.picked(ds.key, n) if cfg.init == "pick" else []
if cfg.init == "pick" and len(picked) < cfg.k:
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.info(f"Picked {len(picked)} of {cfg.k} — click more points on the chart to place the "
              "starting centres.", icon=":material/ads_click:")
    right.button("Clear picks", on_click=stepper.clear_picks, disabled=not picked, key="x_clear")
    fig = pick_figure(P, rows, proj.apply(ds.X[picked]) if picked else np.empty((0, 2)), cfg.k,
                      axis_titles=proj.axis_titles)
    st.plotly_chart(fig, width="stretch", key=PICK_CHART, selection_mode="points",
                    on_select=lambda: stepper.on_pick(PICK_CHART, rows, cfg.k))
    ui.sample_note(n)
    st.stop()

picked = tuple(picked[: cfg.k])
rid = stepper.run_id(ds.key, cfg.k, cfg.init, cfg.seed, picked)
try:
    model = runs.fit_run(ds.X, ds.key, cfg.k, cfg.init, cfg.seed, picked=picked or None,
                         max_iter=runs.MAX_ITER, tol=runs.TOL)
except ValueError as err:
    st.error(f"K-means could not run on this data: {err}")
    st.stop()
history = model.history_
phases = tuple(s.phase for s in history)
cursor = stepper.sync(rid, len(history))
step = history[cursor]

buttons = [("reset", "Reset", "restart_alt", "Back to the starting centres"),
           ("back", "Back", "undo", "One half-step back"),
           ("assign", "Assign", "hub", "Assignment step: send every point to its nearest centre"),
           ("update", "Update", "my_location", "Update step: move every centre to the mean of its points"),
           ("iteration", "Iteration", "redo", "A full iteration: assignment, then update"),
           ("converge", "Converge", "fast_forward", "Run to convergence: jump to the end of the run")]
for col, (action, label, icon, tip) in zip(st.columns(len(buttons)), buttons):
    col.button(label, key=f"x_{action}", help=tip, width="stretch", icon=f":material/{icon}:",
               on_click=stepper.move, args=(action, phases),
               disabled=not stepper.enabled(phases, cursor, action),
               type="primary" if action in ("assign", "update") else "secondary")
if cfg.init == "pick":
    st.button("Pick other starting points", on_click=stepper.clear_picks, key="x_repick")

label = narration.step_label(cursor, history)
story = narration.narrate(history, cursor, init=cfg.init, n_iter=model.n_iter_, max_iter=runs.MAX_ITER)

views = stepper.views(model, ds.X, rid, ds.key, ds.feature_names, cfg.init, runs.MAX_ITER)
first = frame_window(cursor, len(rows))
fig = stepper.figure(views, P, rid, cursor, first, draw_cells, proj.axis_titles)
st.plotly_chart(fig, width="stretch", key="explorer_chart", alt=f"{label}. {story}")
notes = ["▶ Play replays the steps so far in the chart; the slider under it scrubs through them."]
if first > 0:
    notes.append(f"The animation holds the last {cursor - first + 1} half-steps; "
                 "use ◀ Back to go further back.")
if not draw_cells:
    notes.append(f"The data has {d} features: K-means runs in all {d} dimensions and the chart shows "
                 "the first two principal components. Cells are left out: the Voronoi cells of the "
                 "projected centres would not be the real cluster boundaries.")
st.caption(" ".join(notes))
ui.sample_note(n)

math_col, side_col = st.columns([3, 2], gap="large")
with math_col:
    st.subheader(f"The math of step {cursor}: {narration.PHASE_WORDS[step.phase]}")
    st.markdown(story)
    explain.render_math(step.phase)
with side_col:
    st.subheader("The code")
    explain.render_source(step.phase, cfg.init)
    st.subheader("Download")
    st.caption(f"The converged run: {cfg.k} clusters after {model.n_iter_} iterations.")
    st.download_button(
        "Data with a cluster column (CSV)", key="x_dl_data", on_click="ignore", mime="text/csv",
        file_name="kmeans_clusters.csv", icon=":material/download:",
        data=lambda: downloads.labelled_csv(ds.frame if ds.frame is not None else ds.X,
                                            model.labels_, ds.feature_names))
    st.download_button(
        "Centres (CSV)", key="x_dl_centres", on_click="ignore", mime="text/csv",
        file_name="kmeans_centres.csv", icon=":material/download:",
        data=lambda: downloads.centers_csv(model.cluster_centers_, ds.feature_names))
