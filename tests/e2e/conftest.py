"""Shared fixtures for the end-to-end tests: a real `streamlit run` and headless Chromium.

Skipped on a machine without /usr/bin/chromium, but never under CI=true.
"""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # same override as scripts/ensure_browser.sh
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]

pytestmark = pytest.mark.e2e


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(command=None):
    """Run the app on a free port for the duration of the block; yield its URL.

    command : the server command before the port options; default scripts/serve.py,
        the launcher `make run` uses (= `streamlit run app.py`, see its docstring).
    """
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    command = command or [sys.executable, "scripts/serve.py"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [*command, "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.time() + 60
            while True:
                if proc.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    pytest.fail(f"streamlit exited with code {proc.returncode} before serving:\n{tail}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.time() > deadline:
                    pytest.fail("streamlit did not start within 60 s")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture(scope="session")
def app_url():
    """One app server per test worker (scripts/serve.py on a free port); yields its URL."""
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no /usr/bin/chromium: the browser tests must run in CI")
        pytest.skip("no /usr/bin/chromium on this machine")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser page that records console errors in ``page.console_errors``."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    # Streamlit's frontend probes <page>/_stcore/health and host-config before falling back
    # to the root ones; those 404s are expected. Any other failed request is an error.
    pg.bad_responses = []
    pg.on("response", lambda r: pg.bad_responses.append(f"{r.status} {r.url}")
          if r.status >= 400 and not re.search(r"/_stcore/(health|host-config)$", r.url) else None)
    yield pg
    context.close()


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_idle(pg, timeout=60_000):
    """Wait until Streamlit has finished running the script.

    The app root says ``data-test-script-state="notRunning"`` only once a run has
    finished ("initial" before the first one), so a page still showing its loading
    skeleton is not mistaken for an idle one. The state is checked again after a
    short pause, because a rerun triggered by the last interaction may not have
    started yet.
    """
    for _ in range(2):
        pg.wait_for_selector(IDLE, timeout=timeout)
        pg.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
        )
        pg.wait_for_timeout(300)
    pg.wait_for_selector(IDLE, timeout=timeout)
    # The Explorer's browser component draws after the run: wait until it has (it loads plotly.js first).
    pg.wait_for_function("() => [...document.querySelectorAll('.kx-root')].every((r) => r.dataset.ready === '1')",
                         timeout=timeout)


def shot(pg, name):
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def assert_healthy(pg):
    """No Streamlit exception box on the page and no browser console errors."""
    assert pg.locator('[data-testid="stException"]').count() == 0, "a Streamlit exception is shown"
    # "Failed to load resource" lines are judged by the responses recorded above.
    errors = [e for e in pg.console_errors if not e.startswith("Failed to load resource")]
    assert not errors, f"browser console errors: {errors}"
    assert not pg.bad_responses, f"failed requests: {pg.bad_responses}"
