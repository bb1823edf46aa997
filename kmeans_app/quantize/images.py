"""Images for the colour quantization page: loading, validation, conversion and the cached work.

Limits (stated on the page):

* ``MAX_PIXELS`` = 40 megapixels. Larger images are refused before they are
  decoded: Pillow's own decompression-bomb check is set to this number and its
  warning is turned into an error, so a small file that claims a huge size
  (a "decompression bomb") costs nothing.
* ``WORK_PIXELS`` = 16 megapixels. Larger images (16-40 MP) are downscaled to
  16 MP first, with a message. A 12 MP phone photo (4000 x 3000) is used at full size.
* Uploads above 50 MB are refused by Streamlit itself (``.streamlit/config.toml``).

Every image becomes ``rgb`` (h, w, 3) uint8 plus an optional ``alpha`` (h, w)
uint8: palette, greyscale, 16-bit, CMYK and the rest are converted, EXIF
orientation is applied and an animated GIF gives its first frame. Transparent
pixels (alpha 0) are left out of the fit and stay transparent in the result.
"""

import csv
import hashlib
import io
import re
import time
import warnings
from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image, ImageOps, UnidentifiedImageError

from kmeans_core import color_counts, palette_mse, quantize, random_palette
from kmeans_core.quantize import DEFAULT_SAMPLE

MAX_PIXELS = 40_000_000
WORK_PIXELS = 16_000_000
MAX_UPLOAD_MB = 50
PREVIEW_SIDE = 1200  # previews are at most this many pixels on the long side
SCATTER_POINTS = 4000  # pixels drawn in the 3-D colour scatter
UPLOAD_TYPES = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff")
FORMATS = {"PNG", "JPEG", "MPO", "WEBP", "BMP", "DIB", "GIF", "TIFF"}  # MPO: JPEG from some cameras
SAMPLE_OPTIONS = (10_000, DEFAULT_SAMPLE, 50_000, 200_000, 0)  # 0 = every pixel
SAMPLE_IMAGES = {"china.jpg": "China (sample photo)", "flower.jpg": "Flower (sample photo)"}

