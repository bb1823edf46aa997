"""Draw your own data in a real browser: click points onto the chart, remove one, undo, clear,
use them, and see them as the data of another page (Elbow); the link carries them into a
new session; a bad set (one point) gets a message and the previous points stay in use.
"""

import numpy as np
import pytest

from kmeans_app.data.draw.points import snap

from .conftest import assert_healthy, shot, wait_idle

pytestmark = pytest.mark.xdist_group("e2e-draw")

# Three small groups on the 0..10 canvas.
TARGETS = [(1.5, 1.5), (2.2, 1.2), (1.8, 2.4), (8.0, 8.0), (8.6, 7.4), (7.5, 8.7), (2.0, 8.5), (1.4, 7.8), (2.8, 8.2)]


def panel(pg):
    return pg.locator('[data-testid="stExpander"]', has_text="Your drawn points")


def open_panel(pg):
    """Open the drawing panel (it closes once points are in use) and wait for its chart."""
    if not pg.locator(".kd-plot").is_visible():
        panel(pg).locator("summary").click()
    pg.wait_for_function("""() => { const r = document.querySelector('.kd-root[data-ready="1"] .kd-plot .nsewdrag');
                                    return r && r.getBoundingClientRect().width > 50; }""", timeout=20_000)
    pg.wait_for_timeout(300)


def click_at(pg, x, y):
    """Click canvas coordinates (x, y): the plot area spans 0..10 on both axes."""
    r = pg.locator(".kd-plot .nsewdrag").bounding_box()
    pg.mouse.click(r["x"] + x / 10 * r["width"], r["y"] + (10 - y) / 10 * r["height"])


def drawn(pg):
    """The points on the drawing chart, from plotly's own data."""
    xy = pg.evaluate("""() => { const t = document.querySelector('.kd-plot').data[0];
                                return [Array.from(t.x), Array.from(t.y)]; }""")
    return np.column_stack(xy) if xy[0] else np.empty((0, 2))


def count(pg):
    return int(pg.locator(".kd-root").get_attribute("data-count"))


def press(pg, name):
    pg.locator(".kd-bar button", has_text=name).click()


def elbow_clustering_points(pg):
    """Every point of the 'cluster j' traces of the Elbow page's clustering chart."""
    pg.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
        .some(gd => (gd._fullData || []).some(t => (t.name || '').startsWith('cluster')))""", timeout=60_000)
    xy = pg.evaluate("""() => {
        const gd = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
            .find(g => (g._fullData || []).some(t => (t.name || '').startsWith('cluster')));
        const xs = [], ys = [];  // _fullData: plotly's decoded arrays (data may hold base64 blobs)
        for (const t of gd._fullData) if ((t.name || '').startsWith('cluster')) { xs.push(...Array.from(t.x)); ys.push(...Array.from(t.y)); }
        return [xs, ys]; }""")
    return np.column_stack(xy)


def same_points(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.allclose(a[np.lexsort(a.T)], b[np.lexsort(b.T)], rtol=0, atol=1e-9)


def test_draw_use_and_see_them_on_another_page(app_url, page, browser):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "/?dataset=Draw+points&k=3")
    wait_idle(page)
    open_panel(page)
    assert count(page) == 0
    for x, y in TARGETS:
        click_at(page, x, y)
    assert count(page) == len(TARGETS)
    P = drawn(page)
    # Each click lands on the 0.01 grid within a pixel (about 0.03 here) of where it was aimed.
    assert np.all(np.abs(P - np.array(TARGETS)) < 0.05)
    assert np.array_equal(P, snap(P))  # the very grid values Python keeps
    assert "not used yet" in page.locator(".kd-count").inner_text()
    shot(page, "draw-points-1280")

    # Clicking a point removes it; Undo brings it back; Clear empties; Undo again restores.
    click_at(page, *P[3])
    assert count(page) == len(TARGETS) - 1
    press(page, "Undo")
    assert count(page) == len(TARGETS)
    press(page, "Clear")
    assert count(page) == 0
    press(page, "Undo")
    assert same_points(drawn(page), P)

    # The draft survives a page switch before it is used.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Silhouette").click()
    wait_idle(page)
    open_panel(page)
    assert same_points(drawn(page), P)

    press(page, "Use these points")
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(f"{len(P)} drawn points in use").wait_for()
    assert "pts=" in page.url
    open_panel(page)
    assert "in use on every page" in page.locator(".kd-count").inner_text()
    assert page.get_by_text(f"The page's link carries these {len(P)} points").count() == 1

    # Another page clusters exactly these points.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Elbow").click()
    wait_idle(page)
    assert "/elbow?" in page.url and "pts=" in page.url
    assert same_points(elbow_clustering_points(page), P)
    shot(page, "draw-elbow-1280")
    assert_healthy(page)

    # A bad set: one point. A clear message, the previous points stay in use.
    open_panel(page)
    press(page, "Clear")
    click_at(page, 5, 5)
    press(page, "Use these points")
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Draw at least 3 points").wait_for()
    assert main.get_by_text(f"The previous {len(P)} points are still in use").count() == 1
    assert sidebar.get_by_text(f"{len(P)} drawn points in use").count() == 1
    assert same_points(elbow_clustering_points(page), P)
    shot(page, "draw-bad-input-1280")
    assert_healthy(page)

    # The link alone (a new session) gives the same data.
    link = page.url
    other = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        pg2 = other.new_page()
        pg2.goto(link)
        wait_idle(pg2)
        pg2.locator('[data-testid="stSidebar"]').get_by_text(f"{len(P)} drawn points in use").wait_for()
        assert same_points(elbow_clustering_points(pg2), P)
    finally:
        other.close()


def test_more_than_200_points_are_not_put_in_the_link(app_url, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "/silhouette?dataset=Draw+points&k=4")
    wait_idle(page)
    open_panel(page)
    grid = [(0.5 + 0.65 * i, 0.5 + 0.65 * j) for i in range(15) for j in range(14)][:201]
    for x, y in grid:
        click_at(page, x, y)
    assert count(page) == 201
    press(page, "Use these points")
    wait_idle(page)
    page.locator('[data-testid="stSidebar"]').get_by_text("201 drawn points in use").wait_for()
    assert "pts=" not in page.url and "dataset=Draw+points" in page.url
    open_panel(page)
    note = page.get_by_text("The page's link does not carry these 201 points")
    assert note.count() == 1 and "at most 200" in note.inner_text()
    shot(page, "draw-201-points-1280")
    assert_healthy(page)
