"""The What-if page's sections (Streamlit), on top of the pure ``compute`` and ``figures``.

Every heavy step is cached per data set and K-means settings, so moving a chart
control re-draws without re-fitting. User text (column names, label values, the
sentences that contain them) is shown with st.text / st.dataframe only.
"""

import numpy as np
import streamlit as st

from kmeans_app import runs
from kmeans_app.choosing_k import sweeps as ck
from kmeans_app.figures.style import MAX_PLOTTED_POINTS
from kmeans_app.ui import sample_note
from kmeans_app.whatif import compute as C
from kmeans_app.whatif import figures as F
from kmeans_core import describe_clusters

AXES_KEY = "whatif_axes"
X_KEY = "whatif_x"
Y_KEY = "whatif_y"
SPLOM_KEY = "whatif_splom"
AXES_COLUMNS = "Two columns"
AXES_PCA = "Principal components (PCA)"


# ---------------------------------------------------------------- cached work


@st.cache_resource(max_entries=4, ttl=3600, show_spinner=False)
def raw_of(_ds, data_key):
    """The chosen columns in original units (read-only: shared between sessions)."""
    X = C.raw_columns(_ds)
    X.setflags(write=False)
    return X


@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def profiles_for(_raw, _labels, data_key, k, init, seed, names):
    return C.profiles_of(_raw, _labels, k, names)


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def scaled_labels(_raw, data_key, how, k, init, seed):
    """Cluster labels of one run on the raw columns under scaling ``how`` (in the smallest
    integer type: 400,000 rows take 0.4 MB per entry instead of 3.2 MB)."""
    labels = C.fit_scaled(_raw, how, k, init, seed)
    labels = labels.astype(np.min_scalar_type(max(int(k) - 1, 0)))
    labels.setflags(write=False)
    return labels


@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def agreement_for(_known, _labels, data_key, k, init, seed):
    return C.label_agreement(_known, _labels, k)


# ---------------------------------------------------------------- helpers


def main_run(ds, cfg):
    """The clustering every page shows for the sidebar's k, init and seed."""
    return ck.explorer_run(ds.X, ds.key, cfg.k, ck.sweep_init(cfg.init), cfg.seed)


def _keep_valid(key, options, default):
    """A widget value from another data set (a column it lacks) falls back to the default."""
    value = st.session_state.get(key)
    if isinstance(default, list):
        if not isinstance(value, list) or any(v not in options for v in value):
            st.session_state[key] = [v for v in (value or []) if v in options][:C.MAX_SPLOM_COLUMNS] or default
    elif value not in options:
        st.session_state[key] = default


def chosen_axes(ds, raw):
    """(P, axis titles, is_pca) for the chart: two columns in original units, or PCA.

    Draws the axis controls (only for d > 2; with d <= 2 the data's own columns are used).
    """
    names = list(ds.feature_names)
    d = len(names)
    if d == 1:
        return np.column_stack([raw[:, 0], np.zeros(len(raw))]), (names[0], ""), False
    if d == 2:
        return raw, (names[0], names[1]), False
    _keep_valid(AXES_KEY, (AXES_COLUMNS, AXES_PCA), AXES_COLUMNS)
    _keep_valid(X_KEY, names, names[0])
    _keep_valid(Y_KEY, names, names[1])
    mode = st.radio("Chart axes", (AXES_COLUMNS, AXES_PCA), key=AXES_KEY, horizontal=True,
                    persist_state="session",
                    help="Any two of the clustered columns (in their original units), or the first two "
                         "principal components of the data as clustered.")
    if mode == AXES_PCA:
        proj = runs.projection(ds.X, ds.key, ds.feature_names)
        return proj.apply(ds.X), proj.axis_titles, True
    left, right = st.columns(2)
    x = left.selectbox("x axis", names, key=X_KEY, persist_state="session")
    y = right.selectbox("y axis", names, key=Y_KEY, persist_state="session")
    return raw[:, [names.index(x), names.index(y)]], (x, y), False


# ---------------------------------------------------------------- sections


def profiles_section(ds, cfg, raw, labels):
    k = cfg.k
    prof = profiles_for(raw, labels, ds.key, k, cfg.init, cfg.seed, tuple(ds.feature_names))
    st.subheader("1. Cluster profiles")
    st.caption("Size and share of each cluster; the mean and median of every chosen column in its "
               "original units" + (" (before standardising)" if _standardised(ds) else "") + ".")
    table = C.profile_table(prof, ds.feature_names)
    st.dataframe(table, hide_index=True, key="whatif_profile_table",
                 column_config={"share": st.column_config.NumberColumn(format="percent")})
    st.download_button("Download the profile table (CSV)", C.profile_csv(table), file_name="cluster_profiles.csv",
                       mime="text/csv", key="whatif_profile_csv", icon=":material/download:")
    st.caption("What sets each cluster apart (the 3 columns whose mean differs most from the other rows', "
               "in standard deviations of the column):")
    st.text("\n".join(describe_clusters(prof, 3)))
    left, right = st.columns(2)
    left.plotly_chart(F.profile_heatmap(prof.z_centers, ds.feature_names), width="stretch", key="whatif_heatmap")
    right.plotly_chart(F.parallel_centres(prof.z_centers, ds.feature_names), width="stretch",
                       key="whatif_parallel")
    return prof