# Deliberate: Pillow warns above this many pixels and refuses at twice it; we refuse at the warning.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageError(ValueError):
    """An upload that cannot be used; the message is for the user and contains no user text."""


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image ready for quantization (arrays are read-only and may be shared)."""

    label: str  # for display through plain text only
    rgb: np.ndarray  # (h, w, 3) uint8
    alpha: np.ndarray | None  # (h, w) uint8, None when fully opaque
    notes: tuple  # what was done to it, e.g. "CMYK converted to RGB"
    digest: str  # content hash: the cache key

    @property
    def mask(self):
        """Pixels that take part in the fit (alpha > 0), or None for all of them."""
        return None if self.alpha is None else self.alpha > 0

    @property
    def width(self):
        return self.rgb.shape[1]

    @property
    def height(self):
        return self.rgb.shape[0]


def _digest(rgb, alpha):
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(rgb.shape).encode())
    h.update(rgb.tobytes())
    if alpha is not None:
        h.update(alpha.tobytes())
    return h.hexdigest()


def _frozen(a):
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def _to_8bit(arr):
    """A 16/32-bit integer or float greyscale array scaled to 0-255 uint8."""
    arr = arr.astype(np.float64)
    lo, hi = float(arr.min()), float(arr.max())
    if lo >= 0 and hi <= 255:
        scaled = arr
    elif lo >= 0 and hi <= 65535:
        scaled = arr / 257.0  # 16-bit range
    else:
        scaled = (arr - lo) * (255.0 / max(hi - lo, 1e-12))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _convert(im, notes):
    """Any Pillow mode -> (rgb uint8 (h, w, 3), alpha uint8 (h, w) or None)."""
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in ("LA", "La", "PA", "RGBa"):
        im = im.convert("RGBA")
    elif mode == "CMYK":
        im = im.convert("RGB")
        notes.append("CMYK image converted to RGB.")
    elif mode.startswith("I") or mode == "F":
        grey = _to_8bit(np.asarray(im))
        notes.append(f"High bit-depth greyscale ({mode}) reduced to 8 bits.")
        return np.repeat(grey[:, :, None], 3, axis=2), None
    elif mode not in ("RGB", "RGBA"):
        im = im.convert("RGB")
    arr = np.asarray(im)
    if arr.ndim != 3 or arr.dtype != np.uint8:
        raise ImageError(f"Images of this kind ({mode}) are not supported.")
    if arr.shape[2] == 3:
        return arr, None
    alpha = arr[:, :, 3]
    if alpha.max() == 0:
        raise ImageError("The image is fully transparent: there are no pixels to quantize.")
    if alpha.min() == 255:
        return arr[:, :, :3], None
    notes.append(f"{np.count_nonzero(alpha == 0):,} transparent pixels are left out and stay transparent.")
    return arr[:, :, :3], alpha


def _downscale(rgb, alpha, notes):
    h, w = rgb.shape[:2]
    if h * w <= WORK_PIXELS:
        return rgb, alpha
    s = (WORK_PIXELS / (h * w)) ** 0.5
    size = (max(1, int(w * s)), max(1, int(h * s)))
    im = Image.fromarray(rgb) if alpha is None else Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    arr = np.asarray(im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0))
    notes.append(f"Downscaled from {w}×{h} ({w * h / 1e6:.1f} MP) to {size[0]}×{size[1]} "
                 f"to stay within the {WORK_PIXELS // 1_000_000} MP working limit.")
    return (arr, None) if alpha is None else (arr[:, :, :3], arr[:, :, 3])


def _too_big(w, h):
    return ImageError(f"The image is {w}×{h} = {w * h / 1e6:.1f} megapixels; the limit is "
                      f"{MAX_PIXELS // 1_000_000} MP. Please resize it first.")


def load_image(data, label="upload"):
    """Decode image file bytes into a LoadedImage; raise ImageError with a clear message if impossible."""
    if not data:
        raise ImageError("The file is empty.")
    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data))
            if im.format not in FORMATS:
                raise ImageError(f"{im.format} files are not supported: use PNG, JPEG, WebP, BMP, GIF or TIFF.")
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise _too_big(w, h)
            if w < 1 or h < 1:
                raise ImageError("The image has no pixels.")
            if getattr(im, "is_animated", False):
                im.seek(0)
                notes.append("Animated image: the first frame is used.")
            if im.format in ("JPEG", "MPO") and w * h > WORK_PIXELS:
                im.draft("RGB", (w // 2, h // 2))  # decode big JPEGs at half size: faster, less memory
            im.load()
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"The image claims more than {MAX_PIXELS // 1_000_000} megapixels "
                             "(a possible decompression bomb) and was not decoded.") from None
        except UnidentifiedImageError:
            raise ImageError("This is not an image file that can be read: "
                             "use PNG, JPEG, WebP, BMP, GIF or TIFF.") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError):
            raise ImageError("The image file is truncated or damaged and could not be decoded.") from None
    try:
        im = ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block: keep the pixels as stored
        notes.append("The EXIF orientation tag could not be read; the image is shown as stored.")
    try:
        rgb, alpha = _convert(im, notes)
    except ImageError:
        raise
    except (OSError, ValueError, TypeError, MemoryError):
        raise ImageError("The image could not be converted to RGB.") from None
    rgb, alpha = _downscale(rgb, alpha, notes)
    return LoadedImage(label, _frozen(rgb), None if alpha is None else _frozen(alpha), tuple(notes),
                       _digest(rgb, alpha))


@st.cache_resource(max_entries=2, show_spinner=False)
def sample_image(name):
    """One of scikit-learn's bundled sample photos (read from the installed package, no network)."""
    from sklearn.datasets import load_sample_image

    rgb = np.asarray(load_sample_image(name), dtype=np.uint8)
    return LoadedImage(SAMPLE_IMAGES[name], _frozen(rgb), None, (), _digest(rgb, None))


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    """Everything the page shows for one (image, k, init, sample, seed)."""

    q: object  # kmeans_core.Quantization
    baseline_palette: np.ndarray
    baseline_mse: float
    preview_original: np.ndarray
    preview_quantized: np.ndarray
    scatter_colors: np.ndarray  # (n, 3) uint8, a sample of the fitted pixels
    png: bytes  # the quantized image, full resolution
    seconds: float  # time of the quantization itself

    @property
    def palette(self):
        return self.q.fit.palette


def _preview(rgb, alpha=None):
    h, w = rgb.shape[:2]
    im = Image.fromarray(rgb) if alpha is None else Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    if max(h, w) > PREVIEW_SIDE:
        s = PREVIEW_SIDE / max(h, w)
        im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BOX)
    return _frozen(np.asarray(im))


