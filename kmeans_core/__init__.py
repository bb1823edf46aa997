"""kmeans_core: K-means from scratch in numpy, readable enough to show on a slide.

Only numpy and the standard library are imported here.
"""

from .agreement import (
    adjusted_rand_score,
    contingency_matrix,
    normalized_mutual_info_score,
    pairwise_adjusted_rand,
    purity_score,
)
from .dbscan import DBSCAN
from .exceptions import ConvergenceWarning, NotFittedError
from .kmeans import KMeans, Step, k_means, lloyd
from .kmedoids import KMedoids, MedoidStep
from .knee import KneeResult, find_knee, kneedle
from .lloyd import assign, inertia, update
from .minibatch import BatchFrame, MiniBatchKMeans
from .mixture import GaussianMixture, MixtureStep, full_covariances
from .profiles import ClusterProfiles, cluster_profiles, describe_clusters
from .quantize import (
    ColorCounts,
    PaletteFit,
    Quantization,
    color_counts,
    fit_palette,
    map_to_palette,
    palette_mse,
    psnr,
    quantize,
    random_palette,
)
from .scores import calinski_harabasz_score, davies_bouldin_score
from .seeding import SeedStep, kmeans_plusplus, kmeans_plusplus_steps, random_init
from .silhouette import silhouette_samples, silhouette_score
from .soft import BETA_GRID, SoftKMeans, SoftStep, data_scale, smallest_hard_beta, soft_assign
from .spectral import SpectralClustering, affinity_matrix, spectral_embedding
from .stability import GapResult, StabilityResult, gap_statistic, stability, stability_for_k

__all__ = [
    "BETA_GRID",
    "DBSCAN",
    "BatchFrame",
    "ClusterProfiles",
    "ColorCounts",
    "ConvergenceWarning",
    "GapResult",
    "GaussianMixture",
    "KMeans",
    "KMedoids",
    "KneeResult",
    "MedoidStep",
    "MiniBatchKMeans",
    "MixtureStep",
    "NotFittedError",
    "PaletteFit",
    "Quantization",
    "SeedStep",
    "SoftKMeans",
    "SoftStep",
    "SpectralClustering",
    "StabilityResult",
    "Step",
    "adjusted_rand_score",
    "affinity_matrix",
    "assign",
    "calinski_harabasz_score",
    "cluster_profiles",
    "color_counts",
    "contingency_matrix",
    "data_scale",
    "davies_bouldin_score",
    "describe_clusters",
    "find_knee",
    "fit_palette",
    "full_covariances",
    "gap_statistic",
    "inertia",
    "k_means",
    "kmeans_plusplus",
    "kmeans_plusplus_steps",
    "kneedle",
    "lloyd",
    "map_to_palette",
    "normalized_mutual_info_score",
    "pairwise_adjusted_rand",
    "palette_mse",
    "psnr",
    "purity_score",
    "quantize",
    "random_init",
    "random_palette",
    "silhouette_samples",
    "silhouette_score",
    "smallest_hard_beta",
    "soft_assign",
    "spectral_embedding",
    "stability",
    "stability_for_k",
    "update",
]
