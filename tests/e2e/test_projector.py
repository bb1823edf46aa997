"""Every page readable at 1280x720 and 1920x1080 without overflow; projector mode in a real browser.

- Ordinary mode and projector mode (?projector=true, the sidebar toggle bound to the URL),
  every page, both window sizes: nothing sticks out of its column or the main area
  (the quantization page's two images used to overflow and overlap at 1280-1536 px),
  and the page never scrolls sideways.
- Projector mode: every text outside the charts is at least 20 px (also in the drawing
  component), captions are not faded, the charts built with figures.style.finish have
  20 px tick labels and thicker markers, and the toggle survives a page switch.
Screenshots: test-artifacts/layout-<page>-<width>.png and projector-<page>-<width>.png.
"""

import pytest

from .conftest import assert_healthy, shot, wait_idle

pytestmark = pytest.mark.xdist_group("e2e-projector")

NAV_LINKS = """() => [...document.querySelectorAll('[data-testid="stSidebarNav"] a')]
                  .map(a => new URL(a.href).pathname.replace(/^\\//, ''))"""
SIZES = [(1280, 720), (1920, 1080)]

SETTLE = """() => { const gds = [...document.querySelectorAll('.js-plotly-plot')];
                    return gds.every(g => g.querySelector('.main-svg')); }"""