def quantized_png(indices, palette, alpha=None):
    """The quantized image as PNG bytes: an indexed (palette) PNG, or RGBA when there is transparency."""
    buf = io.BytesIO()
    if alpha is None:
        im = Image.fromarray(np.ascontiguousarray(indices))  # mode "L" ...
        im.putpalette(np.ascontiguousarray(palette).tobytes())  # ... becomes "P" with k colours
        im.save(buf, "PNG")
    else:
        Image.fromarray(np.dstack([palette[indices], alpha]), "RGBA").save(buf, "PNG")
    return buf.getvalue()


PNG_EXACT_PIXELS = 2_000_000  # above this the original's PNG size is estimated (saving 12 MP takes ~2 s)


def png_size(rgb, alpha=None):
    """Bytes of the image saved as an ordinary PNG (Pillow's default compression); (size, exact).

    Up to PNG_EXACT_PIXELS the image is saved; above, every 8th band of 16 rows
    is saved and the size scaled up (PNG filters and zlib only look a few rows
    back, so bands compress like the whole picture): within a few per cent, 8x faster.
    """
    arr = rgb if alpha is None else np.dstack([rgb, alpha])
    h = arr.shape[0]
    exact = arr.shape[0] * arr.shape[1] <= PNG_EXACT_PIXELS
    part = arr if exact else np.concatenate([arr[i : i + 16] for i in range(0, h, 128)])
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(part), "RGB" if alpha is None else "RGBA").save(buf, "PNG")
    return (len(buf.getvalue()) if exact else round(len(buf.getvalue()) * h / part.shape[0])), exact


def compute(img, k, init, sample, seed):
    """Quantize ``img`` and gather every number and picture the page shows (not cached)."""
    t0 = time.perf_counter()
    q = quantize(img.rgb, k, init=init, sample_size=sample or None, random_state=seed, mask=img.mask)
    seconds = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    base = random_palette(img.rgb, k, random_state=rng, mask=img.mask)
    base_mse = palette_mse(color_counts(img.rgb, img.mask), base)
    n = img.width * img.height
    pool = n if img.mask is None else np.flatnonzero(img.mask.ravel())
    pick = rng.choice(pool, size=min(SCATTER_POINTS, n if img.mask is None else len(pool)), replace=False)
    scatter = img.rgb.reshape(-1, 3)[np.sort(pick)]
    quant = q.fit.palette[q.indices]
    q.indices.flags.writeable = False
    return Result(q, _frozen(base), base_mse, _preview(img.rgb, img.alpha), _preview(quant, img.alpha),
                  _frozen(scatter), quantized_png(q.indices, q.fit.palette, img.alpha), seconds)


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_result(_img, digest, k, init, sample, seed):
    """compute(), shared between sessions by the image's content hash and the settings (read-only)."""
    return compute(_img, k, init, sample, seed)


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_png_size(_img, digest):
    return png_size(_img.rgb, _img.alpha)


# ---------------------------------------------------------------- helpers for the page


def compose_split(left, right, fraction):
    """One picture: ``left`` up to ``fraction`` of the width, ``right`` after it, a white seam between."""
    out = np.array(right, copy=True)
    cut = int(round(fraction * out.shape[1]))
    out[:, :cut] = left[:, :cut]
    if 0 < cut < out.shape[1]:
        seam = slice(max(cut - 1, 0), min(cut + 1, out.shape[1]))
        out[:, seam, :3] = 255
        if out.shape[2] == 4:
            out[:, seam, 3] = 255
    return out


def hex_code(color):
    return "#{:02X}{:02X}{:02X}".format(*(int(c) for c in color))


def palette_rows(palette, counts):
    """(index, hex, r, g, b, pixels, share) per colour, most used first."""
    total = max(int(counts.sum()), 1)
    order = np.argsort(-counts, kind="stable")
    return [(int(j) + 1, hex_code(palette[j]), *map(int, palette[j]), int(counts[j]), counts[j] / total)
            for j in order]


def palette_csv(palette, counts):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["colour", "hex", "r", "g", "b", "pixels", "share"])
    for row in palette_rows(palette, counts):
        w.writerow([*row[:-1], f"{row[-1]:.6f}"])
    return buf.getvalue()


def palette_gpl(palette, counts):
    """A GIMP/Inkscape palette file (no user text in it)."""
    lines = ["GIMP Palette", f"Name: K-means palette ({len(palette)} colours)", "Columns: 8", "#"]
    for _, hx, r, g, b, _, share in palette_rows(palette, counts):
        lines.append(f"{r:3d} {g:3d} {b:3d}\t{hx} ({100 * share:.1f}%)")
    return "\n".join(lines) + "\n"


def safe_stem(name, default="image"):
    """A file name stem from user text, reduced to letters, digits, dot, dash and underscore."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", str(name or ""))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60]
    return stem or default
