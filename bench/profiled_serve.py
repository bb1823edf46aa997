"""scripts/serve.py with every script run profiled (bench/rerun_profile.py --actions --cprofile).

    KMEANS_PROFILE_DIR=/tmp/prof python bench/profiled_serve.py [streamlit options]

Each script run (a rerun or a fragment run) is wrapped in its own ``cProfile.Profile``
in the script thread; when it ends, ``run-NNNN.prof`` (pstats) and ``run-NNNN.json``
(that thread's CPU seconds and wall time) land in KMEANS_PROFILE_DIR. The event-loop
thread (websocket writes) is not profiled: its share is the process's CPU delta minus
the script thread's.
"""

import cProfile
import itertools
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.runtime.scriptrunner import script_runner  # noqa: E402
from streamlit.web.cli import main  # noqa: E402

OUT = Path(os.environ.get("KMEANS_PROFILE_DIR", "/tmp/kmeans-profile"))
_counter = itertools.count(1)
_original = script_runner.ScriptRunner._run_script


def _profiled_run_script(self, rerun_data):
    prof = cProfile.Profile(time.thread_time)  # CPU time of the script thread: robust to a busy machine
    c0, t0 = time.thread_time(), time.perf_counter()
    prof.enable()
    try:
        return _original(self, rerun_data)
    finally:
        prof.disable()
        n = next(_counter)
        prof.dump_stats(OUT / f"run-{n:04d}.prof")
        (OUT / f"run-{n:04d}.json").write_text(json.dumps({
            "thread_cpu_s": time.thread_time() - c0, "wall_s": time.perf_counter() - t0,
            "fragment": bool(rerun_data.fragment_id_queue)}))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    script_runner.ScriptRunner._run_script = _profiled_run_script
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    main(prog_name="streamlit")
