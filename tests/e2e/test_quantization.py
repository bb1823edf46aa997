"""Colour quantization in a real browser: a real photo uploaded as JPEG, the palette learning, a broken file."""

import io

import numpy as np
from PIL import Image

from .conftest import assert_healthy, shot, wait_idle


def main(pg):
    return pg.locator('[data-testid="stMain"]')


def upload(pg, name, data, mime):
    main(pg).locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    pg.wait_for_function(
        "n => [...document.querySelectorAll('[data-testid=\"stFileChipName\"]')].some(e => e.title === n)",
        arg=name)
    wait_idle(pg)


def metric_value(pg, label):
    box = main(pg).locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def flower_jpeg():
    """scikit-learn's bundled flower photo written as a temp JPEG, rotated by an EXIF tag."""
    from sklearn.datasets import load_sample_image

    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: the page must show it upright (427 wide, 640 tall)
    buf = io.BytesIO()
    Image.fromarray(load_sample_image("flower.jpg")).save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def test_upload_a_photo_quantize_and_watch_it_learn(app_url, page):
    page.goto(f"{app_url}/quantization")
    wait_idle(page)
    main(page).get_by_text("Distinct colours").first.wait_for()
    assert metric_value(page, "Distinct colours") == "96,615 → 16"  # china.jpg by default

    upload(page, "my <b>flower</b>.jpg", flower_jpeg(), "image/jpeg")
    main(page).get_by_text("Original, 427×640").wait_for()  # EXIF orientation applied
    before, after = metric_value(page, "Distinct colours").split(" → ")
    assert int(before.replace(",", "")) > 10_000 and after == "16"
    imgs = main(page).locator('[data-testid="stImage"] img')
    assert imgs.count() == 2
    boxes = [imgs.nth(i).bounding_box() for i in range(2)]
    assert abs(boxes[0]["width"] - boxes[1]["width"]) < 2 and abs(boxes[0]["height"] - boxes[1]["height"]) < 2
    assert main(page).locator("b", has_text="flower").count() == 0  # the file name is never HTML
    main(page).get_by_text("PNG size, quantized").first.wait_for()
    main(page).get_by_text("vs", exact=False).first.wait_for()
    shot(page, "quantization-upload")

    main(page).get_by_role("tab", name="Palette").click()
    main(page).locator('[data-testid="stPlotlyChart"]').first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot(page, "quantization-palette")

    main(page).get_by_role("tab", name="RGB space").click()
    page.wait_for_timeout(800)
    shot(page, "quantization-rgb-space")

    main(page).get_by_role("tab", name="Watch it learn").click()
    page.get_by_text("▶ Play").first.wait_for()
    page.get_by_text("▶ Play").first.click()
    page.wait_for_timeout(2500)
    shot(page, "quantization-learning")

    main(page).get_by_text("Compare on one picture").click()
    wait_idle(page)
    assert main(page).locator('[data-testid="stImage"] img').count() == 3

    rng = np.random.default_rng(0)
    full = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(full, "PNG")
    upload(page, "broken.png", full.getvalue()[:2000], "image/png")
    error = main(page).locator('[data-testid="stAlertContentError"]')
    error.first.wait_for()
    assert "truncated or damaged" in error.first.inner_text()
    assert metric_value(page, "Distinct colours").endswith("→ 16")
    main(page).get_by_text("Original, 427×640").wait_for()  # the previous image stays
    error.first.scroll_into_view_if_needed()
    shot(page, "quantization-broken-upload")
    assert_healthy(page)
