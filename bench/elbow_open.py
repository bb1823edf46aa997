"""CPU seconds of one cold open of the Elbow page at the class load test's sizes (issue 11).

bench/load_test.py's students each work on their own data (generated sets of 200-1,000
points, or a 300-row x 3 CSV upload) and open the Elbow page with the default settings, so
nearly every open is cold: nothing for that data is cached. This runs the real page
(app.py, the shared sidebar, pages/elbow.py) through Streamlit's AppTest on fresh data each
round (a new data seed: a new cache key) and measures time.process_time() (CPU of the whole
process, every thread) and the wall time of that one run, then of a rerun that changed
nothing. A first round warms up imports and is not counted. As on a class-server replica,
the core and BLAS run on one thread (KMEANS_THREADS=1, OPENBLAS_NUM_THREADS=1, unless set).

    .venv/bin/python bench/elbow_open.py [--points 500] [--rounds 7] [--upload] [--profile]
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _var in ("KMEANS_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported: what scripts/class_server.py sets

import numpy as np  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.load_test import small_csv  # noqa: E402
from kmeans_app.data.datasets import Dataset  # noqa: E402
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION  # noqa: E402


def csv_dataset(seed):
    """What the load test's upload gives the pages: 300 rows x 3 columns (height, weight, age)."""
    lines = small_csv(seed).decode().strip().splitlines()
    X = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    return Dataset(np.ascontiguousarray(X), ("height", "weight", "age"), f"class-{seed}.csv", None,
                   f"upload:bench-open:{seed}", generated=False)


def new_app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.switch_page("pages/elbow.py")
    return at


def set_data(at, round_no, points, upload):
    """Fresh data for this round (nothing cached for it), as a student's new data set or upload."""
    if upload:
        at.session_state["dataset"] = UPLOAD_OPTION
        at.session_state[UPLOAD_KEY] = csv_dataset(10_000 + round_no)
    else:
        at.session_state["dataset"] = "blobs"
        at.session_state["n"] = points
        at.session_state["data_seed"] = 500 + round_no


def timed_run(at):
    c, w = time.process_time(), time.perf_counter()
    at.run()
    cpu, wall = time.process_time() - c, time.perf_counter() - w
    assert not at.exception, [e.message for e in at.exception]
    return cpu, wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--upload", action="store_true", help="the load test's 300-row CSV upload instead")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one more cold open")
    args = ap.parse_args(argv)
    la0 = os.getloadavg()
    at = new_app()  # one session: the AppTest's own set-up (component scan) is not counted
    set_data(at, 0, args.points, args.upload)
    timed_run(at)  # warm-up: imports, Streamlit's first run
    cold, warm = [], []
    for r in range(1, args.rounds + 1):
        set_data(at, r, args.points, args.upload)
        cold.append(timed_run(at))
        warm.append(timed_run(at))
        print(f"round {r}: cold CPU {cold[-1][0]:.3f} s (wall {cold[-1][1]:.3f} s), unchanged rerun CPU "
              f"{warm[-1][0]:.3f} s (wall {warm[-1][1]:.3f} s)", flush=True)
    what = "300-row x 3 upload" if args.upload else f"{args.points} blobs"
    print(f"{what}: median cold open CPU {statistics.median(c for c, _ in cold):.3f} s, wall "
          f"{statistics.median(w for _, w in cold):.3f} s; unchanged rerun CPU "
          f"{statistics.median(c for c, _ in warm):.3f} s; load average {la0} -> {os.getloadavg()}")
    if args.profile:
        # The page runs in AppTest's script thread: profile every thread started from here on.
        set_data(at, args.rounds + 1, args.points, args.upload)
        prof = cProfile.Profile()
        threading.setprofile(lambda *a: (sys.setprofile(None), prof.enable()))
        timed_run(at)
        threading.setprofile(None)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
