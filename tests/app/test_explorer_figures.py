"""The Explorer's pure Python pieces: step views, narration, cursor moves, the math blocks."""

import numpy as np
import pytest
from plotly.validator_cache import ValidatorCache

from kmeans_app.explorer import narration
from kmeans_app.explorer.figures import SYMBOL_CODES, step_views
from kmeans_app.explorer.stepper import target
from kmeans_app.figures.style import SYMBOLS
from kmeans_core import KMeans, Step


def _run(n=400, k=4, seed=0, max_iter=300, init="random", d=2):
    X = np.random.default_rng(seed).normal(size=(n, d)) + np.repeat(np.eye(d) * 6, n // d + 1, axis=0)[:n]
    model = KMeans(k, init=init, n_init=1, random_state=seed, max_iter=max_iter, tol=0).fit(X)
    return X, model


def test_symbol_codes_match_plotlys_numbering():
    values = ValidatorCache.get_validator("scatter.marker", "symbol").values
    number = {values[i + 2]: values[i] for i in range(0, len(values), 3)}
    assert all(SYMBOL_CODES[s] == number[s] for s in SYMBOLS)


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
    assert narration.describe_step(init, None, "dragged").startswith("Start: 3 centres where you dragged them.")
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
    (0, "next", 1), (4, "next", 5), (5, "next", 5),
])
def test_cursor_targets(cursor, action, expected):
    assert target(PHASES, cursor, action) == expected


def test_unknown_action_is_refused():
    with pytest.raises(ValueError, match="unknown action"):
        target(PHASES, 0, "jump")


def test_math_blocks_use_only_known_latex_commands():
    import re

    from kmeans_app.explorer.explain import BLOCKS, active_blocks

    known = {"begin", "end", "vec", "vdots", "in", "mathbb", "times", "underbrace", "text", "mathbf",
             "top", "langle", "rangle", "operatorname", "left", "right", "frac", "sum", "iff", "qquad", "mu"}
    for b in BLOCKS:
        commands = set(re.findall(r"(?<!\\)\\([A-Za-z]+)", b.latex))  # not the \\ line break
        assert commands <= known, f"{b.key}: unknown {commands - known}"  # e.g. '\qquadD' from a join
    assert active_blocks("assign") == ["dist", "argmin"]
    assert active_blocks("update") == ["onehot", "update"]
    assert active_blocks("init") == ["init"]
