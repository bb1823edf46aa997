"""KMedoids against brute force (every k-subset of the rows) and hand-computed cases."""

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_core import KMeans, adjusted_rand_score
from kmeans_core.kmedoids import KMedoids


def _dist(X, metric):
    diff = X[:, None] - X[None]
    if metric == "manhattan":
        return np.abs(diff).sum(-1)
    sq = (diff**2).sum(-1)
    return sq if metric == "sqeuclidean" else np.sqrt(sq)


def _brute_force(X, k, metric):
    """The lowest cost over all k-subsets of rows, and every subset that reaches it."""
    D = _dist(X, metric)
    costs = {c: D[:, list(c)].min(axis=1).sum() for c in itertools.combinations(range(len(X)), k)}
    best = min(costs.values())
    return best, [c for c, v in costs.items() if v <= best * (1 + 1e-12)]


def test_hand_computed_line():
    # Medoids 0 and 30 to start: 0, 1, 2, 10, 11 are nearer 0 (cost 0+1+2+10+11 = 24).
    # The best member of {0, 1, 2, 10, 11} is 2 (total 2+1+0+8+9 = 20, against 21 for 1),
    # and 10 still prefers 2 (8) to 30 (20): converged at medoids 2 and 30, cost 20.
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [30.0]])
    m = KMedoids(2, init=np.array([[0.0], [30.0]]), method="alternate").fit(X)
    assert m.medoid_indices_.tolist() == [2, 5]
    assert m.inertia_ == 20.0
    assert [s.inertia for s in m.history_[1:]] == [24.0, 20.0, 20.0]
    assert m.labels_.tolist() == [0, 0, 0, 0, 0, 1]
    np.testing.assert_array_equal(m.cluster_centers_, X[[2, 5]])


def _swap_optimal(D, medoids, cost):
    """True if no single (medoid, non-medoid) swap lowers the cost (checked by brute force)."""
    for i in range(len(medoids)):
        for o in set(range(len(D))) - set(medoids):
            trial = list(medoids)
            trial[i] = o
            if D[:, trial].min(axis=1).sum() < cost * (1 - 1e-12):
                return False
    return True


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "manhattan"])
def test_pam_on_tiny_random_sets_against_brute_force(metric):
    """PAM is a local search: never below the optimum, always swap-optimal, usually the optimum."""
    rng = np.random.default_rng(0)
    reached = 0
    for _ in range(40):
        n, k = int(rng.integers(5, 11)), int(rng.integers(1, 4))
        X = rng.normal(size=(n, 2)) * rng.uniform(0.5, 3, size=2)
        best, optimal = _brute_force(X, k, metric)
        m = KMedoids(k, metric=metric, method="pam", init="build").fit(X)
        assert m.inertia_ >= best * (1 - 1e-12)
        assert _swap_optimal(_dist(X, metric), m.medoid_indices_, m.inertia_)
        reached += tuple(sorted(m.medoid_indices_.tolist())) in optimal
    # BUILD + SWAP found the global optimum in 93% of 600 such sets (all metrics)
    assert reached >= 32


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("method", ["alternate", "pam"])
def test_separated_tiny_sets_reach_the_brute_force_optimum(metric, method):
    rng = np.random.default_rng(1)
    for _ in range(10):
        k = int(rng.integers(2, 4))
        centres = rng.permutation(np.array([[0, 0], [20, 0], [0, 20], [20, 20]]))[:k]
        X = np.concatenate([c + rng.normal(size=(int(rng.integers(2, 4)), 2)) for c in centres])
        best, optimal = _brute_force(X, k, metric)
        m = KMedoids(k, metric=metric, method=method, init="build").fit(X)
        assert tuple(sorted(m.medoid_indices_.tolist())) in optimal
        assert m.inertia_ == pytest.approx(best, rel=1e-12)


