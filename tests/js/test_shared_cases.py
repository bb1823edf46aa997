"""The JavaScript half of "same math in both languages": node's test runner on tests/js/*.test.mjs,
against tests/js/cases.json, which must be exactly what make_cases.py writes from the Python now."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.js import make_cases

ROOT = Path(__file__).resolve().parents[2]


def test_cases_json_is_what_the_python_gives_now():
    committed = make_cases.OUT.read_text()
    assert committed == make_cases.dumps(make_cases.build()), (
        "tests/js/cases.json is stale: run `.venv/bin/python tests/js/make_cases.py` and commit it")


def test_cases_cover_the_degenerate_geometry():
    names = {c["name"] for c in make_cases.build()["geometry"]}
    assert {"k=1", "k=2", "k=2 points on the bisector", "collinear centres", "coincident centres"} <= names
    bisector = next(c for c in make_cases.build()["geometry"] if c["name"] == "k=2 points on the bisector")
    on_line = [lab for (x, _), lab in zip(zip(bisector["points"][::2], bisector["points"][1::2]), bisector["labels"])
               if x == 0.0]
    assert on_line and set(on_line) == {0}  # exact ties go to the lower index


def test_node_runs_the_javascript_tests():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but node is not installed: the JavaScript tests must run in CI")
        pytest.skip("node is not installed")
    done = subprocess.run([node, "--test", "tests/js"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    tail = (done.stdout + done.stderr)[-4000:]
    assert done.returncode == 0, f"node --test tests/js failed:\n{tail}"
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout, tail
