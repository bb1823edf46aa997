"""The class server (scripts/class_server.py): two replicas behind HAProxy, driven by Chromium.

- one browser session works through the balancer: the page, its websocket (the script
  runs and widgets answer), an upload (an HTTP PUT that must reach the replica the
  websocket talks to, by the affinity cookie);
- two browser contexts land on different replicas (round-robin for new browsers; the
  X-Kmeans-Replica header names the replica) and each keeps its own session;
- a killed replica: its student reloads and gets a working page from the other one,
  the view restored from the URL.

Nothing here depends on timing: every wait is for a state (a text, an idle app, a
health check), with generous limits.
"""

import os
import re
import shutil
import time
import urllib.request

import pytest

from .conftest import assert_healthy, shot, wait_idle
from .test_upload import GOOD, sidebar, upload

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e-class-server")]
HEADER = "x-kmeans-replica"


def _haproxy_present():
    return bool(shutil.which("haproxy") or os.access("/usr/sbin/haproxy", os.X_OK))


@pytest.fixture(scope="module")
def class_server():
    if not _haproxy_present():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but haproxy is missing (make test installs it)")
        pytest.skip("haproxy is not installed")
    from bench.load_test import ClassServer

    srv = ClassServer(replicas=2)
    try:
        yield srv
    finally:
        srv.stop()


def _replicas_seen(pg):
    """Start recording the replica header of every response from the class server."""
    seen = []
    pg.on("response", lambda r: seen.append(r.headers.get(HEADER)) if r.headers.get(HEADER) else None)
    return seen


def _new_page(browser, viewport=(1280, 720)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    pg = context.new_page()
    pg.console_errors, pg.bad_responses = [], []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on("response", lambda r: pg.bad_responses.append(f"{r.status} {r.url}")
          if r.status >= 400 and not re.search(r"/_stcore/(health|host-config)$", r.url) else None)
    return context, pg


def _open(pg, url):
    response = pg.goto(url)
    wait_idle(pg)
    return response.headers.get(HEADER)


def test_a_session_works_through_the_balancer_page_websocket_upload(class_server, browser):
    context, pg = _new_page(browser)
    try:
        seen = _replicas_seen(pg)
        replica = _open(pg, class_server.url + "/elbow?dataset=Your+CSV+file&k=3")
        assert replica in ("r1", "r2")
        # The websocket works: the script ran (the sidebar's widgets are there) ...
        sidebar(pg).locator('[data-testid="stFileUploader"]').wait_for()
        # ... and an upload (PUT /_stcore/upload_file) reaches the same replica's session.
        upload(pg, "room.csv", GOOD, "Data in use: 4 rows x 2 columns")
        pg.get_by_text(re.compile(r"elbow is at k = \d+|No clear elbow|criteria disagree")).first.wait_for()
        wait_idle(pg)
        shot(pg, "class-server-upload-1280")
        # Another page of the same session (a rerun over the same websocket) still has the upload.
        pg.get_by_role("link", name=re.compile("Silhouette")).first.click()
        pg.get_by_text("Silhouette: does each point sit well").first.wait_for()
        wait_idle(pg)
        assert pg.get_by_text("Data in use: 4 rows x 2 columns").count() >= 1
        assert set(seen) == {replica}, f"one session talked to several replicas: {set(seen)}"
        assert_healthy(pg)
    finally:
        context.close()


def test_two_browsers_land_on_different_replicas_and_keep_their_sessions(class_server, browser):
    (ca, a), (cb, b) = _new_page(browser, (1280, 720)), _new_page(browser, (1920, 1080))
    try:
        seen_a, seen_b = _replicas_seen(a), _replicas_seen(b)
        ra = _open(a, class_server.url + "/elbow?dataset=Two+moons&k=3")
        rb = _open(b, class_server.url + "/elbow?dataset=Circles&k=5")
        assert {ra, rb} == {"r1", "r2"}, "round-robin sends the second new browser to the other replica"
        # Each keeps its own session and settings, on its own replica, through more reruns.
        for pg, k in ((a, 3), (b, 5)):
            pg.get_by_text(re.compile(r"elbow is at k = \d+|No clear elbow|criteria disagree")).first.wait_for()
            pg.get_by_role("link", name=re.compile("Silhouette")).first.click()
            pg.get_by_text("Silhouette: does each point sit well").first.wait_for()
            wait_idle(pg)
            assert f"k={k}" in pg.url
        assert "Two+moons" in a.url or "Two%20moons" in a.url
        assert "Circles" in b.url
        shot(a, "class-server-replica-a-1280")
        shot(b, "class-server-replica-b-1920")
        assert set(seen_a) == {ra} and set(seen_b) == {rb}
        for pg in (a, b):
            assert_healthy(pg)
    finally:
        ca.close()
        cb.close()


def _wait_replica_healthy(server, name, limit=90):
    """Until the launcher has restarted replica ``name`` and it answers its health check."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for r in server.state().get("replicas", []):
            if r["name"] == name and r.get("restarts", 0) >= 1:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{r['port']}/_stcore/health", timeout=2) as h:
                        if h.status == 200:
                            return True
                except OSError:
                    pass
        time.sleep(0.5)
    return False


def test_a_killed_replica_s_student_reloads_to_a_working_page(class_server, browser):
    context, pg = _new_page(browser)
    try:
        replica = _open(pg, class_server.url + "/silhouette?dataset=Uneven+sizes&k=3&seed=7")
        pid = dict(class_server.pids())[replica]
        class_server.kill_replica(replica)
        # The page's websocket is gone; the student reloads. HAProxy re-dispatches the request
        # (a failed connection, or the health check marking the replica down), or the
        # restarted replica answers: either way a working page, with the view from the URL.
        pg.bad_responses.clear()
        pg.console_errors.clear()
        after = _open(pg, pg.url)
        shot(pg, "class-server-after-kill-1280")
        assert after in ("r1", "r2")
        side = sidebar(pg)
        assert side.locator('input[aria-label="Dataset"]').input_value() == "Uneven sizes"
        assert side.locator('input[aria-label="Seed"]').input_value() == "7"
        pg.get_by_text("k = 3, seed 7").first.wait_for()  # the page's chart, from the URL's k and seed
        assert "k=3" in pg.url and "seed=7" in pg.url
        assert pg.locator('[data-testid="stException"]').count() == 0
        assert _wait_replica_healthy(class_server, replica), "the launcher did not restart the killed replica"
        assert dict(class_server.pids())[replica] != pid
    finally:
        context.close()
