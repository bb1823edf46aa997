"""The app shell in AppTest: data sources, URL binding, junk URLs, page switches.

AppTest only sees the URL the server computes (initial values, corrections);
that moving a widget rewrites the browser's URL happens in the frontend and is
checked in tests/e2e/test_upload.py::test_url_reproduces_the_view.
"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kmeans_app import state
from kmeans_app.data.datasets import GENERATORS, PARAM_SPECS, generate

from .navfix import main_script_every_run  # noqa: F401 - fixture

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60
pytestmark = [pytest.mark.usefixtures("main_script_every_run"), pytest.mark.xdist_group("shell")]


def probe_script():
    """The shared sidebar alone, printing the key of the dataset the pages would get."""
    import streamlit as st

    from kmeans_app import sidebar, state

    sidebar.render()
    sidebar.render_upload_panel()
    ds = state.current_dataset()
    st.text("KEY=" + ("none" if ds is None else ds.key))


def run_app(query=None, page=None):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if query:
        at.query_params = dict(query)
    if page:
        at.run()
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def run_probe(query=None):
    at = AppTest.from_function(probe_script, default_timeout=TIMEOUT)
    if query:
        at.query_params = dict(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def probe_key(at):
    keys = [t.value for t in at.text if t.value.startswith("KEY=")]
    assert len(keys) == 1
    return keys[0][4:]


def sidebar_values(at):
    out = {w.key: w.value for w in (*at.sidebar.selectbox, *at.sidebar.slider, *at.sidebar.number_input)}
    return out


@pytest.mark.parametrize("name", list(GENERATORS))
def test_every_generator_renders_with_its_widgets_and_note(name):
    at = run_probe({"dataset": GENERATORS[name].label})
    values = sidebar_values(at)
    assert values["dataset"] == name
    assert set(GENERATORS[name].params) <= set(values)
    assert probe_key(at) == generate(name, {}).key
    notes = [i.value for i in at.sidebar.info]
    assert notes == ([GENERATORS[name].note] if GENERATORS[name].note else [])


def test_app_renders_sidebar_and_default_page():
    at = run_app()
    assert sidebar_values(at)["dataset"] == state.DEFAULTS["dataset"]
    assert at.sidebar.slider(key="k").value == state.DEFAULTS["k"]
    at.run()  # the second run still renders the sidebar (see navfix.py)
    assert at.sidebar.slider(key="k").value == state.DEFAULTS["k"]


URL = {"dataset": "Two moons", "n": "300", "noise": "0.12", "data_seed": "5", "k": "3", "init": "random",
       "seed": "7"}


def test_url_sets_dataset_params_k_init_seed():
    at = run_probe(URL)
    values = sidebar_values(at)
    assert values == {"dataset": "moons", "n": 300, "noise": 0.12, "data_seed": 5, "k": 3, "init": "random",
                      "seed": 7}
    assert probe_key(at) == generate("moons", {"n": 300, "noise": 0.12, "data_seed": 5}).key
    assert at.query_params == URL, "valid values stay in the URL"
    app = run_app(URL)
    assert sidebar_values(app) == values


def test_widget_changes_reach_state_and_the_dataset():
    at = run_probe(URL)
    at.number_input(key="n").set_value(400).run()
    at.slider(key="k").set_value(6).run()
    assert probe_key(at) == generate("moons", {"n": 400, "noise": 0.12, "data_seed": 5}).key
    assert at.session_state["k"] == 6
    at.selectbox(key="dataset").set_value("blobs").run()
    assert probe_key(at) == generate("blobs", {"n": 400, "data_seed": 5}).key, "shared params carry over"


JUNK = [
    {"dataset": "nope", "k": "abc", "seed": "-5", "init": "<b>x</b>", "spread": "nan"},
    {"dataset": "Blobs", "n": "99999999", "centers": "0", "k": "0", "data_seed": "[1,2]"},
    {"dataset": "Two moons", "n": "inf", "seed": "1e309", "data_seed": "-inf", "noise": "inf"},
    {"dataset": ["Circles", "Blobs"], "k": ["3", "4"], "n": "", "noise": "-1"},
    {"dataset": "[x](javascript:alert(1))", "k": "1e400", "centers": "-1e309"},
]


@pytest.mark.parametrize("query", JUNK, ids=[f"junk{i}" for i in range(len(JUNK))])
def test_junk_url_values_are_ignored_not_fatal(query):
    at = run_probe(query)
    values = sidebar_values(at)
    for key, value in values.items():
        spec = PARAM_SPECS.get(key)
        if spec is not None:
            assert spec[1] <= value <= spec[2], key
    assert values["init"] in state.INIT_OPTIONS and 1 <= values["k"] <= 20 and values["seed"] >= 0
    for key in ("n", "seed", "data_seed", "centers"):
        raw = query.get(key)
        if raw in ("inf", "-inf", "1e309", "-1e309"):
            assert key not in at.query_params, "an infinite value is removed from the URL"
    assert probe_key(at) != "none"


def test_infinite_int_in_url_would_crash_without_the_guard(monkeypatch):
    """Guards the guard: if Streamlit fixes the crash this test says the workaround can go."""
    from kmeans_app import sidebar

    monkeypatch.setattr(sidebar, "drop_non_finite_url_numbers", lambda *a, **k: None)
    at = AppTest.from_function(probe_script, default_timeout=TIMEOUT)
    at.query_params = {"n": "inf"}
    at.run()
    assert at.exception, "Streamlit no longer crashes on ?n=inf: drop_non_finite_url_numbers can go"


PAGES = ["pages/explorer.py", "pages/initialization.py", "pages/elbow.py", "pages/silhouette.py",
         "pages/quantization.py"]


def test_switching_pages_keeps_dataset_params_and_settings():
    at = run_app()
    at.selectbox(key="dataset").set_value("circles").run()
    at.number_input(key="n").set_value(250).run()
    at.slider(key="noise").set_value(0.1).run()
    at.slider(key="k").set_value(5).run()
    at.selectbox(key="init").set_value("random").run()
    at.number_input(key="seed").set_value(11).run()
    want = {"dataset": "circles", "n": 250, "noise": 0.1, "data_seed": 0, "k": 5, "init": "random", "seed": 11}
    crashed = {}
    for page in PAGES + PAGES[:1]:
        at.switch_page(page).run()
        if at.exception:
            crashed[page] = [e.message for e in at.exception]
        assert sidebar_values(at) == want, page
        assert {k: at.session_state[k] for k in want} == want, page
    assert not crashed, f"pages raised: {crashed}"


def test_sidebar_says_when_it_does_not_apply_and_keeps_its_settings():
    """On the quantization page the shared sidebar is drawn under a note; its values survive the visit."""
    from .helpers import open_page

    at = open_page("pages/explorer.py", k=7, dataset="moons")
    note = "the data and K-means settings below are for the other pages"
    assert not any(note in c.value for c in at.sidebar.caption)
    at.switch_page("pages/quantization.py").run()
    assert not at.exception
    assert any(note in c.value for c in at.sidebar.caption)
    at.switch_page("pages/explorer.py").run()
    assert at.session_state["k"] == 7 and at.session_state["dataset"] == "moons"
    assert not any(note in c.value for c in at.sidebar.caption)
