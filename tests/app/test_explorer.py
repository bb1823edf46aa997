"""The Explorer page in Streamlit's AppTest, and its Python side tested directly.

AppTest cannot drive a v2 component (its frontend does not run), so the page is
checked through the payload it mounts (the run, decoded and compared with the
core's own run), and the component's two events (pick a point, run from dragged
centres) through the functions they call, with a plain dict as session state.
Stepping itself happens in the browser: see tests/e2e/test_explorer.py and tests/js.
"""

import json
from functools import partial

import numpy as np
import pytest

from kmeans_app.data.datasets import GENERATORS, Dataset, generate
from kmeans_app.explorer import component, stepper
from kmeans_app.explorer.payload import decode, expand_labels, payload_bytes
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION
from kmeans_core import KMeans

from . import helpers

PAGE = "pages/explorer.py"
open_page = partial(helpers.open_page, PAGE)


def mounted(at):
    """The data the page gave the Explorer component (its only v2 component)."""
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name == "kmeans_explorer"]
    return json.loads(el.proto.json)


def expected_model(name="blobs", k=4, init="k-means++", seed=0, picked=None, params=None):
    X = generate(name, params or {}).X
    start = X[list(picked)] if picked else init
    return X, KMeans(k, init=start, n_init=1, random_state=seed, max_iter=300, tol=0).fit(X)


def check_run_matches(data, X, model):
    """The payload holds the core's run: every step's centres, labels and inertia, and the points."""
    h = model.history_
    assert data["mode"] == "run" and len(data["steps"]) == len(h)
    assert np.array_equal(decode(data["xy"]).reshape(-1, 2), X)  # all rows drawn (n <= 20,000)
    centres = decode(data["centres"]).reshape(len(h), data["k"], 2)
    sets = expand_labels(data["labels"])
    for i, (step, s) in enumerate(zip(h, data["steps"])):
        assert s["phase"] == step.phase
        assert np.array_equal(centres[i], step.centers)
        assert s["j"] == (None if step.inertia is None else float(step.inertia))
        if step.labels is None:
            assert s["L"] == -1
        else:
            assert np.array_equal(sets[s["L"]], step.labels), f"labels of step {i}"
        assert s["label"].startswith(f"Step {i} of {len(h) - 1}")


def test_the_page_mounts_the_whole_run_once():
    at = open_page()
    X, model = expected_model()
    data = mounted(at)
    check_run_matches(data, X, model)
    assert data["draggable"] and data["cells"] and not data["sampled"]
    assert data["steps"][0]["text"].startswith("Start: 4 centres chosen by k-means++")
    assert f"Converged after {model.n_iter_} iteration" in data["steps"][-1]["text"]
    assert "Assignment: every point joins its nearest centre" in data["steps"][1]["text"]
    # no server-side step buttons any more: the browser owns the cursor
    assert not [b for b in at.button if (b.key or "").startswith("x_") and b.key not in ("x_undrag", "x_repick")]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_every_generated_dataset(name):
    at = open_page(dataset=name)
    X, model = expected_model(name)
    check_run_matches(mounted(at), X, model)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_each_seeded_init(init):
    at = open_page(init=init, seed=7, k=3)
    X, model = expected_model(init=init, seed=7, k=3)
    check_run_matches(mounted(at), X, model)


def test_the_run_id_changes_with_the_settings():
    at = open_page()
    first = mounted(at)["run"]
    at.session_state["seed"] = 3
    at.run()
    second = mounted(at)["run"]
    at.session_state["k"] = 5
    at.run()
    third = mounted(at)
    assert len({first, second, third["run"]}) == 3 and third["k"] == 5


def test_math_and_source_of_every_phase_are_in_the_payload():
    data = mounted(open_page())
    active = {phase: [b["key"] for b in data["math"] if phase in b["phases"]] for phase in ("init", "assign", "update")}
    assert active == {"init": ["init"], "assign": ["dist", "argmin"], "update": ["onehot", "update"]}
    assert all(b["formula"] for b in data["math"])
    (title, code), (loop_title, loop_code) = data["source"]["assign"]
    assert title == "kmeans_core.lloyd.assign" and code.lstrip().startswith("def assign(")
    assert data["source"]["update"][0][1].lstrip().startswith("def update(")
    assert "def _kmeans_plusplus(" in data["source"]["init"][0][1]
    assert loop_code.lstrip().startswith("def _run_lloyd(")


