"""Bad input matrix through the real upload widgets (AppTest drives st.file_uploader).

For every hostile or broken file in tests/fixtures/hostile.py: the app shows a
clear message (or loads it, where that is the right answer), never an
exception or a traceback, and the data and settings the user had before are
still there. Small-but-valid data that breaks naive code (k larger than the
number of rows, identical rows) must render on every page.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kmeans_app import state
from tests.app.helpers import screen_text
from tests.fixtures.hostile import (
    CSV_CASES,
    IMAGE_CASES,
    PAGE_STRESS_CASES,
    WORKBOOK_CASES,
    good_csv,
    good_png,
    real_errors,
)

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
UPLOADER_KEY = getattr(state, "UPLOADER", "upload_file")
UPLOAD_KEY = state.UPLOAD_KEY
CSV_OPTION = state.UPLOAD_OPTION
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")


@pytest.fixture(autouse=True)
def _real_errors():
    # (tests/app/conftest.py makes AppTest run app.py on every run)
    with real_errors():
        yield


def new_app():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def assert_no_crash(at, what):
    assert not at.exception, f"{what}: exception on screen: {exception_text(at)}"
    bad = TRACEBACK.search(screen_text(at))
    assert not bad, f"{what}: a traceback is shown: {bad.group(0) if bad else ''}"


def exception_text(at):
    return [f"{e.value} {''.join(e.stack_trace)[-800:]}" for e in at.exception][:2]


def uploader(at):
    ups = [w for w in at.get("file_uploader") if getattr(w, "key", None) == UPLOADER_KEY]
    assert ups, "the CSV uploader is missing from the sidebar"
    return ups[0]


def choose_csv_source(at):
    at.sidebar.selectbox(key="dataset").set_value(CSV_OPTION).run()
    assert_no_crash(at, "choosing the CSV source")
    return at


def upload(at, name, data, mime="text/csv"):
    uploader(at).set_value((name, data, mime))
    at.run()
    return at


def current(at):
    return at.session_state[UPLOAD_KEY] if UPLOAD_KEY in at.session_state else None


def settings(at):
    return {k: at.session_state[k] for k in ("dataset", "k", "seed", "init") if k in at.session_state}


def app_with_good_upload():
    at = choose_csv_source(new_app())
    upload(at, "good.csv", good_csv())
    assert_no_crash(at, "uploading a good CSV")
    ds = current(at)
    assert ds is not None and ds.name == "good.csv" and ds.X.shape == (120, 2), "the good CSV did not load"
    at.sidebar.slider(key="k").set_value(5).run()
    at.sidebar.number_input(key="seed").set_value(7).run()
    assert_no_crash(at, "setting k and seed")
    return at


@pytest.mark.parametrize("case", CSV_CASES + WORKBOOK_CASES, ids=lambda c: c.id)
def test_hostile_csv(case):
    at = app_with_good_upload()
    before, before_settings = current(at), settings(at)
    upload(at, case.filename, case.data, case.mime)
    assert_no_crash(at, case.id)
    errors = [e.value for e in at.error]
    after = current(at)
    assert settings(at) == before_settings, f"{case.id}: the settings changed"
    loaded = after is not None and after.key != before.key
    if errors:
        assert case.expect in ("reject", "either"), f"{case.id} should load but shows {errors}"
        assert after is not None and after.key == before.key, f"{case.id}: the earlier data is gone"
        assert all(len(e) > 15 for e in errors), f"{case.id}: unclear message {errors}"
    else:
        assert case.expect in ("accept", "either"), f"{case.id}: refused silently (no st.error, no new data)" \
            if not loaded else f"{case.id} should be refused, but it loaded"
        assert loaded, f"{case.id}: no error and no new data"
        assert np.isfinite(after.X).all(), f"{case.id}: non-finite values reached the data"
        assert after.X.shape[0] >= 1 and after.X.shape[1] >= 1


@pytest.mark.parametrize("case", PAGE_STRESS_CASES, ids=lambda c: c.id)
def test_awkward_data_on_every_page(case):
    """Tiny or degenerate data with a large k: every page renders, with a clear message if needed."""
    at = choose_csv_source(new_app())
    upload(at, case.filename, case.data)
    assert_no_crash(at, case.id)
    ds = current(at)
    assert ds is not None, f"{case.id}: valid data refused: {[e.value for e in at.error]}"
    at.sidebar.slider(key="k").set_value(20).run()
    for page in PAGES:
        at.switch_page(page).run()
        assert_no_crash(at, f"{case.id} on {page}")
        assert current(at).key == ds.key, f"{case.id}: the data changed on {page}"
        assert at.session_state["k"] == 20


def test_first_upload_bad_then_good():
    """A bad first upload leaves a clean 'no data' state; a good one afterwards works."""
    at = choose_csv_source(new_app())
    upload(at, "bad.csv", b"\x00\x01\x02garbage")
    assert_no_crash(at, "bad first upload")
    assert at.error, "no message for a binary file"
    assert current(at) is None
    for page in PAGES:
        at.switch_page(page).run()
        assert_no_crash(at, f"no data on {page}")
    upload(at, "good.csv", good_csv())
    assert_no_crash(at, "good upload after a bad one")
    assert current(at) is not None and current(at).name == "good.csv"


# --------------------------------------------------------------------- images

QUANT_PAGE = "pages/quantization.py"


def image_uploader(at):
    ups = [w for w in at.get("file_uploader") if getattr(w, "key", None) != UPLOADER_KEY]
    assert ups, "the quantization page lost its image uploader"
    return ups[0]


IMAGE_KEY = "q_image"  # pages/quantization.py: the last good upload


def current_image(at):
    return at.session_state[IMAGE_KEY] if IMAGE_KEY in at.session_state else None


@pytest.mark.parametrize("case", IMAGE_CASES, ids=lambda c: c.id)
def test_hostile_image(case):
    at = new_app()
    at.switch_page(QUANT_PAGE).run()
    assert_no_crash(at, "opening the quantization page")
    up = image_uploader(at)
    up.set_value(("before.png", good_png(), "image/png"))
    at.run()
    assert_no_crash(at, "a good image")
    assert not at.error, f"a good PNG was refused: {[e.value for e in at.error]}"
    before_settings = settings(at)
    before_image = current_image(at)
    assert before_image is not None, f"the good image is not kept in session_state[{IMAGE_KEY!r}]"
    image_uploader(at).set_value((case.filename, case.data, case.mime))
    at.run()
    assert_no_crash(at, case.id)
    errors = [e.value for e in at.error]
    assert settings(at) == before_settings
    if errors:
        assert case.expect in ("reject", "either"), f"{case.id} should load but shows {errors}"
        assert all(len(e) > 15 for e in errors), f"{case.id}: unclear message {errors}"
        assert current_image(at) is before_image, f"{case.id}: the earlier image was replaced"
    else:
        assert case.expect in ("accept", "either"), f"{case.id} should be refused, but was accepted"
        assert current_image(at) is not before_image, f"{case.id}: accepted but the image did not change"

