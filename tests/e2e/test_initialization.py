"""The Initialization page in a real browser: seeding animation, many-run comparison, bad start."""

import re

from .conftest import assert_healthy, shot, wait_idle


def _open_page(page, app_url):
    # A fresh server must see "/" first: a first request for a deep link runs the page
    # without app.py (Streamlit's pages/-directory mode), see the report on the shell.
    page.goto(app_url)
    page.get_by_text("Colour quantization").first.wait_for(timeout=60_000)  # app.py's navigation
    wait_idle(page)
    page.goto(f"{app_url}/initialization")
    # The first paint is Streamlit's default page list; wait for this page's own content.
    page.locator(".st-key-init_detail_random .js-plotly-plot").wait_for(timeout=60_000)
    wait_idle(page)


def _tall_shot(page, name):
    """Screenshot of the whole page: Streamlit scrolls inside its own container, so grow the window."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(1000, min(height + 100, 6000))})
    page.wait_for_timeout(800)
    shot(page, name)
    page.set_viewport_size({"width": 1440, "height": 1000})


def _chart(page, key):
    return page.locator(f".st-key-{key} .js-plotly-plot")


def test_initialization_page_compares_animates_and_opens_runs(app_url, page):
    _open_page(page, app_url)
    for heading in ("Watch the seeding", "Many runs, side by side", "How many restarts?", "One seed in detail"):
        assert page.get_by_role("heading", name=heading).count() == 1
    for key in ("init_seeding", "init_inertia", "init_iterations", "init_restarts",
                "init_detail_random", "init_detail_kpp"):
        assert _chart(page, key).count() == 1, key
    # The comparison ran: 50 points per init in the strip plot, and the summary table is there.
    n_points = page.evaluate(
        "() => document.querySelector('.st-key-init_inertia .js-plotly-plot')._fullData.map(t => t.y.length)")
    assert n_points == [50, 50]
    _tall_shot(page, "initialization-default")

    # Hovering a point shows its chance of being drawn: 1/500 for the first centre.
    seeding = _chart(page, "init_seeding")
    seeding.scroll_into_view_if_needed()
    x, y = page.evaluate("""() => {
        const gd = document.querySelector('.st-key-init_seeding .js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
        const t = gd._fullData[0], i = t.x.length - 1;
        return [r.left + xa._offset + xa.d2p(t.x[i]), r.top + ya._offset + ya.d2p(t.y[i])];
    }""")
    page.mouse.move(x, y)
    hover = seeding.locator(".hoverlayer .hovertext")
    hover.first.wait_for(timeout=5_000)
    assert "chance of being drawn: 0.2%" in hover.first.text_content()

    # The seeding animation plays in the browser: no rerun, the slider moves on.
    seeding.get_by_text("▶ Play").click()
    page.wait_for_function(
        "() => document.querySelector('.st-key-init_seeding .js-plotly-plot').layout.sliders[0].active >= 2",
        timeout=15_000)
    assert page.locator('[data-testid="stStatusWidget"]').count() == 0
    shot(page, "initialization-seeding-played")
    assert_healthy(page)

    # The bad-start preset, then "Open in Explorer" on the trapped random run.
    title_js = ("() => document.querySelector('.st-key-init_detail_random .js-plotly-plot')"
                ".layout.title.text")
    before = page.evaluate(title_js)
    page.get_by_role("button", name="Show a bad start for random init").click()
    page.wait_for_url(re.compile(r"data_seed=8"), timeout=30_000)
    page.wait_for_function(f"() => ({title_js})() !== {before!r}", timeout=30_000)
    wait_idle(page)
    titles = page.evaluate(
        "() => ['random', 'kpp'].map(k => document.querySelector("
        "`.st-key-init_detail_${k} .js-plotly-plot`).layout.title.text)")
    inertia = [float(re.search(r"inertia ([\d,.]+)", t).group(1).replace(",", "")) for t in titles]
    assert inertia[0] > 1.5 * inertia[1], titles
    _tall_shot(page, "initialization-bad-start")
    assert_healthy(page)

    page.get_by_role("button", name=re.compile(r"Open in Explorer \(random, seed 0\)")).click()
    page.get_by_role("heading", name="Explorer").first.wait_for(timeout=30_000)
    wait_idle(page)
    page.wait_for_url(re.compile(r"init=random"), timeout=30_000)
    assert "initialization" not in page.url
    assert_healthy(page)
