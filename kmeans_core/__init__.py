"""kmeans_core: K-means from scratch in numpy, readable enough to show on a slide.

Only numpy and the standard library are imported here.
"""

from .agreement import adjusted_rand_score, pairwise_adjusted_rand
from .kmeans import KMeans, Step, lloyd
from .lloyd import assign, inertia, update
from .seeding import SeedStep, kmeans_plusplus, kmeans_plusplus_steps, random_init

__all__ = [
    "KMeans",
    "SeedStep",
    "Step",
    "adjusted_rand_score",
    "assign",
    "inertia",
    "kmeans_plusplus",
    "kmeans_plusplus_steps",
    "lloyd",
    "pairwise_adjusted_rand",
    "random_init",
    "update",
]
