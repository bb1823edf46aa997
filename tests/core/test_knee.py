"""Kneedle knee finder: real inertia curves (blobs -> true count, uniform noise -> None) and hand-made curves."""

import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from threadpoolctl import threadpool_limits

from kmeans_core.knee import KneeResult, find_knee, kneedle

KS = np.arange(1, 11)


def _inertia_curve(X, ks=KS):
    # One thread: OpenMP worker pools crawl on a small, shared machine.
    with threadpool_limits(1):
        return np.array([SkKMeans(k, n_init=3, random_state=0).fit(X).inertia_ for k in ks])


def _separated_blobs(n_centres, d, seed, n_per=60):
    """Unit-variance blobs whose centres are at least 12 apart: well separated by construction."""
    rng = np.random.default_rng(seed)
    centres = []
    while len(centres) < n_centres:
        c = rng.uniform(-30, 30, size=d)
        if all(np.linalg.norm(c - o) >= 12 for o in centres):
            centres.append(c)
    return np.vstack([c + rng.normal(size=(n_per, d)) for c in centres])


@pytest.mark.parametrize("n_centres", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("d", [2, 5])
def test_blobs_knee_is_true_count(n_centres, d):
    X = _separated_blobs(n_centres, d, seed=10 * n_centres + d)
    assert find_knee(KS, _inertia_curve(X)) == n_centres


@pytest.mark.parametrize("d", [1, 2, 3, 10])
@pytest.mark.parametrize("n", [150, 600])
@pytest.mark.parametrize("seed", [0, 1])
def test_uniform_noise_has_no_knee(d, n, seed):
    X = np.random.default_rng(seed).uniform(size=(n, d))
    curve = _inertia_curve(X)
    assert find_knee(KS, curve) is None
    # The reason: on log-log axes the curve stays close to its chord.
    assert kneedle(KS, curve).difference.max() < 0.05


def test_plain_kneedle_is_fooled_by_noise():
    """Why log axes are the default: classic Kneedle reports a knee in pure noise."""
    X = np.random.default_rng(0).uniform(size=(400, 2))
    curve = _inertia_curve(X)
    assert find_knee(KS, curve, log=False) in (3, 4, 5)
    assert find_knee(KS, curve) is None


def test_power_law_has_no_knee_straight_line_neither():
    ks = np.arange(1, 16)
    for exponent in (0.2, 1.0, 2.0):
        assert find_knee(ks, 500.0 * ks**-exponent) is None
    assert find_knee(ks, 100.0 - 5.0 * ks, log=False) is None


def test_hand_made_elbow():
    assert find_knee([1, 2, 3, 4, 5, 6], [1000, 300, 80, 70, 62, 56]) == 3
    assert find_knee([1, 2, 3, 4, 5, 6], [1000, 300, 80, 70, 62, 56], log=False) == 3


def test_classic_kneedle_by_hand():
    # ks 0..4 rescale to x = 0, .25, .5, .75, 1; y below already in [0, 1].
    ks = [1, 2, 3, 4, 5]
    y = [1.0, 0.3, 0.1, 0.05, 0.0]
    r = kneedle(ks, y, log=False)
    expected = (1 - np.array([0, 0.25, 0.5, 0.75, 1])) - np.array(y)  # 0, .45, .4, .2, 0
    np.testing.assert_allclose(r.difference, expected, atol=1e-15)
    assert r.threshold == pytest.approx(0.25)
    assert r.candidates == (2,)
    # The peak .45 must fall below .45 - S * .25: at S = 1 it does (0.2 < 0.2? no; 0 < 0.2 yes).
    assert r.knee == 2
    # At S = 1.9 it would have to fall below -0.025: it never does.
    assert kneedle(ks, y, log=False, sensitivity=1.9).knee is None


def test_sensitivity_controls_how_sharp():
    ks = np.arange(1, 11)
    gentle = 100.0 / ks**0.5 + np.where(ks >= 4, 0.0, 12.0 * (4 - ks))  # a mild corner at 4
    assert find_knee(ks, gentle, sensitivity=0.5) == 4
    assert find_knee(ks, gentle, sensitivity=5.0) is None


def test_result_contents_for_plotting():
    ks = np.arange(2, 9)
    curve = np.array([900.0, 120, 100, 90, 82, 76, 71])
    r = kneedle(ks, curve)
    assert isinstance(r, KneeResult) and r.log
    assert r.x_norm[0] == 0 and r.x_norm[-1] == 1
    assert r.y_norm.max() == 1 and r.y_norm.min() == 0
    np.testing.assert_allclose(r.x_norm, np.log(ks / 2) / np.log(4))
    np.testing.assert_allclose(r.difference, 1 - r.x_norm - r.y_norm)
    assert r.threshold == pytest.approx(1 / 6)
    assert r.knee == 3 and 3 in r.candidates


@pytest.mark.parametrize(
    "ks, inertias",
    [([], []), ([1], [5.0]), ([1, 2], [5.0, 1.0]), ([1, 2, 3, 4], [7.0, 7.0, 7.0, 7.0]), ([1, 2, 3], [0.0, 0.0, 0.0])],
)
def test_too_short_or_flat_is_none(ks, inertias):
    r = kneedle(ks, inertias)
    assert r.knee is None and r.candidates == ()
    assert len(r.difference) == len(ks)


def test_zero_inertia_is_a_perfect_fit_not_a_crash():
    # k = 3 fits perfectly (e.g. three distinct points): that is the knee.
    with np.errstate(all="raise"):
        assert find_knee([1, 2, 3, 4, 5], [100.0, 10.0, 0.0, 0.0, 0.0]) == 3


def test_uneven_ks():
    ks = [1, 2, 3, 5, 8, 12]
    X = _separated_blobs(3, 2, seed=4)
    assert find_knee(ks, _inertia_curve(X, ks)) == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(ks=[1, 2, 3], inertias=[3.0, 2.0]), "must match"),
        (dict(ks=[1, 3, 2], inertias=[3.0, 2.0, 1.0]), "strictly increasing"),
        (dict(ks=[0, 1, 2], inertias=[3.0, 2.0, 1.0]), "at least 1"),
        (dict(ks=[1, 2.5, 3], inertias=[3.0, 2.0, 1.0]), "whole numbers"),
        (dict(ks=[1, 2, 3], inertias=[3.0, np.nan, 1.0]), "finite"),
        (dict(ks=[1, 2, 3], inertias=[3.0, -2.0, 1.0]), ">= 0"),
        (dict(ks=[[1, 2, 3]], inertias=[[3.0, 2.0, 1.0]]), "1-D"),
        (dict(ks=[1, 2, 3], inertias=[3.0, 2.0, 1.0], sensitivity=0), "sensitivity"),
        (dict(ks=[1, 2, 3], inertias=[3.0, 2.0, 1.0], sensitivity=np.inf), "sensitivity"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kneedle(**kwargs)
