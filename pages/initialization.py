"""Initialization: why the starting centres matter, and what k-means++ does about it."""

import streamlit as st

from kmeans_app import runs, state
from kmeans_app.figures.common import clustering_figure
from kmeans_app.figures.style import plain
from kmeans_app.initialization import compare as ic
from kmeans_app.initialization.figures import (
    MAX_ANIM_POINTS,
    inertia_figure,
    iterations_figure,
    restarts_figure,
    seeding_figure,
)
from kmeans_app.runs import fit_run

st.title("Initialization")
st.markdown(
    "K-means only improves the centres it starts from, so a bad start can end in a poor clustering. "
    "**Random init** picks k data points uniformly. **k-means++** picks the first centre uniformly, then "
    "draws each next one with probability proportional to D², the squared distance to the nearest centre "
    "so far, trying a few candidates and keeping the one that lowers the potential φ (the inertia of "
    "the centres so far) the most."
)
st.button("Show a bad start for random init", on_click=ic.apply_bad_start, key="init_bad_start",
          help="Four well-separated blobs, k = 4, seed 0: random init puts two centres in one blob.")

ds = state.current_dataset()
if ds is None:
    st.info("No data to cluster yet. Upload a CSV file in the sidebar (Data: Your CSV file), "
            "or choose one of the generated datasets there.")
    st.stop()
cfg = state.settings()
X, k, n = ds.X, cfg.k, ds.X.shape[0]
if k > n:
    st.warning(f"k = {k} is more than the {n} rows of this data: lower k in the sidebar.")
    st.stop()
n_distinct = runs.distinct_rows(X, ds.key)
if n_distinct < k:
    st.warning(f"Only {n_distinct} distinct points for k = {k}: some centres must coincide.")
proj = runs.projection(X, ds.key, ds.feature_names)
P = proj.apply(X)
if not proj.is_identity:
    st.caption(f"{X.shape[1]} features, shown on their first two principal components; "
               "all distances and runs use every feature.")

# ---------------------------------------------------------------- the seeding, one centre at a time
st.header("Watch the seeding")
st.caption(f"Seed {cfg.seed}, k = {k} (from the sidebar). Press ▶ Play or drag the slider. Colour = the "
           "chance each point has of being drawn next (hover a point for the number); open rings = "
           "candidates drawn, with the potential φ each would give.")
story = ic.cached_seeding_story(X, ds.key, k, cfg.seed)
st.plotly_chart(seeding_figure(P, story, axis_titles=proj.axis_titles), width="stretch", key="init_seeding")
if n > MAX_ANIM_POINTS:
    st.caption(f"The animation draws a random {MAX_ANIM_POINTS:,} of the {n:,} points; the chances are "
               "computed over all of them.")
pp_phi, rnd_phi = story["k-means++"][-1].potential, story["random"][-1].potential
st.markdown(f"Starting potential with all {k} centres: k-means++ **φ = {pp_phi:,.1f}**, "
            f"random **φ = {rnd_phi:,.1f}**. Lloyd's algorithm starts from these centres.")
with st.expander("Round by round: the candidates and why one was kept"):
    st.dataframe(ic.rounds_table(story), hide_index=True, width="stretch")

# ---------------------------------------------------------------- many runs
st.header("Many runs, side by side")
lo, hi, default, step = ic.SEED_COUNT
n_seeds = st.slider("Runs per initialisation (seeds 0, 1, …)", lo, hi, default, step, key="init_n_seeds")
st.caption("Each run is one initialisation followed by Lloyd's algorithm (n_init = 1), exactly the run "
           "the Explorer shows for that seed, so both methods get the same budget and nothing is "
           "hidden by restarts.")
go_key = f"init_go:{ds.key}"
if not ic.auto_runs(n, n_seeds) and not st.session_state.get(go_key):
    st.button(f"Run {2 * n_seeds} fits on {n:,} rows", key="init_run",
              on_click=lambda: st.session_state.__setitem__(go_key, True))
    st.stop()
bar = st.progress(0.0, text="Running the fits…")
cmp = ic.compare(X, ds.key, k, n_seeds,
                 progress=lambda done, total: bar.progress(done / total, text=f"Fits done: {done} of {total}"))
bar.empty()

left, right = st.columns(2)
left.plotly_chart(inertia_figure(cmp), width="stretch", key="init_inertia")
right.plotly_chart(iterations_figure(cmp), width="stretch", key="init_iterations")
st.dataframe(ic.summary_table(cmp), hide_index=True, width="stretch")
if all(s.share_near_best == 1.0 for s in cmp.summaries.values()):
    st.info("On this data every run of both methods ends within 1% of the best found: it is easy for both. "
            "Try the bad start example above, or a larger k.")
sample_note = f" (measured on a fixed sample of {cmp.ari_rows:,} rows)" if cmp.ari_rows < n else ""
st.caption(f"Best inertia found: {cmp.best_inertia:,.2f} ({cmp.best_init}, seed {cmp.best_seed}). "
           "ARI (adjusted Rand index) compares two clusterings: 1 = the same partition, 0 = chance "
           f"level{sample_note}.")

# ---------------------------------------------------------------- restarts
st.header("How many restarts?")
st.plotly_chart(restarts_figure(cmp), width="stretch", key="init_restarts")
st.caption("Restarting n times and keeping the run with the lowest inertia is what n_init does. The curve "
           f"is the exact expected best of n runs drawn at random, without replacement, from the {n_seeds} "
           "runs above (no new fits); hover for the chance of getting within 1% of the best found. "
           "scikit-learn restarts random init 10 times and k-means++ once.")

# ---------------------------------------------------------------- one seed in detail
st.header("One seed in detail")
st.session_state.setdefault("init_detail_seed", cfg.seed)
worst = ic.worst_seed(cmp, "random")
c1, c2 = st.columns([1, 3])
c1.number_input("Seed", *state.SEED_RANGE, step=1, key="init_detail_seed")
c2.button(f"Show the worst random run (seed {worst})", key="init_worst",
          on_click=lambda: st.session_state.__setitem__("init_detail_seed", worst))
seed = int(st.session_state["init_detail_seed"])


def _open(init, seed):
    st.session_state["init"], st.session_state["seed"], st.session_state["k"] = init, seed, k


for col, init in zip(st.columns(2), ic.INITS):
    model = fit_run(X, ds.key, k, init, seed, max_iter=ic.MAX_ITER, tol=ic.TOL)
    fig = clustering_figure(P, model.labels_, proj.apply(model.cluster_centers_),
                            title=f"{init}, seed {seed}: inertia {model.inertia_:,.2f}, "
                                  f"{model.n_iter_} iterations",
                            axis_titles=tuple(plain(t) for t in proj.axis_titles), height=440)
    col.plotly_chart(fig, width="stretch", key=f"init_detail_{ic.SLUG[init]}")
    if col.button(f"Open in Explorer ({init}, seed {seed})", key=f"init_open_{ic.SLUG[init]}",
                  on_click=_open, args=(init, seed)):
        # query_params={}: without it Streamlit 1.67 refuses to clear the widget-bound URL
        # parameters and raises; the bound sidebar widgets write them back on the next run.
        st.switch_page("pages/explorer.py", query_params={})
