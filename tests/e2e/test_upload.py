"""Uploads and shareable URLs in a real browser.

- upload a CSV through the sidebar's file input, see the preview, pick columns;
- a bad file shows an error and the previous data stays;
- hostile file and column names stay text (no link, no HTML);
- a URL with parameters reproduces the sidebar, survives a reload, and moving a
  widget rewrites the URL.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import assert_healthy, shot, wait_idle

pytestmark = pytest.mark.xdist_group("e2e-upload")

GOOD = b"id,height,weight,city\n1,170,65.5,Paris\n2,182,80,Lyon\n3,165,,Nice\n4,158,52.25,Lille\n5,190,95,Metz\n"
CSV_URL = "?dataset=Your+CSV+file"


def sidebar(pg):
    return pg.locator('[data-testid="stSidebar"]')


def upload(pg, name, data, expect):
    """Choose a file in the sidebar's uploader; wait until its chip shows and ``expect``
    (a text the app then shows in the main area) appears."""
    uploader = sidebar(pg).locator('[data-testid="stFileUploader"]')
    uploader.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    pg.wait_for_function(
        "n => [...document.querySelectorAll('[data-testid=\"stFileChipName\"]')].some(e => e.title === n)",
        arg=name)
    pg.locator('[data-testid="stMain"]').get_by_text(expect).first.wait_for()
    wait_idle(pg)


def preview(pg):
    return pg.locator('[data-testid="stMain"] [data-testid="stExpander"]', has_text="Data in use:")


def main_errors(pg):
    return pg.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]').all_inner_texts()


def open_csv_source(pg, app_url):
    pg.goto(app_url + "/" + CSV_URL)
    wait_idle(pg)
    sidebar(pg).locator('[data-testid="stFileUploader"]').wait_for()


def test_upload_preview_and_column_choice(app_url, page):
    open_csv_source(page, app_url)
    upload(page, "people.csv", GOOD, "Data in use: 4 rows x 2 columns")
    box = preview(page)
    box.wait_for()
    assert "Data in use: 4 rows x 2 columns" in box.inner_text()
    box.locator("summary").click()
    page.wait_for_timeout(400)
    text = box.inner_text()
    assert "File: people.csv" in text and "Dropped 1 of 5 rows" in text
    box.locator('[data-testid="stDataFrame"]').wait_for()
    shot(page, "upload-preview")
    # Add the id column in the sidebar multiselect.
    ms = sidebar(page).locator('[data-testid="stMultiSelect"]')
    assert "height" in ms.inner_text() and "weight" in ms.inner_text()
    ms.locator("input").click()
    page.locator('[role="option"]', has_text=re.compile(r"^id$")).first.click()
    page.keyboard.press("Escape")
    wait_idle(page)
    assert "Data in use: 4 rows x 3 columns" in preview(page).inner_text()
    shot(page, "upload-three-columns")
    assert_healthy(page)


def test_bad_upload_shows_error_and_keeps_previous_data(app_url, page):
    open_csv_source(page, app_url)
    upload(page, "good.csv", GOOD, "Data in use: 4 rows x 2 columns")
    preview(page).wait_for()
    upload(page, "junk.csv", bytes(range(256)) * 40, "binary data")
    errors = main_errors(page)
    assert any("binary data" in e for e in errors), errors
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "The previous data is still in use:" in main and "good.csv" in main
    assert "Data in use: 4 rows x 2 columns" in preview(page).inner_text()
    shot(page, "upload-bad-file-keeps-previous")
    upload(page, "ragged.csv", b"a,b\n1,2\n3,4,5\n", "Data row 2 has 3 fields")
    assert any("Data row 2 has 3 fields" in e for e in main_errors(page))
    assert "Data in use: 4 rows x 2 columns" in preview(page).inner_text()
    assert_healthy(page)


def test_workbook_sheet_choice_and_parquet(app_url, page):
    """An .xlsx with two sheets: the first loads, the second (text only) shows a message and the
    first stays; a Parquet file loads too."""
    from tests.fixtures.hostile import PARQUET_MIME, XLSX_MIME, good_parquet, good_xlsx

    open_csv_source(page, app_url)
    uploader = sidebar(page).locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files(files=[{"name": "book.xlsx", "mimeType": XLSX_MIME, "buffer": good_xlsx()}])
    page.locator('[data-testid="stMain"]').get_by_text("Data in use: 90 rows x 3 columns").first.wait_for()
    wait_idle(page)
    sheet = sidebar(page).locator('input[aria-label="Sheet"]')
    assert sheet.input_value() == "measurements"
    sheet.click()
    page.locator('[role="option"]', has_text=re.compile(r"^notes$")).first.click()
    wait_idle(page)
    assert any("No numeric columns" in e for e in main_errors(page)), main_errors(page)
    assert "Data in use: 90 rows x 3 columns" in preview(page).inner_text()
    shot(page, "upload-xlsx-text-sheet")
    uploader.set_input_files(files=[{"name": "t.parquet", "mimeType": PARQUET_MIME, "buffer": good_parquet(60)}])
    page.locator('[data-testid="stMain"]').get_by_text("Data in use: 60 rows x 3 columns").first.wait_for()
    wait_idle(page)
    assert not main_errors(page)
    assert_healthy(page)


def test_hostile_names_stay_plain_text(app_url, page):
    open_csv_source(page, app_url)
    name = "[click](http://evil.example) **b** <b>x</b>.csv"
    data = (b"label,**x**,[y](http://evil.example)\n<img src=x onerror=alert(1)>,1,2\n=cmd(),3,4\n"
            b"<b>bold</b>,5,7\n")
    upload(page, name, data, "Data in use: 3 rows x 2 columns")
    box = preview(page)
    box.locator("summary").click()
    page.wait_for_timeout(600)
    shot(page, "upload-hostile-names")
    assert page.locator('a[href*="evil.example"], a[href^="javascript"]').count() == 0, "user text became a link"
    assert page.locator('img[src="x"]').count() == 0, "user text became an image"
    assert page.locator('[data-testid="stMain"] b, [data-testid="stMain"] strong',
                        has_text=re.compile("^(x|b|bold)$")).count() == 0, "user text became bold"
    assert f"File: {name}" in box.inner_text()
    assert_healthy(page)


SETTINGS = "?dataset=Two+moons&n=300&noise=0.12&data_seed=5&k=3&init=random&seed=7"


def read_sidebar(pg):
    sb = sidebar(pg)
    return {
        "dataset": sb.locator('input[aria-label="Dataset"]').input_value(),
        "n": sb.locator('input[aria-label="Points"]').input_value(),
        "noise": sb.locator('input[type="range"][aria-label="Noise"]').input_value(),
        "data_seed": sb.locator('input[aria-label="Data seed"]').input_value(),
        "k": sb.locator('input[type="range"][aria-label="k (clusters)"]').input_value(),
        "init": sb.locator('input[aria-label="Initialisation"]').input_value(),
        "seed": sb.locator('input[aria-label="Seed"]').input_value(),
    }


WANT = {"dataset": "Two moons", "n": "300", "noise": "0.12", "data_seed": "5", "k": "3", "init": "random",
        "seed": "7"}


def test_url_reproduces_the_view(app_url, page):
    page.goto(app_url + "/elbow" + SETTINGS)
    wait_idle(page)
    assert read_sidebar(page) == WANT
    shot(page, "url-settings-elbow")
    page.reload()
    wait_idle(page)
    assert read_sidebar(page) == WANT, "a reload keeps the settings"
    # Moving a widget rewrites the URL; the default value (k = 4) is simply left out.
    thumb = sidebar(page).locator('input[type="range"][aria-label="k (clusters)"]')
    thumb.focus()
    thumb.press("ArrowRight")
    wait_idle(page)
    page.wait_for_function("() => !new URLSearchParams(location.search).has('k')", timeout=10_000)
    thumb.press("ArrowRight")
    wait_idle(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('k') === '5'", timeout=10_000)
    query = parse_qs(urlparse(page.url).query)
    assert query["dataset"] == ["Two moons"] and query["n"] == ["300"] and query["seed"] == ["7"]
    assert urlparse(page.url).path.endswith("/elbow")
    assert_healthy(page)


def test_junk_url_does_not_crash(app_url, page):
    page.goto(app_url + "/?dataset=nope&n=inf&seed=1e309&k=abc&noise=-4&init=%3Cb%3Ex%3C%2Fb%3E")
    wait_idle(page)
    sb = sidebar(page)
    assert sb.locator('input[aria-label="Points"]').input_value() == "500"
    assert sb.locator('input[aria-label="Seed"]').input_value() == "0"
    query = parse_qs(urlparse(page.url).query)
    assert "n" not in query and "seed" not in query, page.url
    shot(page, "url-junk")
    assert_healthy(page)