def axes_section(ds, cfg, raw, labels):
    st.subheader("2. Axes")
    d = raw.shape[1]
    P, titles, is_pca = chosen_axes(ds, raw)
    centres = C.cluster_means_2d(P, labels, cfg.k)
    st.plotly_chart(F.axes_figure(P, labels, centres, titles, f"k = {cfg.k}, seed {cfg.seed}: clusters on "
                                  + ("the first two principal components" if is_pca else "two columns")),
                    width="stretch", key="whatif_axes_chart")
    if d > 2:
        st.caption(f"A 2-D view of {d}-dimensional data: the clusters were found using all {d} columns, so their "
                   "boundaries are not lines in this picture. The cells are left out; large markers are "
                   "each cluster's mean on these axes.")
    elif d == 1:
        st.caption("One column: drawn along the x axis.")
    sample_note(len(P))
    if d >= 2:
        names = list(ds.feature_names)
        default = names[: min(C.MAX_SPLOM_COLUMNS, d)]
        _keep_valid(SPLOM_KEY, names, default)
        chosen = st.multiselect("Scatter-matrix columns (up to 6)", names, key=SPLOM_KEY,
                                max_selections=C.MAX_SPLOM_COLUMNS, persist_state="session")
        if len(chosen) >= 2:
            cols = [names.index(c) for c in chosen]
            st.plotly_chart(F.scatter_matrix(raw[:, cols], labels, chosen, cfg.k), width="stretch",
                            key="whatif_splom_chart")
            sample_note(len(raw))
        else:
            st.info("Choose at least two columns for the scatter matrix.")
    return P, titles


def scaling_section(ds, cfg, raw, P, titles):
    st.subheader("3. Scaling what-if")
    names = list(ds.feature_names)
    init = ck.sweep_init(cfg.init)
    k = min(cfg.k, len(raw))
    bar = st.progress(0.0, text="Clustering raw, z-score and min–max columns…")
    labelings = {}
    for i, how in enumerate(C.SCALINGS):
        labelings[how] = scaled_labels(raw, ds.key, how, k, init, cfg.seed)
        bar.progress((i + 1) / len(C.SCALINGS), text=f"Clustered the {how} columns")
    bar.empty()
    st.caption(f"The same k = {k}, init ({init}) and seed ({cfg.seed}) on the chosen columns three ways: as they "
               "are, standardised to mean 0 and sd 1, and rescaled to the range 0 to 1. One run each, "
               f"stopped at tolerance {C.WHATIF_TOL:g}"
               + (f", fitted on a random {C.WHATIF_FIT_ROWS:,} rows and then every row assigned to its nearest "
                  "centre" if len(raw) > C.WHATIF_FIT_ROWS else "")
               + ". Colours follow the raw run's clusters where they "
               "overlap most. The other pages cluster the "
               + ("standardised" if _standardised(ds) else "raw") + " columns.")
    cols = st.columns(3)
    for col, how in zip(cols, C.SCALINGS):
        shown = labelings[how] if how == "raw" else C.match_labels(labelings["raw"], labelings[how], k)
        centres = C.cluster_means_2d(P, shown, k)
        col.plotly_chart(F.scaling_figure(P, shown, centres, titles, C.SCALING_TITLES[how]), width="stretch",
                         key=f"whatif_scaling_{how}")
    sample_note(len(P))
    ari = C.pairwise_ari(labelings)
    m = st.columns(3)
    for box, ((a, b), value) in zip(m, ari.items()):
        box.metric(f"ARI {a} vs {b}", f"{value:.3f}",
                   help="Adjusted Rand index: 1 = the same clusters, about 0 = no more alike than chance.")
    st.text(C.dominance_sentence(C.variance_shares(raw), names))
    return ari


def labels_section(ds, cfg, labels):
    st.subheader("4. Known labels")
    if ds.labels is None:
        if ds.generated:
            st.info("This generated data set has no labels to compare with (uniform noise has no groups).")
        else:
            st.info("No known labels chosen. In the sidebar, pick a column under “Labels to compare” (text, "
                    "or whole numbers with at most 20 distinct values); it is never clustered on.")
        return None
    agree = agreement_for(ds.labels, labels, ds.key, cfg.k, cfg.init, cfg.seed)
    st.caption("Clusters compared with the known labels:")
    st.text(f"Labels: {ds.label_name} ({agree.n_classes} distinct values)")
    m1, m2, m3 = st.columns(3)
    m1.metric("ARI", f"{agree.ari:.3f}", help="Adjusted Rand index: 1 = the clusters are the labels, "
              "about 0 = chance agreement.")
    m2.metric("NMI", f"{agree.nmi:.3f}", help="Normalised mutual information (arithmetic mean): 1 = "
              "each tells the other exactly, 0 = independent.")
    m3.metric("Purity", f"{agree.purity:.3f}", help="Share of rows whose cluster's most common label is "
              "their own. More clusters never lower it, so read it with k in mind.")
    left, right = st.columns([1, 1])
    left.dataframe(agree.table, key="whatif_contingency")
    right.plotly_chart(F.contingency_figure(agree.table), width="stretch", key="whatif_contingency_chart")
    return agree


def _standardised(ds):
    return bool(ds.recipe and ds.recipe.get("standardize"))


def note_for_big_data(n):
    if n > MAX_PLOTTED_POINTS:
        st.caption(f"All {n:,} rows are clustered and summarised; charts draw a random {MAX_PLOTTED_POINTS:,}.")
