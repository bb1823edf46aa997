"""What-if page: what sets the clusters apart, other axes, other scalings, known labels."""

import streamlit as st

from kmeans_app import state, ui
from kmeans_app.whatif import sections

st.title("What-if: read the clusters of your own table")
st.markdown(
    "The sidebar's clustering, seen four ways: **profiles** (what makes each cluster different), "
    "**axes** (any two columns, or principal components), **scaling** (would raw, standardised or "
    "min–max columns give the same clusters?) and **known labels** (do the clusters find the groups "
    "you already have?)."
)
ds = ui.require_dataset()
cfg = state.settings()
n = len(ds.X)
if cfg.k > n:
    st.warning(f"k = {cfg.k} is more than the {n} rows of this data: lower k in the sidebar.")
    st.stop()
if cfg.init == "pick":
    st.caption("Hand-picked centres belong to the Explorer; this page starts from k-means++ instead.")
with st.spinner("Clustering…"):
    model = sections.main_run(ds, cfg)
labels = model.labels_
raw = sections.raw_of(ds, ds.key)
sections.note_for_big_data(n)
profiles, axes, scaling, known = st.tabs(["Profiles", "Axes", "Scaling", "Known labels"])
with profiles:
    sections.profiles_section(ds, cfg, raw, labels)
with axes:
    P, titles = sections.axes_section(ds, cfg, raw, labels)
with scaling:
    sections.scaling_section(ds, cfg, raw, P, titles)
with known:
    sections.labels_section(ds, cfg, labels)
