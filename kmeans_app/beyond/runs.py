"""Cached fits for the Soft and Gaussian, Mini-batch and When K-means fails pages.

Models are cached with st.cache_resource (shared between sessions: treat as read-only),
keyed by the dataset's ``key`` (``_X`` is not hashed) and the settings, so the second
visit of a page with the same data computes nothing.
"""

import warnings

import numpy as np
import streamlit as st

from kmeans_app.beyond import cases, views
from kmeans_app.data.datasets import generate
from kmeans_core import GaussianMixture, KMeans, MiniBatchKMeans, SoftKMeans, smallest_hard_beta
from kmeans_core.seeding import kmeans_plusplus, random_init

CRITERIA_KS = (1, 8)  # BIC/AIC from 1 to 8 components


@st.cache_data(max_entries=64, show_spinner=False)
def start_centers(_X, data_key, k, init, seed):
    """The starting centres every run on these pages shares: k-means++ or random rows from ``seed``."""
    rng = np.random.default_rng(seed)
    if init == "random":
        return random_init(_X, k, rng)[0].astype(np.float64)
    return kmeans_plusplus(_X, k, random_state=rng)[0].astype(np.float64)


@st.cache_resource(max_entries=32, show_spinner=False)
def hard_run(_X, data_key, k, init, seed):
    """Hard K-means (Lloyd, tol 0) from start_centers."""
    start = start_centers(_X, data_key, k, init, seed)
    return KMeans(k, init=start, n_init=1, max_iter=300, tol=0.0).fit(_X)


@st.cache_resource(max_entries=64, show_spinner=False)
def soft_run(_X, data_key, k, init, seed, beta):
    """SoftKMeans at dimensionless ``beta`` from start_centers (history with uint8 shares)."""
    start = start_centers(_X, data_key, k, init, seed)
    with warnings.catch_warnings(record=True) as caught:  # max_iter reached: said on the page
        warnings.simplefilter("always")
        model = SoftKMeans(k, beta=beta, init=start, max_iter=300).fit(_X)
    return model, any("max_iter" in str(w.message) or "converge" in str(w.message).lower() for w in caught)


@st.cache_data(max_entries=32, show_spinner=False)
def hard_beta(_X, data_key, k, init, seed):
    """The smallest beta of the core's fixed log grid whose soft labels equal hard_run's, or None."""
    start = start_centers(_X, data_key, k, init, seed)
    hard = hard_run(_X, data_key, k, init, seed).labels_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        beta, _ = smallest_hard_beta(_X, start, hard)
    return beta


@st.cache_resource(max_entries=32, show_spinner=False)
def mixture(_X, data_key, k, covariance_type, seed):
    """GaussianMixture (k-means start, scikit-learn's defaults) with its EM history."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GaussianMixture(k, covariance_type=covariance_type, random_state=seed).fit(_X)


@st.cache_data(max_entries=32, show_spinner=False)
def criteria(_X, data_key, covariance_type, seed, k_max):
    """(ks, bic, aic) for 1..k_max components; a k whose fit fails (singular) is left out."""
    ks, bic, aic = [], [], []
    for k in range(1, k_max + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gm = GaussianMixture(k, covariance_type=covariance_type, random_state=seed,
                                     record="params").fit(_X)
        except ValueError:
            continue
        ks.append(k)
        bic.append(gm.bic(_X))
        aic.append(gm.aic(_X))
    return ks, bic, aic


@st.cache_resource(max_entries=32, show_spinner=False)
def minibatch_run(_X, data_key, k, init, seed, batch_size):
    """MiniBatchKMeans from start_centers (at most 300 frames, full-data inertia at each)."""
    start = start_centers(_X, data_key, k, init, seed)
    return MiniBatchKMeans(k, init=start, batch_size=batch_size, random_state=seed).fit(_X)


@st.cache_resource(max_entries=32, show_spinner=False)
def lloyd_run(_X, data_key, k, init, seed):
    """Full Lloyd from the same start as minibatch_run, as a curve (views.lloyd_curve)."""
    return views.lloyd_curve(_X, start_centers(_X, data_key, k, init, seed))


@st.cache_data(max_entries=64, show_spinner=False)
def failure(name, n, data_seed, seed):
    """(Dataset, Outcome) for failure case ``name`` at n points: K-means and the fix, cached per dataset."""
    ds = generate(cases.CASES[name].dataset, {"n": n, "data_seed": data_seed})
    return ds, cases.outcome(name, ds.X, ds.labels, seed)
