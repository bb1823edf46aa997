"""Injection: user text is shown as text everywhere and neutralised in downloads (real browser).

A CSV whose file name, column names and cells are HTML, a Markdown
javascript: link and a spreadsheet formula is uploaded through the sidebar;
then on every page: no dialog ever opens, no injected <img src=x> exists in
the DOM, no link points at javascript:, the text appears literally where it
is shown, and every CSV download neutralises formula-looking cells.
"""

import csv
import io

import pytest

from tests.fixtures.hostile import INJECTION_FILENAME, XSS_IMG, XSS_LINK, injection_csv

from .conftest import assert_healthy, shot, wait_idle

# Navigation titles: pages are switched by clicking, so the session (and its upload) stays.
PAGES = ["Explorer", "Initialization", "Elbow", "Silhouette", "What-if", "Colour quantization"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Anything the injected strings could have become if rendered as HTML or Markdown.
DOM_PROBE = """() => {
  const out = {};
  out.img_x = document.querySelectorAll('img[src="x"], img[src$="/x"]').length;
  out.onerror = document.querySelectorAll('[onerror]').length;
  out.js_links = [...document.querySelectorAll('a[href], area[href], [xlink\\\\:href]')]
      .map(a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')
      .filter(h => h.trim().toLowerCase().replace(/\\s/g, '').startsWith('javascript:')).length;
  out.svg_links = [...document.querySelectorAll('svg a')]
      .map(a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')
      .filter(h => h.toLowerCase().includes('javascript')).length;
  const frames = [...document.querySelectorAll('iframe')];
  out.iframes_srcdoc_js = frames.filter(f => (f.getAttribute('srcdoc') || '').includes('onerror')).length;
  out.text = document.body.innerText;
  out.plot_text = [...document.querySelectorAll('.js-plotly-plot text')].map(t => t.textContent).join(' | ');
  return out;
}"""


CSV_SOURCE = "Your CSV file"


def upload_csv(pg, app_url, name, data, timeout=90_000):
    """Open the app with the CSV source chosen (its link) and upload through the sidebar's input."""
    pg.goto(f"{app_url}/?dataset={CSV_SOURCE.replace(' ', '+')}")
    file_input = pg.locator('[data-testid="stSidebar"] input[type="file"]')
    file_input.wait_for(state="attached", timeout=timeout)
    file_input.set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    # the file chip appears once the browser has sent the file; then the script reads it
    pg.locator('[data-testid="stFileChipName"]').first.wait_for(timeout=timeout)
    wait_idle(pg, timeout)


def check_page(pg, dialogs, where):
    probe = pg.evaluate(DOM_PROBE)
    assert not dialogs, f"{where}: a dialog fired: {dialogs}"
    assert probe["img_x"] == 0 and probe["onerror"] == 0, f"{where}: an injected <img> is in the DOM"
    assert probe["js_links"] == 0 and probe["svg_links"] == 0, f"{where}: a javascript: link is in the DOM"
    assert probe["iframes_srcdoc_js"] == 0, f"{where}: injected HTML in an iframe"
    return probe["text"]


# Where a download button sits out of view: its closed expander and its inactive tab, if any.
HIDDEN_BY = """b => {
  const d = b.closest('details');
  const panel = b.closest('[role="tabpanel"]');
  return {closed_expander: !!(d && !d.open), tab_panel: panel ? panel.id : null,
          disabled: b.disabled};
}"""


# The outermost ancestor that hides a button (for the failure message).
WHY_HIDDEN = """b => {
  let why = '';
  for (let el = b; el && el !== document.body; el = el.parentElement) {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    if (cs.display === 'none' || cs.visibility === 'hidden' || !r.width || !r.height)
      why = `${el.tagName}[${el.getAttribute('data-testid') || el.className}] ${b.textContent.trim().slice(0, 40)}`;
  }
  return why;
}"""


def reveal(pg, button, where):
    """Bring a download button into view the way a user would: click its tab, open its expander."""
    hidden = button.evaluate(HIDDEN_BY)
    assert not hidden["disabled"], f"{where}: the download button is disabled"
    if hidden["tab_panel"]:
        tab = pg.locator(f'[role="tab"][aria-controls="{hidden["tab_panel"]}"]')
        if tab.count() and tab.first.get_attribute("aria-selected") != "true":
            tab.first.click()
    if hidden["closed_expander"]:
        button.evaluate("b => b.closest('details').querySelector('summary').click()")
    try:
        button.wait_for(state="visible", timeout=10_000)
    except Exception:
        # Streamlit can keep a hidden, stale copy of an element from the previous run next to
        # the live one; that is fine only if the live one (same label) is visible.
        label = button.inner_text().strip()
        twins = pg.locator('[data-testid="stDownloadButton"] button', has_text=label)
        if any(t.is_visible() for t in twins.all()):
            return False
        raise AssertionError(f"{where}: a download button stays hidden: {button.evaluate(WHY_HIDDEN)}") from None
    button.scroll_into_view_if_needed()
    return True


def check_download(pg, button, where):
    if not reveal(pg, button, where):
        return "stale copy", ""  # its visible twin is checked on its own turn
    with pg.expect_download(timeout=30_000) as info:
        button.click()
    dl = info.value
    name = dl.suggested_filename
    assert "/" not in name and "\\" not in name and "<" not in name, f"{where}: unsafe file name {name!r}"
    raw = open(dl.path(), "rb").read()
    if not name.lower().endswith((".csv", ".tsv", ".txt")):
        return name, ""  # images etc.: only the file name is user-influenced
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, f"{where}: empty download"
    for r, row in enumerate(rows):
        for cell in row:
            if cell.startswith(FORMULA_START):
                try:
                    float(cell)
                except ValueError:
                    raise AssertionError(f"{where}: {name} row {r} has a live formula cell {cell!r}") from None
    return name, text


@pytest.fixture
def dialogs(page):
    fired = []

    def on_dialog(d):
        fired.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", on_dialog)
    return fired


def test_injection_shown_as_text_on_every_page(app_url, page, dialogs):
    upload_csv(page, app_url, INJECTION_FILENAME, injection_csv())
    shot(page, "injection-explorer")
    text = check_page(page, dialogs, "after the upload")
    assert XSS_IMG in text, "the file or column name should be shown literally somewhere"
    plot_text = page.evaluate(DOM_PROBE)["plot_text"]
    assert XSS_IMG in plot_text and XSS_LINK in plot_text, \
        "the Explorer chart's axis titles should show the column names literally"
    downloads = {}
    for path in PAGES:
        page.locator('[data-testid="stSidebarNav"] a', has_text=path).first.click()
        wait_idle(page)
        page.wait_for_timeout(500)
        wait_idle(page)
        assert page.locator('[data-testid="stSidebar"] input[aria-label="Dataset"]').input_value() \
            == CSV_SOURCE, f"{path}: the uploaded data is no longer selected"
        check_page(page, dialogs, path)
        # Hover over every Plotly chart's first points so hover labels render too.
        for chart in page.locator(".js-plotly-plot .nsewdrag").all()[:3]:
            box = chart.bounding_box()
            if box:
                for fx in (0.3, 0.5, 0.7):
                    page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fx)
                    page.wait_for_timeout(100)
        check_page(page, dialogs, f"{path} after hovering")
        shot(page, f"injection-{path.split()[-1].lower()}")
        for i, btn in enumerate(page.locator('[data-testid="stDownloadButton"] button').all()):
            name, body = check_download(page, btn, f"{path} download {i}")
            downloads[f"{path}:{name}"] = body
        assert_healthy(page)
    with_data = [b for b in downloads.values() if "HYPERLINK" in b]
    assert with_data or not downloads, f"no download carries the uploaded columns: {list(downloads)}"
    for body in with_data:
        assert "'=HYPERLINK" in body, "the formula column name / cell is not neutralised with an apostrophe"


def test_injection_in_the_url_is_inert(app_url, page, dialogs):
    """Query parameters are user text too (a shared link can be crafted)."""
    evil = "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    page.goto(f"{app_url}/?dataset={evil}&k={evil}&seed=1e309&n=inf&init=%5Bx%5D(javascript:alert(1))")
    wait_idle(page)
    check_page(page, dialogs, "crafted link")
    assert_healthy(page)
