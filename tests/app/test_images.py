"""Image loading, validation and conversion for the quantization page (small images made with Pillow)."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from kmeans_app.quantize import images as qi
from tests.fixtures.images import quadrants


def encode(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_header_only(w, h):
    """A PNG that declares w x h RGB pixels and holds almost no data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "WEBP"])
def test_lossless_formats_load_exactly(fmt):
    arr = quadrants()
    kw = {"lossless": True} if fmt == "WEBP" else {}
    img = qi.load_image(encode(Image.fromarray(arr), fmt, **kw))
    assert np.array_equal(img.rgb, arr) and img.alpha is None and img.mask is None
    assert img.notes == () and (img.width, img.height) == (40, 30)
    assert not img.rgb.flags.writeable  # shared between reruns: read-only


def test_jpeg_loads_close_and_the_digest_follows_the_content():
    arr = quadrants()
    a = qi.load_image(encode(Image.fromarray(arr), "JPEG", quality=95))
    assert np.median(np.abs(a.rgb.astype(int) - arr)) <= 3
    b = qi.load_image(encode(Image.fromarray(arr), "JPEG", quality=95))
    c = qi.load_image(encode(Image.fromarray(arr[::-1].copy()), "JPEG", quality=95))
    assert a.digest == b.digest != c.digest


def test_palette_image_without_and_with_transparency():
    p = Image.fromarray(quadrants()).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    img = qi.load_image(encode(p, "PNG"))
    assert np.array_equal(img.rgb, np.asarray(p.convert("RGB"))) and img.alpha is None
    t = qi.load_image(encode(p, "PNG", transparency=int(np.asarray(p)[0, 0])))
    assert t.alpha is not None and t.mask.sum() == 40 * 30 * 3 // 4  # one quadrant is transparent
    assert any("transparent" in n for n in t.notes)


def test_rgba_transparent_pixels_are_left_out_and_stay_transparent():
    arr = np.zeros((20, 30, 4), np.uint8)
    arr[:, :10] = (0, 255, 0, 0)  # transparent, bright green: must not enter the palette
    arr[:, 10:20] = (200, 20, 20, 255)
    arr[:, 20:] = (20, 20, 200, 128)  # half transparent: fitted, alpha kept
    img = qi.load_image(encode(Image.fromarray(arr, "RGBA"), "PNG"))
    assert np.array_equal(img.alpha, arr[:, :, 3])
    res = qi.compute(img, 2, "k-means++", 50_000, 0)
    assert sorted(res.palette.tolist()) == [[20, 20, 200], [200, 20, 20]]
    out = np.asarray(Image.open(io.BytesIO(res.png)))
    assert out.shape == (20, 30, 4) and np.array_equal(out[:, :, 3], arr[:, :, 3])
    assert res.q.counts.sum() == 20 * 20 and res.preview_quantized.shape[2] == 4


def test_fully_transparent_and_fully_opaque_rgba():
    with pytest.raises(qi.ImageError, match="fully transparent"):
        qi.load_image(encode(Image.new("RGBA", (5, 5), (9, 9, 9, 0)), "PNG"))
    opaque = qi.load_image(encode(Image.new("RGBA", (5, 5), (9, 9, 9, 255)), "PNG"))
    assert opaque.alpha is None


def test_greyscale_and_16_bit_greyscale():
    grey = qi.load_image(encode(Image.new("L", (4, 3), 77), "PNG"))
    assert grey.rgb.shape == (3, 4, 3) and (grey.rgb == 77).all()
    deep = np.array([[0, 257 * 100, 65535]], np.uint16)
    img = qi.load_image(encode(Image.fromarray(deep), "PNG"))
    assert img.rgb[0, :, 0].tolist() == [0, 100, 255]
    assert any("8 bits" in n for n in img.notes)


def test_cmyk_is_converted_to_rgb():
    img = qi.load_image(encode(Image.new("CMYK", (8, 8), (255, 0, 0, 0)), "JPEG", quality=95))
    r, g, b = img.rgb[4, 4].astype(int)
    assert r < 30 and g > 220 and b > 220  # pure cyan ink
    assert any("CMYK" in n for n in img.notes)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    img = qi.load_image(data)
    assert (img.rgb == [255, 0, 0]).all(axis=2).all()
    assert any("first frame" in n for n in img.notes)


