"""First visit of the Soft and Gaussian, Mini-batch and When K-means fails pages in Chromium.

    .venv/bin/python bench/beyond_bench.py               # 3 rounds, prints a table
    .venv/bin/python bench/beyond_bench.py --rounds 5

Each round starts a fresh app server (scripts/serve.py), so every page's caches are cold,
and loads the Explorer once so that the one-off cost of starting Python modules (numpy,
scikit-learn, plotly) is not charged to the first page measured. Then, in a new browser
tab each, every page is opened at its default sizes (Blobs, 500 points, k = 4; moons at
500 points) and timed from navigation to the script being idle with all its charts drawn
(``.js-plotly-plot`` count reached). A second visit (caches warm) is timed the same way, and the existing Silhouette page
is timed alongside as a baseline for how loaded the machine is.

Target: first visit <= 2 s for each page (median over the rounds). Not a test: timings on
a shared machine vary; the medians are what to compare.

``--nav`` opens the Explorer once and reaches each page through the sidebar (the page's
first visit within a session, caches cold, the JS bundle already loaded; the Silhouette page
goes first and pays for loading Streamlit's Plotly chunk, which every later page shares). ``--cpu`` instead runs each page's first visit in Streamlit's AppTest (in this process,
after one warm-up page) and reports the CPU seconds of the run (process time, all
threads): the server's own work, much less sensitive to other load on the machine than
the wall-clock browser time. ``--floor`` times the same fresh-tab visit of a bare Streamlit page
(bench/floor_app.py) without and with one 3-point st.plotly_chart: what any page costs before
its own work (Streamlit's start, then Streamlit's Plotly chunk).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser_bench import ARGS, CHROMIUM, free_port, start_server  # noqa: E402

PAGES = (("soft_gaussian", 1), ("minibatch", 3), ("failures", 2))  # (url path, charts drawn)
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
BASELINE = ("silhouette", 3)  # an existing page, timed the same way: how loaded the machine is
NAV_TITLES = {"soft_gaussian": "Soft and Gaussian", "minibatch": "Mini-batch", "failures": "When K-means fails",
              "silhouette": "Silhouette"}
TARGET_S = 2.0


def visit(browser, url, charts):
    """Seconds from navigation to an idle script with ``charts`` Plotly charts drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        f"""() => document.querySelector('{IDLE}') && !document.querySelector('[data-testid="stStatusWidget"]')
                  && document.querySelector('[data-testid="stMain"] h1')
                  && document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}""",
        timeout=120_000, polling=20)
    elapsed = time.perf_counter() - t
    context.close()
    return elapsed


def switch(page, name, charts):
    """Seconds from clicking ``name`` in the sidebar navigation of an open app to its charts drawn."""
    t = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"]').get_by_text(NAV_TITLES[name], exact=True).click()
    page.wait_for_url(f"**/{name}")
    page.wait_for_function(
        f"""() => document.querySelector('{IDLE}') && !document.querySelector('[data-testid="stStatusWidget"]')
                  && document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}""",
        timeout=120_000, polling=20)
    return time.perf_counter() - t


def one_round(pw):
    proc, url, log = start_server()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        visit(browser, url + "/", 1)  # module imports, not charged to the pages
        first = {p: visit(browser, f"{url}/{p}", c) for p, c in PAGES + (BASELINE,)}
        second = {p: visit(browser, f"{url}/{p}", c) for p, c in PAGES + (BASELINE,)}
        browser.close()
        return first, second
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def nav_round(pw):
    """A fresh server; one tab opens the Explorer, then switches to each page through the sidebar
    (each page's first visit in that session, caches cold)."""
    proc, url, log = start_server()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.goto(url + "/")
        page.wait_for_selector(IDLE, timeout=120_000)
        page.wait_for_selector(".js-plotly-plot, iframe", timeout=120_000)
        page.wait_for_timeout(1000)
        # The baseline goes first: the first st.plotly_chart of a tab loads Streamlit's Plotly
        # chunk (about 1 s here), which every page after it shares.
        times = {p: switch(page, p, c) for p, c in (BASELINE,) + PAGES}
        browser.close()
        return times
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def floor_rounds(pw, rounds):
    """Fresh-tab visits of bench/floor_app.py: {"no chart": [s...], "one chart": [s...]}."""
    import urllib.request

    out = {}
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    for label, chart in (("no chart", "0"), ("one chart", "1")):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "floor_app.py"),
                                 "--server.headless", "true", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=dict(os.environ, FLOOR_CHART=chart), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            visit(browser, url, 0)  # the server's first run (imports), not charged
            out[label] = [visit(browser, url, int(chart)) for _ in range(rounds)]
        finally:
            proc.terminate()
            proc.wait(10)
    browser.close()
    return out


