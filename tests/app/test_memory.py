"""Memory: long sessions do not grow without bound, and every cache has a size limit.

One AppTest session does 200 reruns (pages, k and seed changes) and 20
uploads of different files; after it is closed, the Datasets it built must be
freed except the few the bounded caches keep, and the process's resident
memory must be back within a stated bound. The server-level version (a real
websocket session, disconnected) is in bench/load_test.py --memory.
"""

import ast
import gc
import threading
import weakref
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from kmeans_app import state
from tests.fixtures.hostile import good_csv, real_errors

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
RERUNS = 200
UPLOADS = 20
# After closing the session, resident memory may exceed the warmed-up level by at most this.
RSS_BOUND_MIB = 150
UPLOADER_KEY = getattr(state, "UPLOADER", "upload_file")


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def app_sources():
    return [ROOT / "app.py", *sorted((ROOT / "kmeans_app").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]


def cache_decorators(path):
    """(line, kind, keyword names) of every st.cache_data / st.cache_resource use in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if id(node) in called:
            continue  # the attribute of st.cache_data(...): counted with its call
        target = node.func if isinstance(node, ast.Call) else node
        if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
            kws = {k.arg for k in node.keywords} if isinstance(node, ast.Call) else set()
            found.append((node.lineno, target.attr, kws))
    return found


def test_every_cache_has_max_entries():
    missing, seen = [], 0
    for path in app_sources():
        for line, kind, kws in cache_decorators(path):
            seen += 1
            if "max_entries" not in kws:
                missing.append(f"{path.relative_to(ROOT)}:{line} st.{kind} without max_entries")
    assert seen >= 2, "no caches found: the scan is broken"
    assert not missing, "unbounded caches:\n" + "\n".join(missing)


def test_cache_scan_catches_a_bare_decorator(tmp_path):
    """The scan above sees both @st.cache_data and @st.cache_data(...) forms."""
    src = tmp_path / "x.py"
    src.write_text("import streamlit as st\n@st.cache_data\ndef f(): pass\n"
                   "@st.cache_resource(ttl=5)\ndef g(): pass\n@st.cache_data(max_entries=3)\ndef h(): pass\n")
    got = [(kind, "max_entries" in kws) for _, kind, kws in cache_decorators(src)]
    assert got == [("cache_data", False), ("cache_resource", False), ("cache_data", True)]


def _upload(at, i):
    up = [w for w in at.get("file_uploader") if getattr(w, "key", None) == UPLOADER_KEY]
    assert up, "the CSV uploader is missing from the sidebar"
    up[0].set_value((f"file{i}.csv", good_csv(rows=150 + i, seed=100 + i), "text/csv"))
    at.run()


def test_long_session_then_close():
    with real_errors():
        # Warm up in a throwaway session: imports, figure templates, generated-data cache.
        warm = AppTest.from_file(APP, default_timeout=60).run()
        for page in PAGES:
            warm.switch_page(page).run()
        del warm
        gc.collect()
        base = rss_mib()

        at = AppTest.from_file(APP, default_timeout=60).run()
        at.sidebar.selectbox(key="dataset").set_value(state.UPLOAD_OPTION).run()
        built = []
        runs = 0
        for i in range(UPLOADS):
            _upload(at, i)
            runs += 1
            assert not at.exception, [e.value for e in at.exception]
            ds = at.session_state[state.UPLOAD_KEY]
            assert ds.name == f"file{i}.csv", f"upload {i} did not become the data"
            built.append(weakref.ref(ds))
            del ds
            # reruns on this upload: page switches, k and seed changes
            for j in range(RERUNS // UPLOADS - 1):
                if j % 3 == 0:
                    at.switch_page(PAGES[(i + j) % len(PAGES)])
                    at.run()
                elif j % 3 == 1:
                    at.sidebar.slider(key="k").set_value(2 + (i + j) % 6).run()
                else:
                    at.sidebar.number_input(key="seed").set_value((i * 7 + j) % 50).run()
                runs += 1
                assert not at.exception, [e.value for e in at.exception]
        assert runs == RERUNS
        peak = rss_mib()
        del at
        # A closed session's last script threads may still be unwinding on a loaded machine; what
        # they hold is released when they end, so wait for them (not a leak) before counting.
        for t in threading.enumerate():
            if t.name == "ScriptRunner.scriptThread":
                t.join(timeout=60)
        gc.collect()
        in_caches = sum(r() is not None for r in built)  # kept by the shared caches (bounded: see above)
        after = rss_mib()
        st.cache_data.clear()
        st.cache_resource.clear()
        gc.collect()
        alive = sum(r() is not None for r in built)
    print(f"RSS: warmed {base:.0f} MiB, after {RERUNS} runs/{UPLOADS} uploads {peak:.0f} MiB, "
          f"closed {after:.0f} MiB; uploaded Datasets still alive: {in_caches}/{UPLOADS} in the shared caches, "
          f"{alive} once they are cleared")
    # Only the shared caches, each bounded (test_every_cache_has_max_entries), may keep an upload; the
    # closed session itself keeps none.
    assert alive == 0, f"{alive} of {UPLOADS} uploaded Datasets outlive the closed session and its caches"
    assert after - base <= RSS_BOUND_MIB, f"RSS grew by {after - base:.0f} MiB (bound {RSS_BOUND_MIB})"
