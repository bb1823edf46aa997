"""A tiny version of bench/load_test.py: 3 concurrent websocket sessions for a few seconds.

Its own server (scripts/serve.py, one process), real Streamlit protocol sessions,
each loading data (sessions 1 and 2 upload a CSV), opening the Explorer and using the
Elbow page (its "show the clustering for k" slider is a fragment rerun). No
errors, no tracebacks in the server log, every session served. Speed is not
asserted here: the full 30-session run on the class server is `make loadtest`
(docs/load-class.md, docs/load.md).
"""

import pytest

from bench.load_test import Server, run_load

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server():
    srv = Server()
    try:
        yield srv
    finally:
        srv.stop()


def test_three_sessions_no_errors(server):
    rss_before = server.rss_mib()
    result = run_load(server, sessions=3, seconds=4, ramp=0.5)
    assert result["errors"] == 0, result["failures"]
    print({k: v for k, v in result.items() if k != "by_action"})
    assert result["served"] == 3, result
    assert result["uploads"] >= 1, "no session reached the CSV uploader"
    assert result["interactions"] >= 3 * 6, result
    assert result["by_action"]["elbow show k"][0] >= 3  # every session moved the fragment's slider
    assert server.rss_mib() > 0 and rss_before > 0
    log = server.log_text()
    assert "Traceback" not in log, log[-3000:]
