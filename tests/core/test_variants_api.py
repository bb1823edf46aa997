"""The K-means variants as scikit-learn estimators: clone, get/set_params, repr, fit_predict."""

import numpy as np
import pytest
from sklearn.base import clone, is_clusterer
from sklearn.datasets import make_blobs

from kmeans_core import (
    DBSCAN,
    GaussianMixture,
    KMedoids,
    MiniBatchKMeans,
    SoftKMeans,
    SpectralClustering,
)

ESTIMATORS = [
    SoftKMeans(3, beta=50.0, random_state=0),
    GaussianMixture(3, covariance_type="diag", random_state=0),
    MiniBatchKMeans(3, batch_size=64, random_state=0),
    KMedoids(3, random_state=0),
    SpectralClustering(3, affinity="nearest_neighbors", random_state=0),
    DBSCAN(eps=1.0, min_samples=5),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_params_repr_and_fit_predict(estimator):
    X, y = make_blobs(150, centers=[[0, 0], [8, 0], [0, 8]], random_state=0)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params() and copy is not estimator
    assert is_clusterer(copy)
    assert repr(estimator).startswith(type(estimator).__name__ + "(")
    labels = copy.fit_predict(X)
    np.testing.assert_array_equal(labels, copy.labels_)
    assert labels.shape == (150,)
    # well-separated blobs: every variant finds them (up to renaming; DBSCAN leaves some noise)
    kept = labels != -1
    assert kept.mean() > 0.9
    pairs = set(zip(y[kept].tolist(), labels[kept].tolist()))
    assert len(pairs) == 3
    name = next(iter(copy.get_params()))
    copy.set_params(**{name: copy.get_params()[name]})
    with pytest.raises(ValueError, match="Invalid parameter"):
        copy.set_params(no_such_parameter=1)
