"""Bad input in the real browser: a subset of tests/fixtures/hostile.py through the real file inputs.

One page uploads a good CSV and sets k; then each bad file in turn must show
a clear message, no exception box, and leave the good data (its row count in
the "Data in use" line) and the settings in place. The same for images on the
Colour quantization page. Also two browser contexts (two students) with
different uploads never see each other's file or columns.
"""

import re

from tests.fixtures.hostile import (
    BROWSER_CSV_SUBSET,
    BROWSER_IMAGE_SUBSET,
    BROWSER_WORKBOOK_SUBSET,
    case,
    good_csv,
    good_png,
)

from .conftest import assert_healthy, shot, wait_idle
from .test_injection import CSV_SOURCE, upload_csv

TIMEOUT = 90_000


def sidebar(pg):
    return pg.locator('[data-testid="stSidebar"]')


def data_line(pg):
    """The upload panel's summary, e.g. "Data in use: 120 rows x 2 columns"."""
    loc = pg.get_by_text(re.compile(r"Data in use: [\d,]+ rows"))
    loc.first.wait_for(timeout=TIMEOUT)
    return re.search(r"Data in use: [\d,]+ rows x [\d,]+ columns?", loc.first.inner_text()).group(0)


def k_value(pg):
    return sidebar(pg).locator('input[type="range"][aria-label="k (clusters)"]').input_value()


def set_k(pg, value):
    thumb = sidebar(pg).locator('input[type="range"][aria-label="k (clusters)"]')
    thumb.focus()
    thumb.press("Home")
    for _ in range(value - 1):
        thumb.press("ArrowRight")
    wait_idle(pg, TIMEOUT)


def error_texts(pg):
    return [t for t in pg.locator('[data-testid="stAlertContentError"]').all_inner_texts() if t.strip()]


def replace_file(pg, file_input, name, data, mime):
    file_input.set_input_files({"name": name, "mimeType": mime, "buffer": data})
    pg.locator('[data-testid="stFileChipName"]', has_text=name[:8]).first.wait_for(timeout=TIMEOUT)
    wait_idle(pg, TIMEOUT)


def no_traceback(pg, where):
    text = pg.locator('[data-testid="stMain"]').inner_text()
    assert "Traceback" not in text and not re.search(r'File "[^"]+", line \d+', text), \
        f"{where}: a traceback is on screen"
    assert pg.locator('[data-testid="stException"]').count() == 0, f"{where}: an exception box is shown"


def test_bad_csvs_keep_the_good_data(app_url, page):
    upload_csv(page, app_url, "good.csv", good_csv())
    before = data_line(page)
    assert before.startswith("Data in use: 120 rows"), before
    set_k(page, 5)
    file_input = sidebar(page).locator('input[type="file"]')
    for cid in BROWSER_CSV_SUBSET:
        c = case(cid)
        replace_file(page, file_input, c.filename, c.data, c.mime)
        no_traceback(page, cid)
        errors = error_texts(page)
        if c.expect == "reject" or (c.expect == "either" and errors):
            assert errors, f"{cid}: no message for a file that cannot be used"
            assert data_line(page) == before, f"{cid}: the earlier data is gone"
        else:
            assert not errors, f"{cid}: refused: {errors}"
            before = data_line(page)  # it loaded: now that is the data to keep
        assert k_value(page) == "5", f"{cid}: k changed"
        assert sidebar(page).locator('input[aria-label="Dataset"]').input_value() == CSV_SOURCE
        shot(page, f"hostile-csv-{cid}")
    assert_healthy(page)


def test_bad_workbooks_and_parquet_keep_the_good_data(app_url, page):
    """Excel and Parquet files through the same file input: good ones load, bad ones
    (zip bomb, password, corrupt) show a message and the earlier data stays."""
    upload_csv(page, app_url, "good.csv", good_csv())
    before = data_line(page)
    set_k(page, 5)
    file_input = sidebar(page).locator('input[type="file"]')
    for cid in BROWSER_WORKBOOK_SUBSET:
        c = case(cid)
        replace_file(page, file_input, c.filename, c.data, c.mime)
        no_traceback(page, cid)
        errors = error_texts(page)
        if c.expect == "reject":
            assert errors, f"{cid}: no message for a file that cannot be used"
            assert data_line(page) == before, f"{cid}: the earlier data is gone"
        else:
            assert not errors, f"{cid}: refused: {errors}"
            assert data_line(page) != before, f"{cid}: did not load"
            before = data_line(page)
        assert k_value(page) == "5", f"{cid}: k changed"
        shot(page, f"hostile-workbook-{cid}")
    assert_healthy(page)


def test_bad_images_keep_the_good_image(app_url, page):
    page.goto(f"{app_url}/quantization")
    wait_idle(page, TIMEOUT)
    inputs = page.locator('[data-testid="stMain"] input[type="file"]')
    assert inputs.count() > 0, "the quantization page lost its image uploader"
    file_input = inputs.first
    replace_file(page, file_input, "before.png", good_png(), "image/png")
    assert not error_texts(page), f"a good PNG was refused: {error_texts(page)}"
    images_before = page.locator('[data-testid="stMain"] [data-testid="stImage"] img, '
                                 '[data-testid="stMain"] .js-plotly-plot').count()
    for cid in BROWSER_IMAGE_SUBSET:
        c = case(cid)
        replace_file(page, file_input, c.filename, c.data, c.mime)
        no_traceback(page, cid)
        errors = error_texts(page)
        if c.expect == "reject":
            assert errors, f"{cid}: no message for a broken image"
        if errors and images_before:
            now = page.locator('[data-testid="stMain"] [data-testid="stImage"] img, '
                               '[data-testid="stMain"] .js-plotly-plot').count()
            assert now >= 1, f"{cid}: the earlier image is gone"
        shot(page, f"hostile-image-{cid}")
    assert_healthy(page)


def test_two_students_do_not_see_each_other(app_url, browser):
    """Two browser contexts = two students on one server, uploading different files."""
    a_csv = good_csv(rows=90, seed=11, cols=("alpha_len", "alpha_wid"))
    b_csv = good_csv(rows=150, seed=22, cols=("beta_mass", "beta_age", "beta_cost"))
    contexts = [browser.new_context(viewport={"width": 1440, "height": 1000}) for _ in range(2)]
    try:
        pa, pb = (c.new_page() for c in contexts)
        upload_csv(pa, app_url, "alice_secret.csv", a_csv)
        upload_csv(pb, app_url, "bob_private.csv", b_csv)
        pa.reload()  # a reload is a new session: the upload must not come back from anywhere shared
        wait_idle(pa, TIMEOUT)
        upload_csv(pa, app_url, "alice_secret.csv", a_csv)
        for pg, mine, theirs, rows in ((pa, "alpha_len", ("beta_mass", "bob_private"), 90),
                                       (pb, "beta_mass", ("alpha_len", "alice_secret"), 150)):
            assert data_line(pg).startswith(f"Data in use: {rows} rows")
            text = pg.locator("body").inner_text()
            assert mine in text
            for word in theirs:
                assert word not in text, f"one student's page shows {word!r} from the other"
        shot(pa, "isolation-a")
        shot(pb, "isolation-b")
    finally:
        for c in contexts:
            c.close()