def test_pick_init_waits_for_k_points_then_runs_from_them():
    at = open_page(init="pick", k=3)
    assert any("Picked 0 of 3" in m.value for m in at.info)
    assert at.button(key="x_clear").disabled
    data = mounted(at)
    assert data["mode"] == "pick" and data["picked"] == [] and data["k"] == 3
    at.session_state[stepper.PICKED] = [5, 100]
    at.run()
    assert any("Picked 2 of 3" in m.value for m in at.info)
    assert mounted(at)["picked"] == [5, 100]  # drawn indices = rows: all 500 rows are drawn
    at.session_state[stepper.PICKED] = [5, 100, 300]
    at.run()
    X, model = expected_model(k=3, picked=(5, 100, 300))
    data = mounted(at)
    check_run_matches(data, X, model)
    assert data["steps"][0]["text"].startswith("Start: 3 centres picked by you")
    at.button(key="x_repick").click().run()
    assert any("Picked 0 of 3" in m.value for m in at.info)


def test_a_pick_event_adds_the_clicked_row_once_and_at_most_k():
    state = {stepper.PICKED: []}
    rows_drawn = np.arange(50, 100)  # the chart shows rows 50..99
    add = partial(stepper.apply_pick, run_id="r", rows_drawn=rows_drawn, k=2, state=state)
    assert add({"run": "r", "point": 7})  # drawn point 7 is row 57
    assert not add({"run": "r", "point": 7})  # a second click on it is ignored
    assert not add({"run": "old", "point": 3})  # an event from another run
    for bad in (None, {"run": "r"}, {"run": "r", "point": -1}, {"run": "r", "point": 50},
                {"run": "r", "point": "3"}, {"run": "r", "point": True}, {"run": "r", "point": 2.5}):
        assert not add(bad), bad
    assert add({"run": "r", "point": 3})
    assert not add({"run": "r", "point": 4})  # k = 2 already picked
    assert state[stepper.PICKED] == [57, 53]


SIG = stepper.signature("blobs|x", 2, "k-means++", 0)


def test_run_from_accepts_k_finite_centres_for_the_run_shown():
    state = {}
    ok = stepper.apply_run_from({"run": "r", "centres": [[0, 1], [2.5, -3]]}, "r", 2, SIG, state)
    assert ok and state[stepper.DRAG_ERROR] is None
    assert stepper.dragged(SIG, state) == ((0.0, 1.0), (2.5, -3.0))
    # the centres belong to those settings only: another seed (or data, k, init) does not see them
    assert stepper.dragged(stepper.signature("blobs|x", 2, "k-means++", 1), state) is None
    stepper.clear_dragged(state)
    assert stepper.dragged(SIG, state) is None


@pytest.mark.parametrize("value, message", [
    ({"run": "r", "centres": [[0, 1]]}, "Expected 2 dragged centres, got 1."),
    ({"run": "r", "centres": [[0, 1], [1, float("nan")]]}, "must be finite"),
    ({"run": "r", "centres": [[0, 1], [1, float("inf")]]}, "must be finite"),
    ({"run": "r", "centres": [[0, 1], ["a", 2]]}, "could not be read"),
    ({"run": "r", "centres": [[0, 1, 2], [1, 2]]}, "could not be read"),
    ({"run": "r", "centres": None}, "could not be read"),
    ({"run": "r", "centres": 5}, "could not be read"),
])
def test_run_from_refuses_bad_centres_and_keeps_the_previous_ones(value, message):
    state = {}
    stepper.apply_run_from({"run": "r", "centres": [[0, 0], [1, 1]]}, "r", 2, SIG, state)
    assert not stepper.apply_run_from(value, "r", 2, SIG, state)
    assert message in state[stepper.DRAG_ERROR]
    assert stepper.dragged(SIG, state) == ((0.0, 0.0), (1.0, 1.0))


