"""Adjusted Rand index: our numpy code against scikit-learn's adjusted_rand_score."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score as sk_ari

from kmeans_core import adjusted_rand_score, pairwise_adjusted_rand
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


def test_pairwise_rejects_non_2d():
    with pytest.raises(ValueError, match="2-D"):
        pairwise_adjusted_rand([0, 1, 2])
