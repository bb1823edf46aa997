"""The Explorer page in Streamlit's AppTest: every button, every init, every dataset, page switches."""

import base64
import json
from functools import partial

import numpy as np
import pytest

from kmeans_app import narration, stepper
from kmeans_app.data import GENERATORS, Dataset, generate
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION
from kmeans_core import KMeans

from . import helpers

PAGE = "pages/explorer.py"
open_page = partial(helpers.open_page, PAGE)
ACTIONS = ["assign", "update", "iteration", "converge", "back", "reset"]


def click(at, action):
    at.button(key=f"x_{action}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at.session_state[stepper.CURSOR]


def figure(at):
    """The Explorer's animated figure (the page's only chart once a run is shown)."""
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec)


def story(at):
    return [m.value for m in at.markdown]


def expected_history(name="blobs", k=4, init="k-means++", seed=0, picked=None):
    X = generate(name, {}).X
    start = X[list(picked)] if picked else init
    return KMeans(k, init=start, n_init=1, random_state=seed, max_iter=300, tol=0).fit(X)


def test_every_button_moves_the_cursor_as_documented():
    at = open_page()
    model = expected_history()
    last = len(model.history_) - 1
    assert at.session_state[stepper.CURSOR] == 0
    assert at.button(key="x_update").disabled and at.button(key="x_back").disabled
    assert click(at, "assign") == 1
    assert at.button(key="x_assign").disabled and not at.button(key="x_update").disabled
    assert click(at, "update") == 2
    assert click(at, "iteration") == 4
    assert click(at, "back") == 3
    assert click(at, "converge") == last
    for action in ("assign", "update", "iteration", "converge"):
        assert at.button(key=f"x_{action}").disabled
    assert any(f"Converged after {model.n_iter_} iteration" in m for m in story(at))
    fig = figure(at)
    assert fig["layout"]["sliders"][0]["active"] == last
    assert len(fig["frames"]) == last + 1
    assert click(at, "reset") == 0
    assert any(m.startswith("Start: 4 centres chosen by k-means++") for m in story(at))


def test_narration_matches_the_run():
    at = open_page()
    model = expected_history()
    click(at, "assign")
    click(at, "update")
    h = model.history_
    text = " ".join(story(at))
    assert (f"Update: centres moved by at most {narration.fmt(max(h[2].shift))}, "
            f"inertia {narration.fmt(h[1].inertia)} → {narration.fmt(h[2].inertia)}.") in text


@pytest.mark.parametrize("name", list(GENERATORS))
def test_every_generated_dataset_runs_to_convergence(name):
    at = open_page(dataset=name)
    click(at, "converge")
    model = expected_history(name)
    assert at.session_state[stepper.CURSOR] == len(model.history_) - 1
    assert any("Converged after" in m or "Stopped after" in m for m in story(at))
    fig = figure(at)
    assert sum((t.get("name") or "").startswith("cell ") for t in fig["data"]) == 4


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_each_seeded_init(init):
    at = open_page(init=init, seed=7, k=3)
    click(at, "converge")
    model = expected_history(init=init, seed=7, k=3)
    assert at.session_state[stepper.CURSOR] == len(model.history_) - 1


def test_cursor_resets_when_settings_change():
    at = open_page()
    click(at, "iteration")
    assert at.session_state[stepper.CURSOR] == 2
    at.session_state["seed"] = 3
    at.run()
    assert at.session_state[stepper.CURSOR] == 0
    click(at, "assign")
    at.session_state["k"] = 5
    at.run()
    assert at.session_state[stepper.CURSOR] == 0


