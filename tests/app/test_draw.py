"""The "Draw points" data source, Python side (AppTest cannot drive a v2 component):

- the canvas grid and the link code (hand-computed codes, round trips, bad codes);
- the checks (too few / too many points, all identical, k above the number of points);
- the "Use these points" callback and the link loader on a session-state mapping:
  good points become the dataset, bad ones leave the previous data and a message;
- through the real shell (AppTest): a link with ?pts= gives every page those points,
  a bad link keeps the page working with a message, pages cluster the drawn data.
"""

from functools import partial

import numpy as np
import pytest

from kmeans_app import state
from kmeans_app.data.draw import component as comp
from kmeans_app.data.draw import points as pts

from . import helpers
from .helpers import arr, charts

GOOD = [[1.0, 1.0], [1.5, 1.2], [1.2, 1.6], [8.0, 8.0], [8.4, 8.3], [7.7, 8.6]]


# ---------------------------------------------------------------- grid and code


def test_snap_rounds_to_hundredths_and_clips_to_the_canvas():
    P = pts.snap([[1.234, 9.996], [-3.0, 12.0], [5.005, 0.004]])
    assert np.allclose(P, [[1.23, 10.0], [0.0, 10.0], [5.0, 0.0]], rtol=0, atol=1e-12)
    assert pts.snap([]).shape == (0, 2)


@pytest.mark.parametrize("bad", [[[1.0, float("nan")]], [[1.0, 2.0, 3.0]], [1.0, 2.0], [["a", "b"]],
                                 [[1.0, float("inf")]], "xy"])
def test_snap_refuses_what_is_not_points(bad):
    with pytest.raises(pts.DrawError, match="could not be read"):
        pts.snap(bad)


def test_encode_hand_computed():
    # x = 0 -> 0 -> "AA"; 10 -> 1000 = 15 * 64 + 40 -> "P", "o"; 0.63 -> 63 = 0 * 64 + 63 -> "A_".
    assert pts.encode(pts.snap([[0, 0], [10, 10], [0.63, 0.64]])) == "AAAA" + "PoPo" + "A_BA"


def test_code_round_trip_and_size():
    rng = np.random.default_rng(3)
    P = pts.snap(rng.uniform(0, 10, size=(pts.MAX_LINK_POINTS, 2)))
    code = pts.encode(P)
    assert len(code) == 4 * pts.MAX_LINK_POINTS  # 800 characters for 200 points
    assert set(code) <= set(pts.ALPHABET)  # URL-safe: no escaping in a link
    back = pts.decode(code)
    # Both sides compute each value as the same correctly-rounded steps * 10 / 1000: equal exactly.
    assert np.array_equal(back, P)
    assert pts.data_key(back) == pts.data_key(P)


@pytest.mark.parametrize("bad", ["AAA", "AAAA!AAA", "AAAAAA", "////", "P_AA", "AA AA"])
def test_decode_refuses_bad_codes(bad):
    # "P_" is 15 * 64 + 63 = 1023: beyond the 1000 grid steps of the canvas.
    with pytest.raises(pts.DrawError, match="link"):
        pts.decode(bad)


def test_link_code_only_up_to_200_points():
    rng = np.random.default_rng(0)
    P = pts.snap(rng.uniform(0, 10, size=(201, 2)))
    assert pts.link_code(P[:200]) == pts.encode(P[:200])
    assert pts.link_code(P) == ""
    assert "carries these 200 points" in comp.link_note(200)
    assert "does not carry these 201 points" in comp.link_note(201)
    assert "at most 200" in comp.link_note(201)


# ---------------------------------------------------------------- checks


@pytest.mark.parametrize("n, message", [(0, "at least 3 points"), (1, "there is 1 on the chart"),
                                        (2, "there are 2 on the chart")])
def test_too_few_points(n, message):
    assert message in pts.problem(pts.snap(GOOD[:n]))


def test_too_many_points():
    P = np.zeros((pts.MAX_POINTS + 1, 2)) + np.arange(pts.MAX_POINTS + 1)[:, None] * 1e-3
    assert "At most 2,000 points" in pts.problem(P)
    assert pts.problem(P[: pts.MAX_POINTS]) is None


def test_identical_points():
    assert "same place" in pts.problem(pts.snap([[2, 2]] * 5))
    assert pts.problem(pts.snap([[2, 2]] * 4 + [[2, 2.01]])) is None


def test_k_above_the_number_of_points():
    P = pts.snap(GOOD[:3])
    assert "k = 4 is more than the 3 points" in pts.problem(P, k=4)
    assert pts.problem(P, k=3) is None


def test_dataset_of_drawn_points():
    ds = pts.make_dataset(pts.snap(GOOD))
    assert ds.X.shape == (6, 2) and ds.feature_names == ("x1", "x2")
    assert not ds.generated and ds.name == "Drawn points"
    assert ds.key == pts.data_key(ds.X) and ds.key.startswith("drawn:")
    assert ds.recipe == {"kind": "drawn", "points": ds.X.tolist()}
    assert pts.make_dataset(pts.snap(GOOD[::-1])).key != ds.key  # order is part of the data


# ---------------------------------------------------------------- "Use these points" and the link


def test_use_points_success():
    ss = {}
    assert comp.use_points(ss, {"points": GOOD}, k=2)
    ds = ss[state.DRAWN_KEY]
    assert np.allclose(ds.X, GOOD)
    assert ss[comp.ERROR_KEY] is None
    assert ss[comp.LINK] == pts.encode(ds.X)
    assert ss[comp.ATTEMPTS_KEY] == 1


