"""The Explorer's pure pieces: the animated figure, its frames and size, narration, cursor moves."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.validator_cache import ValidatorCache

from kmeans_app import narration
from kmeans_app.figures.explorer import (
    SYMBOL_CODES,
    explorer_figure,
    frame_window,
    pick_figure,
    step_views,
)
from kmeans_app.figures.style import SYMBOLS, UNASSIGNED, color, symbol
from kmeans_app.stepper import enabled, rows_from_selection, target
from kmeans_core import KMeans, Step


def _decode(spec):
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]).newbyteorder("<"))


def _run(n=400, k=4, seed=0, max_iter=300, init="random", d=2):
    X = np.random.default_rng(seed).normal(size=(n, d)) + np.repeat(np.eye(d) * 6, n // d + 1, axis=0)[:n]
    model = KMeans(k, init=init, n_init=1, random_state=seed, max_iter=max_iter, tol=0).fit(X)
    return X, model


def _figure(X, model, cursor=None, first=0, draw_cells=True):
    h = model.history_
    views = step_views(h, np.arange(len(X)), lambda c: c, [f"title {i}" for i in range(len(h))])
    cursor = len(h) - 1 if cursor is None else cursor
    return views, explorer_figure(X, views, cursor, first=first, draw_cells=draw_cells)


def _points_index(fig):
    return [t.name for t in fig.data].index("points")


def test_symbol_codes_match_plotlys_numbering():
    values = ValidatorCache.get_validator("scatter.marker", "symbol").values
    number = {values[i + 2]: values[i] for i in range(0, len(values), 3)}
    assert all(SYMBOL_CODES[s] == number[s] for s in SYMBOLS)


def test_trace_layout_with_and_without_cells():
    X, model = _run(k=4)
    _, fig = _figure(X, model)
    k = 4
    names = [t.name for t in fig.data]
    assert names.count("points") == 1 and names.count("centres") == 1
    assert sum(n.startswith("cell ") for n in names) == k
    assert [n for n in names if n.startswith("cluster ")] == [f"cluster {j + 1}" for j in range(k)]
    _, fig2 = _figure(X, model, draw_cells=False)
    assert not any(t.name.startswith("cell ") for t in fig2.data)
    assert len(fig.data) - len(fig2.data) == k
    go.Figure(fig.to_dict())  # the whole figure, frames included, passes Plotly's validation


def test_frames_carry_no_point_coordinates_and_one_per_half_step():
    X, model = _run(k=3)
    h = model.history_
    _, fig = _figure(X, model)
    p = _points_index(fig)
    assert [f.name for f in fig.frames] == [str(i) for i in range(len(h))]
    carried = 0
    for f in fig.frames:
        for t, tr in zip(f.traces, f.data):
            if t == p:
                carried += 1
                assert tr.x is None and tr.y is None
                assert tr.marker.color is not None and tr.marker.symbol is not None
    # labels travel once per assignment; updates reuse them (baseframe) unless a cluster was relocated
    n_assign = sum(s.phase == "assign" for s in h)
    assert n_assign + 1 <= carried <= len(h)
    for f in fig.frames:
        if h[int(f.name)].phase == "update" and not h[int(f.name)].relocated:
            assert f.baseframe == str(int(f.name) - 1)


def test_colours_and_symbols_follow_the_clusters():
    X, model = _run(k=5, seed=3)
    h = model.history_
    _, fig = _figure(X, model)
    p = _points_index(fig)
    k = 5
    scale = fig.data[p].marker.colorscale
    cmin, cmax = fig.data[p].marker.cmin, fig.data[p].marker.cmax
    for f in fig.frames:
        data = dict(zip(f.traces, f.data))
        if p not in data:
            continue
        spec = json.loads(f.to_json())["data"][list(f.traces).index(p)]["marker"]
        colours, symbols = _decode(spec["color"]), _decode(spec["symbol"])
        step = h[int(f.name)]
        if step.labels is None:  # the init: all grey circles
            assert (colours == k).all() and (symbols == 0).all()
            expected = [UNASSIGNED]
        else:
            assert np.array_equal(colours, np.asarray(step.labels))
            assert np.array_equal(symbols, [SYMBOL_CODES[symbol(j)] for j in step.labels])
            expected = [color(j) for j in np.unique(step.labels)]
        # the colour scale maps each code to its cluster's colour
        for code, want in zip(np.unique(colours), expected):
            pos = (code - cmin) / (cmax - cmin)
            got = [c for (a, c), (b, _) in zip(scale[::2], scale[1::2]) if a <= pos <= b]
            assert got and got[0] == want


def test_axes_are_fixed_and_equal():
    X, model = _run()
    _, fig = _figure(X, model)
    lay = fig.layout
    assert lay.xaxis.autorange is False and lay.yaxis.autorange is False
    assert lay.yaxis.scaleanchor == "x" and lay.yaxis.scaleratio == 1
    assert lay.xaxis.range[0] <= X[:, 0].min() and lay.xaxis.range[1] >= X[:, 0].max()
    assert not any("xaxis" in (f.layout.to_plotly_json() if f.layout else {}) for f in fig.frames)


def test_play_and_slider_drive_the_frames():
    X, model = _run()
    h = model.history_
    cursor = 5
    _, fig = _figure(X, model, cursor=cursor)
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == ["▶ Play", "❚❚ Pause"]
    assert menu.buttons[0].method == "animate"
    slider = fig.layout.sliders[0]
    assert [list(s.args[0]) for s in slider.steps] == [[str(i)] for i in range(cursor + 1)]
    assert slider.active == cursor
    assert len(fig.frames) == cursor + 1 < len(h)
    # the base figure shows the cursor's step: its title and its ring on the inertia line
    assert fig.layout.title.text == "title 5"
    ring = fig.data[-1]
    assert list(ring.x) == [cursor] and ring.y[0] == pytest.approx(h[cursor].inertia)


def test_inertia_panel_marks_assign_and_update_differently():
    X, model = _run()
    h = model.history_
    _, fig = _figure(X, model)
    by_name = {t.name: t for t in fig.data}
    a, u = by_name["inertia after assignment"], by_name["inertia after update"]
    assert a.marker.symbol != u.marker.symbol and a.marker.color != u.marker.color
    assert list(a.x) == [i for i, s in enumerate(h) if s.phase == "assign"]
    assert list(u.x) == [i for i, s in enumerate(h) if s.phase == "update"]
    values = [s.inertia for s in h[1:]]
    assert all(b <= a_ + 1e-9 * abs(a_) for a_, b in zip(values, values[1:]))  # both halves lower it


def test_json_size_of_a_long_run_on_5000_points_stays_small():
    rng = np.random.default_rng(1)
    X = rng.uniform(-5, 5, size=(5000, 2))
    model = KMeans(12, init="random", n_init=1, random_state=2, max_iter=30, tol=0).fit(X)
    assert model.n_iter_ == 30  # uniform noise: a long run, 30 iterations (capped by max_iter)
    h = model.history_
    views = step_views(h, np.arange(len(X)), lambda c: c, [narration.step_label(i, h) for i in range(len(h))])
    cursor = len(h) - 1
    fig = explorer_figure(X, views, cursor, first=frame_window(cursor, len(X)))
    assert len(fig.frames) == len(h) >= 60  # every half-step of 30 iterations is a frame
    size = len(fig.to_json())
    print(f"5000 points, {len(fig.frames)} frames: {size:,} bytes of figure JSON")
    assert size < 3_000_000


def test_large_draws_use_webgl_and_a_window_of_frames():
    X, model = _run(n=6000, k=3)
    _, fig = _figure(X, model)
    assert fig.data[_points_index(fig)].type == "scattergl"
    assert frame_window(200, 20_000) > 0
    assert frame_window(30, 500) == 0


def test_step_views_recompute_labels_when_the_history_has_none():
    X, model = _run(k=3)
    h = model.history_
    stripped = [Step(s.phase, s.iteration, s.centers, None, s.inertia, s.n_changed, s.shift, s.relocated)
                for s in h]
    rows = np.arange(0, len(X), 7)
    full = step_views(h, rows, lambda c: c, [""] * len(h))
    rebuilt = step_views(stripped, rows, lambda c: c, [""] * len(h), X_rows=X[rows])
    for a, b in zip(full, rebuilt):
        assert (a.labels is None) == (b.labels is None)
        if a.labels is not None:
            assert np.array_equal(a.labels, b.labels)


def test_pick_figure_sends_row_indices_and_numbers_the_picks():
    P = np.arange(20.0).reshape(10, 2)
    rows = np.arange(100, 110)
    fig = pick_figure(P, rows, P[[2, 5]], 4)
    assert list(fig.data[0].customdata) == list(rows)
    assert list(fig.data[1].text) == ["1", "2"]
    assert "centre 3 of 4" in fig.layout.title.text


# --- narration ------------------------------------------------------------------------


def _step(phase, it=1, inertia=None, n_changed=0, shift=None, relocated=(), k=3):
    labels = None if phase == "init" else np.zeros(5, dtype=int)
    return Step(phase, it, np.zeros((k, 2)), labels, inertia, n_changed, shift, relocated)


def test_narration_of_each_kind_of_step():
    init = _step("init")
    a1 = _step("assign", 1, 512.34, n_changed=5)
    u1 = _step("update", 1, 488.14, shift=np.array([0.1, 0.42, 0.0]), relocated=((2, 9),))
    a2 = _step("assign", 2, 470.0, n_changed=37)
    assert narration.describe_step(init, None, "k-means++").startswith("Start: 3 centres chosen by k-means++")
    assert narration.describe_step(init, None, "pick") == "Start: 3 centres picked by you. No point is assigned yet."
    assert narration.describe_step(a1, init) == "Assignment: every point joins its nearest centre, inertia 512.3."
    text = narration.describe_step(u1, a1)
    assert text.startswith("Update: centres moved by at most 0.42, inertia 512.3 → 488.1.")
    assert "Cluster 3 was empty and was moved to the farthest point (row 10)." in text
    assert narration.describe_step(a2, u1) == "Assignment: 37 points changed cluster, inertia 488.1 → 470.0."
    one = _step("assign", 2, 470.0, n_changed=1)
    assert "1 point changed cluster" in narration.describe_step(one, u1)


def test_narration_of_the_end_of_a_run():
    X, model = _run(k=3)
    h = model.history_
    last = narration.narrate(h, len(h) - 1, n_iter=model.n_iter_)
    assert f"Converged after {model.n_iter_} iterations: no point changed cluster." in last
    assert "Converged" not in narration.narrate(h, 1, n_iter=model.n_iter_)
    capped = KMeans(6, init="random", n_init=1, random_state=0, max_iter=2, tol=0).fit(
        np.random.default_rng(0).uniform(size=(300, 2)))
    hc = capped.history_
    assert "Stopped after 2 iterations (the limit)" in narration.narrate(hc, len(hc) - 1, n_iter=2, max_iter=2)


def test_step_label_and_number_format():
    X, model = _run(k=3)
    h = model.history_
    assert narration.step_label(0, h) == f"Step 0 of {len(h) - 1} · start"
    assert narration.step_label(2, h) == f"Step 2 of {len(h) - 1} · iteration 1 · update"
    assert narration.fmt(12345.6) == "12,346"
    assert narration.fmt(512.34) == "512.3"
    assert narration.fmt(0.0123456) == "0.0123"


# --- cursor moves ---------------------------------------------------------------------

PHASES = ("init", "assign", "update", "assign", "update", "assign")


@pytest.mark.parametrize("cursor, action, expected", [
    (0, "assign", 1), (0, "update", 0), (1, "update", 2), (1, "assign", 1),
    (0, "iteration", 2), (1, "iteration", 2), (2, "iteration", 4), (4, "iteration", 5),
    (3, "back", 2), (0, "back", 0), (4, "reset", 0), (1, "converge", 5), (5, "assign", 5),
])
def test_cursor_targets(cursor, action, expected):
    assert target(PHASES, cursor, action) == expected
    assert enabled(PHASES, cursor, action) == (expected != cursor)


def test_rows_from_selection_prefers_customdata_and_ignores_other_traces():
    sel = {"points": [{"curve_number": 0, "point_index": 3, "customdata": 42},
                      {"curve_number": 1, "point_index": 0},
                      {"curve_number": 0, "point_index": 2}]}
    assert rows_from_selection(sel, rows_drawn=[10, 11, 12, 13]) == [42, 12]
    assert rows_from_selection(None, [1]) == []


def test_math_blocks_use_only_known_latex_commands():
    import re

    from kmeans_app.explain import BLOCKS, active_blocks

    known = {"begin", "end", "vec", "vdots", "in", "mathbb", "times", "underbrace", "text", "mathbf",
             "top", "langle", "rangle", "operatorname", "left", "right", "frac", "sum", "iff", "qquad", "mu"}
    for b in BLOCKS:
        commands = set(re.findall(r"(?<!\\)\\([A-Za-z]+)", b.latex))  # not the \\ line break
        assert commands <= known, f"{b.key}: unknown {commands - known}"  # e.g. '\qquadD' from a join
    assert active_blocks("assign") == ["dist", "argmin"]
    assert active_blocks("update") == ["onehot", "update"]
    assert active_blocks("init") == ["init"]
