"""Colour quantization: K-means on an image's pixels, then every pixel mapped to its palette colour.

An RGB image is a cloud of points in the colour cube [0, 255]^3. K-means
finds k centres in that cube (the palette); every pixel is then repainted
with its nearest palette colour.

How the work is organised (the choice was measured, see ``bench/cases_quantize.py``):

* **Colours, not pixels.** Each pixel is packed into one 24-bit integer
  ``r << 16 | g << 8 | b``. A photo has far fewer distinct colours than
  pixels (a 12-megapixel photo: about 1.3 million), and ``np.unique`` on the
  packed integers finds them with their counts in about 0.1 s.
* **Fit on a sample, collapsed to weighted colours.** The palette is fitted
  on a random sample of pixels (``sample_size``, default 20,000); repeated
  colours in the sample become one point weighted by its count. Weighted
  K-means on those points is the same objective as K-means on the sampled
  pixels, only smaller. One Lloyd step on *all* pixels (their distinct
  colours, weighted) then moves the palette to the means of the whole
  image's clusters (``refine_steps``).
  Measured (3 seeds, k=16, MSE per channel): on the 12 MP photo a sample of
  10,000 / 20,000 / 50,000 / 200,000 pixels gives 112.0 / 112.7 / 112.6 /
  112.0 and every distinct colour (``sample_size=None``) 112.1, at about 20x
  the time (1.3 million weighted points instead of ~14,000). On china.jpg and
  flower.jpg the sample sizes differ by under 2 % as well: the seed (which
  local optimum K-means finds) matters more than the sample size.
* **Map through a lookup table.** Only the distinct colours are compared
  with the palette; a table indexed by the packed colour (2^24 bytes) then
  gives every pixel its palette index, a chunk of pixels at a time. Memory
  stays bounded: the packed codes (4 bytes a pixel), the table (16 MiB) and
  the output; never an (n_pixels, k) distance matrix.

Everything is uint8 in and uint8 out; the palette is the K-means centres
rounded to the nearest integer colour, and pixels are mapped to the nearest
*rounded* colour, so the reported error is the error of the picture you get.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import check_random_state
from .kmeans import KMeans, Step

MAX_COLORS = 256  # palette indices are stored as uint8
CHUNK_PIXELS = 1 << 20  # pixels packed or mapped per chunk
DEFAULT_SAMPLE = 20_000
REFINE_STEPS = 1

__all__ = [
    "ColorCounts",
    "PaletteFit",
    "Quantization",
    "color_counts",
    "fit_palette",
    "map_to_palette",
    "pack_rgb",
    "palette_mse",
    "psnr",
    "quantize",
    "random_palette",
    "unpack_rgb",
]


@dataclass(frozen=True)
class ColorCounts:
    """The distinct colours of some pixels and how many pixels have each.

    colors : (m, 3) uint8, sorted by packed value.
    counts : (m,) int64, all > 0.
    n_pixels : int, ``counts.sum()``.
    """

    colors: np.ndarray
    counts: np.ndarray
    n_pixels: int


@dataclass(frozen=True)
class PaletteFit:
    """A palette fitted by K-means.

    palette : (k, 3) uint8, the centres rounded to integer colours.
    centers : (k, 3) float64, the K-means centres.
    history : list of :class:`kmeans_core.Step`, centres only (``labels`` is None);
        the palette moving through RGB space, for animations.
    n_iter : Lloyd iterations run.
    n_sampled : pixels in the sample the fit used.
    n_fit_colors : distinct colours (weighted points) K-means actually ran on.
    exact : True when the pixels have at most k distinct colours; then the
        palette is exactly those colours and no K-means was needed.
    refined_steps : Lloyd steps run afterwards on all pixels (see :func:`quantize`);
        they are the last records of ``history``.
    """

    palette: np.ndarray
    centers: np.ndarray
    history: list
    n_iter: int
    n_sampled: int
    n_fit_colors: int
    exact: bool = False
    refined_steps: int = 0


@dataclass(frozen=True)
class Quantization:
    """The result of :func:`quantize`.

    indices : palette index of every pixel, uint8, shape of the image without
        its channel axis. ``fit.palette[indices]`` is the quantized image.
    fit : the :class:`PaletteFit`.
    counts : (k,) int64, pixels (of those in ``mask``) painted with each palette colour.
    mse : mean squared error per channel, on the 0-255 scale, over the pixels in ``mask``.
    n_colors_before : distinct colours among the pixels in ``mask``.
    n_colors_after : distinct colours in the quantized pixels in ``mask``.
    """

    indices: np.ndarray
    fit: PaletteFit
    counts: np.ndarray
    mse: float
    n_colors_before: int
    n_colors_after: int

    @property
    def image(self):
        """The quantized image, uint8 with the original shape."""
        return self.fit.palette[self.indices]

    @property
    def psnr(self):
        return psnr(self.mse)


# ---------------------------------------------------------------- validation


def _check_pixels(pixels, name="pixels"):
    """An (h, w, 3) or (n, 3) uint8 array, returned as a C-contiguous (n, 3) view or copy."""
    if not isinstance(pixels, np.ndarray):
        raise ValueError(f"{name} must be a numpy array of uint8 RGB values; got {type(pixels).__name__}")
    if pixels.dtype != np.uint8:
        raise ValueError(
            f"{name} must have dtype uint8 (0-255 per channel); got {pixels.dtype}. "
            "Convert first, e.g. np.clip(np.rint(x * 255), 0, 255).astype(np.uint8) for floats in [0, 1]."
        )
    if pixels.ndim not in (2, 3) or pixels.shape[-1] != 3:
        raise ValueError(
            f"{name} must have shape (height, width, 3) or (n_pixels, 3); got {pixels.shape}"
        )
    flat = np.ascontiguousarray(pixels.reshape(-1, 3))
    if flat.shape[0] == 0:
        raise ValueError(f"{name} has no pixels")
    return flat


def _check_mask(mask, pixels):
    """A boolean mask over the pixels (shape of pixels without the channel axis), flattened."""
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"mask must be a boolean array; got dtype {mask.dtype}")
    if mask.shape != pixels.shape[:-1]:
        raise ValueError(f"mask has shape {mask.shape}; expected {pixels.shape[:-1]}")
    flat = mask.reshape(-1)
    if not flat.any():
        raise ValueError("mask selects no pixels: there is nothing to fit")
    return flat


def _check_n_colors(n_colors):
    if not isinstance(n_colors, (numbers.Integral, np.integer)) or isinstance(n_colors, bool):
        raise ValueError(f"n_colors must be an integer; got {n_colors!r}")
    if not 1 <= n_colors <= MAX_COLORS:
        raise ValueError(f"n_colors must be between 1 and {MAX_COLORS}; got {n_colors}")
    return int(n_colors)


def _check_sample_size(sample_size):
    if sample_size is None:
        return None
    if not isinstance(sample_size, (numbers.Integral, np.integer)) or isinstance(sample_size, bool):
        raise ValueError(f"sample_size must be a positive integer or None; got {sample_size!r}")
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1; got {sample_size}")
    return int(sample_size)


def _check_palette(palette):
    palette = np.asarray(palette)
    if palette.dtype != np.uint8 or palette.ndim != 2 or palette.shape[1] != 3:
        raise ValueError(f"palette must be a (k, 3) uint8 array; got {palette.dtype} {palette.shape}")
    if not 1 <= len(palette) <= MAX_COLORS:
        raise ValueError(f"palette must have between 1 and {MAX_COLORS} colours; got {len(palette)}")
    return palette


# ---------------------------------------------------------------- kernels


def _check_fit_args(pixels, mask, n_colors, sample_size, init, random_state):
    """Validate what fit_palette and quantize share; return (flat, mask, k, sample_size, rng)."""
    flat = _check_pixels(pixels)
    m = _check_mask(mask, pixels)
    k = _check_n_colors(n_colors)
    sample_size = _check_sample_size(sample_size)
    if init not in ("k-means++", "random"):
        raise ValueError(f"init must be 'k-means++' or 'random'; got {init!r}")
    return flat, m, k, sample_size, check_random_state(random_state)


def _pack(flat):
    """Kernel of :func:`pack_rgb` for a valid (n, 3) uint8 array."""
    codes = np.empty(flat.shape[0], dtype=np.uint32)
    for start in range(0, flat.shape[0], CHUNK_PIXELS):
        rows = flat[start : start + CHUNK_PIXELS]
        c = rows[:, 0].astype(np.uint32)
        c <<= 8
        c |= rows[:, 1]
        c <<= 8
        c |= rows[:, 2]
        codes[start : start + len(rows)] = c
    return codes


def _unpack(codes):
    codes = np.asarray(codes, dtype=np.uint32)
    return np.stack([(codes >> 16) & 255, (codes >> 8) & 255, codes & 255], axis=1).astype(np.uint8)


def _counts(codes):
    u, c = np.unique(codes, return_counts=True)
    return ColorCounts(_unpack(u), c.astype(np.int64), int(c.sum()))


def _nearest(colors, palette):
    """Nearest palette colour for each (m, 3) uint8 colour, and the squared distance to it.

    The E step, argmin_j (||p_j||^2 - 2 x.p_j), a block of rows at a time,
    written as three broadcast multiply-adds (one per channel): with only three
    features this beats a matrix product. For uint8 colours every term is an
    integer below 2^24, so float32 is exact: ties go to the lowest palette
    index and the distances are exact integers.
    """
    P = palette.astype(np.float32)
    p_sq = np.einsum("ij,ij->i", P, P)
    minus_2p = -2.0 * P
    labels = np.empty(len(colors), dtype=np.intp)
    min_sq = np.empty(len(colors), dtype=np.float64)
    step = max(1024, (1 << 18) // len(P))  # an (rows, k) float32 block of about 1 MiB stays in cache
    for start in range(0, len(colors), step):
        x = colors[start : start + step].astype(np.float32)
        partial = x[:, 0:1] * minus_2p[:, 0]  # (rows, k); ||x||^2 is the same for every column
        partial += p_sq
        partial += x[:, 1:2] * minus_2p[:, 1]
        partial += x[:, 2:3] * minus_2p[:, 2]
        lab = partial.argmin(axis=1)
        rows = slice(start, start + len(x))
        labels[rows] = lab
        min_sq[rows] = partial[np.arange(len(x)), lab] + np.einsum("ij,ij->i", x, x)
    return labels, min_sq


def _rounded(centers):
    return np.clip(np.rint(centers), 0, 255).astype(np.uint8)


def _weighted_mse(colors, weights, palette):
    """Mean squared error per channel when each colour is painted with its nearest palette colour."""
    _, min_sq = _nearest(colors, palette)
    return float(min_sq @ weights.astype(np.float64)) / (3.0 * float(weights.sum()))


def _fit(codes, n_colors, sample_size, init, rng, max_iter, tol, all_counts=None):
    """Kernel of :func:`fit_palette` on valid packed codes (already restricted to the mask)."""
    n = codes.shape[0]
    if sample_size is None or sample_size >= n:
        sample = all_counts if all_counts is not None else _counts(codes)
        n_sampled = n
    else:
        sample = _counts(codes[rng.choice(n, size=sample_size, replace=False)])
        n_sampled = sample_size
    if len(sample.colors) < n_colors:
        # The sample has fewer colours than the palette needs: use every colour of the image.
        sample = all_counts if all_counts is not None else _counts(codes)
        n_sampled = n
    if len(sample.colors) <= n_colors:
        # At most k colours in the image: the palette is those colours, quantization is lossless.
        centers = sample.colors.astype(np.float64)
        history = [Step("init", 0, centers.copy(), None, None)]
        return PaletteFit(sample.colors.copy(), centers, history, 0, n_sampled, len(sample.colors), True)
    X = sample.colors.astype(np.float64)
    km = KMeans(n_colors, init=init, n_init=1, max_iter=max_iter, tol=tol, random_state=rng,
                record="centers").fit(X, sample_weight=sample.counts.astype(np.float64))
    return PaletteFit(_rounded(km.cluster_centers_), km.cluster_centers_, km.history_, km.n_iter_,
                      n_sampled, len(X))


def _table(distinct, palette):
    """A 2^24-entry uint8 table: packed colour -> index of its nearest palette colour.

    Only the entries of the ``distinct`` packed colours are filled in.
    """
    table = np.zeros(1 << 24, dtype=np.uint8)
    for start in range(0, len(distinct), CHUNK_PIXELS):
        part = distinct[start : start + CHUNK_PIXELS]
        table[part] = _nearest(_unpack(part), palette)[0]
    return table


def _apply_table(codes, table):
    """Look every packed code up in the table, a chunk at a time; returns uint8 indices."""
    out = np.empty(codes.shape[0], dtype=np.uint8)
    for start in range(0, codes.shape[0], CHUNK_PIXELS):
        np.take(table, codes[start : start + CHUNK_PIXELS], out=out[start : start + CHUNK_PIXELS])
    return out


def _refine(fit, stats, labels, steps):
    """Polish a sample-fitted palette with Lloyd steps on every distinct colour of the image.

    Each step moves every centre to the count-weighted mean of the colours
    assigned to it (the M step over all pixels), then reassigns (the E step).
    Returns the new fit and the labels and squared distances of ``stats.colors``.
    """
    centers, history = fit.centers, list(fit.history)
    weights = stats.counts.astype(np.float64)
    k = len(centers)
    iteration = history[-1].iteration
    for _ in range(steps):
        mass = np.bincount(labels, weights=weights, minlength=k)
        sums = np.stack([np.bincount(labels, weights=stats.colors[:, j] * weights, minlength=k)
                         for j in range(3)], axis=1)
        new = np.where(mass[:, None] > 0, sums / np.maximum(mass, 1.0)[:, None], centers)
        shift = np.sqrt(((new - centers) ** 2).sum(axis=1))
        centers = new
        palette = _rounded(centers)
        labels, min_sq = _nearest(stats.colors, palette)
        iteration += 1
        history.append(Step("update", iteration, centers.copy(), None, float(min_sq @ weights), shift=shift))
    fit = PaletteFit(palette, centers, history, fit.n_iter, fit.n_sampled, fit.n_fit_colors,
                     refined_steps=steps)
    return fit, labels, min_sq


# ---------------------------------------------------------------- public API


def pack_rgb(pixels):
    """Pack uint8 RGB pixels into 24-bit integers ``r << 16 | g << 8 | b``.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (h, w, 3) or (n, 3)

    Returns
    -------
    codes : ndarray of uint32, shape (n,)
    """
    return _pack(_check_pixels(pixels))


def unpack_rgb(codes):
    """Inverse of :func:`pack_rgb`: (n,) integers below 2^24 -> (n, 3) uint8 colours."""
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.dtype.kind not in "iu":
        raise ValueError(f"codes must be a 1-D integer array; got {codes.dtype} {codes.shape}")
    if len(codes) and (codes.min() < 0 or codes.max() >= 1 << 24):
        raise ValueError("codes must lie in [0, 2**24)")
    return _unpack(codes)


def color_counts(pixels, mask=None):
    """The distinct colours of an image (or of the pixels selected by ``mask``) and their counts.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (h, w, 3) or (n, 3)
    mask : None or bool ndarray of shape ``pixels.shape[:-1]``; only True pixels are counted.

    Returns
    -------
    ColorCounts
    """
    flat = _check_pixels(pixels)
    m = _check_mask(mask, pixels)
    codes = _pack(flat)
    return _counts(codes if m is None else codes[m])


def fit_palette(pixels, n_colors, *, sample_size=DEFAULT_SAMPLE, init="k-means++", random_state=None,
                mask=None, max_iter=300, tol=1e-4):
    """Fit a palette of ``n_colors`` colours to an image's pixels with K-means.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (h, w, 3) or (n, 3)
    n_colors : int in [1, 256]
    sample_size : int or None, default 20,000
        Pixels drawn at random (without replacement) to fit on; their distinct
        colours become weighted points. None fits on every distinct colour of
        the image weighted by its pixel count (slower on large photos).
    init : "k-means++" or "random"
    random_state : None, int or numpy Generator; drives the sample and the init.
    mask : None or bool ndarray of shape ``pixels.shape[:-1]``
        Only True pixels are used (e.g. the opaque pixels of an RGBA image).
    max_iter, tol : as in :class:`kmeans_core.KMeans`.

    Returns
    -------
    PaletteFit
        If the pixels have at most ``n_colors`` distinct colours, the palette is
        exactly those colours (shorter than ``n_colors`` when there are fewer).
    """
    flat, m, k, sample_size, rng = _check_fit_args(pixels, mask, n_colors, sample_size, init, random_state)
    codes = _pack(flat)
    return _fit(codes if m is None else codes[m], k, sample_size, init, rng, max_iter, tol)


def map_to_palette(pixels, palette):
    """Index of the nearest palette colour for every pixel, computed a chunk at a time.

    Parameters
    ----------
    pixels : ndarray of uint8, shape (h, w, 3) or (n, 3)
    palette : ndarray of uint8, shape (k, 3), 1 <= k <= 256

    Returns
    -------
    indices : ndarray of uint8, shape ``pixels.shape[:-1]``; ``palette[indices]`` is the
        quantized image. Ties go to the lower palette index.
    """
    flat = _check_pixels(pixels)
    palette = _check_palette(palette)
    codes = _pack(flat)
    return _apply_table(codes, _table(np.unique(codes), palette)).reshape(pixels.shape[:-1])


def palette_mse(counts, palette):
    """Mean squared error per channel (0-255 scale) of painting ``counts`` with ``palette``.

    Parameters
    ----------
    counts : ColorCounts, from :func:`color_counts`
    palette : ndarray of uint8, shape (k, 3)
    """
    if not isinstance(counts, ColorCounts):
        raise ValueError("counts must be a ColorCounts from color_counts()")
    return _weighted_mse(counts.colors, counts.counts, _check_palette(palette))


def random_palette(pixels, n_colors, *, random_state=None, mask=None):
    """A baseline palette: ``n_colors`` pixels picked at random (no K-means iterations).

    Returns
    -------
    palette : ndarray of uint8, shape (n_colors, 3) (fewer if there are fewer pixels).
    """
    flat = _check_pixels(pixels)
    m = _check_mask(mask, pixels)
    k = _check_n_colors(n_colors)
    rng = check_random_state(random_state)
    pool = np.arange(flat.shape[0]) if m is None else np.flatnonzero(m)
    return flat[pool[rng.choice(len(pool), size=min(k, len(pool)), replace=False)]].copy()


def psnr(mse):
    """Peak signal-to-noise ratio in dB for 8-bit images: 10 log10(255^2 / MSE); inf when exact."""
    mse = float(mse)
    if mse < 0 or not np.isfinite(mse):
        raise ValueError(f"mse must be a finite non-negative number; got {mse}")
    return float("inf") if mse == 0 else float(10.0 * np.log10(255.0**2 / mse))


def quantize(pixels, n_colors, *, sample_size=DEFAULT_SAMPLE, init="k-means++", random_state=None,
             mask=None, max_iter=300, tol=1e-4, refine_steps=REFINE_STEPS):
    """Reduce an image to ``n_colors`` colours: fit a palette, then map every pixel to it.

    Parameters are those of :func:`fit_palette`, plus

    refine_steps : int, default 1
        After a fit on a sample, this many Lloyd steps on *all* pixels (their
        distinct colours weighted by count): the palette moves to the means of
        the whole image's clusters. One step costs about one extra mapping of
        the distinct colours and lowers the error of a sample fit.

    Pixels outside ``mask`` are left out of the fit and of the statistics, but
    still get a palette index (the caller keeps them transparent).

    Returns
    -------
    Quantization
        ``result.image`` is the quantized uint8 image with the shape of ``pixels``.

    Examples
    --------
    >>> img = np.zeros((2, 2, 3), np.uint8); img[0, 0] = 255
    >>> quantize(img, 2, random_state=0).image.tolist() == img.tolist()
    True
    """
    flat, m, k, sample_size, rng = _check_fit_args(pixels, mask, n_colors, sample_size, init, random_state)
    if not isinstance(refine_steps, (numbers.Integral, np.integer)) or refine_steps < 0:
        raise ValueError(f"refine_steps must be a non-negative integer; got {refine_steps!r}")

    codes = _pack(flat)
    fit_codes = codes if m is None else codes[m]
    stats = _counts(fit_codes)  # distinct colours in the fitted pixels, with counts
    fit = _fit(fit_codes, k, sample_size, init, rng, max_iter, tol, all_counts=stats)
    del fit_codes

    labels, min_sq = _nearest(stats.colors, fit.palette)
    if refine_steps and not fit.exact and fit.n_sampled < stats.n_pixels:
        fit, labels, min_sq = _refine(fit, stats, labels, refine_steps)
    if m is None:  # the table needs exactly the colours just counted
        table = np.zeros(1 << 24, dtype=np.uint8)
        table[_pack(stats.colors)] = labels
    else:  # masked-out pixels still need an entry
        table = _table(np.unique(codes), fit.palette)
    indices = _apply_table(codes, table)
    del codes, table

    counts = np.bincount(labels, weights=stats.counts, minlength=len(fit.palette)).astype(np.int64)
    mse = float(min_sq @ stats.counts.astype(np.float64)) / (3.0 * stats.n_pixels)
    used = fit.palette[counts > 0]
    n_after = len(np.unique(_pack(used))) if len(used) else 0
    return Quantization(indices.reshape(pixels.shape[:-1]), fit, counts, mse, len(stats.colors), n_after)