def test_run_from_ignores_an_event_of_another_run():
    state = {}
    assert not stepper.apply_run_from({"run": "old", "centres": [[0, 0], [1, 1]]}, "r", 2, SIG, state)
    assert not stepper.apply_run_from("junk", "r", 2, SIG, state)
    assert stepper.dragged(SIG, state) is None and state[stepper.DRAG_ERROR] is None


def test_the_run_from_callback_reads_the_components_event(monkeypatch):
    class FakeStreamlit:
        session_state = {component.KEY: {"run_from": {"run": "r", "centres": [[1, 2], [3, 4]]}}}

    monkeypatch.setattr(component, "st", FakeStreamlit)
    monkeypatch.setattr(stepper, "st", FakeStreamlit)
    component.on_run_from("r", 2, SIG)
    assert stepper.dragged(SIG, FakeStreamlit.session_state) == ((1.0, 2.0), (3.0, 4.0))
    FakeStreamlit.session_state[component.KEY] = {"pick": {"run": "p", "point": 4}}
    component.on_pick("p", np.arange(10, 20), 3)
    assert FakeStreamlit.session_state[stepper.PICKED] == [14]


def test_the_page_runs_from_dragged_centres_and_back():
    at = open_page()
    data = mounted(at)
    dragged = [[-2.0, 8.0], [1.0, 1.0], [4.0, 2.0], [-1.0, 3.0]]
    state = {}
    assert stepper.apply_run_from({"run": data["run"], "centres": dragged}, data["run"], 4,
                                  stepper.signature(data["run"].split("|k=")[0], 4, "k-means++", 0), state)
    at.session_state[stepper.DRAGGED] = state[stepper.DRAGGED]
    at.run()
    assert not at.exception
    X = generate("blobs", {}).X
    model = KMeans(4, init=np.array(dragged), n_init=1, max_iter=300, tol=0).fit(X)
    new = mounted(at)
    check_run_matches(new, X, model)
    assert new["run"] != data["run"] and new["autoplay"]
    assert new["steps"][0]["text"].startswith("Start: 4 centres where you dragged them")
    assert any("centres you dragged" in m.value for m in at.info)
    at.button(key="x_undrag").click().run()
    assert mounted(at)["run"] == data["run"]  # back to the sidebar's k-means++ run


def test_page_switch_keeps_the_run():
    at = open_page()
    run = mounted(at)["run"]
    at.switch_page("pages/elbow.py").run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    assert mounted(at)["run"] == run  # same run id: the browser restores its cursor for it


def test_no_upload_yet_shows_the_no_data_message():
    at = open_page(dataset=UPLOAD_OPTION)
    assert at.info and "No data to cluster yet" in at.info[0].value
    assert not at.get("bidi_component")


def test_more_than_two_features_are_projected_without_cells_or_dragging():
    rng = np.random.default_rng(0)
    X = np.vstack([c + rng.normal(size=(60, 4)) for c in rng.normal(0, 6, size=(3, 4))])
    ds = Dataset(X, ("<b>a</b>", "b", "c", "d"), "my <i>file</i>.csv", None, "upload:x4", generated=False)
    at = open_page(dataset=UPLOAD_OPTION, **{UPLOAD_KEY: ds})
    data = mounted(at)
    assert not data["cells"] and not data["draggable"] and data["d"] == 4
    assert data["axes"][0].startswith("PC1")
    assert data["features"][0] == "<b>a</b>"  # raw: the browser writes it as text, never as HTML


def test_downloads_are_offered():
    at = open_page()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Data with a cluster column (CSV)" in labels and "Centres (CSV)" in labels


def test_5000_points_are_sent_once():
    at = open_page(n=5000)
    X, model = expected_model(params={"n": 5000})
    data = mounted(at)
    check_run_matches(data, X, model)
    assert data["m"] == 5000 and payload_bytes(data) < 1_000_000
