"""Bootstrap stability and the gap statistic: data with a known k, scikit-learn as the
oracle for the inertia behind log W_k, seeding, progress and bad input."""

import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score as sk_ari

from kmeans_core.stability import gap_from_log_w, gap_log_w, gap_statistic, stability, stability_for_k


def _separated_blobs(k, n=600, seed=0, std=0.3):
    """k tight blobs on a circle of radius 10: far apart compared with their spread."""
    angles = 2 * np.pi * np.arange(k) / k
    centres = 10 * np.c_[np.cos(angles), np.sin(angles)]
    return make_blobs(n_samples=n, centers=centres, cluster_std=std, random_state=seed)


# ---------------------------------------------------------------- stability


def test_true_k_is_stable_and_a_wrong_k_is_not():
    X, _ = _separated_blobs(4)
    result = stability(X, [1, 2, 4, 7], n_resamples=12, random_state=0)
    assert result.ks == (1, 2, 4, 7)
    mean = dict(zip(result.ks, result.mean))
    assert mean[1] == 1.0  # one cluster is always the same partition
    assert mean[4] == pytest.approx(1.0, abs=1e-12)  # every resample finds the 4 blobs
    # 7 clusters on 4 blobs: the extra centres split blobs differently on each resample.
    assert mean[7] < 0.95
    assert np.all(result.low <= result.mean + 1e-12) and np.all(result.mean <= result.high + 1e-12)


def test_resample_labelings_are_the_true_partition_on_separated_blobs():
    # Each resample's labeling of all rows agrees with the generator's labels (sklearn's ARI),
    # so every pairwise ARI is 1: checked by the pairs having ARI 1 and count R(R-1)/2.
    X, y = _separated_blobs(3, n=300, seed=1)
    pairs = stability_for_k(X, 3, n_resamples=6, random_state=3)
    assert pairs.shape == (15,)
    np.testing.assert_allclose(pairs, 1.0, atol=1e-12)
    fitted = SkKMeans(3, n_init=10, random_state=0).fit(X)
    assert sk_ari(fitted.labels_, y) == 1.0  # sanity of the data: the oracle finds the blobs too


def test_structureless_data_is_less_stable_than_blobs():
    X_blobs, _ = _separated_blobs(3, n=500)
    X_noise = np.random.default_rng(0).uniform(-10, 10, size=(500, 2))
    blobs = stability(X_blobs, [3], n_resamples=10, random_state=0).mean[0]
    noise = stability(X_noise, [6], n_resamples=10, random_state=0).mean[0]
    assert blobs > 0.99 and noise < blobs - 0.05


def test_seeded_and_each_k_independent_of_the_others():
    X, _ = make_blobs(400, centers=5, cluster_std=2.0, random_state=2)
    a = stability(X, [2, 5, 6], n_resamples=5, random_state=11)
    b = stability(X, [6], n_resamples=5, random_state=11)
    np.testing.assert_array_equal(a.pair_ari[2], b.pair_ari[0])
    np.testing.assert_array_equal(stability_for_k(X, 5, 5, random_state=11), a.pair_ari[1])
    c = stability(X, [6], n_resamples=5, random_state=12)
    assert not np.array_equal(b.pair_ari[0], c.pair_ari[0])  # another seed, other resamples


def test_progress_reported_after_every_fit_up_to_one():
    X, _ = _separated_blobs(3, n=200)
    calls = []
    stability(X, [2, 3], n_resamples=4, random_state=0, progress=lambda f, t: calls.append((f, t)))
    assert len(calls) == 8
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert calls[0][1] == "Stability: k = 2, resample 1 of 4"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"ks": [0, 2]}, "positive integer"),
        ({"ks": [2.5]}, "positive integer"),
        ({"ks": [11]}, "larger than the number of rows"),
        ({"ks": []}, "empty"),
        ({"ks": [2], "n_resamples": 1}, "at least 2"),
        ({"ks": [2], "init": "pick"}, "init must be"),
        ({"ks": [2], "random_state": None}, "non-negative int"),
        ({"ks": [2], "random_state": -1}, "non-negative int"),
    ],
)
def test_stability_bad_input(kwargs, message):
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match=message):
        stability(X, **kwargs)


def test_stability_rejects_bad_data():
    with pytest.raises(ValueError, match="NaN"):
        stability(np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 3.0]]), [2])


# ---------------------------------------------------------------- gap statistic


@pytest.mark.parametrize("reference", ["uniform", "pca"])
@pytest.mark.parametrize("k_true, seed", [(2, 0), (3, 0), (4, 1), (5, 3)])
def test_gap_finds_the_known_k(reference, k_true, seed):
    X, _ = _separated_blobs(k_true, n=600, seed=seed)
    result = gap_statistic(X, k_max=8, n_refs=8, reference=reference, random_state=seed)
    assert result.ks == tuple(range(1, 10))
    assert result.best_k == k_true
    assert result.reference == reference and result.n_refs == 8


@pytest.mark.parametrize("reference", ["uniform", "pca"])
def test_gap_says_one_cluster_for_uniform_noise(reference):
    X = np.random.default_rng(5).uniform(0, 1, size=(800, 2))
    assert gap_statistic(X, k_max=6, n_refs=10, reference=reference, random_state=0).best_k == 1


