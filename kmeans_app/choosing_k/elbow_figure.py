"""The elbow chart: inertia against k (mean of several seeds, min-max band), fit time on a
second axis, the knee, and optional score panels stacked below on a shared k axis.

Built as plain dicts and validated once by ``go.Figure`` (about 10 ms), instead of trace by
trace through ``make_subplots``' ``add_trace`` / ``update_yaxes`` (each call validates and
relayouts again: about 40 ms for the same figure). The subplot grid itself (axis domains and
anchors) is ``make_subplots``' own, computed once per number of rows.
"""

import copy
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kmeans_app.figures.style import finish, plain

INERTIA_COLOR = "#0072B2"
BAND_COLOR = "rgba(0,114,178,0.18)"
TIME_COLOR = "#888888"
KNEE_COLOR = "#D55E00"
SELECTED_COLOR = "rgba(0,0,0,0.07)"
SCORE_COLORS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _best_index(values, better):
    v = np.asarray(values, dtype=float)
    if np.all(np.isnan(v)):
        return None
    return int(np.nanargmax(v) if better == "max" else np.nanargmin(v))


@lru_cache(maxsize=8)
def _grid(rows):
    """make_subplots' axes (domains, anchors, matches) for the elbow grid of ``rows`` rows."""
    heights = [1.0] if rows == 1 else [0.5] + [0.5 / (rows - 1)] * (rows - 1)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.06 if rows > 1 else 0,
                        row_heights=heights, specs=[[{"secondary_y": True}]] + [[{}]] * (rows - 1))
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def _axes(row):
    """(x axis, y axis) names of panel ``row`` (1 = inertia; its secondary y axis is y2)."""
    return ("x", "y") if row == 1 else (f"x{row}", f"y{row + 1}")


def _layout_key(axis):
    """Trace reference ("x2", "y3") -> layout key ("xaxis2", "yaxis3")."""
    return axis[0] + "axis" + axis[1:]


