"""SpectralClustering against scikit-learn (affinity, embedding, labels) and hand-computed graphs."""

import warnings

import numpy as np
import pytest
from sklearn.cluster import SpectralClustering as SkSpectralClustering
from sklearn.datasets import make_circles, make_moons
from sklearn.manifold import spectral_embedding as sk_spectral_embedding
from sklearn.neighbors import kneighbors_graph
from threadpoolctl import threadpool_limits

from kmeans_core import KMeans, adjusted_rand_score
from kmeans_core.exceptions import ConvergenceWarning
from kmeans_core.spectral import SpectralClustering, affinity_matrix, spectral_embedding


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # scikit-learn's eigensolvers with two BLAS threads on a busy 2-core machine are several
    # times slower; the results do not depend on it
    with threadpool_limits(1):
        yield


def _sk_labels(X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "graph is not fully connected" on very clean data
        return SkSpectralClustering(2, random_state=0, **kw).fit(X).labels_


def test_affinities_match_sklearn():
    X = np.random.default_rng(0).normal(size=(60, 3))
    knn = affinity_matrix(X, "nearest_neighbors", n_neighbors=7)
    C = kneighbors_graph(X, n_neighbors=7, include_self=True).toarray()
    np.testing.assert_array_equal(knn, 0.5 * (C + C.T))
    rbf = affinity_matrix(X, "rbf", gamma=0.3)
    D = ((X[:, None] - X[None]) ** 2).sum(-1)
    np.testing.assert_allclose(rbf, np.exp(-0.3 * D), rtol=1e-12, atol=1e-15)


def test_embedding_matches_sklearn_up_to_sign():
    X = np.random.default_rng(1).normal(size=(80, 2))
    A = affinity_matrix(X, "rbf", gamma=0.5)
    ours, _ = spectral_embedding(A, 3)
    ref = sk_spectral_embedding(A, n_components=3, drop_first=False, norm_laplacian=True,
                                eigen_solver="arpack", random_state=0)
    for j in range(3):
        sign = np.sign(ours[:, j] @ ref[:, j])
        np.testing.assert_allclose(ours[:, j] * sign, ref[:, j], atol=1e-6 * np.abs(ref[:, j]).max())


def test_two_components_hand_computed():
    # two disconnected triangles: L has eigenvalue 0 twice; the embedding is constant per triangle
    A = np.zeros((6, 6))
    A[:3, :3] = A[3:, 3:] = 1.0
    emb, values = spectral_embedding(A, 2)
    np.testing.assert_allclose(values, [0.0, 0.0], atol=1e-12)
    for block in (emb[:3], emb[3:]):
        np.testing.assert_allclose(block, np.broadcast_to(block[0], block.shape), atol=1e-12)
    assert np.linalg.norm(emb[0] - emb[3]) > 0.1
    # a path 0-1-2: degrees 1, 2, 1; L's eigenvalues are 0, 1, 2
    P = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float)
    _, values = spectral_embedding(P, 3)
    np.testing.assert_allclose(values, [0.0, 1.0, 2.0], atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", ["moons", "circles"])
def test_labels_match_sklearn_on_moons_and_circles(shape, seed):
    if shape == "moons":
        X, y = make_moons(400, noise=0.06, random_state=seed)
    else:
        X, y = make_circles(400, noise=0.05, factor=0.5, random_state=seed)
    ours = SpectralClustering(2, affinity="nearest_neighbors", random_state=0).fit(X)
    ref = _sk_labels(X, affinity="nearest_neighbors")
    assert adjusted_rand_score(ours.labels_, ref) >= 0.99
    assert adjusted_rand_score(y, ours.labels_) >= 0.99
    assert not ours.sampled_ and len(ours.sample_indices_) == 400
    # and K-means cannot do it
    assert adjusted_rand_score(y, KMeans(2, n_init=10, random_state=0).fit(X).labels_) < 0.6


def test_rbf_affinity_on_moons_matches_sklearn():
    X, _ = make_moons(300, noise=0.05, random_state=2)
    ours = SpectralClustering(2, affinity="rbf", gamma=20.0, random_state=0).fit(X)
    assert adjusted_rand_score(ours.labels_, _sk_labels(X, affinity="rbf", gamma=20.0)) >= 0.99


def test_large_input_is_sampled_and_the_rest_follow_their_nearest_sampled_row():
    X, y = make_moons(2500, noise=0.07, random_state=3)
    ours = SpectralClustering(2, affinity="nearest_neighbors", random_state=0).fit(X)
    assert ours.sampled_ and len(ours.sample_indices_) == 1000 and ours.embedding_.shape == (1000, 2)
    assert adjusted_rand_score(y, ours.labels_) >= 0.99
    # the sample is clustered as scikit-learn clusters that same sample
    sample_labels = ours.labels_[ours.sample_indices_]
    ref = _sk_labels(X[ours.sample_indices_], affinity="nearest_neighbors")
    assert adjusted_rand_score(sample_labels, ref) >= 0.99
    rest = np.setdiff1d(np.arange(2500), ours.sample_indices_)
    sampled = X[ours.sample_indices_]
    nearest = ((X[rest][:, None] - sampled[None]) ** 2).sum(-1).argmin(1)
    np.testing.assert_array_equal(ours.labels_[rest], sample_labels[nearest])


def test_a_kernel_too_narrow_for_the_data_is_a_warning():
    X, _ = make_moons(100, noise=0.05, random_state=4)
    with pytest.warns(ConvergenceWarning, match="no neighbour"):
        SpectralClustering(2, gamma=1.0, random_state=0).fit(X * 1000)


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(30, 2))
    bad = X.copy()
    bad[0, 0] = np.nan
    cases = [
        (SpectralClustering(2), bad, "NaN"),
        (SpectralClustering(2), np.where(np.isnan(bad), np.inf, bad), "infinite"),
        (SpectralClustering(2), X[:, 0], "2-D"),
        (SpectralClustering(31), X, "larger than the number of samples"),
        (SpectralClustering(2, affinity="cosine"), X, "affinity"),
        (SpectralClustering(2, gamma=0), X, "gamma"),
        (SpectralClustering(2, affinity="nearest_neighbors", n_neighbors=40), X, "n_neighbors"),
        (SpectralClustering(2, n_init=0), X, "n_init"),
        (SpectralClustering(5, max_dense=3), X, "max_dense"),
    ]
    for model, data, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(data)
