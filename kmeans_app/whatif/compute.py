"""Pure computations behind the What-if page (numpy / pandas, no Streamlit).

User text (column names, label values) is passed through untouched: callers
show it as plain text only (st.text, st.dataframe, or plain() in figures).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kmeans_app.data.downloads import neutralise
from kmeans_core import (
    KMeans,
    adjusted_rand_score,
    cluster_profiles,
    contingency_matrix,
    normalized_mutual_info_score,
    purity_score,
)

SCALINGS = ("raw", "z-score", "min–max")
SCALING_TITLES = {"raw": "Raw units", "z-score": "Standardised (z-score)", "min–max": "Min–max (0 to 1)"}
MAX_SPLOM_COLUMNS = 6
# The scaling what-if stops at scikit-learn's default tolerance: it compares partitions,
# and three runs of a 400,000-row table must stay quick.
WHATIF_TOL = 1e-4
WHATIF_MAX_ITER = 300
WHATIF_FIT_ROWS = 50_000  # larger tables: fit on this many rows, then assign every row


def raw_columns(ds):
    """The chosen columns in their original units, one row per clustered row.

    For an upload that is the kept rows of its table (before any standardising);
    for generated data it is X itself.
    """
    if ds.frame is not None and all(c in ds.frame.columns for c in ds.feature_names):
        return ds.frame[list(ds.feature_names)].to_numpy(dtype=np.float64)
    return np.asarray(ds.X, dtype=np.float64)


def scale(X, how):
    """X under one of SCALINGS; a constant column becomes 0 under z-score and min–max."""
    X = np.asarray(X, dtype=np.float64)
    if how == "raw":
        return X
    if how == "z-score":
        centre, spread = X.mean(axis=0), X.std(axis=0)
    elif how == "min–max":
        centre, spread = X.min(axis=0), np.ptp(X, axis=0)
    else:
        raise ValueError(f"unknown scaling {how!r}; expected one of {SCALINGS}")
    out = (X - centre) / np.where(spread > 0, spread, 1.0)
    out[:, spread == 0] = 0.0
    return out


def fit_scaled(X, how, k, init, seed, max_rows=None):
    """Cluster labels of every row of X under scaling ``how``: one K-means run (n_init=1, the
    sidebar's init and seed), fitted on at most ``max_rows`` rows (a fixed random sample;
    default WHATIF_FIT_ROWS), then every row assigned to its nearest centre."""
    max_rows = WHATIF_FIT_ROWS if max_rows is None else max_rows
    Xs = scale(X, how)
    k = min(int(k), len(Xs))
    fit_on = Xs if len(Xs) <= max_rows else Xs[fit_sample(len(Xs), max_rows)]
    model = KMeans(k, init=init, n_init=1, random_state=seed, tol=WHATIF_TOL, max_iter=WHATIF_MAX_ITER).fit(fit_on)
    return model.labels_ if fit_on is Xs else model.predict(Xs)


def fit_sample(n, size, seed=0):
    """The rows the scaling what-if fits on when there are more than ``size`` (sorted)."""
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def pairwise_ari(labelings):
    """{(a, b): ARI} for every pair of the named labelings (a before b in their order)."""
    names = list(labelings)
    return {(a, b): float(adjusted_rand_score(labelings[a], labelings[b]))
            for i, a in enumerate(names) for b in names[i + 1:]}


def match_labels(reference, labels, k):
    """``labels`` renumbered so each cluster takes the number of the reference cluster it
    overlaps most (greedy on the contingency table), so side-by-side colours correspond."""
    ref, lab = np.asarray(reference), np.asarray(labels)
    table = np.zeros((k, k), dtype=np.int64)
    np.add.at(table, (lab, ref), 1)
    mapping, used = {}, set()
    for flat in np.argsort(-table, axis=None, kind="stable"):
        a, b = divmod(int(flat), k)
        if a not in mapping and b not in used:
            mapping[a] = b
            used.add(b)
    free = iter(sorted(set(range(k)) - used))
    lookup = np.array([mapping[a] if a in mapping else next(free) for a in range(k)])
    return lookup[lab]


@dataclass(frozen=True)
class Dominance:
    column: int  # index of the column with the largest share of the total variance
    share: float  # its share of the sum of the column variances (0..1)
    shares: np.ndarray  # every column's share


def variance_shares(X):
    """Each column's share of the total variance of X (squared distances add up column by column,
    so a column with most of the variance decides the raw distances)."""
    var = np.asarray(X, dtype=np.float64).var(axis=0)
    total = float(var.sum())
    shares = var / total if total > 0 else np.zeros_like(var)
    j = int(np.argmax(shares))
    return Dominance(j, float(shares[j]), shares)


def dominance_sentence(dom, names):
    """The sentence naming the column that dominates raw distances (contains user text)."""
    name, pct = names[dom.column], 100 * dom.share
    if len(names) == 1:
        return f"Only one column ({name}): scaling cannot change which points are close."
    if dom.share == 0:
        return "Every column is constant: there is no spread to compare."
    if dom.share >= 0.5:
        return (f"In raw units, {name} holds {pct:.1f}% of the total variance, so it decides most of "
                "every squared distance; z-score and min–max scaling give each column a comparable say.")
    return (f"In raw units, {name} holds the largest share of the total variance ({pct:.1f}%), but no "
            "column dominates the distances on its own.")


def profile_table(profiles, names):
    """One row per cluster: size, share, then mean and median of every column (original units)."""
    k = len(profiles.sizes)
    data = {"cluster": np.arange(1, k + 1), "rows": profiles.sizes, "share": profiles.shares}
    for j, name in enumerate(names):
        data[f"{name} mean"] = profiles.means[:, j]
        data[f"{name} median"] = profiles.medians[:, j]
    return pd.DataFrame(data)


def profile_csv(table):
    """CSV bytes of a profile table; header cells that a spreadsheet would run are neutralised."""
    out = table.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def profiles_of(X_raw, labels, k, names):
    return cluster_profiles(X_raw, np.asarray(labels).astype(np.intp), n_clusters=k, feature_names=tuple(names))


def cluster_means_2d(P, labels, k):
    """Per-cluster means of 2-D plot coordinates (NaN rows for empty clusters)."""
    lab = np.asarray(labels).astype(np.intp)
    sizes = np.bincount(lab, minlength=k)
    out = np.full((k, 2), np.nan)
    for d in range(2):
        s = np.bincount(lab, weights=P[:, d], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, d] = s / sizes
    return out


@dataclass(frozen=True)
class LabelAgreement:
    table: pd.DataFrame  # rows: known labels (sorted), columns: cluster 1..k, counts
    ari: float
    nmi: float
    purity: float
    n_classes: int


def label_agreement(known, clusters, k):
    """Contingency table of known labels x clusters and the ARI, NMI and purity."""
    # Text labels as integer codes once (sorted like np.unique): the scores only need which rows
    # share a label, and sorting 400,000 Python strings four times would take seconds.
    codes, uniques = pd.factorize(np.asarray(known), sort=True)
    clusters = np.asarray(clusters).astype(np.int64)
    table, classes, found = contingency_matrix(codes, clusters, return_labels=True)
    full = np.zeros((len(classes), k), dtype=np.int64)
    full[:, found.astype(np.intp)] = table  # empty clusters keep a column of zeros
    frame = pd.DataFrame(full, index=pd.Index([str(uniques[c]) for c in classes], name="label"),
                         columns=[f"cluster {j + 1}" for j in range(k)])
    return LabelAgreement(frame, float(adjusted_rand_score(codes, clusters)),
                          float(normalized_mutual_info_score(codes, clusters)),
                          float(purity_score(codes, clusters)), len(classes))
