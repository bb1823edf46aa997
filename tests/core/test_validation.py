"""Every bad input gives a ValueError that names the problem."""

import numpy as np
import pytest

from kmeans_core import KMeans, assign, inertia, kmeans_plusplus, lloyd, update

X = np.random.default_rng(0).normal(size=(20, 2))

BAD_X = [
    (np.arange(5.0), "2-D"),
    (np.zeros((2, 2, 2)), "2-D"),
    (np.arange(5.0).tolist(), r"2-D .* Reshape your data: X.reshape\(-1, 1\)"),
    (np.empty((0, 2)), r"0 sample\(s\) \(shape=\(0, 2\)\) while a minimum of 1 is required"),
    (np.empty((5, 0)), r"0 feature\(s\) \(shape=\(5, 0\)\) while a minimum of 1 is required"),
    (np.array([[1.0, np.nan], [2.0, 3.0]]), "NaN"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), "infinite"),
    (np.array([[1.0, -np.inf], [2.0, 3.0]]), "infinite"),
    (np.array([["a", "b"], ["c", "d"]]), "real numbers"),
    (np.array([[1, "x"], [2, None]], dtype=object), "non-numeric"),
    (np.array([[1 + 2j, 1], [2, 3]]), "real numbers"),
    ([[1.0, 2.0], [3.0]], "could not be read"),
    ("hello", "2-D|real numbers"),
]


@pytest.mark.parametrize("bad, message", BAD_X)
def test_bad_X_everywhere(bad, message):
    with pytest.raises(ValueError, match=message):
        KMeans(1).fit(bad)
    with pytest.raises(ValueError, match=message):
        kmeans_plusplus(bad, 1)
    with pytest.raises(ValueError, match=message):
        assign(bad, np.zeros((1, 2)))


def test_object_array_of_numbers_is_accepted():
    Xo = np.array([[1, 2.5], [3, 4]], dtype=object)
    assert KMeans(1, init=[[0, 0]]).fit(Xo).cluster_centers_.tolist() == [[2.0, 3.25]]


@pytest.mark.parametrize("k, message", [(0, "at least 1"), (-3, "at least 1"), (21, "larger than the number"),
                                        (2.5, "integer"), (True, "integer"), ("3", "integer"), (None, "integer")])
def test_bad_n_clusters(k, message):
    with pytest.raises(ValueError, match=message):
        KMeans(k).fit(X)
    with pytest.raises(ValueError, match=message):
        kmeans_plusplus(X, k)


@pytest.mark.parametrize("init, message", [
    (np.zeros((3, 2)), r"initial centers \(3, 2\) does not match the number of clusters 2: "
                       r"init must have shape \(2, 2\)"),
    (np.zeros((2, 3)), r"initial centers \(2, 3\) does not match the number of features of the data 2: "
                       r"init must have shape \(2, 2\)"),
    (lambda X, k, rng: X[:3], r"initial centers \(3, 2\) does not match the number of clusters 2"),
    (lambda X, k, rng: np.zeros((k, 1)), "number of features of the data 2"),
    (lambda X, k, rng: np.full((k, 2), np.nan), "NaN"),
    (lambda X, k, rng: "k-means++", "init must be real numbers"),
    (np.zeros(2), "2-D"),
    (np.array([[0.0, np.nan], [1.0, 1.0]]), "NaN"),
    (np.array([[0.0, np.inf], [1.0, 1.0]]), "infinite"),
    ("kmeans++", "init must be"),
    ("", "init must be"),
])
def test_bad_init(init, message):
    with pytest.raises(ValueError, match=message):
        KMeans(2, init=init).fit(X)


