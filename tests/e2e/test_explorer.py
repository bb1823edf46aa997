"""The Explorer in a real browser: one component steps, plays and drags in the page, without the server.

Stepping by buttons and keys sends no websocket frame (counted with Playwright's
``framesent``); Play / Pause / speed; dragging a centre recolours the points and
changes the inertia live, and "Run from here" runs to convergence from there;
picking the starting centres by clicking points; the cursor survives a page
switch and a reload; a resize redraws; the downloads.
"""

import re

from .conftest import assert_healthy, shot, wait_idle

ROOT = ".kx-root"
READY = '.kx-root[data-ready="1"]'
PLOT = ".kx-plot"  # the chart: points, inertia line; cells, centres and trails are layout shapes


def open_explorer(page, url):
    """Go to the Explorer with a websocket-frame counter; return the list of frames sent."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(url)
    wait_idle(page)
    page.wait_for_selector(READY, timeout=60_000)
    return sent


def label(page):
    return page.locator(f"{ROOT} .kx-label").inner_text()


def story(page):
    return page.locator(f"{ROOT} .kx-story").inner_text()


def step_no(page):
    return int(re.match(r"Step (\d+) of (\d+)", label(page)).group(1))


def last_step(page):
    return int(re.match(r"Step (\d+) of (\d+)", label(page)).group(2))


def press(page, name):
    page.locator(f'{ROOT} button[data-action="{name}"]').click()


def point_codes(page):
    """The colour codes of the drawn points (the cluster of each, k = not assigned yet)."""
    return page.evaluate(f"() => Array.from(document.querySelector('{PLOT}').data[0].marker.color)")


def centre_pixels(page):
    """Page coordinates of every centre marker (drawn as shapes named "centre 1", "centre 2", ...)."""
    return page.evaluate(f"""() => {{
        const gd = document.querySelector('{PLOT}'), fl = gd._fullLayout, r = gd.getBoundingClientRect();
        const c = fl.shapes.filter((s) => /^centre \\d+$/.test(s.name));
        return c.map((s) => [r.left + fl.xaxis._offset + fl.xaxis.d2p(s.xanchor),
                             r.top + fl.yaxis._offset + fl.yaxis.d2p(s.yanchor)]);
    }}""")


def test_step_by_buttons_and_keys_without_the_server(app_url, page):
    sent = open_explorer(page, app_url)
    assert label(page).startswith("Step 0 of") and "chosen by k-means++" in story(page)
    shot(page, "explorer-0-start")
    page.wait_for_timeout(1000)  # let the page settle, then count what stepping sends
    before = len(sent)

    press(page, "assign")
    assert label(page).startswith("Step 1 of") and "iteration 1 · assignment" in label(page)
    assert "Assignment: every point joins its nearest centre" in story(page)
    active = page.locator(f"{ROOT} .kx-block.kx-active .kx-block-title").all_inner_texts()
    assert any("Assignment (E step)" in t for t in active), active
    assert "kmeans_core.lloyd.assign" in page.locator(f"{ROOT} [data-role=source]").inner_text()
    assert len(set(point_codes(page))) == 4  # every point is coloured by one of the 4 clusters
    press(page, "update")
    assert step_no(page) == 2 and "Update: centres moved by at most" in story(page)
    assert "kmeans_core.lloyd.update" in page.locator(f"{ROOT} [data-role=source]").inner_text()
    shot(page, "explorer-1-update")
    press(page, "iteration")
    assert step_no(page) == 4
    press(page, "back")
    assert step_no(page) == 3
    press(page, "converge")
    assert step_no(page) == last_step(page) >= 4 and "Converged after" in story(page)
    assert page.locator(f'{ROOT} button[data-action="assign"]').is_disabled()
    shot(page, "explorer-2-converged")
    press(page, "reset")
    assert step_no(page) == 0

    # the keys act while the component has focus
    page.locator(ROOT).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert step_no(page) == 3
    page.keyboard.press("ArrowLeft")
    assert step_no(page) == 2
    page.keyboard.press("End")
    assert step_no(page) == last_step(page)
    page.keyboard.press("Home")
    assert step_no(page) == 0
    # the scrub slider
    page.locator(f"{ROOT} input[type=range]").fill("5")
    assert step_no(page) == 5

    page.wait_for_timeout(500)
    assert len(sent) == before, f"stepping sent {len(sent) - before} websocket frames to the server"
    check_downloads(page)
    assert_healthy(page)


def test_play_pause_and_speed(app_url, page):
    sent = open_explorer(page, app_url)
    page.wait_for_timeout(500)
    before = len(sent)
    page.locator(f"{ROOT} select[data-role=speed]").select_option("1")
    press(page, "play")
    assert page.locator(f'{ROOT} button[data-action="play"]').inner_text().endswith("Pause")
    page.wait_for_function("() => /^Step [2-9]/.test(document.querySelector('.kx-label').textContent)",
                           timeout=20_000)
    press(page, "play")  # pause, well before the end (1 step per second)
    held = step_no(page)
    assert 2 <= held < last_step(page)
    shot(page, "explorer-3-paused")
    page.wait_for_timeout(1200)
    assert step_no(page) == held, "the cursor moved while paused"
    assert page.locator(f'{ROOT} button[data-action="play"]').inner_text().endswith("Play")
    # space plays on (at 4 steps per second) to the end, where it stops by itself
    page.locator(f"{ROOT} select[data-role=speed]").select_option("4")
    page.locator(ROOT).focus()
    page.keyboard.press(" ")
    page.wait_for_function("() => { const m = /Step (\\d+) of (\\d+)/.exec(document.querySelector('.kx-label').textContent);"
                           " return m && m[1] === m[2]; }", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('.kx-root').dataset.playing", timeout=5_000)
    assert "Converged after" in story(page)
    # a slow speed: one step per 4 s, so half a second later it has not moved twice
    page.locator(f"{ROOT} select[data-role=speed]").select_option("0.25")
    press(page, "play")  # from the end: starts over at 0
    page.wait_for_timeout(500)
    assert step_no(page) <= 1
    press(page, "play")
    assert len(sent) == before, "playing sent websocket frames"
    assert_healthy(page)


def test_drag_a_centre_then_run_from_here(app_url, page):
    open_explorer(page, app_url)
    press(page, "assign")
    before_codes, before_story = point_codes(page), story(page)
    x, y = centre_pixels(page)[0]
    page.mouse.move(x, y)
    page.mouse.down()
    for t in range(1, 11):  # drag centre 1 well across the chart, in small moves
        page.mouse.move(x + 25 * t, y + 18 * t)
    shot(page, "explorer-4-dragging")
    live = story(page)
    assert live.startswith("Your centres:") and "inertia" in live, live
    page.mouse.up()
    after_codes = point_codes(page)
    changed = sum(a != b for a, b in zip(before_codes, after_codes))
    assert changed > 0, "dragging a centre recoloured no point"
    live_inertia = re.search(r"inertia ([\d,.]+)", story(page)).group(1)
    recorded = re.search(r"inertia ([\d,.]+)", before_story).group(1)
    assert live_inertia != recorded
    assert page.locator(f"{ROOT} .kx-drag button[data-action=run-from]").is_visible()
    shot(page, "explorer-5-dragged")
    old_run = page.locator(ROOT).get_attribute("data-run")
    press(page, "run-from")
    page.wait_for_function(f"(old) => document.querySelector('{ROOT}').dataset.run !== old", arg=old_run,
                           timeout=60_000)
    wait_idle(page)
    assert page.get_by_text("This run starts from the centres you dragged").is_visible()
    # the new run plays by itself, to its converged end
    page.wait_for_function("() => { const m = /Step (\\d+) of (\\d+)/.exec(document.querySelector('.kx-label').textContent);"
                           " return m && m[1] === m[2] && m[1] !== '0'; }", timeout=60_000)
    assert "Converged after" in story(page)
    page.locator(ROOT).focus()
    page.keyboard.press("Home")
    assert "where you dragged them" in story(page)
    shot(page, "explorer-6-run-from-here")
    # the point-to-centre lines toggle
    page.locator(f"{ROOT} input[data-role=lines]").check()
    assert page.evaluate(f"() => document.querySelector('{PLOT}').data.some((t) => t.name === 'to centre')") is False
    page.keyboard.press("ArrowRight")
    assert page.evaluate(f"() => document.querySelector('{PLOT}').data.some((t) => t.name === 'to centre')")
    shot(page, "explorer-7-lines")
    page.get_by_role("button", name="Back to k-means++ init").click()
    wait_idle(page)
    page.wait_for_function(f"(old) => document.querySelector('{ROOT}').dataset.run === old", arg=old_run,
                           timeout=60_000)
    assert_healthy(page)


def test_pick_init_by_clicking_points(app_url, page):
    open_explorer(page, f"{app_url}/?init=pick&k=3")
    page.get_by_text("Picked 0 of 3").wait_for(timeout=30_000)
    assert label(page) == "Click a point to place centre 1 of 3"
    shot(page, "explorer-8-pick-empty")
    for n, i in enumerate([40, 260, 470]):
        x, y = page.evaluate(f"""(i) => {{
            const gd = document.querySelector('{PLOT}'), fl = gd._fullLayout, r = gd.getBoundingClientRect();
            const t = gd.data[0];
            return [r.left + fl.xaxis._offset + fl.xaxis.d2p(t.x[i]), r.top + fl.yaxis._offset + fl.yaxis.d2p(t.y[i])];
        }}""", i)
        page.mouse.move(x, y)
        page.wait_for_timeout(150)  # Plotly picks the point under the mouse on hover
        page.mouse.click(x, y)
        wait_idle(page)
        if n < 2:
            page.get_by_text(f"Picked {n + 1} of 3").wait_for(timeout=30_000)
            page.wait_for_function(f"() => document.querySelector('.kx-label').textContent.includes('centre {n + 2} of 3')",
                                   timeout=30_000)
            shot(page, f"explorer-9-picked-{n + 1}")
    page.wait_for_function("() => document.querySelector('.kx-root').dataset.mode === 'run'", timeout=30_000)
    page.wait_for_selector(READY)
    assert label(page).startswith("Step 0 of") and "picked by you" in story(page)
    press(page, "converge")
    assert "Converged after" in story(page)
    shot(page, "explorer-10-pick-converged")
    assert_healthy(page)


def test_cursor_survives_page_switch_reload_and_resize(app_url, page):
    open_explorer(page, f"{app_url}/?seed=3")
    page.locator(ROOT).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert step_no(page) == 3
    page.locator('[data-testid="stSidebarNav"] a', has_text="Elbow").first.click()
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Explorer").first.click()
    wait_idle(page)
    page.wait_for_selector(READY, timeout=60_000)
    assert step_no(page) == 3, "the page switch lost the cursor"
    page.reload()
    wait_idle(page)
    page.wait_for_selector(READY, timeout=60_000)
    assert step_no(page) == 3, "the reload lost the cursor"
    width = page.evaluate(f"() => document.querySelector('{PLOT}')._fullLayout.width")
    page.set_viewport_size({"width": 1000, "height": 800})
    page.wait_for_function(f"(w) => document.querySelector('{PLOT}')._fullLayout.width < w", arg=width,
                           timeout=10_000)
    shot(page, "explorer-11-resized")
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