def test_exif_orientation_is_applied():
    arr = np.zeros((20, 40, 3), np.uint8)
    arr[:, :20] = (255, 0, 0)  # left half red, right half blue
    arr[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    img = qi.load_image(encode(Image.fromarray(arr), "PNG", exif=exif))
    assert img.rgb.shape == (40, 20, 3)
    assert img.rgb[0, 0].tolist() == [255, 0, 0] and img.rgb[-1, 0].tolist() == [0, 0, 255]


def test_one_by_one_image_quantizes():
    img = qi.load_image(encode(Image.new("RGB", (1, 1), (12, 34, 56)), "PNG"))
    res = qi.compute(img, 16, "k-means++", 50_000, 0)
    assert res.palette.tolist() == [[12, 34, 56]] and res.q.mse == 0
    assert np.asarray(Image.open(io.BytesIO(res.png)).convert("RGB")).tolist() == [[[12, 34, 56]]]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"hello, this is not an image\n" * 20, "not an image"),
        (b"a,b\n1,2\n3,4\n", "not an image"),
        (None, "truncated or damaged"),  # filled in below: a PNG cut in half
    ],
)
def test_broken_files_get_a_clear_message(data, message):
    if data is None:
        rng = np.random.default_rng(0)
        full = encode(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)), "PNG")
        data = full[: len(full) // 2]
    with pytest.raises(qi.ImageError, match=message):
        qi.load_image(data)


def test_unsupported_format_is_refused():
    with pytest.raises(qi.ImageError, match="not supported"):
        qi.load_image(encode(Image.new("RGB", (4, 4)), "PPM"))


@pytest.mark.parametrize("w, h", [(7000, 7000), (100_000, 100_000)])  # 49 MP (Pillow warns), 10 GP (errors)
def test_bomb_sized_headers_are_refused_without_decoding(w, h, monkeypatch):
    from PIL import ImageFile

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(qi.ImageError, match="megapixels"):
        qi.load_image(png_header_only(w, h))
    assert Image.MAX_IMAGE_PIXELS == qi.MAX_PIXELS


def test_images_above_the_working_limit_are_downscaled(monkeypatch):
    monkeypatch.setattr(qi, "WORK_PIXELS", 300)
    img = qi.load_image(encode(Image.fromarray(quadrants(40, 30)), "PNG"))
    assert img.width * img.height <= 300 and abs(img.width / img.height - 40 / 30) < 0.15
    assert any(n.startswith("Downscaled from 40×30") for n in img.notes)


def test_compute_gives_previews_of_the_same_size_and_an_exact_png():
    img = qi.load_image(encode(Image.fromarray(quadrants(60, 45)), "PNG"))
    res = qi.compute(img, 4, "random", 10_000, 3)
    assert res.preview_original.shape == res.preview_quantized.shape == (45, 60, 3)
    assert res.q.mse == 0 and res.q.n_colors_before == 4
    png = Image.open(io.BytesIO(res.png))
    assert png.mode == "P" and png.size == (60, 45)
    assert np.array_equal(np.asarray(png.convert("RGB")), img.rgb)
    assert res.baseline_mse >= res.q.mse and len(res.baseline_palette) == 4
    assert res.scatter_colors.shape == (min(qi.SCATTER_POINTS, 60 * 45), 3)


def test_palette_files_and_safe_names():
    palette = np.array([[255, 0, 0], [0, 0, 255]], np.uint8)
    counts = np.array([1, 3])
    rows = qi.palette_csv(palette, counts).splitlines()
    assert rows[0] == "colour,hex,r,g,b,pixels,share"
    assert rows[1] == "2,#0000FF,0,0,255,3,0.750000" and rows[2].startswith("1,#FF0000")
    gpl = qi.palette_gpl(palette, counts).splitlines()
    assert gpl[0] == "GIMP Palette" and gpl[4].startswith("  0   0 255\t#0000FF")
    assert qi.safe_stem("../../<script>alert(1)</script>.png") == "script_alert_1_script"
    assert qi.safe_stem("") == "image" and qi.safe_stem("holiday photo.JPG") == "holiday_photo"


def test_compose_split():
    a = np.zeros((4, 10, 3), np.uint8)
    b = np.full((4, 10, 3), 100, np.uint8)
    out = qi.compose_split(a, b, 0.5)
    assert (out[:, :4] == 0).all() and (out[:, 6:] == 100).all() and (out[:, 4:6] == 255).all()
    assert np.array_equal(qi.compose_split(a, b, 0.0), b) and np.array_equal(qi.compose_split(a, b, 1.0), a)


def test_png_size_exact_small_and_estimated_large(monkeypatch):
    y, x = np.mgrid[0:256, 0:320]
    rng = np.random.default_rng(1)
    arr = np.clip(np.stack([x * 0.8, y, 128 + 60 * np.sin(x / 7)], axis=2) + rng.normal(0, 6, (256, 320, 3)),
                  0, 255).astype(np.uint8)
    size, exact = qi.png_size(arr)
    assert exact and size == len(encode(Image.fromarray(arr), "PNG"))
    monkeypatch.setattr(qi, "PNG_EXACT_PIXELS", 1000)
    estimate, exact = qi.png_size(arr)
    assert not exact and abs(estimate / size - 1) < 0.05
