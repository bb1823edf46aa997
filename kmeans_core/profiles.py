"""Cluster profiles: what the rows of each cluster look like, column by column.

For a clustering of n rows into k clusters this gives, per cluster:

* its size and its share of the rows;
* the mean and the median of every column (in the units of the X passed in:
  pass the original, unscaled columns to read them in the data's own units);
* its centre in z-scores, ``(mean_c - mean) / sd``: how many standard
  deviations of the whole column the cluster's mean lies from the overall mean;
* its *separation* from the rest, ``(mean_c - mean_rest) / sd``: the same
  standardised difference, against the rows of every other cluster. The
  columns with the largest absolute separation are the ones that "set the
  cluster apart"; :func:`describe_clusters` names the top few in a sentence.

``sd`` is the column's standard deviation over all rows (ddof = 0). One
common yardstick per column keeps the numbers comparable across clusters;
a constant column has sd = 0, and its z-scores and separations are 0.
"""

from dataclasses import dataclass

import numpy as np

from ._validation import check_data

__all__ = ["ClusterProfiles", "cluster_profiles", "describe_clusters"]


@dataclass(frozen=True)
class ClusterProfiles:
    """Per-cluster summaries; row c of every (k, d) array is cluster c (label c).

    sizes : (k,) int64, rows per cluster (0 for an empty cluster).
    shares : (k,) float, sizes / n.
    means, medians : (k, d), per cluster and column (NaN for an empty cluster).
    z_centers : (k, d), ``(means - overall mean) / sd``.
    separation : (k, d), ``(means - mean of the other rows) / sd`` (NaN when the
        cluster is empty or holds every row: there is nothing to compare with).
    overall_mean, overall_sd : (d,), over all rows.
    feature_names : tuple of d column names.
    """

    sizes: np.ndarray
    shares: np.ndarray
    means: np.ndarray
    medians: np.ndarray
    z_centers: np.ndarray
    separation: np.ndarray
    overall_mean: np.ndarray
    overall_sd: np.ndarray
    feature_names: tuple

    def top_columns(self, cluster, n_top=3):
        """Indices of the ``n_top`` columns with the largest |separation| for ``cluster``
        (largest first; columns that differ by less than ``NEGLIGIBLE_SD`` are left out:
        they would print as "+0.0 sd")."""
        sep = self.separation[cluster]
        order = [j for j in np.argsort(-np.abs(np.nan_to_num(sep)), kind="stable")
                 if np.isfinite(sep[j]) and abs(sep[j]) >= NEGLIGIBLE_SD]
        return tuple(int(j) for j in order[:n_top])


def cluster_profiles(X, labels, *, n_clusters=None, feature_names=None):
    """Size, share, mean, median, z-score centre and separation of each cluster.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The columns to describe, in the units to report (usually the original,
        unscaled ones, even when the clustering ran on standardised data).
    labels : array-like of shape (n_samples,)
        Cluster of each row, integers 0 .. k - 1.
    n_clusters : int, optional
        k; defaults to ``labels.max() + 1``. Clusters without rows get size 0.
    feature_names : sequence of n_features names, optional
        Defaults to x1, x2, ...

    Returns
    -------
    ClusterProfiles

    Raises
    ------
    ValueError
        If X is not a finite 2-D table, or the labels are not integers in
        [0, n_clusters) with one per row, or the names do not match the columns.
    """
    X = check_data(X).astype(np.float64, copy=False)
    n, d = X.shape
    lab = np.asarray(labels)
    if lab.shape != (n,):
        raise ValueError(f"labels must have one entry per row of X, shape ({n},); got {lab.shape}")
    if lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers 0 .. k - 1; got values of type {lab.dtype}")
    if lab.min() < 0:
        raise ValueError("labels must be non-negative (0 .. k - 1)")
    k = int(lab.max()) + 1 if n_clusters is None else int(n_clusters)
    if k < 1 or lab.max() >= k:
        raise ValueError(f"labels must lie in [0, {k - 1}] for n_clusters={k}")
    names = tuple(f"x{j + 1}" for j in range(d)) if feature_names is None else tuple(feature_names)
    if len(names) != d:
        raise ValueError(f"{len(names)} feature names for {d} columns")
    return _profiles(X, lab.astype(np.intp, copy=False), k, names)


def _profiles(X, labels, k, names):
    n, d = X.shape
    sizes = np.bincount(labels, minlength=k).astype(np.int64)
    # Column sums per cluster, one bincount per column: O(n d), no (n, k) one-hot matrix.
    sums = np.stack([np.bincount(labels, weights=X[:, j], minlength=k) for j in range(d)], axis=1)
    overall_mean = X.mean(axis=0)
    overall_sd = X.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / sizes[:, None]  # NaN for an empty cluster
        rest = (sums.sum(axis=0) - sums) / (n - sizes)[:, None]  # NaN when the cluster holds every row
    means[sizes == 0] = np.nan
    rest[sizes == n] = np.nan
    scale = np.where(overall_sd > 0, overall_sd, 1.0)  # constant column: differences are all 0 anyway
    z_centers = (means - overall_mean) / scale
    separation = (means - rest) / scale
    # Medians: sort the rows by cluster once, then take each cluster's block.
    order = np.argsort(labels, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    Xs = X[order]
    medians = np.full((k, d), np.nan)
    for c in range(k):
        if sizes[c]:
            medians[c] = np.median(Xs[bounds[c] : bounds[c + 1]], axis=0)
    return ClusterProfiles(sizes, sizes / n, means, medians, z_centers, separation,
                           overall_mean, overall_sd, names)


# A difference below this many standard deviations is "no difference" in the sentences.
NEGLIGIBLE_SD = 0.05


def _amount(z):
    """A word for a standardised difference (in column standard deviations)."""
    size = abs(z)
    if size >= 1.5:
        word = "much "
    elif size >= 0.5:
        word = ""
    else:
        word = "slightly "
    return word + ("higher" if z > 0 else "lower")


def describe_clusters(profiles, n_top=3):
    """One sentence per cluster naming the ``n_top`` columns that set it apart most.

    Example: "Cluster 2 (120 rows, 24.0%): much higher income (+1.8 sd), lower
    age (-0.9 sd) and slightly higher spend (+0.3 sd) than the other rows."
    Clusters are numbered from 1, as in the charts. Column names are the
    caller's text: show the sentences as plain text, never as HTML or Markdown.

    Returns
    -------
    list of str, one per cluster
    """
    out = []
    for c in range(len(profiles.sizes)):
        size = int(profiles.sizes[c])
        head = f"Cluster {c + 1} ({size:,} row{'s' if size != 1 else ''}, {100 * profiles.shares[c]:.1f}%)"
        if size == 0:
            out.append(f"{head}: empty.")
            continue
        if np.isnan(profiles.separation[c]).all():
            out.append(f"{head}: holds every row, so there is nothing to compare it with.")
            continue
        top = profiles.top_columns(c, n_top)
        if not top:
            out.append(f"{head}: its means are within {NEGLIGIBLE_SD} sd of the other rows' in every column.")
            continue
        parts = [f"{_amount(profiles.separation[c, j])} {profiles.feature_names[j]} "
                 f"({profiles.separation[c, j]:+.1f} sd)" for j in top]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        out.append(f"{head}: {listed} than the other rows.")
    return out
