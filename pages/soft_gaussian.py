"""Soft and Gaussian page: soft K-means with a stiffness beta, and Gaussian mixtures fitted by EM."""

import numpy as np
import streamlit as st

from kmeans_app import runs as app_runs
from kmeans_app import state, ui
from kmeans_app.beyond import figures as bf
from kmeans_app.beyond import runs, views
from kmeans_app.beyond import ui as beyond_ui
from kmeans_app.figures.style import plain, plot_sample
from kmeans_core import BETA_GRID, adjusted_rand_score

FIT_MAX_ROWS = 5_000  # the generators' largest size; bigger uploads are sampled to this
ANIM_POINTS = 1500  # the animated charts draw at most this many points (frames carry their colours)
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
COV_HELP = {"full": "each component its own tilted ellipse", "tied": "one shared ellipse shape",
            "diag": "axis-aligned ellipses", "spherical": "circles of their own size"}
SECTIONS = ("Soft K-means", "Gaussian mixture")
SECTION_KEY = "sg_section"  # the open tab (session state)
BETA_DEFAULT = float(BETA_GRID[10])  # 10: soft enough to see mixed colours on most data

st.title("Soft and Gaussian: what K-means is a special case of")
st.markdown(
    "Soft K-means gives every point a **share** in every cluster, r ∝ exp(−β‖x − μ‖² / s²) "
    "(s² is the data's mean feature variance, so one β fits every dataset). Small β: every point "
    "is shared; large β: each point belongs to its nearest centre, and the run becomes hard K-means. "
    "It is the E step of a Gaussian mixture with equal, round components; the full mixture also "
    "learns each component's weight and shape."
)
ds = ui.require_dataset()
beyond_ui.quiet_animation_interrupts()  # Pause in the animated charts logs no error
cfg = state.settings()
for widget in ("soft_beta", "gmm_covariance"):  # keep a closed tab's setting (Streamlit drops unrendered widgets')
    if widget in st.session_state:
        st.session_state[widget] = st.session_state[widget]
init = "random" if cfg.init == "random" else "k-means++"
if cfg.init == "pick":
    st.caption("Hand-picked centres belong to the Explorer; this page starts from k-means++ instead.")
n_all, d = ds.X.shape
k = cfg.k
if n_all > FIT_MAX_ROWS:  # soft K-means, EM and the beta search refit many times: a fixed sample
    keep = np.sort(np.random.default_rng(0).choice(n_all, FIT_MAX_ROWS, replace=False))
    X, key = ds.X[keep], f"{ds.key}:sample{FIT_MAX_ROWS}"
    labels = None if ds.labels is None else np.asarray(ds.labels)[keep]
    st.info(f"This page fits a fixed random {FIT_MAX_ROWS:,} of the {n_all:,} rows (soft K-means, EM and "
            "the β search each refit many times); every number and chart below is for that sample.")
else:
    X, key, labels = ds.X, ds.key, ds.labels
n = len(X)
if k > n:
    st.warning(f"k = {k} is more than the {n} rows of this data: lower k in the sidebar.")
    st.stop()
distinct = app_runs.distinct_rows(X, key)
if distinct < k:
    st.warning(f"The data has only {distinct} distinct point(s) for k = {k}: some clusters will be "
               "empty or share a point. Lower k in the sidebar.")
proj = app_runs.projection(ds.X, ds.key, ds.feature_names)
axis_titles = tuple(plain(t) for t in proj.axis_titles)
rows = plot_sample(n, ANIM_POINTS)
P = proj.apply(X[rows])
box = bf.box_of(P)
if d > 2:
    st.caption(f"{d} features, drawn on their first two principal components; every fit uses all features "
               "(ellipses are the components' covariances projected onto that plane).")
if len(rows) < n:
    st.caption(f"The animated charts draw a random {len(rows):,} of the {n:,} points; all are clustered.")

