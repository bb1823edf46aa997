"""The Elbow page on a 1,000,000 x 3 upload (data already loaded, default settings): how long?

Issue 12's target: at most 4 s. Runs the real page through Streamlit's AppTest (app.py, the
shared sidebar, pages/elbow.py) with the dataset in the session as an upload leaves it, and
times one cold run (nothing cached), then a rerun that changed nothing. Also checks the
inertia the chart shows for one (k, seed) against a direct all-rows computation.

    .venv/bin/python bench/elbow_big.py [--rows 1000000] [--rounds 3]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from kmeans_app.choosing_k import sweeps as ck  # noqa: E402
from kmeans_app.data.datasets import Dataset  # noqa: E402
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION  # noqa: E402


def big_dataset(n, seed):
    X, _ = make_blobs(n, n_features=3, centers=5, cluster_std=1.5, random_state=seed)
    return Dataset(np.ascontiguousarray(X), ("a", "b", "c"), "big.csv", None, f"upload:bench:{n}:{seed}",
                   generated=False)


def one_round(n, seed):
    ds = big_dataset(n, seed)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["dataset"] = UPLOAD_OPTION
    at.session_state[UPLOAD_KEY] = ds
    at.switch_page("pages/elbow.py")
    t = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t
    assert not at.exception, [e.message for e in at.exception]
    t = time.perf_counter()
    at.run()
    warm = time.perf_counter() - t
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    # Two sweep runs (k = 4, first seed; k = 10, last seed): the inertia the chart uses is that of
    # all rows at the run's centres, here computed directly (differences, no expansion).
    rel = 0.0
    for k, seed in ((4, 0), (10, ck.DEFAULT_SEEDS - 1)):
        fit = ck.fit_one(ds.X, ds.key, k, "k-means++", seed)
        d2 = np.full(len(ds.X), np.inf)
        for c in fit.centers:
            np.minimum(d2, ((ds.X - c) ** 2).sum(axis=1), out=d2)
        rel = max(rel, abs(fit.inertia - float(d2.sum())) / float(d2.sum()))
    return cold, warm, rel, chart


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    colds, warms = [], []
    la0 = os.getloadavg()
    for r in range(args.rounds):
        cold, warm, rel, _ = one_round(args.rows, seed=100 + r)
        colds.append(cold)
        warms.append(warm)
        print(f"round {r + 1}: cold {cold:.2f} s, unchanged rerun {warm:.3f} s, "
              f"all-rows inertia relative error {rel:.1e}", flush=True)
        assert rel < 1e-10, f"the sweep's all-rows inertia is off by {rel:.1e}"
    print(f"median cold {statistics.median(colds):.2f} s (target <= 4 s), unchanged rerun "
          f"{statistics.median(warms):.3f} s; load average {la0} before, {os.getloadavg()} after")


if __name__ == "__main__":
    main()
