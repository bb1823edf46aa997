"""Reproduce as code in a real browser: upload a file, download kmeans_reproduce.py from the
Explorer, run it on the same file with each backend, and compare its labels with the app's
"Data with a cluster column" download."""

import io
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from .conftest import ROOT, assert_healthy, shot, wait_idle

pytestmark = pytest.mark.xdist_group("e2e-reproduce")


def _table():
    """A semicolon file with decimal commas, a text column and two missing cells."""
    rng = np.random.default_rng(8)
    centres = np.array([[0.0, 10.0, 3.0], [5.0, 0.0, -3.0], [10.0, 5.0, 0.0]])
    X = np.concatenate([c + rng.normal(0, 1.0, size=(40, 3)) for c in centres])
    lines = ["länge;breite;höhe;name"]
    for i, row in enumerate(X):
        cells = [f"{v:.3f}".replace(".", ",") for v in row] + [f"p{i}"]
        if i in (4, 77):
            cells[1] = "NA"
        lines.append(";".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def run_script(tmp_path, script, data_file, backend):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if backend == "core":
        env["PYTHONPATH"] = str(ROOT)
    out = tmp_path / f"clusters-{backend}.csv"
    proc = subprocess.run([sys.executable, str(script), str(data_file), "--backend", backend, "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return pd.read_csv(out)


def test_download_the_script_run_it_and_compare_labels(app_url, page, tmp_path):
    data = _table()
    data_file = tmp_path / "messungen.csv"
    data_file.write_bytes(data)
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "/?dataset=Your+CSV+file&k=3&seed=4")  # the Explorer is the default page
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "messungen.csv", "mimeType": "text/csv", "buffer": data}])
    page.locator('[data-testid="stMain"]').get_by_text("Data in use:").first.wait_for(timeout=60_000)
    wait_idle(page)
    script_button = page.get_by_role("button", name="Python script (kmeans_reproduce.py)")
    script_button.wait_for(timeout=60_000)
    script_button.scroll_into_view_if_needed()
    shot(page, "reproduce-explorer-1280")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(300)
    shot(page, "reproduce-explorer-1920")

    with page.expect_download(timeout=60_000) as d:
        page.get_by_role("button", name="Data with a cluster column (CSV)").click()
    app = pd.read_csv(io.BytesIO(open(d.value.path(), "rb").read()))
    assert len(app) == 118 and list(app.columns) == ["länge", "breite", "höhe", "name", "cluster"]
    with page.expect_download(timeout=60_000) as d:
        script_button.click()
    assert d.value.suggested_filename == "kmeans_reproduce.py"
    script = tmp_path / "kmeans_reproduce.py"
    script.write_bytes(open(d.value.path(), "rb").read())
    text = script.read_text(encoding="utf-8")
    assert "K = 3" in text and "SEED = 4" in text and "DECIMAL = ','" in text and "DROPPED = 2" in text

    for backend in ("core", "sklearn"):
        got = run_script(tmp_path, script, data_file, backend)
        np.testing.assert_array_equal(got["cluster"].to_numpy(), app["cluster"].to_numpy())
        assert list(got.columns) == list(app.columns)
    assert set(app["cluster"]) == {1, 2, 3}
    assert_healthy(page)