def test_pick_init_waits_for_k_points_then_runs_from_them():
    at = open_page(init="pick", k=3)
    assert any("Picked 0 of 3" in m.value for m in at.info)
    assert at.button(key="x_clear").disabled
    assert not [b for b in at.button if b.key == "x_assign"]  # no stepping before the picks
    at.session_state[stepper.PICKED] = [5, 100]
    at.run()
    assert any("Picked 2 of 3" in m.value for m in at.info)
    pick_fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(pick_fig["data"][1]["x"]) == 2  # the two picks are drawn as numbered centres
    at.session_state[stepper.PICKED] = [5, 100, 300]
    at.run()
    assert not at.exception
    assert any(m.startswith("Start: 3 centres picked by you") for m in story(at))
    click(at, "converge")
    model = expected_history(k=3, picked=(5, 100, 300))
    X = generate("blobs", {}).X
    assert np.allclose(model.history_[0].centers, X[[5, 100, 300]])
    assert at.session_state[stepper.CURSOR] == len(model.history_) - 1
    at.button(key="x_repick").click().run()
    assert any("Picked 0 of 3" in m.value for m in at.info)


def test_pick_callback_adds_clicked_rows_once_and_at_most_k(monkeypatch):
    class FakeStreamlit:
        session_state = {stepper.PICKED: []}

    monkeypatch.setattr(stepper, "st", FakeStreamlit)
    rows_drawn = np.arange(50, 100)  # the chart shows rows 50..99
    for point in ({"customdata": 7}, {"customdata": 7}, {"point_index": 3}, {"customdata": 11}):
        FakeStreamlit.session_state["chart"] = {"selection": {"points": [{"curve_number": 0, **point}]}}
        stepper.on_pick("chart", rows_drawn, 2)
    # 7 once (a second click is ignored), then point 3 of the trace = row 53; row 11 is one too many
    assert FakeStreamlit.session_state[stepper.PICKED] == [7, 53]


def test_page_switch_keeps_the_cursor():
    at = open_page()
    click(at, "iteration")
    click(at, "assign")
    at.switch_page("pages/elbow.py").run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.session_state[stepper.CURSOR] == 3


def test_no_upload_yet_shows_the_no_data_message():
    at = open_page(dataset=UPLOAD_OPTION)
    assert at.info and "No data to cluster yet" in at.info[0].value
    assert not at.get("plotly_chart")


def test_more_than_two_features_are_projected_without_cells():
    rng = np.random.default_rng(0)
    X = np.vstack([c + rng.normal(size=(60, 4)) for c in rng.normal(0, 6, size=(3, 4))])
    ds = Dataset(X, ("<b>a</b>", "b", "c", "d"), "my <i>file</i>.csv", None, "upload:x4", generated=False)
    at = open_page(dataset=UPLOAD_OPTION, **{UPLOAD_KEY: ds})
    click(at, "converge")
    fig = figure(at)
    assert not any((t.get("name") or "").startswith("cell ") for t in fig["data"])
    assert "PC1" in fig["layout"]["xaxis"]["title"]["text"]
    assert any("principal components" in c.value and "Cells are left out" in c.value for c in at.caption)


def test_downloads_are_offered():
    at = open_page()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Data with a cluster column (CSV)" in labels and "Centres (CSV)" in labels


def test_math_and_source_follow_the_step():
    at = open_page()
    assert any("Start" in c.value and "this step" in c.value for c in at.markdown)
    click(at, "assign")
    assert any("Assignment (E step)" in m.value and "this step" in m.value for m in at.markdown)
    codes = [c.value for c in at.code]
    assert any(c.lstrip().startswith("def assign(") for c in codes)
    click(at, "update")
    assert any("Update (M step)" in m.value and "this step" in m.value for m in at.markdown)
    assert any(c.lstrip().startswith("def update(") for c in (c.value for c in at.code))


def test_every_button_on_5000_points():
    """The buttons work on the largest generated data, and every point is drawn once, in the base figure.

    (Time per rerun is measured outside the tests: no timed assertions here.)
    """
    at = open_page(n=5000)
    assert len(generate("blobs", {"n": 5000}).X) == 5000
    for action in ("assign", "update", "iteration", "iteration", "converge", "back"):
        click(at, action)
        assert not at.exception
    fig = figure(at)
    points = [t for t in fig["data"] if t.get("name") == "points"][0]
    assert points["type"] == "scatter" and len(base64.b64decode(points["x"]["bdata"])) == 5000 * 8
