"""DBSCAN against scikit-learn (identical labels) and a hand-computed case."""

import numpy as np
import pytest
from sklearn.cluster import DBSCAN as SkDBSCAN
from sklearn.datasets import make_blobs, make_circles, make_moons

from kmeans_core.dbscan import DBSCAN


def test_hand_computed_core_border_noise():
    # a chain 0, 1, 2 (spacing 1), a border point at 3.9, and a lone point at 10
    X = np.array([[0.0], [1.0], [2.0], [2.9], [10.0], [11.0]])
    m = DBSCAN(eps=1.0, min_samples=3).fit(X)
    # neighbourhoods (radius 1, self included): 0:{0,1}  1:{0,1,2}  2:{1,2,3}  3:{2,3}  4:{4,5} 5:{4,5}
    assert m.core_sample_indices_.tolist() == [1, 2]
    assert m.labels_.tolist() == [0, 0, 0, 0, -1, -1]
    np.testing.assert_array_equal(m.components_, X[[1, 2]])


@pytest.mark.parametrize("data", ["moons", "circles", "blobs"])
def test_labels_equal_sklearns(data):
    if data == "moons":
        X, _ = make_moons(500, noise=0.08, random_state=0)
        params = dict(eps=0.15, min_samples=5)
    elif data == "circles":
        X, _ = make_circles(500, noise=0.06, factor=0.5, random_state=1)
        params = dict(eps=0.12, min_samples=6)
    else:
        X, _ = make_blobs(600, centers=4, cluster_std=1.5, random_state=2)
        params = dict(eps=0.6, min_samples=8)
    ours = DBSCAN(**params).fit(X)
    ref = SkDBSCAN(**params).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_array_equal(ours.core_sample_indices_, ref.core_sample_indices_)
    np.testing.assert_array_equal(ours.components_, ref.components_)
    assert (ours.labels_ == -1).any() and ours.labels_.max() >= 1  # noise and clusters both occur


def test_sample_weight_matches_sklearn():
    X, _ = make_blobs(200, centers=3, random_state=3)
    w = np.random.default_rng(0).integers(0, 4, size=200)
    ours = DBSCAN(eps=0.8, min_samples=10).fit(X, sample_weight=w)
    ref = SkDBSCAN(eps=0.8, min_samples=10).fit(X, sample_weight=w)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)


def test_bad_input():
    X = np.zeros((5, 2))
    for model, data, message in [
        (DBSCAN(eps=0), X, "eps"),
        (DBSCAN(eps="wide"), X, "eps"),
        (DBSCAN(min_samples=0), X, "min_samples"),
        (DBSCAN(), np.array([[np.nan, 0.0]]), "NaN"),
        (DBSCAN(), np.array([[np.inf, 0.0]]), "infinite"),
        (DBSCAN(), np.zeros(3), "2-D"),
    ]:
        with pytest.raises(ValueError, match=message):
            model.fit(data)
    with pytest.raises(ValueError, match="sample_weight"):
        DBSCAN().fit(X, sample_weight=[1, 2])
