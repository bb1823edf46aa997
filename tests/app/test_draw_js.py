"""draw.js and points.py agree: the browser snaps clicks to the very grid values Python keeps.

Runs the ES module's exported helpers in node (node 20 is on these machines; skipped
without node, except under CI=true) on shared cases and compares with Python exactly:
both compute the same correctly-rounded expression, so no tolerance is needed.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kmeans_app.data.draw import points as pts

MODULE = Path(__file__).resolve().parents[2] / "kmeans_app" / "data" / "draw" / "draw.js"
NODE = shutil.which("node")


def run_node(script):
    if NODE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no node: the JavaScript checks must run in CI")
        pytest.skip("no node on this machine")
    out = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True,
                         timeout=60, check=True)
    return json.loads(out.stdout)


def test_snap_matches_python():
    rng = np.random.default_rng(7)
    values = np.concatenate([
        rng.uniform(-1, 11, 500),  # clicks, some just outside the canvas
        np.arange(0, 1001) / 100,  # every grid value
        (np.arange(0, 1000) + 0.5) / 100,  # halfway between two grid values
        [0.125, 9.995, -0.004, 10.004, 5.005, 1e-9],
    ]).tolist()
    got = run_node(
        f"import {{ snap }} from {json.dumps(MODULE.as_uri())};"
        f"const v = {json.dumps(values)};"
        f"console.log(JSON.stringify(v.map((x) => snap(x, {pts.LOW}, {pts.HIGH}, {pts.CELLS}))));"
    )
    want = pts.snap(np.column_stack([values, values]))[:, 0].tolist()
    assert got == want  # exactly the same doubles


def test_hit_finds_the_nearest_point_within_the_radius():
    points = [[1.0, 1.0], [2.0, 1.0], [5.0, 5.0]]
    # pixels: 100 px per unit, y downwards from 10
    got = run_node(
        f"import {{ hit }} from {json.dumps(MODULE.as_uri())};"
        f"const P = {json.dumps(points)}; const px = (x, y) => [x * 100, (10 - y) * 100];"
        "console.log(JSON.stringify([hit(P, 104, 900, px), hit(P, 160, 900, px), hit(P, 190, 905, px),"
        " hit(P, 150, 900, px), hit(P, 500, 509, px), hit(P, 500, 510, px, 9)]));"
    )
    # 4 px from point 0; 60/40 px from points 0/1 (outside 9 px); 10+5 px from point 1 -> sqrt(125) > 9;
    # exactly between 0 and 1 but 50 px away; 9 px from point 2 (on the radius); 10 px (outside).
    assert got == [0, -1, -1, -1, 2, -1]
