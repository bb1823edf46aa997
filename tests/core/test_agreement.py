"""Agreement between labelings: ARI, NMI, contingency and purity, against scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score as sk_ari
from sklearn.metrics import normalized_mutual_info_score as sk_nmi
from sklearn.metrics.cluster import contingency_matrix as sk_contingency

from kmeans_core import (
    adjusted_rand_score,
    contingency_matrix,
    normalized_mutual_info_score,
    pairwise_adjusted_rand,
    purity_score,
)
from kmeans_core.agreement import contingency_table

TOL = 1e-12


def _random_labelings(rng, count):
    for _ in range(count):
        n = int(rng.integers(2, 400))
        ka, kb = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        a = rng.integers(0, ka, n)
        if rng.random() < 0.3:  # b a noisy copy of a: high agreement, not only chance level
            b = np.where(rng.random(n) < 0.2, rng.integers(0, kb, n), a)
        else:
            b = rng.integers(0, kb, n)
        yield a, b


def test_matches_sklearn_on_many_random_labelings():
    rng = np.random.default_rng(0)
    values = []
    for a, b in _random_labelings(rng, 300):
        ours = adjusted_rand_score(a, b)
        assert ours == pytest.approx(sk_ari(a, b), abs=TOL)
        assert adjusted_rand_score(b, a) == pytest.approx(ours, abs=TOL)
        values.append(ours)
    # The sample covers chance level, negative values and near-perfect agreement.
    assert min(values) < 0 < max(values) and max(values) > 0.5


@pytest.mark.parametrize(
    "a, b",
    [
        ([0, 0, 1, 1, 2], [0, 0, 1, 1, 2]),  # identical
        ([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]),  # identical up to renaming
        ([0] * 7, [0] * 7),  # one cluster each
        ([3] * 7, [1] * 7),
        (list(range(9)), list(range(9))[::-1]),  # all singletons each
        ([0] * 6, list(range(6))),  # one cluster against singletons
        (list(range(6)), [0] * 6),
        ([0, 0, 0, 1], [0, 1, 2, 3]),
        ([0, 1], [0, 0]),
        ([0, 1], [1, 0]),
        ([4], [2]),  # one point
        ([0, 0, 1, 1], [0, 1, 0, 1]),  # worse than chance
        (["a", "b", "a", "c"], [1, 2, 1, 1]),  # labels of other kinds
        ([1.5, 2.5, 1.5, 1.5], [7, 7, 7, 8]),
        ([-1, -1, 5, 5, 100], [0, 0, 1, 1, 1]),  # negative and sparse label values
    ],
)
@pytest.mark.filterwarnings("ignore:Clustering metrics expects discrete values")
def test_edge_cases_match_sklearn(a, b):
    assert adjusted_rand_score(a, b) == pytest.approx(sk_ari(a, b), abs=TOL)


def test_identical_partitions_score_one_and_worse_than_chance_is_negative():
    assert adjusted_rand_score([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]) == 1.0
    assert adjusted_rand_score([0] * 5, [0] * 5) == 1.0
    assert adjusted_rand_score(range(5), range(5)) == 1.0
    assert adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1]) < 0


def test_large_counts_do_not_overflow():
    # Pair counts reach ~n^2 / 2 and their products ~n^4 / 4: far beyond int64 for n = 1e6.
    rng = np.random.default_rng(1)
    n = 1_000_000
    a = rng.integers(0, 2, n)
    b = np.where(rng.random(n) < 0.9, a, 1 - a)
    assert adjusted_rand_score(a, b) == pytest.approx(sk_ari(a, b), abs=TOL)


def test_pairwise_matrix_matches_sklearn_pair_by_pair():
    rng = np.random.default_rng(2)
    L = rng.integers(0, 4, (6, 120))
    L[3] = L[1]  # one identical pair
    M = pairwise_adjusted_rand(L)
    assert M.shape == (6, 6)
    for i in range(6):
        for j in range(6):
            assert M[i, j] == pytest.approx(sk_ari(L[i], L[j]), abs=TOL)
    assert M[1, 3] == 1.0


def test_contingency_table_counts():
    table = contingency_table([0, 0, 1, 2, 2, 2], ["x", "y", "y", "x", "x", "y"])
    np.testing.assert_array_equal(table, [[1, 1], [0, 1], [2, 1]])


@pytest.mark.parametrize(
    "a, b, message",
    [
        ([0, 1, 2], [0, 1], "same length"),
        ([[0, 1], [1, 0]], [[0, 1], [1, 0]], "1-D"),
        ([0.0, np.nan], [0, 1], "NaN"),
    ],
)
def test_bad_input_raises_clear_value_error(a, b, message):
    with pytest.raises(ValueError, match=message):
        adjusted_rand_score(a, b)


# ---------------------------------------------------------------- NMI

EDGE_CASES = [
    ([0, 0, 1, 1, 2], [0, 0, 1, 1, 2]),
    ([0, 0, 1, 1, 2], [5, 5, 3, 3, 9]),
    ([0] * 7, [0] * 7),  # one cluster each: 1
    ([0] * 6, list(range(6))),  # one cluster against singletons: 0
    (list(range(6)), [0] * 6),
    (list(range(9)), list(range(9))[::-1]),
    ([0, 0, 1, 1], [0, 1, 0, 1]),  # independent: MI is 0 up to rounding
    ([0, 1], [0, 0]),
    ([4], [2]),
    (["a", "b", "a", "c"], [1, 2, 1, 1]),
    ([-1, -1, 5, 5, 100], [0, 0, 1, 1, 1]),
]


def test_nmi_matches_sklearn_on_many_random_labelings():
    rng = np.random.default_rng(3)
    values = []
    for a, b in _random_labelings(rng, 300):
        ours = normalized_mutual_info_score(a, b)
        # Two float paths (different summation order): agree to a few ulps of values <= 1.
        assert ours == pytest.approx(sk_nmi(a, b), abs=1e-10)
        assert normalized_mutual_info_score(b, a) == pytest.approx(ours, abs=1e-10)
        values.append(ours)
    assert min(values) < 0.05 and max(values) > 0.5  # chance level and strong agreement both covered


@pytest.mark.parametrize("a, b", EDGE_CASES)
@pytest.mark.filterwarnings("ignore:Clustering metrics expects discrete values")
def test_nmi_edge_cases_match_sklearn(a, b):
    assert normalized_mutual_info_score(a, b) == pytest.approx(sk_nmi(a, b), abs=1e-10)


def test_nmi_hand_computed():
    # a = [0,0,1,1], b = [0,0,0,1]: table [[2,0],[1,1]], n = 4, MI = sum p_ij log(p_ij / (p_i q_j)):
    #   (2/4) log((2/4) / (2/4 * 3/4)) + (1/4) log((1/4) / (2/4 * 3/4)) + (1/4) log((1/4) / (2/4 * 1/4))
    mi = 0.5 * np.log(4 / 3) + 0.25 * np.log(2 / 3) + 0.25 * np.log(2)
    h_a = np.log(2)
    h_b = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    expected = mi / ((h_a + h_b) / 2)
    assert normalized_mutual_info_score([0, 0, 1, 1], [0, 0, 0, 1]) == pytest.approx(expected, rel=1e-12)
    assert 0 < expected < 1


def test_nmi_is_one_for_renamed_partitions_and_zero_for_independent_ones():
    assert normalized_mutual_info_score([0, 0, 1, 1, 2, 2], ["z", "z", "x", "x", "y", "y"]) == 1.0
    # Every class spread evenly over every cluster: exactly independent.
    a = np.repeat([0, 1, 2], 4)
    b = np.tile([0, 1, 2, 3], 3)
    assert normalized_mutual_info_score(a, b) == 0.0


# ---------------------------------------------------------------- contingency and purity


def test_contingency_matrix_matches_sklearn():
    rng = np.random.default_rng(4)
    for a, b in _random_labelings(rng, 50):
        np.testing.assert_array_equal(contingency_matrix(a, b), sk_contingency(a, b))
    table, classes, clusters = contingency_matrix(["b", "a", "b"], [2, 0, 0], return_labels=True)
    np.testing.assert_array_equal(table, [[1, 0], [1, 1]])  # rows a, b; columns 0, 2
    assert list(classes) == ["a", "b"] and list(clusters) == [0, 2]


def test_purity_hand_computed():
    # Clusters: {0: x, x, y}  {1: y, y}  {2: x, z, z, z}  -> 2 + 2 + 3 of 9 points fit.
    true = ["x", "x", "y", "y", "y", "x", "z", "z", "z"]
    pred = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    assert purity_score(true, pred) == pytest.approx(7 / 9, abs=1e-15)
    assert purity_score([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0
    assert purity_score([0, 0, 0, 1], [0, 0, 0, 0]) == 0.75  # one cluster: the largest class's share
    assert purity_score([0, 0, 1, 1], range(4)) == 1.0  # one point per cluster always scores 1


def test_purity_matches_the_contingency_formula_with_sklearn_counts():
    rng = np.random.default_rng(5)
    for a, b in _random_labelings(rng, 100):
        expected = sk_contingency(a, b).max(axis=0).sum() / len(a)
        assert purity_score(a, b) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("func", [normalized_mutual_info_score, purity_score, contingency_matrix])
def test_new_scores_reject_bad_input(func):
    with pytest.raises(ValueError, match="same length"):
        func([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match="1-D"):
        func([[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="NaN"):
        func([0.0, np.nan], [0, 1])


def test_purity_rejects_empty_labels():
    with pytest.raises(ValueError, match="at least one"):
        purity_score([], [])


def test_pairwise_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D"):
        pairwise_adjusted_rand([0, 1, 2])
