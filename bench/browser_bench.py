"""Browser benchmark of the Explorer: time from a click or key to the drawn step, in Chromium.

    .venv/bin/python bench/browser_bench.py            # writes its section of docs/benchmarks.md
    .venv/bin/python bench/browser_bench.py --steps 20 --no-load --output -

At 5,000 points and k = 10 (Blobs), 50 half-steps, alternately the → key and a
click on Assign / Update (Home at the end of the run). Measured inside the page:
from the input event's timeStamp to the first requestAnimationFrame callback
after the component's Plotly update call (explorer.js records it). Reported as
p50 / p95, once on an idle server and once while ``bench/load_test.py --sessions
30`` drives 30 other sessions against the same server. The websocket frames the
browser sends while stepping are counted (target 0: stepping never reaches the
server). The payload sizes come from the payload builder itself.

Targets: p95 <= 50 ms in both cases, 0 frames, payload <= 3 MB at 5,000 points.
The section is written between ``<!-- browser -->`` and ``<!-- /browser -->`` in
docs/benchmarks.md, so the core benchmark (bench/run_bench.py) keeps it.
"""

import argparse
import datetime
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
QUERY = "?n=5000&k=10"
BEGIN, END = "<!-- browser -->", "<!-- /browser -->"
TARGET_MS = 50.0
TARGET_BYTES = 3_000_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    """scripts/serve.py on a free port; returns (process, url)."""
    port = free_port()
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / f"browser-bench-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "scripts/serve.py", "--server.headless", "true", "--server.port", str(port),
                             "--server.address", "127.0.0.1"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url, log
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the app server did not start within 60 s")


def percentile(values, q):
    return float(np.percentile(np.asarray(values, dtype=float), q))


def measure(browser, url, steps):
    """Step the Explorer ``steps`` times.

    Returns (latencies in ms, the synchronous draw work in ms, websocket frames sent while stepping).
    """
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    sent, errors = [], []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + QUERY)
    page.wait_for_selector('.kx-root[data-ready="1"]', timeout=180_000)
    page.wait_for_timeout(1500)
    # The input's own time stamp (same clock as performance.now()), before any handler runs.
    page.evaluate("""() => { for (const ev of ['keydown', 'click'])
        document.addEventListener(ev, (e) => { window.__t0 = e.timeStamp; }, true); }""")
    root = page.locator(".kx-root")
    root.focus()
    before = len(sent)
    out = []
    for i in range(steps):
        draws = int(root.get_attribute("data-draws") or 0)
        label = root.locator(".kx-label").inner_text()
        m = re.match(r"Step (\d+) of (\d+)", label)
        at_end = m and m.group(1) == m.group(2)
        if at_end:
            page.keyboard.press("Home")
        elif i % 2 == 0:
            page.keyboard.press("ArrowRight")
        else:
            enabled = [a for a in ("assign", "update") if root.locator(f'button[data-action="{a}"]').is_enabled()]
            nxt = enabled[0] if enabled else None
            if nxt is None:
                page.keyboard.press("ArrowRight")
            else:
                root.locator(f'button[data-action="{nxt}"]').click()
            root.focus()
        page.wait_for_function("(n) => Number(document.querySelector('.kx-root').dataset.draws) > n", arg=draws,
                               timeout=30_000)
        out.append(page.evaluate("""() => { const d = document.querySelector('.kx-root').dataset;
            return [Number(d.drawnAt) - window.__t0, Number(d.drawMs)]; }"""))
    page.wait_for_timeout(300)
    frames = len(sent) - before
    page.close()
    if errors:
        raise SystemExit(f"page errors while stepping: {errors}")
    return [o[0] for o in out], [o[1] for o in out], frames


def payload_sizes():
    """Bytes of the component's payload: the benchmark's data, and the 3 MB case (5,000 x k=20 x 300)."""
    from kmeans_app.data.datasets import generate
    from kmeans_app.explorer.payload import payload_bytes, run_payload
    from kmeans_core import KMeans
    from tests.app.test_explorer_payload import synthetic_run

    out = {}
    X = generate("blobs", {"n": 5000}).X
    km = KMeans(10, n_init=1, random_state=0, tol=0).fit(X)
    out["Blobs 5,000 points, k = 10 (the benchmark run)"] = (
        payload_bytes(run_payload(km, X, np.arange(len(X)), X, lambda c: c, run_id="b", n_total=len(X),
                                  init="k-means++", max_iter=300)), km.n_iter_)
    P = np.random.default_rng(1).uniform(-10, 10, size=(5000, 2))
    for changed, what in ((None, "every point relabelled each iteration (worst case)"),
                          (50, "50 points relabelled per iteration")):
        model = synthetic_run(changed=changed)
        out[f"5,000 points, k = 20, 300 iterations, {what}"] = (
            payload_bytes(run_payload(model, P, np.arange(len(P)), P, lambda c: c, run_id="s", n_total=len(P),
                                      init="random", max_iter=300)), 300)
    return out


