"""The Explorer in a real browser: stepping, Play, convergence, downloads, picking centres by clicking."""

from .conftest import assert_healthy, shot, wait_idle

CHART = '.st-key-explorer_chart .js-plotly-plot'
STATE = f"""() => {{
    const g = document.querySelector('{CHART}');
    return {{active: g.layout.sliders[0].active, steps: g.layout.sliders[0].steps.length,
             title: g.layout.title.text}};
}}"""


def chart_state(page):
    page.wait_for_selector(CHART, timeout=30_000)
    return page.evaluate(STATE)


def press(page, name):
    page.get_by_role("button", name=name, exact=True).click()
    wait_idle(page)


def test_step_play_and_converge(app_url, page):
    page.goto(app_url)
    wait_idle(page)
    assert "Step 0 of" in chart_state(page)["title"]
    shot(page, "explorer-0-start")
    press(page, "Assign")
    s = chart_state(page)
    assert "Step 1 of" in s["title"] and "Assignment: every point joins its nearest centre" in s["title"]
    press(page, "Update")
    s = chart_state(page)
    assert "Update: centres moved by at most" in s["title"] and s["active"] == 2
    shot(page, "explorer-1-update")
    press(page, "Converge")
    s = chart_state(page)
    assert "Converged after" in s["title"]
    last = s["active"]
    assert last == s["steps"] - 1 >= 4
    shot(page, "explorer-2-converged")
    # Play runs in the browser: the slider goes back to the start and moves forward, no rerun
    page.locator(f"{CHART} .updatemenu-button").first.click()
    page.wait_for_timeout(1800)
    mid = chart_state(page)
    assert 0 < mid["active"] < last, mid
    shot(page, "explorer-3-playing")
    page.wait_for_function(f"() => document.querySelector('{CHART}').layout.sliders[0].active === {last}",
                           timeout=30_000)
    check_downloads(page)
    assert_healthy(page)


def test_pick_init_by_clicking_points(app_url, page):
    page.goto(f"{app_url}/?init=pick&k=3")
    wait_idle(page)
    page.get_by_text("Picked 0 of 3").wait_for(timeout=30_000)
    shot(page, "explorer-4-pick-empty")
    chart = ".st-key-explorer_pick_chart .js-plotly-plot"
    for n in range(3):
        # click a different data point each time: the i-th drawn point of the first trace
        box = page.wait_for_function(f"""(i) => {{
            const pts = document.querySelectorAll('{chart} .scatterlayer .trace:first-child .point');
            if (pts.length <= i) return null;
            const r = pts[i].getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2];
        }}""", arg=[40, 260, 470][n], timeout=30_000).json_value()
        page.mouse.click(*box)
        wait_idle(page)
        if n < 2:
            page.get_by_text(f"Picked {n + 1} of 3").wait_for(timeout=30_000)
            shot(page, f"explorer-5-picked-{n + 1}")
    s = chart_state(page)
    assert "Step 0 of" in s["title"] and "picked by you" in s["title"]
    press(page, "Converge")
    assert "Converged after" in chart_state(page)["title"]
    shot(page, "explorer-6-pick-converged")
    assert_healthy(page)


def check_downloads(page):
    """The two download buttons give the converged run's labelled data and its centres."""
    with page.expect_download() as d:
        page.get_by_role("button", name="Data with a cluster column (CSV)").click()
    text = open(d.value.path()).read()
    header, *rows = text.strip().splitlines()
    assert header.split(",") == ["x1", "x2", "cluster"] and len(rows) == 500
    assert {r.split(",")[-1] for r in rows} == {"1", "2", "3", "4"}
    with page.expect_download() as d:
        page.get_by_role("button", name="Centres (CSV)").click()
    assert open(d.value.path()).read().splitlines()[0].split(",") == ["cluster", "x1", "x2"]
    page.get_by_text("The math of step").scroll_into_view_if_needed()
    page.screenshot(path=str(shot(page, "explorer-7-math-and-downloads")))
