"""Silhouette page: how well each point sits in its cluster, for the sidebar's k."""

import streamlit as st

from kmeans_app import state
from kmeans_app.choosing_k import sweeps as ck

SWEEP_KS = (2, 10)


def show_chosen_k(ds, cfg, init):
    """The sidebar's clustering: metrics, the silhouette plot and the data with each point's value."""
    n, note = len(ds.X), ck.sample_note(len(ds.X))
    if cfg.k < 2:
        st.info("The silhouette needs at least two clusters: with k = 1 there is no “other cluster” to "
                "compare with. Set k to 2 or more in the sidebar.")
        return
    if cfg.k > n:
        st.warning(f"k = {cfg.k} is more than the {n} rows of this data: lower k in the sidebar.")
        return
    model = ck.explorer_run(ds.X, ds.key, cfg.k, init, cfg.seed)
    try:
        with st.spinner(f"Computing the silhouette of {n if note is None else ck.SILHOUETTE_SAMPLE:,} points…"):
            view = ck.silhouette_view(ds.X, model.labels_, ds.key, cfg.k, init, cfg.seed)
    except ValueError:  # fewer than two non-empty clusters, or one cluster per point
        st.warning(f"The silhouette is undefined for this clustering: it needs at least two clusters and "
                   f"fewer clusters than points, but k = {cfg.k} gives "
                   f"{len(set(model.labels_.tolist()))} distinct cluster(s) on {n} rows. Try another k.")
        return
    n_bad = int((view.values < 0).sum())
    m1, m2, m3 = st.columns(3)
    m1.metric("Mean silhouette", f"{view.mean:.3f}")
    m2.metric("Points with s < 0", f"{n_bad:,}", help="Closer, on average, to another cluster than to their own.")
    m3.metric("Points scored", f"{len(view.values):,} of {n:,}")
    left, right = st.columns(2)
    # Figures built once per run and shared (a rerun that changed nothing rebuilds nothing).
    plot, scatter = ck.silhouette_charts(ds.X, model, view, ds.key, tuple(ds.feature_names), cfg.k, init, cfg.seed)
    left.plotly_chart(plot, width="stretch", key="silhouette_plot")
    right.plotly_chart(scatter, width="stretch", key="silhouette_scatter")
    if ds.X.shape[1] > 2:
        right.caption(f"{ds.X.shape[1]} features, drawn on their first two principal components; "
                      "the silhouette uses all features.")
    if note:
        st.caption(note)


st.title("Silhouette: does each point sit well in its cluster?")
st.markdown(
    "For each point, compare **a**, its mean distance to the other points of its own cluster, with "
    "**b**, its mean distance to the points of the nearest other cluster. Its silhouette is "
    "s = (b − a) / max(a, b), between −1 and 1."
)
ds = state.current_dataset()
if ds is None:
    st.info("Upload a CSV file in the sidebar to see its silhouettes.")
    st.stop()
cfg = state.settings()
init = ck.sweep_init(cfg.init)
n = len(ds.X)
if cfg.init == "pick":
    st.caption("Hand-picked centres belong to the Explorer; this page starts from k-means++ instead.")
show_chosen_k(ds, cfg, init)
guide, chart = st.columns([1, 1])
with guide.expander("How to read a silhouette", expanded=True):
    st.markdown(
        "- **Above about 0.5**: the point is much closer to its own cluster than to any other; "
        "a cluster whose band is mostly this wide is well separated.\n"
        "- **Around 0.25 or below**: the point sits near a boundary. If most points look like this, "
        "the clusters overlap or k is not a natural number of groups for this data.\n"
        "- **Below 0**: the point is on average closer to another cluster than to its own. "
        "A few are normal at a boundary; many suggest a poor k or data K-means cannot split.\n"
        "- Compare band **widths** too: very unequal sizes or a band far below the dashed mean "
        "line point to a cluster that is merged or split wrongly."
    )

ks = ck.k_values(*SWEEP_KS, n)
if ks:
    bar = chart.empty()  # a progress bar only while something is computed
    scores = ck.score_sweep(ds.X, ds.key, ks, init, lambda k: cfg.seed,
                            progress=lambda f, t: bar.progress(f, text=t))
    bar.empty()
    chart.plotly_chart(ck.silhouette_by_k_chart(ks, tuple(s.silhouette for s in scores),
                                                chosen=cfg.k if cfg.k in ks else None,
                                                note=ck.sample_note(n, sweep=True, short=True)),
                       width="stretch", key="silhouette_by_k")
    chart.caption(f"One run per k from the sidebar's seed ({cfg.seed}), stopped at scikit-learn's default "
                  "tolerance (the plots above use the Explorer's run, iterated to the end).")