@pytest.mark.parametrize("w, message", [
    (np.ones(19), r"shape \(20,\)"),
    (np.ones((20, 1)), r"shape \(20,\)"),
    (-np.ones(20), "non-negative"),
    (np.r_[np.ones(19), -1], "non-negative"),
    (np.r_[np.ones(19), np.nan], "NaN"),
    (np.r_[np.ones(19), np.inf], "infinite"),
    (np.zeros(20), "all zero"),
    (np.array(["a"] * 20), "numeric"),
])
def test_bad_sample_weight(w, message):
    with pytest.raises(ValueError, match=message):
        KMeans(2, random_state=0).fit(X, sample_weight=w)
    with pytest.raises(ValueError, match=message):
        kmeans_plusplus(X, 2, sample_weight=w)


def test_scalar_sample_weight_broadcasts():
    a = KMeans(2, init=X[:2]).fit(X, sample_weight=3.0)
    b = KMeans(2, init=X[:2]).fit(X)
    assert a.inertia_ == pytest.approx(3 * b.inertia_)


@pytest.mark.parametrize("params, message", [
    ({"n_init": 0}, "n_init"), ({"n_init": "sometimes"}, "n_init"), ({"n_init": 1.5}, "n_init"),
    ({"n_init": True}, "n_init"),
    ({"max_iter": 0}, "max_iter"), ({"max_iter": 2.0}, "max_iter"), ({"max_iter": None}, "max_iter"),
    ({"tol": -1e-4}, "tol"), ({"tol": np.nan}, "tol"), ({"tol": np.inf}, "tol"), ({"tol": "0"}, "tol"),
    ({"random_state": -1}, "random_state"), ({"random_state": 1.5}, "random_state"),
    ({"random_state": "seed"}, "random_state"), ({"random_state": np.random}, "random_state"),
    ({"record": "labels"}, "record"), ({"record": None}, "record"),
    ({"algorithm": "full"}, "algorithm must be one of 'lloyd', 'hamerly', 'elkan', 'auto'"),
    ({"algorithm": None}, "algorithm"), ({"verbose": -1}, "verbose"), ({"verbose": "yes"}, "verbose"),
])
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        KMeans(2, **params).fit(X)


def test_legacy_random_state_is_accepted_and_reproducible():
    a = KMeans(2, init="random", random_state=np.random.RandomState(3)).fit(X)
    b = KMeans(2, init="random", random_state=np.random.RandomState(3)).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    rs = np.random.RandomState(3)
    state = rs.get_state()[1].copy()
    KMeans(2, random_state=rs).fit(X)
    assert not np.array_equal(rs.get_state()[1], state)  # advanced, like scikit-learn uses it


def test_numpy_integer_parameters_accepted():
    m = KMeans(np.int64(2), n_init=np.int32(2), max_iter=np.int64(50), random_state=np.int64(1)).fit(X)
    assert m.cluster_centers_.shape == (2, 2)


def test_bad_n_local_trials():
    with pytest.raises(ValueError, match="n_local_trials"):
        kmeans_plusplus(X, 2, n_local_trials=0)


def test_bad_inputs_to_the_step_functions():
    with pytest.raises(ValueError, match="features"):
        assign(X, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="lie in"):
        update(X, np.full(20, 2), 2)
    with pytest.raises(ValueError, match="lie in"):
        update(X, np.full(20, -1), 2)
    with pytest.raises(ValueError, match="integers"):
        update(X, np.zeros(20), 2)
    with pytest.raises(ValueError, match=r"shape \(20,\)"):
        inertia(X, X[:2], np.zeros(19, dtype=int))
    with pytest.raises(ValueError, match="max_iter"):
        lloyd(X, X[:2], max_iter=0)
    with pytest.raises(ValueError, match="larger than the number"):
        lloyd(X[:2], X[:3])


def test_sparse_input_is_refused_with_a_clear_message():
    import scipy.sparse as sparse  # installed with scikit-learn (a test dependency)

    with pytest.raises(ValueError, match=r"sparse input is not supported.*X.toarray\(\)"):
        KMeans(2).fit(sparse.csr_matrix(X))
    with pytest.raises(ValueError, match="sparse input is not supported"):
        kmeans_plusplus(sparse.csr_array(X), 2)