def load_test(url, seconds):
    """bench/load_test.py --sessions 30 against ``url`` in the background (its report goes to bench/)."""
    out = ROOT / "test-artifacts" / "browser-bench-load.md"  # its own report, not docs/load.md
    cmd = [sys.executable, "bench/load_test.py", "--sessions", "30", "--url", url, "--seconds", str(seconds),
           "--out", str(out), "--no-interrupt"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            text=True)


def section(results, sizes, started):
    lines = [BEGIN, "## Browser: the Explorer component", "",
             f"Generated by `bench/browser_bench.py` (`make bench`) on {started:%Y-%m-%d %H:%M} UTC, headless Chromium "
             f"({' '.join(ARGS)}), {os.cpu_count()} cores shared by the server, the browser and the load.", "",
             "Time from a click or key to the first animation frame after Plotly's update call, measured in the page "
             "(event timeStamp → requestAnimationFrame), at 5,000 points and k = 10:", "",
             "| case | steps | p50 ms | p95 ms | max ms | draw work p50 / p95 ms | ws frames sent while stepping | target |",
             "|---|---|---|---|---|---|---|---|"]
    for name, (lat, work, frames, load_avg) in results.items():
        p95 = percentile(lat, 95)
        ok = "✓" if p95 <= TARGET_MS and frames == 0 else "✗"
        lines.append(f"| {name} (machine load average {load_avg:.1f}) | {len(lat)} | {percentile(lat, 50):.1f} | {p95:.1f} {ok} "
                     f"| {max(lat):.1f} | {percentile(work, 50):.1f} / {percentile(work, 95):.1f} | {frames} "
                     f"| p95 <= {TARGET_MS:.0f} ms, 0 frames |")
    lines += ["", "*Draw work* is the synchronous part (our code and Plotly's update call, measured around it); "
              "the rest of the latency is the wait for the next animation frame, and on a busy machine for a core. "
              "The load average is the machine's at the end of the case (2 cores: above 2 everything waits)."]
    lines += ["", "Payload (the JSON the component gets once per run):", "", "| run | iterations | bytes | target |",
              "|---|---|---|---|"]
    for name, (size, iters) in sizes.items():
        ok = "✓" if size <= TARGET_BYTES else "✗"
        lines.append(f"| {name} | {iters} | {size / 1e6:.2f} MB {ok} | <= 3 MB |")
    lines += ["", END]
    return "\n".join(lines)


def write_section(path, text):
    path = Path(path)
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: text, old, flags=re.S)
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--no-load", action="store_true", help="skip the run under 30 load-test sessions")
    ap.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"), help="'-' prints the section only")
    args = ap.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"no Chromium at {CHROMIUM}: run `make browser` first")
    from playwright.sync_api import sync_playwright

    from kmeans_app.explorer.static import ensure_plotly

    ensure_plotly()
    started = datetime.datetime.now(datetime.UTC)
    sizes = payload_sizes()
    proc, url, log = start_server()
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            lat, work, frames = measure(browser, url, args.steps)
            results["server without load-test sessions"] = (lat, work, frames, os.getloadavg()[0])
            print(f"no load test: p50 {percentile(lat, 50):.1f} ms, p95 {percentile(lat, 95):.1f} ms, work p50 "
                  f"{percentile(work, 50):.1f} p95 {percentile(work, 95):.1f}, {frames} frames", flush=True)
            if not args.no_load:
                load = load_test(url, seconds=90)
                time.sleep(20)  # let the 30 sessions connect and start clicking
                lat, work, frames = measure(browser, url, args.steps)
                results["30 load-test sessions on the same server"] = (lat, work, frames, os.getloadavg()[0])
                print(f"loaded: p50 {percentile(lat, 50):.1f} ms, p95 {percentile(lat, 95):.1f} ms, work p50 "
                      f"{percentile(work, 50):.1f} p95 {percentile(work, 95):.1f}, {frames} frames", flush=True)
                load.terminate()
                try:
                    load.wait(30)
                except subprocess.TimeoutExpired:
                    load.kill()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()
    text = section(results, sizes, started)
    if args.output == "-":
        print(text)
    else:
        write_section(args.output, text)
        print(f"wrote the browser section of {args.output}")
    failed = any(percentile(lat, 95) > TARGET_MS or frames for lat, _, frames, _ in results.values())
    return 1 if failed or any(size > TARGET_BYTES for size, _ in sizes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