def elbow_figure(ks, inertia, seconds=None, *, knee=None, selected=None, panels=(), note=None,
                 height=None):
    """Build the elbow chart.

    ks : (m,) values of k.  inertia : (m, s) inertia of each k's run from each of s seeds.
    seconds : (m,) mean fit time per k in seconds (drawn in ms on a second y axis), or None.
    knee : the k to mark as the knee, or None.  selected : the k whose clustering is shown.
    panels : sequence of (title, values (m,), better) with better "max" or "min"; NaN (or None)
        where a score is undefined. Each gets its own row below, sharing the k axis; its best k
        is marked.
    note : a line under the chart (e.g. the silhouette sample size).
    Every trace's x is k, so a click anywhere reports the k.
    """
    ks = np.asarray(ks)
    inertia = np.atleast_2d(np.asarray(inertia, dtype=float))
    mean, low, high = inertia.mean(axis=1), inertia.min(axis=1), inertia.max(axis=1)
    n_seeds = inertia.shape[1]
    rows = 1 + len(panels)
    layout = copy.deepcopy(_grid(rows))
    traces, shapes, annotations = [], [], []

    # Min-max band over the seeds: upper edge, then lower edge filled up to it.
    traces.append(dict(type="scatter", x=ks, y=high, mode="lines", line=dict(width=0, color=INERTIA_COLOR),
                       hoverinfo="skip", showlegend=False, name="max over seeds", xaxis="x", yaxis="y"))
    traces.append(dict(type="scatter", x=ks, y=low, mode="lines", line=dict(width=0, color=INERTIA_COLOR),
                       fill="tonexty", fillcolor=BAND_COLOR, hoverinfo="skip",
                       name=f"min–max over {n_seeds} seeds", showlegend=n_seeds > 1, xaxis="x", yaxis="y"))
    traces.append(dict(
        type="scatter", x=ks, y=mean, mode="lines+markers",
        name=f"inertia (mean of {n_seeds} seed{'s' * (n_seeds > 1)})",
        line=dict(color=INERTIA_COLOR, width=3), marker=dict(size=10, color=INERTIA_COLOR),
        customdata=np.column_stack([low, high]),
        hovertemplate="k = %{x}<br>mean inertia %{y:.4~g}<br>min %{customdata[0]:.4~g}, "
                      "max %{customdata[1]:.4~g}<extra></extra>",
        xaxis="x", yaxis="y",
    ))
    if seconds is not None:
        ms = 1000 * np.asarray(seconds, dtype=float)
        traces.append(dict(
            type="scatter", x=ks, y=ms, mode="lines+markers", name="fit time per run (ms)",
            line=dict(color=TIME_COLOR, width=1.5, dash="dot"), marker=dict(size=6, symbol="square"),
            hovertemplate="k = %{x}<br>%{y:.4~g} ms per run<extra></extra>", xaxis="x", yaxis="y2",
        ))
        top = float(np.nanmax(ms)) * 1.15 if len(ms) and np.nanmax(ms) > 0 else 1.0
        layout["yaxis2"].update(title=dict(text="fit time per run (ms)"), range=[0, top], tickmode="auto",
                                nticks=6, showgrid=False, color=TIME_COLOR, tickformat=".3~g")
    if knee is not None and knee in ks:
        i = int(np.flatnonzero(ks == knee)[0])
        traces.append(dict(
            type="scatter", x=[knee], y=[mean[i]], mode="markers", name=f"knee: k = {knee}",
            marker=dict(size=22, symbol="circle-open", color=KNEE_COLOR, line=dict(width=3)),
            hovertemplate="knee (Kneedle)<br>k = %{x}<extra></extra>", xaxis="x", yaxis="y",
        ))
        shapes.append(dict(type="line", x0=knee, x1=knee, xref="x", y0=0, y1=1, yref="y domain",
                           line=dict(color=KNEE_COLOR, dash="dash", width=1.5)))
        annotations.append(dict(x=knee, y=mean[i], xref="x", yref="y", text=f"knee: k = {knee}", showarrow=True,
                                arrowhead=2, ax=40, ay=-40, font=dict(color=KNEE_COLOR, size=14)))
    for r, (title, values, better) in enumerate(panels, start=2):
        xa, ya = _axes(r)
        v = np.array([np.nan if x is None else x for x in values], dtype=float)
        colour = SCORE_COLORS[(r - 2) % len(SCORE_COLORS)]
        traces.append(dict(type="scatter", x=ks, y=v, mode="lines+markers", name=plain(title), showlegend=False,
                           line=dict(color=colour, width=2), marker=dict(size=8, color=colour),
                           hovertemplate=f"k = %{{x}}<br>{plain(title)} %{{y:.4~g}}<extra></extra>",
                           xaxis=xa, yaxis=ya))
        best = _best_index(v, better)
        if best is not None:
            where = "top center" if better == "max" else "bottom center"  # room made below
            traces.append(dict(
                type="scatter", x=[ks[best]], y=[v[best]], mode="markers+text", showlegend=False,
                name=f"best {plain(title)}", text=[f"best: k = {ks[best]}"], textposition=where,
                marker=dict(size=16, symbol="star", color=colour, line=dict(width=1, color="black")),
                hovertemplate=f"best {plain(title)}<br>k = %{{x}}<extra></extra>", xaxis=xa, yaxis=ya,
            ))
        y_axis = layout[_layout_key(ya)]
        finite = v[np.isfinite(v)]
        if len(finite):  # headroom on the best side for its label
            lo, hi = float(finite.min()), float(finite.max())
            pad = 0.1 * (hi - lo) if hi > lo else 0.1 * max(abs(hi), 1e-9)
            y_axis["range"] = [lo - pad * (1 if better == "max" else 3.5), hi + pad * (3.5 if better == "max" else 1)]
        arrow = "higher is better" if better == "max" else "lower is better"
        y_axis["title"] = dict(text=f"{plain(title)}<br><sub>{arrow}</sub>")
    if selected is not None and selected in ks:
        for r in range(1, rows + 1):
            xa, ya = _axes(r)
            shapes.append(dict(type="rect", x0=selected - 0.45, x1=selected + 0.45, xref=xa, y0=0, y1=1,
                               yref=f"{ya} domain", fillcolor=SELECTED_COLOR, line=dict(width=0), layer="below"))
    layout["yaxis"].update(title=dict(text="inertia (within-cluster sum of squares)"), rangemode="tozero")
    for r in range(1, rows + 1):
        layout[_layout_key(_axes(r)[0])]["dtick"] = 1
    layout[_layout_key(_axes(rows)[0])]["title"] = dict(text="k (number of clusters)")
    if note:
        annotations.append(dict(text=plain(note), xref="paper", yref="paper", x=0, y=0, yshift=-50,
                                yanchor="top", showarrow=False, xanchor="left", font=dict(size=12, color="#555")))
    layout.update(
        height=height or (420 + 170 * (rows - 1)), margin=dict(l=10, r=10, t=30, b=10 + 65 * bool(note)),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), hovermode="closest",
        clickmode="event+select",
    )
    if shapes:
        layout["shapes"] = shapes
    if annotations:
        layout["annotations"] = annotations
    return finish(go.Figure(data=traces, layout=layout))
