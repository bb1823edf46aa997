"""How long the What-if page takes on a 400,000-row x 8-column upload (target: <= 3 s each).

Runs the real app (app.py, the shared sidebar, pages/whatif.py) in Streamlit's AppTest,
uploads a generated CSV through the real uploader, and times each section of the page
(profiles, axes, scaling, known labels) by wrapping the section functions, plus the page
run as a whole. Three situations, each over several rounds (medians reported):

- first view: the page opened for the first time on this data and k (fits included);
- a chart control: the axes switched between two columns and PCA (cached fits);
- new k: the sidebar's k changed (every fit is new).

Usage: .venv/bin/python bench/whatif_bench.py [--rows 400000] [--rounds 3] [--out docs/whatif-bench.md]
"""

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTIONS = ("profiles_section", "axes_section", "scaling_section", "labels_section")


def make_csv(rows, cols=8, seed=0):
    """Blobs in 8 columns of very different scales, plus a text label column."""
    rng = np.random.default_rng(seed)
    k = 5
    centres = rng.normal(0, 4, size=(k, cols))
    y = rng.integers(0, k, rows)
    X = centres[y] + rng.normal(0, 1, size=(rows, cols))
    X *= np.array([1, 10, 100, 0.1, 5, 1000, 2, 0.5])[:cols]
    buf = io.StringIO()
    buf.write(",".join(f"c{j + 1}" for j in range(cols)) + ",group\n")
    labels = np.array(list("abcde"))[y]
    np.savetxt(buf, np.column_stack([X.round(4).astype(str), labels]), fmt="%s", delimiter=",")
    return buf.getvalue().encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from kmeans_app import state
    from kmeans_app.whatif import sections
    from tests.app.navfix import NavigationPagesManager

    app_test_module.PagesManager = NavigationPagesManager  # run app.py on every run (see navfix)
    PagesManager.uses_pages_directory = None

    timings = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                timings[name] = time.perf_counter() - t0
        return wrapper

    for name in SECTIONS + ("main_run",):
        setattr(sections, name, timed(name, getattr(sections, name)))

    load_before = os.getloadavg()[0]
    datas = [make_csv(args.rows, seed=r) for r in range(args.rounds)]  # new data each round: no cache helps
    data = datas[0]
    results = {"first view": [], "chart control": [], "new k": []}
    upload_s = []
    for r in range(args.rounds):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.run()
        at.sidebar.selectbox(key="dataset").set_value(state.UPLOAD_OPTION).run()
        t0 = time.perf_counter()
        body = datas[r]
        at.file_uploader(key=state.UPLOADER).set_value((f"big{r}.csv", body, "text/csv")).run()
        upload_s.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
        ds = at.session_state[state.UPLOAD_KEY]
        assert ds.X.shape == (args.rows, 8), ds.X.shape
        at.sidebar.selectbox(key=state.UPLOAD_LABELS).set_value("group").run()

        def page_run(action, at=at):
            timings.clear()
            t0 = time.perf_counter()
            action()
            total = time.perf_counter() - t0
            assert not at.exception, [e.value for e in at.exception]
            return dict(timings, page=total)

        results["first view"].append(page_run(lambda at=at: at.switch_page("pages/whatif.py").run()))
        results["chart control"].append(page_run(
            lambda at=at: at.radio(key=sections.AXES_KEY).set_value(sections.AXES_PCA).run()))
        results["new k"].append(page_run(lambda at=at, r=r: at.sidebar.slider(key="k").set_value(5 + r % 2).run()))

    cols = ("main_run",) + SECTIONS + ("page",)
    lines = [
        "# What-if page timings",
        "",
        f"`bench/whatif_bench.py --rows {args.rows} --rounds {args.rounds}`: a {args.rows:,}-row x 8-column CSV "
        "(plus a text label column chosen as labels) uploaded through the real sidebar in AppTest; medians over "
        f"{args.rounds} rounds, seconds. `main_run` is the page's clustering (the run every page shares, "
        "tol = 0; cached once any page "
        "has drawn it for this data and k); the sections are timed on their own; `page` is the whole rerun (sidebar and "
        "upload panel included).",
        "",
        f"Machine: {platform.machine()}, {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after (other work on the machine slows every "
        "number). "
        f"Upload + parse of the {len(data) / 2**20:.0f} MB CSV: median {statistics.median(upload_s):.2f} s.",
        "",
        "| situation | " + " | ".join(c.replace("_section", "") for c in cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for situation, runs in results.items():
        cells = []
        for c in cols:
            vals = [run[c] for run in runs if c in run]
            cells.append(f"{statistics.median(vals):.2f}" if vals else "cached")
        lines.append(f"| {situation} | " + " | ".join(cells) + " |")
    worst = max(statistics.median([run[c] for run in runs if c in run] or [0])
                for runs in results.values() for c in ("profiles_section", "axes_section", "scaling_section"))
    lines += ["", f"Slowest of profiles / axes / scaling (median): {worst:.2f} s; target <= 3 s: "
              + ("met." if worst <= 3 else "NOT met.")]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
