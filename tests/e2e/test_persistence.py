"""Nothing lost: page switches, reruns and reloading the shareable URL keep data, settings and result.

In a real browser: set the dataset, its size, k and the seed in the sidebar,
step the Explorer to half-step 3 (its cursor lives in the browser, kept per run
in sessionStorage), note what it says (its step label, narration, inertia),
switch pages, come back, rerun, reload: the sidebar values and the Explorer's
text, cursor included, must be the same. A brand-new session on the shared
link shows the same run from its start. Also from a page other than the
Explorer (Elbow): its URL alone must carry the settings.
"""

import re

from .conftest import assert_healthy, shot, wait_idle

SETTINGS = {"Dataset": "Two moons", "Points": "300", "k (clusters)": "6", "Seed": "42"}
# Pages to visit on the way (titles in the sidebar navigation). Each must keep the settings.
OTHER_PAGES = ["Elbow", "Initialization", "Silhouette"]


def sidebar(pg):
    return pg.locator('[data-testid="stSidebar"]')


def select_option(pg, label, option):
    box = sidebar(pg).locator(f'input[aria-label="{label}"]')
    box.click()
    pg.locator('[role="option"]', has_text=re.compile(rf"^{re.escape(option)}$")).first.click()
    wait_idle(pg)


def set_number(pg, label, value):
    box = sidebar(pg).locator(f'[data-testid="stNumberInput"] input[aria-label="{label}"]')
    box.fill(str(value))
    box.press("Enter")
    wait_idle(pg)


def set_slider(pg, label, value):
    thumb = sidebar(pg).locator(f'input[type="range"][aria-label="{label}"]')
    thumb.focus()
    lo = int(float(thumb.get_attribute("min")))
    thumb.press("Home")
    for _ in range(int(value) - lo):
        thumb.press("ArrowRight")
    wait_idle(pg)


def read_settings(pg):
    sb = sidebar(pg)
    return {
        "Dataset": sb.locator('input[aria-label="Dataset"]').input_value(),
        "Points": sb.locator('[data-testid="stNumberInput"] input[aria-label="Points"]').input_value(),
        "k (clusters)": sb.locator('input[type="range"][aria-label="k (clusters)"]').input_value(),
        "Seed": sb.locator('[data-testid="stNumberInput"] input[aria-label="Seed"]').input_value(),
    }


def main_text(pg, settle_ms=800, limit_ms=30_000):
    """The main area's text once it has stopped changing (charts and text arrive in bursts)."""
    wait_idle(pg)
    last, stable, waited = None, 0, 0
    while waited < limit_ms:
        text = re.sub(r"\s+", " ", pg.locator('[data-testid="stMain"]').inner_text()).strip()
        stable = stable + 200 if text == last else 0
        if stable >= settle_ms:
            return text
        last = text
        pg.wait_for_timeout(200)
        waited += 200
    return last