def server_cpu():
    """CPU and wall seconds of each page's first (cold-cache) AppTest run, after a warm-up page."""
    from streamlit.testing.v1 import AppTest

    def run(page):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.switch_page(page)
        c, w = time.process_time(), time.perf_counter()
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        return time.process_time() - c, time.perf_counter() - w

    run("pages/explorer.py")  # imports and the shared sidebar's caches
    print("| page | first run, CPU s | wall s |\n|---|---|---|")
    for p, _ in PAGES + (BASELINE,):
        cpu, wall = run(f"pages/{p}.py")
        print(f"| {p} | {cpu:.2f} | {wall:.2f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", action="store_true", help="AppTest CPU time of each first run instead")
    parser.add_argument("--nav", action="store_true",
                        help="switch pages through the sidebar of one open tab instead of new tabs")
    parser.add_argument("--floor", action="store_true",
                        help="a bare Streamlit page in a fresh tab, without and with one small chart")
    args = parser.parse_args(argv)
    if args.floor:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            times = floor_rounds(pw, args.rounds)
        print(f"\n| bare page, fresh tab | median of {args.rounds} (s) | range |\n|---|---|---|")
        for label, v in times.items():
            print(f"| {label} | {statistics.median(v):.2f} | {min(v):.2f}-{max(v):.2f} |")
        return None
    if args.cpu:
        return server_cpu()
    if args.nav:
        from playwright.sync_api import sync_playwright

        rows = {p: [] for p, _ in PAGES + (BASELINE,)}
        with sync_playwright() as pw:
            for r in range(args.rounds):
                t = nav_round(pw)
                print(f"round {r + 1}: " + ", ".join(f"{p} {v:.2f} s" for p, v in t.items()), flush=True)
                for p, v in t.items():
                    rows[p].append(v)
        print(f"\n| page | first visit by the sidebar, median of {args.rounds} (s) | range | target <= {TARGET_S:g} s |")
        print("|---|---|---|---|")
        for p, v in rows.items():
            med = statistics.median(v)
            print(f"| {p} | {med:.2f} | {min(v):.2f}-{max(v):.2f} | "
                  f"{'(baseline)' if p == BASELINE[0] else 'met' if med <= TARGET_S else 'NOT met'} |")
        return None
    from playwright.sync_api import sync_playwright

    firsts, seconds = {p: [] for p, _ in PAGES + (BASELINE,)}, {p: [] for p, _ in PAGES + (BASELINE,)}
    with sync_playwright() as pw:
        for r in range(args.rounds):
            first, second = one_round(pw)
            for p in first:
                firsts[p].append(first[p])
                seconds[p].append(second[p])
            print(f"round {r + 1}: " + ", ".join(f"{p} {first[p]:.2f} s / {second[p]:.2f} s" for p in first),
                  flush=True)
    print(f"\n| page | first visit, median of {args.rounds} (s) | range | second visit, median (s) | "
          f"target <= {TARGET_S:g} s |")
    print("|---|---|---|---|---|")
    for p, _ in PAGES + (BASELINE,):
        med = statistics.median(firsts[p])
        print(f"| {p} | {med:.2f} | {min(firsts[p]):.2f}-{max(firsts[p]):.2f} | "
              f"{statistics.median(seconds[p]):.2f} | "
              f"{'(baseline)' if p == BASELINE[0] else 'met' if med <= TARGET_S else 'NOT met'} |")


if __name__ == "__main__":
    main()