# ---------------------------------------------------------------- soft K-means
def soft_section():
    st.header("Soft K-means: from shared to hard")
    left, right = st.columns([3, 2])
    beta = right.select_slider("Stiffness β (log scale)", options=[float(b) for b in BETA_GRID],
                               value=BETA_DEFAULT, format_func=lambda b: f"{b:.3g}", key="soft_beta",
                               help="Dimensionless: the kernel is exp(−β‖x − μ‖² / s²).")
    with st.spinner("Running soft K-means…"):
        model, hit_max_iter = runs.soft_run(X, key, k, init, cfg.seed, beta)
        hard = runs.hard_run(X, key, k, init, cfg.seed)
    shares, centers, titles = views.soft_frames(model.history_, rows, proj.apply)
    left.plotly_chart(bf.soft_run_figure(P, shares, centers, titles, box, axis_titles,
                                         f"Soft K-means, β = {beta:.3g}"),
                      width="stretch", key="soft_chart")
    same = float(np.mean(model.labels_ == hard.labels_))
    right.metric("Same cluster as hard K-means", f"{same:.1%}",
                 help="Points whose largest share is the cluster hard K-means from the same start gives them.")
    right.metric("Soft iterations", f"{model.n_iter_}")
    if hit_max_iter:
        right.caption("This run stopped at 300 iterations before its centres settled (very soft runs move slowly).")
    with st.spinner("Finding the β at which soft labels equal hard ones…"):
        found = runs.hard_beta(X, key, k, init, cfg.seed)
    if found is None:
        right.info(f"No β on the grid up to {BETA_GRID[-1]:g} gives exactly the hard run's labels from the "
                   "same start: a few boundary points stay shared (or the runs settle in different places).")
    else:
        right.success(f"From the same start, soft labels equal the hard run's from **β = {found:.3g}** "
                      f"(the smallest β on a fixed log grid of {len(BETA_GRID)} values, 0.1 to 10⁶).")
    right.caption("Step through the run with the slider under the chart, or press ▶ Play: stepping "
                  "happens in your browser. A point's colour is the cluster colours mixed by its shares.")
    if model.history_[1].shares is None:
        right.caption("Shares are recorded up to 50,000 rows: here the points stay grey while stepping.")


# ---------------------------------------------------------------- Gaussian mixture
def gmm_section():
    hard = runs.hard_run(X, key, k, init, cfg.seed)  # cached: the ARI's K-means
    st.header("Gaussian mixture: each component's ellipse, step by step")
    c1, c2 = st.columns([3, 2])
    cov_type = c2.radio("Covariance type", COVARIANCE_TYPES, key="gmm_covariance", horizontal=True,
                        format_func=lambda c: c, help="; ".join(f"{c}: {h}" for c, h in COV_HELP.items()))
    c2.caption(f"{cov_type}: {COV_HELP[cov_type]}. Ellipses are drawn at 2 standard deviations.")
    try:
        with st.spinner("Fitting the Gaussian mixture…"):
            gmm = runs.mixture(X, key, k, cov_type, cfg.seed)
    except ValueError as err:
        st.error(f"The Gaussian mixture could not be fitted with k = {k} and {cov_type} covariance: {err}")
        st.stop()
    sh, means, covs, gtitles = views.gmm_frames(gmm.history_, rows, proj.apply, proj)
    c1.plotly_chart(bf.gmm_run_figure(P, sh, means, covs, gtitles, box, axis_titles,
                                      f"EM, {k} components, {cov_type} covariance"),
                    width="stretch", key="gmm_chart")
    its, ll = views.loglik_per_iteration(gmm.history_)
    c2.plotly_chart(bf.loglik_figure(its, ll), width="stretch", key="gmm_loglik")
    c2.caption(f"{gmm.n_iter_} EM iterations, {'converged' if gmm.converged_ else 'stopped at max_iter'}; "
               f"final log-likelihood {ll[-1] / n:.4g} per point." if ll else "")
    if labels is not None:
        truth = np.asarray(labels)
        km_ari = adjusted_rand_score(truth, hard.labels_)
        gm_ari = adjusted_rand_score(truth, gmm.labels_)
        a, b, c = st.columns(3)
        label_name = plain(ds.label_name or "known labels")
        a.metric("K-means: ARI against the labels", f"{km_ari:.3f}")
        b.metric(f"Mixture ({cov_type}): ARI against the labels", f"{gm_ari:.3f}", delta=f"{gm_ari - km_ari:+.3f}")
        c.caption(f"Adjusted Rand index against the {label_name} (1 = the same grouping, 0 = chance). "
                  "On the anisotropic and unequal-variance data, full covariance follows the stretched or "
                  "wide clusters that K-means cuts across.")
        if ds.key.startswith(("anisotropic", "varied")) and cov_type != "full":
            st.caption("Try the **full** covariance type here: it is the one that can stretch and tilt.")

    with st.spinner("Scoring 1 to 8 components…"):
        ks, bic, aic = runs.criteria(X, key, cov_type, cfg.seed, min(runs.CRITERIA_KS[1], n - 1))
    if ks:
        st.plotly_chart(bf.criteria_figure(ks, bic, aic, chosen=k if k in ks else None), width="stretch",
                        key="gmm_criteria")
        st.caption(f"BIC = −2 log L + p log n and AIC = −2 log L + 2p, for {cov_type} mixtures of 1 to {ks[-1]} "
                   f"components (p parameters). The lowest BIC here is at {ks[int(np.argmin(bic))]} components; "
                   "BIC punishes extra parameters harder than AIC.")
    else:
        st.warning("No mixture of 1 to 8 components could be fitted to this data.")


# Lazy tabs: only the open one is computed and sent, so a first visit fits and draws one section
# (two charts, not four); switching tabs reruns the page (cached fits: nothing is refitted).
soft_tab, gmm_tab = st.tabs(SECTIONS, key=SECTION_KEY, on_change="rerun")
if gmm_tab.open:
    with gmm_tab:
        gmm_section()
else:
    with soft_tab:
        soft_section()
