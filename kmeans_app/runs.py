"""Cached work the pages share: the K-means run for (data, k, init, seed), and per-data facts."""

import numpy as np
import streamlit as st

from kmeans_app.data.projection import fit_projection
from kmeans_core import KMeans

# The run every page shows (and "Open in Explorer" reproduces). tol=0: a run stops only
# when an assignment changes no point (or at MAX_ITER), so "converged" means a true fixed
# point of Lloyd's algorithm: in the last picture every point is already nearest its own
# centre. A positive tol could stop while some points would still switch cluster.
MAX_ITER = 300
TOL = 0.0


@st.cache_resource(max_entries=32, show_spinner=False)
def fit_run(_X, data_key, k, init, seed, picked=None, max_iter=MAX_ITER, tol=TOL):
    """One K-means run (n_init=1) with the core, recorded step by step in ``history_``.

    _X is not hashed (underscore): ``data_key`` identifies the data instead.
    init is "k-means++" or "random"; with ``picked`` (a tuple of row indices)
    those rows are the starting centres. The returned model is shared between
    sessions: treat it as read-only.
    """
    start = _X[list(picked)] if picked else init
    return KMeans(k, init=start, n_init=1, random_state=seed, max_iter=max_iter, tol=tol).fit(_X)


@st.cache_resource(max_entries=16, show_spinner=False)
def projection(_X, data_key, feature_names):
    """The 2-D view of data ``data_key`` (PCA for d > 2), computed once per dataset."""
    return fit_projection(_X, tuple(feature_names))


@st.cache_data(max_entries=64, show_spinner=False)
def distinct_rows(_X, data_key, max_rows=200_000):
    """How many distinct rows the data has; above ``max_rows`` rows it is not counted (returns n)."""
    n = len(_X)
    return len(np.unique(_X, axis=0)) if n <= max_rows else n