@pytest.mark.parametrize("value, message", [
    ({"points": [[1, 1]]}, "at least 3 points"),
    ({"points": [[4, 4]] * 6}, "same place"),
    ({"points": GOOD[:3]}, "k = 4 is more than the 3 points"),
    ({"points": [[1, "x"], [2, 2], [3, 3]]}, "could not be read"),
    ({"points": "AAAA"}, "could not be read"),
    ({}, "could not be read"),
    (None, "could not be read"),
])
def test_bad_points_keep_the_previous_data(value, message):
    ss = {}
    assert comp.use_points(ss, {"points": GOOD}, k=2)
    before, link = ss[state.DRAWN_KEY], ss[comp.LINK]
    assert not comp.use_points(ss, value, k=4)
    assert message in ss[comp.ERROR_KEY]
    assert ss[state.DRAWN_KEY] is before and ss[comp.LINK] == link
    assert ss[comp.ATTEMPTS_KEY] == 2  # the browser sees an answer to each press
    # The next good set clears the message.
    assert comp.use_points(ss, {"points": GOOD[:4]}, k=2)
    assert ss[comp.ERROR_KEY] is None and len(ss[state.DRAWN_KEY].X) == 4


def test_many_points_leave_the_link_empty():
    rng = np.random.default_rng(1)
    ss = {}
    assert comp.use_points(ss, {"points": rng.uniform(0, 10, size=(350, 2)).tolist()}, k=4)
    assert len(ss[state.DRAWN_KEY].X) == 350 and ss[comp.LINK] == ""


def test_load_link():
    code = pts.encode(pts.snap(GOOD))
    ss = {comp.LINK: code}
    comp.load_link(ss)
    assert np.allclose(ss[state.DRAWN_KEY].X, GOOD) and ss[comp.ERROR_KEY] is None
    # A bad code: a message, the data stays; it is read once, not on every rerun.
    before = ss[state.DRAWN_KEY]
    ss[comp.LINK] = "AA"
    comp.load_link(ss)
    assert "link's drawn points were not used" in ss[comp.ERROR_KEY]
    assert ss[state.DRAWN_KEY] is before
    ss[comp.ERROR_KEY] = None
    comp.load_link(ss)
    assert ss[comp.ERROR_KEY] is None
    # A link with too few points is refused the same way.
    ss[comp.LINK] = pts.encode(pts.snap(GOOD[:2]))
    comp.load_link(ss)
    assert "at least 3 points" in ss[comp.ERROR_KEY] and ss[state.DRAWN_KEY] is before


def test_payload():
    ds = pts.make_dataset(pts.snap(GOOD))
    p = comp.payload(ds, projector=True, attempts=3)
    assert p["points"] == ds.X.tolist() and p["basis"] == ds.key
    assert (p["low"], p["high"], p["cells"], p["min"], p["max"]) == (0.0, 10.0, 1000, 3, 2000)
    assert p["projector"] is True and p["attempt"] == 3
    empty = comp.payload(None)
    assert empty["points"] == [] and empty["basis"] == "" and empty["projector"] is False


# ---------------------------------------------------------------- through the real shell


def open_with_link(page, query):
    at = helpers.AppTest.from_file(helpers.APP, default_timeout=helpers.TIMEOUT)
    at.query_params.update(query)
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def scatter_points(fig):
    """Every point of the traces named "cluster j" in a Plotly figure dict."""
    xs, ys = [], []
    for t in fig["data"]:
        if (t.get("name") or "").startswith("cluster"):
            xs.extend(arr(t["x"]).tolist())
            ys.extend(arr(t["y"]).tolist())
    return sorted(zip(xs, ys))


@pytest.mark.parametrize("page", ["pages/silhouette.py", "pages/elbow.py"])
def test_link_with_points_gives_the_page_those_points(page):
    P = pts.snap(GOOD)
    at = open_with_link(page, {"dataset": "Draw points", "pts": pts.encode(P), "k": "2"})
    assert at.session_state["dataset"] == state.DRAW_OPTION
    ds = at.session_state[state.DRAWN_KEY]
    assert np.allclose(ds.X, P)
    drawn = [f for f in charts(at) if f["layout"].get("yaxis", {}).get("scaleanchor") == "x"]
    assert drawn, "expected a chart of the data"
    assert np.allclose(scatter_points(drawn[0]), sorted(map(tuple, P.tolist())))
    assert any("6 drawn points in use" in c.value for c in at.sidebar.caption)


def test_bad_link_shows_a_message_and_no_traceback():
    at = open_with_link("pages/silhouette.py", {"dataset": "Draw points", "pts": "not-a-code!"})
    assert any("link's drawn points were not used" in e.value for e in at.error)
    assert state.DRAWN_KEY not in at.session_state


def test_drawn_dataset_on_the_pages():
    ds = pts.make_dataset(pts.snap(GOOD))
    for page in ("pages/silhouette.py", "pages/elbow.py", "pages/initialization.py"):
        at = partial(helpers.open_page, page)(dataset=state.DRAW_OPTION, k=2, **{state.DRAWN_KEY: ds})
        assert not at.error, (page, [e.value for e in at.error])
        assert any("6 drawn points in use" in c.value for c in at.sidebar.caption)


def test_draw_source_without_points_asks_for_them():
    at = helpers.open_page("pages/silhouette.py", dataset=state.DRAW_OPTION)
    assert any("Use these points" in c.value for c in at.sidebar.caption)
