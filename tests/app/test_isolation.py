"""Isolation: two sessions in one process (sharing every st.cache_*) never see each other's data.

Two AppTest sessions run interleaved in this process, so they share the
app's caches exactly as two students on one server do. Each uploads its own
file (different column names and values), sets its own k and seed, and visits
every page; each must only ever see its own data, names and settings. Also:
the same bytes uploaded under two names stay two names, and the arrays the
caches share are read-only (one session cannot scribble on another's data).
"""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kmeans_app import state
from tests.app.helpers import screen_text
from tests.fixtures.hostile import good_csv, real_errors

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
UPLOADER_KEY = getattr(state, "UPLOADER", "upload_file")

A = ("alice_secret.csv", good_csv(rows=90, seed=11, cols=("alpha_len", "alpha_wid")))
B = ("bob_private.csv", good_csv(rows=150, seed=22, cols=("beta_mass", "beta_age", "beta_cost")))


@pytest.fixture(autouse=True)
def _real_errors():
    # (tests/app/conftest.py makes AppTest run app.py on every run)
    with real_errors():
        yield


def session_with(upload, k, seed):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.selectbox(key="dataset").set_value(state.UPLOAD_OPTION).run()
    ups = [w for w in at.get("file_uploader") if getattr(w, "key", None) == UPLOADER_KEY]
    assert ups, "the CSV uploader is missing from the sidebar"
    ups[0].set_value((upload[0], upload[1], "text/csv"))
    at.run()
    at.sidebar.slider(key="k").set_value(k).run()
    at.sidebar.number_input(key="seed").set_value(seed).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def check_own(at, mine, theirs, k, seed):
    ds = at.session_state[state.UPLOAD_KEY]
    assert ds.name == mine[0]
    shown = screen_text(at)
    own_column = mine[1].split(b"\n")[0].decode().split(",")[0]
    assert own_column in shown, "the scan does not see this session's own column names"
    for word in (theirs[0], *theirs[1].split(b"\n")[0].decode().split(",")):
        assert word not in shown, f"{mine[0]}'s session shows {word!r} from the other session"
    assert at.session_state["k"] == k and at.session_state["seed"] == seed
    return ds


def test_two_sessions_interleaved_on_every_page():
    a = session_with(A, k=3, seed=5)
    b = session_with(B, k=7, seed=9)
    da = a.session_state[state.UPLOAD_KEY]
    db = b.session_state[state.UPLOAD_KEY]
    assert da.X.shape == (90, 2) and db.X.shape == (150, 3)
    assert da.feature_names == ("alpha_len", "alpha_wid")
    assert db.feature_names == ("beta_mass", "beta_age", "beta_cost")
    for page in PAGES:
        for at, mine, theirs, k, seed in ((a, A, B, 3, 5), (b, B, A, 7, 9)):
            at.switch_page(page).run()
            assert not at.exception, (page, [e.value for e in at.exception])
            ds = check_own(at, mine, theirs, k, seed)
            assert ds.key == (da.key if mine is A else db.key), f"{page}: the data changed"
    # A rerun of one after the other changed nothing for the first.
    b.sidebar.slider(key="k").set_value(4).run()
    a.run()
    check_own(a, A, B, 3, 5)
    assert b.session_state["k"] == 4


def test_same_bytes_two_names():
    """The parse cache is shared by content; each session still sees its own file name."""
    data = good_csv(rows=60, seed=3)
    a = session_with(("first_name.csv", data), k=2, seed=1)
    b = session_with(("second_name.csv", data), k=2, seed=1)
    a.run()
    assert a.session_state[state.UPLOAD_KEY].name == "first_name.csv"
    assert b.session_state[state.UPLOAD_KEY].name == "second_name.csv"
    assert "second_name.csv" not in screen_text(a)
    assert "first_name.csv" not in screen_text(b)


def test_shared_arrays_are_read_only():
    """Datasets come from caches shared by all sessions: writing into one must fail loudly."""
    a = session_with(A, k=3, seed=5)
    X = a.session_state[state.UPLOAD_KEY].X
    with pytest.raises(ValueError):
        X[0, 0] = 123.0
    b = session_with(A, k=3, seed=5)
    assert np.array_equal(b.session_state[state.UPLOAD_KEY].X, X)


def test_generated_settings_are_per_session():
    a = AppTest.from_file(APP, default_timeout=60).run()
    b = AppTest.from_file(APP, default_timeout=60).run()
    a.sidebar.selectbox(key="dataset").set_value("moons").run()
    a.sidebar.slider(key="k").set_value(2).run()
    b.sidebar.slider(key="k").set_value(9).run()
    a.run()
    assert (a.session_state["dataset"], a.session_state["k"]) == ("moons", 2)
    assert (b.session_state["dataset"], b.session_state["k"]) == ("blobs", 9)
