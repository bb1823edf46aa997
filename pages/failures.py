"""When K-means fails: each failure case, K-means' result next to the method that fixes it."""

import streamlit as st

from kmeans_app import state
from kmeans_app.beyond import cases, runs
from kmeans_app.beyond import figures as bf
from kmeans_app.data.datasets import GENERATORS

SIZES = (200, 500, 1000, 2000)
SIZE_DEFAULT = 500

st.title("When K-means fails, and what to use instead")
st.markdown(
    "K-means looks for round clusters of similar size, split by straight boundaries halfway between "
    "centres, with every feature in the same units. Each dataset below breaks one of those assumptions. "
    "K-means (best of 10 starts) sits next to a method that does not make it; both are scored by the "
    "adjusted Rand index (ARI) against the labels the data was generated with (1 = the same grouping, "
    "0 = chance)."
)
st.caption("This page makes its own datasets: the sidebar's data and k do not apply here; its seed does.")
c1, c2, c3 = st.columns([2, 1, 1])
name = c1.selectbox("Failure case", tuple(cases.CASES), key="fail_case",
                    format_func=lambda c: GENERATORS[cases.CASES[c].dataset].label)
n = c2.select_slider("Points", SIZES, value=SIZE_DEFAULT, key="fail_n")
data_seed = c3.number_input("Data seed", 0, 10_000, 0, key="fail_data_seed")
seed = state.settings().seed
case = cases.CASES[name]
st.info(GENERATORS[case.dataset].note)
with st.spinner("Running K-means and the fix…"):
    ds, out = runs.failure(name, n, int(data_seed), seed)
equal = name != "scales"  # x1 spans hundreds of units, x2 a few: equal units would flatten x2
box = bf.box_of(ds.X, equal)
axis_titles = ds.feature_names
left, right = st.columns(2)
left.plotly_chart(bf.labels_figure(ds.X, out.kmeans_labels, box, axis_titles,
                                   f"K-means, k = {out.k}: ARI {out.kmeans_ari:.3f}", equal=equal),
                  width="stretch", key="fail_kmeans")
right.plotly_chart(bf.labels_figure(ds.X, out.fix_labels, box, axis_titles,
                                    f"{case.short}: ARI {out.fix_ari:.3f}", equal=equal),
                   width="stretch", key="fail_fix")
a, b = left.columns(2)
a.metric("K-means ARI", f"{out.kmeans_ari:.3f}")
b.metric("Fix ARI", f"{out.fix_ari:.3f}", delta=f"{out.fix_ari - out.kmeans_ari:+.3f}")
right.markdown(f"**The fix: {case.fix}.** {case.why}")
notes = []
if case.outlier_label is not None:
    notes.append(f"The ARIs are computed on the {out.scored:,} points of the three blobs; the "
                 f"{len(ds.X) - out.scored:,} outliers belong to no cluster.")
if out.sampled:
    notes.append(f"Spectral clustering embedded a random {out.sampled:,} of the {len(ds.X):,} points "
                 "(a dense eigendecomposition grows as n³); every other point takes the label of its "
                 "nearest embedded point.")
if name == "scales":
    notes.append("Both charts use the original units, each axis scaled to fit: x1 spans hundreds of units, x2 only a few.")
if out.kmeans_ari >= 0.95:
    notes.append("On this draw K-means copes well too: the clusters are far enough apart. "
                 "Try another data seed or more points.")
for note in notes:
    right.caption(note)