def test_pca_box_follows_a_rotated_elongated_cloud():
    # Four blobs stretched along a rotated diagonal: the axis-aligned box is mostly empty,
    # the box along the principal axes is tighter.
    rng = np.random.default_rng(0)
    centres = np.array([[-8.0, -8.0], [0.0, 0.0], [8.0, 8.0], [-6.0, -2.0]])
    turn = np.array([[np.cos(0.5), -np.sin(0.5)], [np.sin(0.5), np.cos(0.5)]])
    X = np.concatenate([c + rng.normal(0, 0.4, size=(200, 2)) for c in centres]) @ turn
    uniform = gap_statistic(X, k_max=6, n_refs=8, reference="uniform", random_state=0)
    pca = gap_statistic(X, k_max=6, n_refs=8, reference="pca", random_state=0)
    assert uniform.best_k == pca.best_k == 4
    # Both compare the same data, so log W_k agree; the tighter box gives references with a
    # smaller inertia once there are clusters to place (k >= 2).
    np.testing.assert_allclose(pca.log_w, uniform.log_w, rtol=0, atol=1e-9)
    assert np.all(pca.ref_log_w[1:] < uniform.ref_log_w[1:] - 0.1)


def test_gap_pieces_follow_the_definition():
    X, _ = _separated_blobs(3, n=300, seed=4)
    result = gap_statistic(X, k_max=4, n_refs=5, random_state=1)
    # log W_1 is the total sum of squares about the mean; log W_3 the optimum sklearn finds.
    total_ss = ((X - X.mean(axis=0)) ** 2).sum()
    assert result.log_w[0] == pytest.approx(np.log(total_ss), rel=1e-12)
    sk_inertia = SkKMeans(3, n_init=10, random_state=0).fit(X).inertia_
    assert result.log_w[2] == pytest.approx(np.log(sk_inertia), abs=1e-9)
    np.testing.assert_array_equal(result.gap, result.ref_log_w - result.log_w)
    assert np.all(result.s > 0)
    # The rule, re-applied by hand to the reported numbers.
    passing = [k for k in range(1, 5) if result.gap[k - 1] >= result.gap[k] - result.s[k]]
    assert result.best_k == passing[0]


def test_gap_with_fewer_distinct_rows_than_clusters():
    # Three distinct points, repeated: W_3 = W_4 = 0, so those k have no gap (NaN), and k = 2,
    # the last k that can be judged, passes if k = 1 does not.
    X = np.repeat(np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]]), 10, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from logs of zero or NaN arithmetic
        result = gap_statistic(X, k_max=3, n_refs=4, random_state=0)
    assert np.isnan(result.gap[2:]).all() and np.isfinite(result.gap[:2]).all()
    assert result.best_k in (1, 2)


def test_gap_seeded_and_progress():
    X, _ = _separated_blobs(3, n=200)
    calls = []
    a = gap_statistic(X, k_max=3, n_refs=3, random_state=7, progress=lambda f, t: calls.append(f))
    b = gap_statistic(X, k_max=3, n_refs=3, random_state=7)
    np.testing.assert_array_equal(a.gap, b.gap)
    assert len(calls) == 4 * (3 + 1) and calls == sorted(calls) and calls[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("reference", ["uniform", "pca"])
def test_gap_in_pieces_equals_the_whole(reference):
    # The app computes (and caches) one data set at a time: the same numbers, bit for bit.
    X, _ = _separated_blobs(3, n=200, seed=2)
    whole = gap_statistic(X, k_max=4, n_refs=3, reference=reference, random_state=5)
    data = gap_log_w(X, 4, None, reference=reference, random_state=5)
    refs = [gap_log_w(X, 4, b, reference=reference, random_state=5) for b in range(3)]
    pieces = gap_from_log_w(data, refs, reference)
    np.testing.assert_array_equal(pieces.gap, whole.gap)
    np.testing.assert_array_equal(pieces.s, whole.s)
    assert pieces.best_k == whole.best_k and pieces.ks == whole.ks


def test_gap_pieces_bad_input():
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match="b must be None"):
        gap_log_w(X, 3, -1)
    with pytest.raises(ValueError, match="at least 2 references"):
        gap_from_log_w([1.0, 2.0], [[1.0, 2.0]], "uniform")
    with pytest.raises(ValueError, match=r"must be \(B, 2\)"):
        gap_from_log_w([1.0, 2.0], [[1.0, 2.0, 3.0]] * 2, "uniform")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"k_max": 0}, "positive integer"),
        ({"k_max": 10}, "larger than the number of rows"),
        ({"n_refs": 1}, "at least 2"),
        ({"reference": "box"}, "reference must be"),
        ({"init": "pick"}, "init must be"),
        ({"random_state": 1.5}, "non-negative int"),
        ({"n_init": 0}, "positive integer"),
    ],
)
def test_gap_bad_input(kwargs, message):
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match=message):
        gap_statistic(X, **({"k_max": 3} | kwargs))
