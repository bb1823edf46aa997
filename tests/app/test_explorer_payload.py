"""The Explorer component's payload builder (kmeans_app/explorer/payload.py), directly.

Size bounds: a 300-iteration run of 5,000 points at k = 20 stays under 3 MB even
when every assignment relabels every point (the worst case), and at the 20,000
points drawn for big data only the labels that changed are sent.
"""

import numpy as np
import pytest

from kmeans_app.data.projection import fit_projection
from kmeans_app.explorer.payload import (
    decode,
    encode,
    expand_labels,
    label_sets,
    payload_bytes,
    pick_payload,
    run_payload,
)
from kmeans_app.figures.style import plot_sample
from kmeans_core import KMeans
from kmeans_core.kmeans import Step


class FakeModel:
    def __init__(self, history, n_iter):
        self.history_, self.n_iter_ = history, n_iter


def synthetic_run(m=5000, k=20, iterations=300, changed=None, seed=0):
    """A recorded run of ``iterations`` iterations: init, then assign/update pairs.

    changed : points relabelled per assignment (None: all of them, at random: the worst case).
    """
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, 2))
    history = [Step("init", 0, centres.copy(), None, None)]
    labels = rng.integers(0, k, m).astype(np.uint8)
    inertia = 1e6
    for it in range(1, iterations + 1):
        if changed is None:
            labels = rng.integers(0, k, m).astype(np.uint8)
            n_changed = m
        else:
            labels = labels.copy()
            rows = rng.choice(m, changed, replace=False)
            labels[rows] = (labels[rows] + 1) % k
            n_changed = changed
        inertia *= 0.999
        history.append(Step("assign", it, centres.copy(), labels, inertia, n_changed=n_changed))
        if it < iterations:
            centres = centres + rng.normal(0, 0.01, size=centres.shape)
            inertia *= 0.999
            history.append(Step("update", it, centres.copy(), labels, inertia,
                                shift=np.full(k, 0.01), relocated=()))
    return FakeModel(history, iterations)


def build(model, P, n_total=None, rows=None):
    rows = np.arange(len(P)) if rows is None else rows
    return run_payload(model, P, rows, P, lambda c: np.asarray(c), run_id="r", n_total=n_total or len(P),
                       init="random", max_iter=300, draggable=True)


def test_a_300_iteration_run_of_5000_points_at_k20_is_under_3_mb_even_in_the_worst_case():
    P = np.random.default_rng(1).uniform(-10, 10, size=(5000, 2))
    data = build(synthetic_run(), P)
    size = payload_bytes(data)
    assert len(data["steps"]) == 600 and sum("full" in s for s in data["labels"]) == 300
    assert size <= 3_000_000, f"{size / 1e6:.2f} MB"


def test_late_iterations_send_only_the_labels_that_changed():
    P = np.random.default_rng(1).uniform(-10, 10, size=(5000, 2))
    data = build(synthetic_run(changed=40), P)
    sets = data["labels"]
    assert "full" in sets[0] and all("idx" in s for s in sets[1:])
    assert all(len(decode(s["idx"])) == 40 for s in sets[1:])
    # 40 changes cost 40 * (2 + 1) bytes against 5,000 for the full labels
    assert payload_bytes(data) < 0.4 * payload_bytes(build(synthetic_run(), P))


def test_changed_label_encoding_round_trips():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 5, 1000)
    b = a.copy()
    b[[3, 500, 999]] = (b[[3, 500, 999]] + 1) % 5
    c = rng.integers(0, 5, 1000)
    sets, index = label_sets([None, a, a, b, b, c, c], 1000, 5)
    assert index == [-1, 0, 0, 1, 1, 2, 2]
    assert ["full" in s for s in sets] == [True, False, True]  # c differs almost everywhere: full is smaller
    assert list(decode(sets[1]["idx"])) == [3, 500, 999]
    for want, got in zip((a, b, c), expand_labels(sets)):
        assert np.array_equal(want, got)


@pytest.mark.parametrize("a", [np.array([0.1, -2.5, 1e308]), np.arange(300, dtype=np.uint16),
                               np.array([0, 255], dtype=np.uint8), np.array([1, 2**32 - 1], dtype=np.uint32)])
def test_encode_round_trips(a):
    got = decode(encode(a))
    assert got.dtype == a.dtype and np.array_equal(got, a)


def test_big_data_draws_a_sample_and_sends_its_changed_labels():
    """30,000 rows: 20,000 drawn; their labels are recomputed from the centres when the history
    holds none, and the later assignments are sent as changes."""
    rng = np.random.default_rng(0)
    X = np.vstack([c + rng.normal(size=(10_000, 2)) for c in ((0, 0), (6, 0), (3, 5))])
    model = KMeans(6, init="random", n_init=1, random_state=0, tol=0, record="centers").fit(X)
    assert model.history_[1].labels is None  # big-data mode: centres only
    rows = plot_sample(len(X))
    proj = fit_projection(X)
    data = run_payload(model, X[rows], rows, X[rows], proj.apply, run_id="big", n_total=len(X),
                       init="random", max_iter=300, draggable=True)
    assert data["sampled"] and data["m"] == 20_000 and data["n"] == 30_000
    kinds = ["full" if "full" in s else "changes" for s in data["labels"]]
    assert kinds[0] == "full" and kinds.count("changes") >= len(kinds) - 2, kinds
    # every assignment's labels are the nearest centres of the drawn points
    centres = decode(data["centres"]).reshape(len(data["steps"]), 6, 2)
    sets = expand_labels(data["labels"])
    for i, s in enumerate(data["steps"]):
        if s["phase"] == "assign":
            d2 = ((X[rows][:, None, :] - centres[i][None]) ** 2).sum(axis=2)
            assert np.array_equal(sets[s["L"]], d2.argmin(axis=1)), f"step {i}"
    size = payload_bytes(data)
    print(f"payload at 20,000 drawn points, {model.n_iter_} iterations: {size / 1e6:.2f} MB")
    assert size < 1_000_000


def test_pick_payload_maps_picked_rows_to_drawn_points():
    P = np.arange(20.0).reshape(10, 2)
    rows = np.arange(100, 110)
    data = pick_payload(P, rows, [103, 107, 555], 3, run_id="p", n_total=10)
    assert data["mode"] == "pick" and data["picked"] == [3, 7]  # row 555 is not drawn
    assert np.array_equal(decode(data["xy"]).reshape(-1, 2), P)
