"""The sidebar every page shares: data source, its settings, k, init, seed."""

import streamlit as st

from . import state
from .data import GENERATORS, PARAM_SPECS

URL = "query-params"


def _param_widget(name):
    label, lo, hi, default, step = PARAM_SPECS[name]
    if isinstance(default, float):
        st.slider(label, float(lo), float(hi), float(default), float(step), key=name, bind=URL)
    else:
        st.number_input(label, int(lo), int(hi), int(default), int(step), key=name, bind=URL)


def render():
    """Draw the shared sidebar; values land in st.session_state (and the URL)."""
    with st.sidebar:
        st.header("Data")
        name = st.selectbox(
            "Dataset", state.DATASET_OPTIONS, key="dataset", bind=URL,
            index=state.DATASET_OPTIONS.index(state.DEFAULTS["dataset"]),
            format_func=lambda o: "Your CSV file" if o == state.UPLOAD_OPTION else GENERATORS[o].label,
        )
        if name == state.UPLOAD_OPTION:
            st.caption("Upload a CSV file on this page's data panel.")
        else:
            for p in GENERATORS[name].params:
                _param_widget(p)
            if GENERATORS[name].note:
                st.info(GENERATORS[name].note)
        st.header("K-means")
        st.slider("k (clusters)", *state.K_RANGE, state.DEFAULTS["k"], key="k", bind=URL)
        st.selectbox("Initialisation", state.INIT_OPTIONS, key="init", bind=URL,
                     help="'pick' lets you click points on the Explorer chart to choose the starting centres.")
        st.number_input("Seed", *state.SEED_RANGE, state.DEFAULTS["seed"], key="seed", bind=URL)
