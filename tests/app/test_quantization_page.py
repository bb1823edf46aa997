"""The colour quantization page in Streamlit's AppTest: defaults, settings, uploads good and bad."""

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.fixtures.images import quadrants

from .navfix import main_script_every_run  # noqa: F401 - fixture: app.py runs every time

pytestmark = pytest.mark.usefixtures("main_script_every_run")
APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/quantization.py"


def png(arr, mode=None):
    buf = io.BytesIO()
    Image.fromarray(arr, mode).save(buf, "PNG") if mode else Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def open_page():
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page(PAGE).run()
    assert_ok(at)
    return at


def assert_ok(at):
    assert not at.exception, [e.message for e in at.exception]


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def chart(at, key):
    el = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(el.proto.spec)


def n_bars(at):
    bar = chart(at, "q_palette_chart")["data"][0]
    x = bar["x"]
    return len(np.frombuffer(base64.b64decode(x["bdata"]), x["dtype"])) if isinstance(x, dict) else len(x)


def upload(at, name, data, mime="image/png"):
    up = next(w for w in at.get("file_uploader") if w.key == "q_upload")
    up.set_value((name, data, mime))
    at.run()
    assert_ok(at)


def test_default_photo_is_quantized_to_16_colours():
    at = open_page()
    assert at.radio(key="q_source").value == "china.jpg"
    assert metric(at, "Distinct colours") == "96,615 → 16"
    assert len(at.get("image")) == 2  # original and quantized, side by side
    assert n_bars(at) == 16
    mse = float(metric(at, "MSE per channel"))
    assert 50 < mse < 200
    baseline = next(c.value for c in at.caption if c.value.startswith("Random-palette baseline"))
    assert "K-means lowers the error by" in baseline
    assert len(at.get("download_button")) == 3
    cube = chart(at, "q_cube_chart")
    assert len(cube["data"]) == 2 and cube["data"][1]["name"] == "palette"
    learn = chart(at, "q_learn_chart")
    names = [f["name"] for f in learn["frames"]]
    assert len(names) >= 3 and names[0] == "start" and names[1] == "iteration 1" and names[-1] == "all pixels 1"
    assert [s["label"] for s in learn["layout"]["sliders"][0]["steps"]] == names
    bar = chart(at, "q_palette_chart")["data"][0]
    assert len(set(bar["marker"]["color"])) == 16 and all(c.startswith("rgb(") for c in bar["marker"]["color"])
    assert not at.error


def test_settings_change_the_result_and_survive_a_page_switch():
    at = open_page()
    at.slider(key="q_k").set_value(4).run()
    assert_ok(at)
    assert metric(at, "Distinct colours").endswith("→ 4") and n_bars(at) == 4
    at.selectbox(key="q_init").set_value("random").run()
    at.select_slider(key="q_sample").set_value(10_000).run()
    assert_ok(at)
    at.switch_page("pages/elbow.py").run()
    at.switch_page(PAGE).run()
    assert_ok(at)
    assert at.slider(key="q_k").value == 4 and at.selectbox(key="q_init").value == "random"
    assert at.select_slider(key="q_sample").value == 10_000
    assert metric(at, "Distinct colours").endswith("→ 4")


def test_upload_good_then_broken_keeps_the_good_image():
    at = open_page()
    upload(at, "four.png", png(quadrants(48, 32)))
    assert at.radio(key="q_source").value == "upload"
    assert metric(at, "Distinct colours") == "4 → 4" and float(metric(at, "MSE per channel")) == 0
    good = at.session_state["q_image"]
    cut = png(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    upload(at, "cut.png", cut[: len(cut) // 2])
    assert len(at.error) == 1 and "truncated or damaged" in at.error[0].value
    assert "kept" in at.error[0].value
    assert at.session_state["q_image"].digest == good.digest
    assert metric(at, "Distinct colours") == "4 → 4" and len(at.get("image")) == 2


def test_bad_first_upload_keeps_the_sample_photo():
    at = open_page()
    upload(at, "notes.png", b"not an image at all\n" * 50)
    assert at.error and "not an image" in at.error[0].value
    assert at.radio(key="q_source").value == "china.jpg"
    assert metric(at, "Distinct colours") == "96,615 → 16"


def test_rgba_upload_says_transparent_pixels_are_left_out():
    arr = np.zeros((20, 30, 4), np.uint8)
    arr[:, :15] = (0, 255, 0, 0)
    arr[:, 15:] = (200, 20, 20, 255)
    at = open_page()
    upload(at, "<b>alpha</b>.png", png(arr, "RGBA"))
    assert any("transparent pixels are left out" in i.value for i in at.info)
    assert metric(at, "Distinct colours") == "1 → 1"
    shown = [*at.markdown, *at.caption, *at.info, *at.metric]
    assert shown and all("<b>" not in str(getattr(e, "value", "")) for e in shown)
