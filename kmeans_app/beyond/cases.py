"""When K-means fails: the failure cases, each with the method that fixes it (no Streamlit here)."""

from dataclasses import dataclass

import numpy as np

from kmeans_core import GaussianMixture, KMeans, KMedoids, SpectralClustering, adjusted_rand_score

N_INIT = 10  # K-means keeps the best of this many starts: its failures are not bad luck
GMM_INIT = 5  # the mixture fixes keep the best of this many fits, so theirs are not luck either
MEDOID_STARTS = 5  # above PAM_MAX_ROWS, K-medoids keeps the lowest-cost of this many alternate runs
PAM_MAX_ROWS = 2000  # PAM's swap phase escapes the local minima of the alternate iteration (0.9 s here)


@dataclass(frozen=True)
class Case:
    """One failure: a generated dataset, the fix's name and why the fix works (one sentence)."""

    dataset: str  # a key of kmeans_app.data.datasets.GENERATORS
    fix: str
    short: str  # the fix's name in a chart title
    why: str
    outlier_label: int | None = None  # generator label of the outliers, left out of the ARI


CASES = {
    "moons": Case("moons", "Spectral clustering (10-nearest-neighbour graph)", "Spectral",
                  "Spectral clustering groups points that are linked by chains of close neighbours, "
                  "so it follows each curved moon instead of cutting space into convex cells."),
    "circles": Case("circles", "Spectral clustering (10-nearest-neighbour graph)", "Spectral",
                    "Neighbours along a ring are close while the two rings never touch, so the "
                    "neighbour graph falls apart into the two rings and spectral clustering finds them."),
    "anisotropic": Case("anisotropic", "Gaussian mixture, full covariance", "GMM, full",
                        "Each component learns its own covariance, so its ellipse stretches and tilts "
                        "with the cluster instead of assuming it is round."),
    "varied": Case("varied", "Gaussian mixture, full covariance", "GMM, full",
                   "Each component learns its own spread, so the boundary moves towards the tight "
                   "cluster and the wide one keeps its edge points."),
    "uneven": Case("uneven", "Gaussian mixture, full covariance", "GMM, full",
                   "K-means wants clusters of equal spread, so it splits the big wide cluster; the "
                   "mixture's weights and covariances let a big cluster be big and wide, and the "
                   "boundary sits where the weighted densities meet."),
    "outliers": Case("outliers", "K-medoids (PAM swaps up to 2,000 rows)", "K-medoids",
                     "The cost grows with the distance, not its square, and each centre must be a "
                     "data point, so a few far points weigh too little to claim or drag a centre.",
                     outlier_label=3),
    "scales": Case("scales", "K-means after standardising each feature", "Standardised K-means",
                   "Dividing each feature by its standard deviation gives both features the same "
                   "say in the distance, so the small-unit feature that separates the clusters counts."),
}


@dataclass(frozen=True)
class Outcome:
    """K-means' labels and the fix's labels on one dataset, with their ARIs against the generator."""

    k: int
    kmeans_labels: np.ndarray
    fix_labels: np.ndarray
    kmeans_ari: float
    fix_ari: float
    scored: int  # rows the ARIs are computed on (all but the outliers)
    sampled: int | None  # rows the spectral eigendecomposition used, when it sampled


def n_true_clusters(labels, outlier_label=None):
    """How many generator clusters there are (the outliers' group not counted)."""
    values = set(np.unique(labels).tolist()) - {outlier_label}
    return len(values)


def standardised(X):
    """Each feature minus its mean, divided by its standard deviation (constant features left at 0)."""
    sd = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def run_fix(name, X, k, seed):
    """The fix of case ``name`` on X with k clusters: (labels, rows sampled by spectral or None)."""
    if name in ("moons", "circles"):
        model = SpectralClustering(k, affinity="nearest_neighbors", n_neighbors=10, random_state=seed).fit(X)
        return model.labels_, (len(model.sample_indices_) if model.sampled_ else None)
    if name in ("anisotropic", "varied", "uneven"):
        # the best of GMM_INIT fits (by likelihood), as K-means keeps the best of N_INIT starts
        return GaussianMixture(k, covariance_type="full", n_init=GMM_INIT, random_state=seed,
                               record="params").fit(X).labels_, None
    if name == "outliers":
        if len(X) <= PAM_MAX_ROWS:
            return KMedoids(k, method="pam", random_state=seed).fit(X).labels_, None
        best = min((KMedoids(k, random_state=seed + s).fit(X) for s in range(MEDOID_STARTS)),
                   key=lambda m: m.inertia_)
        return best.labels_, None
    if name == "scales":
        return KMeans(k, n_init=N_INIT, random_state=seed).fit(standardised(X)).labels_, None
    raise ValueError(f"unknown failure case {name!r}")


def outcome(name, X, labels, seed=0):
    """K-means (best of N_INIT starts) and the fix on generated data X with generator ``labels``."""
    case = CASES[name]
    k = n_true_clusters(labels, case.outlier_label)
    km = KMeans(k, n_init=N_INIT, random_state=seed).fit(X).labels_
    fix, sampled = run_fix(name, X, k, seed)
    keep = np.ones(len(X), bool) if case.outlier_label is None else labels != case.outlier_label
    return Outcome(k, km, fix, adjusted_rand_score(labels[keep], km[keep]),
                   adjusted_rand_score(labels[keep], fix[keep]), int(keep.sum()), sampled)