def test_pam_result_is_swap_optimal_and_alternate_medoids_are_cluster_optimal():
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(c, 1.0, (15, 2)) for c in ([0, 0], [6, 0], [3, 5])])
    D = _dist(X, "euclidean")
    alt = KMedoids(3, method="alternate", random_state=0).fit(X)
    # at convergence every medoid is the best member of its own cluster
    for j, med in enumerate(alt.medoid_indices_):
        members = np.flatnonzero(alt.labels_ == j)
        totals = D[np.ix_(members, members)].sum(axis=0)
        assert D[med, members].sum() == pytest.approx(totals.min(), rel=1e-12)
    pam = KMedoids(3, method="pam", random_state=0).fit(X)
    assert pam.inertia_ <= alt.inertia_ * (1 + 1e-12)
    assert _swap_optimal(D, pam.medoid_indices_, pam.inertia_)


def test_inertia_labels_and_transform_agree_with_brute_force_distances():
    X, _ = make_blobs(200, centers=4, random_state=2)
    m = KMedoids(4, random_state=0).fit(X)
    D = np.sqrt(((X[:, None] - m.cluster_centers_[None]) ** 2).sum(-1))
    np.testing.assert_array_equal(m.labels_, D.argmin(1))
    assert m.inertia_ == pytest.approx(D.min(1).sum(), rel=1e-12)
    np.testing.assert_allclose(m.transform(X), D, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(m.predict(X), m.labels_)
    steps = m.history_
    assert steps[0].phase == "init"
    costs = [s.inertia for s in steps[1:]]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(costs, costs[1:]))  # never rises


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scattered_outliers_capture_a_kmeans_centre_but_not_a_medoid(seed):
    rng = np.random.default_rng(seed)
    X, y = make_blobs(300, centers=[[0, 0], [6, 0], [3, 6]], cluster_std=0.8, random_state=seed)
    # 5% outliers scattered on a wide ring around the blobs (radius 25 to 37.5)
    angle, radius = rng.uniform(0, 2 * np.pi, 15), rng.uniform(25, 37.5, 15)
    Xo = np.concatenate([X, np.c_[3 + radius * np.cos(angle), 2 + radius * np.sin(angle)]])
    km = KMeans(3, n_init=10, random_state=0).fit(Xo)
    for model in (KMedoids(3, method="pam", init="build"), KMedoids(3, random_state=0)):
        labels = model.fit(Xo).labels_
        assert adjusted_rand_score(y, labels[:300]) > 0.95
    # squared distances make the outliers worth a centre of their own: two blobs merge
    assert adjusted_rand_score(y, km.labels_[:300]) < 0.6


@pytest.mark.parametrize("init", ["k-medoids++", "build", "random"])
def test_every_init_gives_distinct_medoids(init):
    X = np.concatenate([np.zeros((5, 2)), np.ones((5, 2))])  # duplicates everywhere
    m = KMedoids(3, init=init, random_state=0).fit(X)
    assert len(set(m.medoid_indices_.tolist())) == 3
    if init != "random":  # random may draw three zeros; the ones then tie and nothing moves
        assert m.inertia_ == 0.0


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(12, 2))
    bad = X.copy()
    bad[2, 1] = np.nan
    cases = [
        (KMedoids(2), bad, "NaN"),
        (KMedoids(2), np.where(np.isnan(bad), np.inf, bad), "infinite"),
        (KMedoids(2), X[0], "2-D"),
        (KMedoids(13), X, "larger than the number of samples"),
        (KMedoids(2, metric="cosine"), X, "metric"),
        (KMedoids(2, method="clara"), X, "method"),
        (KMedoids(2, init="heuristic"), X, "init"),
        (KMedoids(2, init=np.zeros((3, 2))), X, "shape"),
        (KMedoids(2, max_iter=0), X, "max_iter"),
    ]
    for model, data, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(data)
    with pytest.raises(ValueError, match="limited to"):
        KMedoids(2, method="pam").fit(np.zeros((3001, 1)))
    with pytest.raises(ValueError, match="not fitted"):
        KMedoids(2).predict(X)