def result_text(pg):
    """Sentences that state the result (inertia, narration, the Explorer's step), else the whole main text.

    The Explorer's chart is left out: its tick labels depend on the plot's pixel size, not on the result.
    """
    main_text(pg)  # wait until the page has settled
    text = re.sub(r"\s+", " ", pg.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]').cloneNode(true);
        main.querySelectorAll('.kx-plot').forEach((el) => el.remove());
        main.querySelectorAll('.kx-root *').forEach((el) => el.append(' '));
        return main.textContent; }""")).strip()
    facts = [s for s in re.split(r"(?<=[.!?])\s+", text) if re.search(r"inertia|iteration|converge", s, re.I)]
    return facts or [text]


def goto_page(pg, title):
    pg.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    wait_idle(pg)


def apply_settings(pg):
    select_option(pg, "Dataset", SETTINGS["Dataset"])
    set_number(pg, "Points", SETTINGS["Points"])
    set_slider(pg, "k (clusters)", SETTINGS["k (clusters)"])
    set_number(pg, "Seed", SETTINGS["Seed"])


def test_settings_and_result_survive_pages_reruns_and_reload(app_url, page, browser):
    page.goto(app_url)
    wait_idle(page)
    apply_settings(page)
    assert read_settings(page) == SETTINGS
    page.wait_for_selector('.kx-root[data-ready="1"]', timeout=60_000)
    at_start = result_text(page)
    assert any(s.startswith("Step 0 of") for s in at_start) or "Step 0 of" in " ".join(at_start)
    page.locator(".kx-root").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    before = result_text(page)
    assert "Step 3 of" in " ".join(before)
    shot(page, "persistence-explorer-before")
    assert_healthy(page)

    for title in OTHER_PAGES:
        goto_page(page, title)
        assert read_settings(page) == SETTINGS, f"settings changed on the {title} page"
        assert_healthy(page)
    goto_page(page, "Explorer")
    assert read_settings(page) == SETTINGS
    page.wait_for_selector('.kx-root[data-ready="1"]', timeout=60_000)
    assert result_text(page) == before, "the Explorer's result or cursor changed after visiting other pages"

    # A rerun (the R key / "Rerun" in the menu) keeps everything.
    page.locator("body").press("r")
    wait_idle(page)
    assert read_settings(page) == SETTINGS
    assert result_text(page) == before

    # Reload the shareable URL in the same tab, then open it in a brand-new session.
    url = page.url
    page.reload()
    wait_idle(page)
    page.wait_for_selector('.kx-root[data-ready="1"]', timeout=60_000)
    assert read_settings(page) == SETTINGS, f"reloading {url} lost settings"
    assert result_text(page) == before, "the Explorer's result differs after a reload"

    other = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        fresh = other.new_page()
        fresh.goto(url)
        wait_idle(fresh)
        shot(fresh, "persistence-explorer-fresh-session")
        assert read_settings(fresh) == SETTINGS, f"the shared link {url} did not carry the settings"
        fresh.wait_for_selector('.kx-root[data-ready="1"]', timeout=60_000)
        assert result_text(fresh) == at_start, "a new session on the shared link shows a different run"
    finally:
        other.close()
    assert_healthy(page)

    # Another page's URL alone carries the settings too (students share whatever page they are on).
    goto_page(page, "Elbow")
    elbow_url, elbow_before = page.url, main_text(page)
    page.reload()
    got = read_settings(page)
    shot(page, "persistence-elbow-reloaded")
    assert got == SETTINGS, f"reloading the Elbow page's URL {elbow_url} lost settings: {got}"
    assert main_text(page) == elbow_before, "the Elbow page shows something else after a reload"
    assert_healthy(page)


def test_fresh_server_deep_link_runs_the_shell():
    """The first visitor after a (re)start who opens a page's link directly still gets the app.

    With a ``pages/`` folder next to app.py, Streamlit runs a deep-linked page
    file on its own (no app.py, so no sidebar and the URL's settings ignored)
    until some session has opened the root page once. A restarted class server
    whose students reload /elbow would see that. Checked over the websocket
    protocol on a server of our own (started with the class launcher,
    scripts/serve.py, as bench/load_test.py does), so no other test has warmed it up.
    """
    from bench.load_test import Server, Session

    server = Server()
    try:
        sess = Session(server.url, "dataset=Two+moons&k=6&n=300&seed=42", timeout=60)
        try:
            res = sess.start("elbow")
            assert res.status == "ok"
            have = sorted(k for k in sess.widgets if not k.startswith("key:"))
            assert sess.has("Dataset") and sess.has("k (clusters)"), (
                f"a deep link to /elbow on a fresh server ran the page without app.py's sidebar; "
                f"widgets: {have}")
            assert list(sess.find("k (clusters)")[1].value) == [6.0]
            assert sess.find("Points")[1].value == 300
        finally:
            sess.close()
    finally:
        server.stop()
