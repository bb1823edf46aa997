"""Colour quantization in the core: exactness, masks, chunking, the lookup table, errors."""

import importlib

import numpy as np
import pytest

from kmeans_core import color_counts, fit_palette, map_to_palette, palette_mse, psnr, quantize, random_palette
from kmeans_core.quantize import pack_rgb, unpack_rgb

qmod = importlib.import_module("kmeans_core.quantize")  # the package attribute is the function

FOUR = np.array([[200, 30, 30], [20, 160, 40], [30, 40, 220], [250, 250, 250]], dtype=np.uint8)


def four_colour_image(h=40, w=60):
    """Four flat quadrants of distinct colours."""
    img = np.empty((h, w, 3), np.uint8)
    img[: h // 2, : w // 2] = FOUR[0]
    img[: h // 2, w // 2 :] = FOUR[1]
    img[h // 2 :, : w // 2] = FOUR[2]
    img[h // 2 :, w // 2 :] = FOUR[3]
    return img


def noisy_image(seed=0, h=90, w=110):
    """Smooth gradients plus noise: many distinct colours, no exact answer."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([255 * x / w, 255 * y / h, 128 + 100 * np.sin(x / 9.0)], axis=2)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def brute_force_indices(pixels, palette):
    d = ((pixels.reshape(-1, 1, 3).astype(np.int64) - palette[None].astype(np.int64)) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def test_four_colours_to_four_is_exact():
    img = four_colour_image()
    q = quantize(img, 4, random_state=0)
    assert np.array_equal(q.image, img)
    assert q.mse == 0 and q.psnr == float("inf")
    assert q.fit.exact and q.n_colors_before == 4 and q.n_colors_after == 4
    assert sorted(map(tuple, q.fit.palette)) == sorted(map(tuple, FOUR))
    assert q.counts.sum() == img.shape[0] * img.shape[1]


def test_more_colours_than_the_image_has_keeps_them_all():
    img = four_colour_image()
    q = quantize(img, 16, random_state=0)
    assert len(q.fit.palette) == 4 and np.array_equal(q.image, img)


def test_one_by_one_image():
    img = np.array([[[12, 34, 56]]], np.uint8)
    q = quantize(img, 16, random_state=0)
    assert q.image.shape == (1, 1, 3) and q.image.tolist() == img.tolist()
    assert q.indices.shape == (1, 1) and q.indices.dtype == np.uint8


def test_two_colours_merge_into_their_mean_with_k_one():
    img = np.zeros((2, 2, 3), np.uint8)
    img[0] = [100, 0, 0]
    q = quantize(img, 1, random_state=0, sample_size=None)
    assert q.fit.palette.tolist() == [[50, 0, 0]]
    assert q.mse == pytest.approx(50**2 / 3)


def test_mse_and_counts_match_the_image_returned():
    img = noisy_image()
    q = quantize(img, 8, random_state=1, sample_size=2000)
    out = q.image
    assert out.dtype == np.uint8 and out.shape == img.shape
    assert q.mse == pytest.approx(((out.astype(float) - img) ** 2).mean(), rel=1e-12)
    assert q.psnr == pytest.approx(10 * np.log10(255**2 / q.mse))
    assert np.array_equal(q.counts, np.bincount(q.indices.ravel(), minlength=8))
    assert q.n_colors_before == len(np.unique(img.reshape(-1, 3), axis=0))
    assert q.n_colors_after == len(np.unique(out.reshape(-1, 3), axis=0)) <= 8


def test_every_pixel_gets_its_nearest_palette_colour():
    img = noisy_image(seed=3)
    q = quantize(img, 12, random_state=0, sample_size=3000)
    d = ((img.reshape(-1, 1, 3).astype(np.int64) - q.fit.palette[None].astype(np.int64)) ** 2).sum(axis=2)
    chosen = d[np.arange(d.shape[0]), q.indices.ravel()]
    assert np.array_equal(chosen, d.min(axis=1))


def test_map_to_palette_matches_brute_force_including_ties_to_lowest_index():
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (5000, 3), dtype=np.uint8)
    palette = rng.integers(0, 256, (20, 3), dtype=np.uint8)
    palette[7] = palette[3]  # a duplicate: ties must go to index 3
    idx = map_to_palette(pixels, palette)
    assert np.array_equal(idx, brute_force_indices(pixels, palette))
    assert not np.any(idx == 7)


def test_chunk_boundaries_do_not_change_the_result(monkeypatch):
    img = noisy_image(seed=2)
    whole = quantize(img, 6, random_state=4, sample_size=5000)
    monkeypatch.setattr(qmod, "CHUNK_PIXELS", 777)
    chunked = quantize(img, 6, random_state=4, sample_size=5000)
    assert np.array_equal(whole.indices, chunked.indices)
    assert np.array_equal(whole.fit.palette, chunked.fit.palette)
    assert np.array_equal(map_to_palette(img, whole.fit.palette), whole.indices)


def test_same_seed_same_palette_other_seed_differs():
    img = noisy_image()
    a = quantize(img, 8, random_state=7, sample_size=1000)
    b = quantize(img, 8, random_state=7, sample_size=1000)
    c = quantize(img, 8, random_state=8, sample_size=1000)
    assert np.array_equal(a.fit.palette, b.fit.palette)
    assert not np.array_equal(a.fit.palette, c.fit.palette)


def test_refinement_on_all_pixels_never_increases_the_error():
    img = noisy_image(seed=9)
    for seed in range(3):
        raw = quantize(img, 8, random_state=seed, sample_size=500, refine_steps=0)
        polished = quantize(img, 8, random_state=seed, sample_size=500, refine_steps=2)
        assert polished.mse <= raw.mse
        assert polished.fit.refined_steps == 2
        assert len(polished.fit.history) == len(raw.fit.history) + 2


def test_history_records_the_palette_moving():
    q = quantize(noisy_image(), 5, random_state=0, sample_size=4000, refine_steps=1)
    h = q.fit.history
    assert h[0].phase == "init" and all(s.labels is None for s in h)
    assert h[-1].phase == "update" and np.allclose(h[-1].centers, q.fit.centers)
    assert not np.allclose(h[0].centers, h[-1].centers)
    assert np.array_equal(q.fit.palette, np.clip(np.rint(q.fit.centers), 0, 255).astype(np.uint8))


def test_mask_leaves_pixels_out_of_the_fit_and_the_statistics():
    img = four_colour_image()
    mask = np.ones(img.shape[:2], bool)
    mask[: img.shape[0] // 2, : img.shape[1] // 2] = False  # the red quadrant is "transparent"
    q = quantize(img, 3, random_state=0, mask=mask)
    assert [200, 30, 30] not in q.fit.palette.tolist()
    assert q.counts.sum() == mask.sum() and q.mse == 0 and q.n_colors_before == 3
    assert q.indices.shape == mask.shape  # masked-out pixels still get an index


def test_fit_palette_on_sample_or_all_colours():
    img = noisy_image()
    sampled = fit_palette(img, 6, sample_size=1500, random_state=0)
    assert sampled.n_sampled == 1500 and sampled.n_fit_colors <= 1500
    everything = fit_palette(img, 6, sample_size=None, random_state=0)
    assert everything.n_sampled == img.shape[0] * img.shape[1]
    assert everything.n_fit_colors == len(np.unique(img.reshape(-1, 3), axis=0))


@pytest.mark.slow
def test_quality_close_to_scikit_learn_on_a_real_photo():
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    from sklearn.datasets import load_sample_image
    from threadpoolctl import threadpool_limits

    img = load_sample_image("flower.jpg")[::4, ::4]  # 107 x 160
    X = img.reshape(-1, 3).astype(np.float64)
    with threadpool_limits(1):  # OpenMP threads on 2 busy cores are far slower than one
        ref = sklearn_cluster.KMeans(16, n_init=1, random_state=0).fit(X)
    ref_mse = ref.inertia_ / X.size
    ours = quantize(img, 16, random_state=0)
    assert ours.mse <= 1.05 * ref_mse


def test_color_counts_and_palette_mse():
    img = noisy_image()
    cc = color_counts(img)
    u, c = np.unique(img.reshape(-1, 3), axis=0, return_counts=True)
    assert np.array_equal(cc.colors, u) and np.array_equal(cc.counts, c) and cc.n_pixels == c.sum()
    q = quantize(img, 7, random_state=0)
    assert palette_mse(cc, q.fit.palette) == pytest.approx(q.mse)


def test_random_palette_picks_pixels_of_the_image():
    img = four_colour_image()
    mask = np.zeros(img.shape[:2], bool)
    mask[-1, -1] = True  # only the white corner may be picked
    assert random_palette(img, 3, random_state=0, mask=mask).tolist() == [[250, 250, 250]]
    pal = random_palette(noisy_image(), 5, random_state=1)
    assert pal.shape == (5, 3) and pal.dtype == np.uint8


def test_pack_unpack_round_trip():
    rng = np.random.default_rng(0)
    px = rng.integers(0, 256, (1000, 3), dtype=np.uint8)
    codes = pack_rgb(px)
    assert codes.dtype == np.uint32 and int(codes[0]) == (int(px[0, 0]) << 16) + (int(px[0, 1]) << 8) + int(px[0, 2])
    assert np.array_equal(unpack_rgb(codes), px)


def test_psnr_values():
    assert psnr(0) == float("inf")
    assert psnr(255.0**2) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        psnr(-1)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: quantize(np.zeros((4, 4, 3)), 2), "uint8"),
        (lambda: quantize(np.zeros((4, 4), np.uint8), 2), "shape"),
        (lambda: quantize(np.zeros((4, 4, 4), np.uint8), 2), "shape"),
        (lambda: quantize(np.zeros((0, 3), np.uint8), 2), "no pixels"),
        (lambda: quantize([[1, 2, 3]], 2), "numpy array"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 0), "between 1 and 256"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 257), "between 1 and 256"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 2.5), "integer"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 2, init="magic"), "init"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 2, sample_size=0), "sample_size"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 2, refine_steps=-1), "refine_steps"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 2, mask=np.zeros((4, 4), bool)), "no pixels"),
        (lambda: quantize(np.zeros((4, 4, 3), np.uint8), 2, mask=np.ones((3, 4), bool)), "mask has shape"),
        (lambda: map_to_palette(np.zeros((4, 3), np.uint8), np.zeros((2, 3))), "palette"),
        (lambda: unpack_rgb(np.array([1 << 24])), "2\\*\\*24"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