# Elements sticking out of their column (or of the main area), ignoring plotly's own
# interaction layers (transparent drag rectangles reach into the chart margins by design).
OVERFLOW = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.closest('.js-plotly-plot') && !el.classList.contains('js-plotly-plot')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    const box = el.parentElement.closest('[data-testid="stColumn"], [data-testid="stMainBlockContainer"]');
    if (!box) continue;
    const b = box.getBoundingClientRect();
    if (r.right > b.right + 2 || r.left < b.left - 2)
      out.push(`${el.tagName}.${el.getAttribute('data-testid') || el.className} ${Math.round(r.left)}-${Math.round(r.right)} `
               + `outside ${Math.round(b.left)}-${Math.round(b.right)}: ${(el.textContent || '').slice(0, 40)}`);
  }
  const doc = document.documentElement, main = document.querySelector('[data-testid="stMain"]');
  if (doc.scrollWidth > window.innerWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${window.innerWidth}`);
  if (main.scrollWidth > main.clientWidth + 1) out.push(`main area scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}`);
  return out.slice(0, 10);
}"""

# Visible text smaller than 20 px outside the charts (icons and the visually hidden skip link excepted).
SMALL_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.querySelector('[data-testid="stApp"]'), NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const text = n.textContent.trim(), el = n.parentElement;
    if (!text || el.closest('.js-plotly-plot, .kx-root, [data-testid="stIconMaterial"], [data-testid="stExpanderIcon"], [data-testid="stSkipToContent"]')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const cs = getComputedStyle(el);
    if (parseFloat(cs.fontSize) < 19.5) {
      const owner = el.closest('[data-testid]');
      out.push(`${cs.fontSize} ${el.tagName} in ${owner ? owner.getAttribute('data-testid') : '?'}: ${text.slice(0, 40)}`);
    }
  }
  return out.slice(0, 10);
}"""

# Visible text inside the charts (ticks, titles, colour bars, labels) smaller than 20 px; hover
# labels and the 1 px labels that hide an animation slider's step names are not read on screen.
SMALL_CHART_TEXT = """() => {
  const out = [];
  for (const t of document.querySelectorAll('.js-plotly-plot text, .kx-root *')) {
    if (t.closest('.hoverlayer') || t.closest('.slider-label-group') || t.children.length) continue;
    const text = t.textContent.trim(), r = t.getBoundingClientRect();
    if (!text || !r.width || !r.height) continue;
    const fs = parseFloat(getComputedStyle(t).fontSize);
    if (fs < 19.5 && !(t.classList.contains('slider-label') && fs <= 1))
      out.push(`${fs}px ${t.getAttribute('class') || t.tagName}: ${text.slice(0, 30)}`);
  }
  return out.slice(0, 10);
}"""


def pages(pg, app_url):
    """Every page of the app, as {name: path}, from the sidebar navigation (new pages included)."""
    settle(pg, app_url + "/")
    paths = pg.evaluate(NAV_LINKS)
    assert len(paths) >= 6, paths
    return {(p or "explorer"): p for p in paths}


def settle(pg, url):
    pg.goto(url)
    wait_idle(pg)
    pg.wait_for_function(SETTLE, timeout=60_000)
    pg.wait_for_timeout(800)  # last layout pass of the charts


@pytest.mark.parametrize("width, height", SIZES)
def test_every_page_fits_the_window(app_url, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        pg = context.new_page()
        problems = {}
        for name, path in pages(pg, app_url).items():
            settle(pg, f"{app_url}/{path}")
            problems[name] = pg.evaluate(OVERFLOW)
            shot(pg, f"layout-{name}-{width}")
            assert pg.locator('[data-testid="stException"]').count() == 0, name
        assert not any(problems.values()), problems
    finally:
        context.close()


@pytest.mark.parametrize("width, height", SIZES)
def test_projector_mode(app_url, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        pg = context.new_page()
        overflow, small, chart_text = {}, {}, {}
        for name, path in pages(pg, app_url).items():
            settle(pg, f"{app_url}/{path}?projector=true")
            overflow[name], small[name] = pg.evaluate(OVERFLOW), pg.evaluate(SMALL_TEXT)
            chart_text[name] = pg.evaluate(SMALL_CHART_TEXT)
            shot(pg, f"projector-{name}-{width}")
        assert not any(overflow.values()), overflow
        assert not any(small.values()), small
        assert not any(chart_text.values()), chart_text
        # Captions are black, not faded.
        caption = pg.locator('[data-testid="stCaptionContainer"]').first
        assert caption.evaluate("e => getComputedStyle(e).opacity") == "1"
    finally:
        context.close()


CLUSTER_CHART_STYLE = """() => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => (g._fullData || []).some(t => (t.name || '').startsWith('cluster')));
    const pts = gd._fullData.find(t => (t.name || '').startsWith('cluster'));
    return {tick: gd._fullLayout.xaxis.tickfont.size, font: gd._fullLayout.font.size, marker: pts.marker.size}; }"""


def test_projector_charts_and_toggle(app_url, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    # Initialization page: its clustering charts come from figures.common.clustering_figure.
    settle(page, f"{app_url}/initialization?dataset=Blobs")
    page.locator('[data-testid="stSidebar"]').get_by_text("Projector mode").click()
    wait_idle(page)
    page.wait_for_function(SETTLE, timeout=60_000)
    assert "projector=true" in page.url
    style = page.evaluate(CLUSTER_CHART_STYLE)
    assert style["tick"] >= 20 and style["font"] >= 20, style
    assert style["marker"] >= 9, style  # 6 px ordinarily
    shot(page, "projector-initialization-toggle-1280")
    # The toggle is kept on another page, and the drawing component follows it.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Silhouette").click()
    wait_idle(page)
    assert "projector=true" in page.url
    page.goto(f"{app_url}/?dataset=Draw+points&projector=true")
    wait_idle(page)
    page.wait_for_selector('.kd-root[data-ready="1"][data-projector="1"]', timeout=20_000)
    assert page.evaluate(SMALL_TEXT) == []
    shot(page, "projector-draw-1280")
    assert_healthy(page)


def test_projector_style_never_leaks_into_shared_charts(app_url, browser):
    """The Elbow page caches its clustering chart for every session: a projector session that
    builds it first must not hand big fonts to the others."""
    url = f"{app_url}/elbow?dataset=Blobs&n=130&data_seed=77"
    first, second = browser.new_context(), browser.new_context()
    try:
        a = first.new_page()
        settle(a, url + "&projector=true")
        b = second.new_page()
        settle(b, url)
        assert b.evaluate(CLUSTER_CHART_STYLE)["tick"] < 20
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("width, height", SIZES)
def test_quantization_images_fit_their_columns(app_url, browser, width, height):
    """The original, the quantized image and the compare picture stay inside their columns."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        pg = context.new_page()
        settle(pg, f"{app_url}/quantization")
        pg.get_by_text("Compare on one picture").click()
        wait_idle(pg)
        pg.locator('[data-testid="stImage"]').nth(2).wait_for()
        pg.wait_for_timeout(800)
        boxes = [pg.locator('[data-testid="stImage"]').nth(i).bounding_box() for i in range(3)]
        original, quantized, split = boxes
        assert original["x"] + original["width"] <= quantized["x"]  # side by side, no overlap
        assert abs(original["width"] - quantized["width"]) < 2
        assert pg.evaluate(OVERFLOW) == []
        assert split["height"] <= 700  # the compare picture stays about 640 px tall at most
        shot(pg, f"layout-quantization-compare-{width}")
    finally:
        context.close()
