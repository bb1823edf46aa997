"""Quantization page (placeholder until its issue lands)."""

import streamlit as st

from kmeans_app import state

st.title("Quantization")
ds = state.current_dataset()
st.write("Data:", "none" if ds is None else f"{ds.name}, {ds.X.shape[0]} rows")
