"""Projector mode reaches every figure builder, never leaks between cached charts, and the
"Draw points" source says how to draw when nothing is in use yet."""

import numpy as np
import pytest

from kmeans_app.choosing_k import stability_figures as S
from kmeans_app.choosing_k import sweeps as ck
from kmeans_app.choosing_k.elbow_figure import elbow_figure
from kmeans_app.choosing_k.silhouette_figures import (
    silhouette_by_k_figure,
    silhouette_figure,
    silhouette_scatter,
)
from kmeans_app.figures.style import PROJECTOR_FONT, projector, projector_as
from kmeans_app.ui import NO_DATA, NO_DRAWN
from kmeans_app.whatif import figures as W

from .helpers import open_page

RNG = np.random.default_rng(3)
P = RNG.normal(size=(60, 2))
LABELS = np.arange(60) % 3
CENTRES = np.array([P[LABELS == j].mean(axis=0) for j in range(3)])
VALUES = RNG.uniform(-0.2, 0.9, size=60)
KS = np.arange(1, 7)
INERTIA = np.column_stack([100.0 / KS, 110.0 / KS])


def _builders():
    return {
        "elbow": lambda: elbow_figure(KS, INERTIA, knee=3),
        "silhouette": lambda: silhouette_figure(VALUES, LABELS, 3),
        "silhouette scatter": lambda: silhouette_scatter(P, LABELS, VALUES, CENTRES),
        "silhouette by k": lambda: silhouette_by_k_figure(KS, [None, 0.5, 0.6, 0.4, 0.3, 0.2], chosen=3),
        "stability": lambda: S.stability_figure(KS, np.full(6, 0.8), np.full(6, 0.7), np.full(6, 0.9), 20,
                                                best=3),
        "gap": lambda: S.gap_figure(KS, np.linspace(0.1, 0.6, 6), np.full(6, 0.02), 3, "uniform", 10),
        "what-if heatmap": lambda: W.profile_heatmap(CENTRES, ["a", "b"]),
        "what-if parallel": lambda: W.parallel_centres(CENTRES, ["a", "b"]),
        "what-if axes": lambda: W.axes_figure(P, LABELS, CENTRES, ("a", "b"), "t"),
        "what-if matrix": lambda: W.scatter_matrix(P, LABELS, ["a", "b"], 3),
        "what-if scaling": lambda: W.scaling_figure(P, LABELS, CENTRES, ("a", "b"), "t"),
    }


def _marker_sizes(fig):
    out = []
    for t in fig.data:
        m = getattr(t, "marker", None)
        if m is not None and "size" in m and m.size is not None:
            out.append(np.atleast_1d(np.asarray(m.size, dtype=float)))
    return np.concatenate(out) if out else np.array([])


@pytest.mark.parametrize("name", sorted(_builders()))
def test_every_builder_follows_projector_mode(name):
    build = _builders()[name]
    with projector_as(False):
        off = build()
    with projector_as(True):
        on = build()
    assert off.layout.font.size is None or off.layout.font.size < PROJECTOR_FONT
    assert on.layout.font.size >= PROJECTOR_FONT
    assert on.layout.xaxis.tickfont.size >= PROJECTOR_FONT
    s_off, s_on = _marker_sizes(off), _marker_sizes(on)
    if len(s_off):  # markers grow by the projector scale, applied once (not twice by nested builders)
        np.testing.assert_allclose(s_on, np.maximum(s_off * 1.6, 9), rtol=1e-12)


def test_stability_subtitle_is_not_left_at_12_px_in_projector_mode():
    with projector_as(True):
        fig = S.gap_figure(KS, np.linspace(0.1, 0.6, 6), np.full(6, 0.02), 3, "uniform", 10)
    assert "font-size:12px" not in fig.layout.title.text and "font-size:20px" in fig.layout.title.text


def test_projector_as_restores_the_previous_setting():
    before = projector()
    with projector_as(not before):
        assert projector() is (not before)
    assert projector() is before


def test_shared_charts_are_cached_per_projector_mode():
    """A session in projector mode gets its own copy of a shared chart; the ordinary one stays."""
    inertia = np.column_stack([90.0 / KS, 95.0 / KS])
    seconds = np.full(6, 0.01)
    with projector_as(False):
        plain = ck.elbow_chart(tuple(KS), inertia, seconds, 3)
    with projector_as(True):
        big = ck.elbow_chart(tuple(KS), inertia, seconds, 3)
        assert ck.elbow_chart(tuple(KS), inertia, seconds, 3) is big
    with projector_as(False):
        assert ck.elbow_chart(tuple(KS), inertia, seconds, 3) is plain
    assert big is not plain
    assert big.layout.font.size >= PROJECTOR_FONT
    assert plain.layout.font.size is None or plain.layout.font.size < PROJECTOR_FONT
    with projector_as(True):
        sil = ck.silhouette_by_k_chart(tuple(KS), (None, 0.5, 0.6, 0.4, 0.3, 0.2), 3)
    with projector_as(False):
        sil_plain = ck.silhouette_by_k_chart(tuple(KS), (None, 0.5, 0.6, 0.4, 0.3, 0.2), 3)
    assert sil.layout.font.size >= PROJECTOR_FONT and sil_plain.layout.font.size is None


def test_draw_source_without_points_says_how_to_draw():
    at = open_page("pages/explorer.py", dataset="draw")
    infos = [i.value for i in at.main.info]
    assert NO_DRAWN in infos and NO_DATA not in infos
    assert "Use these points" in NO_DRAWN and "above this page" in NO_DRAWN


def test_screen_text_sees_the_explorer_component_data():
    """The Explorer's chart is a browser component: its data (axis titles = column names) is scanned."""
    from tests.app.helpers import component_data, screen_text
    from tests.app.test_isolation import A, session_with

    at = session_with(A, k=3, seed=5)
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    data = component_data(at)
    assert len(data) == 1 and "alpha_len" in data[0] and "alpha_wid" in data[0]
    assert not any(t.strip() for t in [str(p.proto.spec) for p in at.get("plotly_chart")] if "alpha_len" in t)
    assert "alpha_len" in screen_text(at)


def test_explorer_component_gets_projector_mode_outside_the_cached_run():
    """The flag rides next to the run payload; the cached payload itself never carries it."""
    import json

    from kmeans_app import state

    at = open_page("pages/explorer.py", **{state.PROJECTOR: True})
    sent = json.loads(at.get("bidi_component")[0].proto.json)
    assert sent["projector"] is True and "run" in sent
    at.session_state[state.PROJECTOR] = False
    at.run()
    again = json.loads(at.get("bidi_component")[0].proto.json)
    assert again["projector"] is False and again["run"] == sent["run"]  # same run, not rebuilt
