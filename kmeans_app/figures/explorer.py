"""The Explorer's animated figure: a run's half-steps as Plotly frames, played in the browser.

One figure, two panels sharing one slider: the data (points coloured and
shaped by cluster, centres, their trails, the Voronoi cells of the centres)
and the inertia of every half-step, with the shown step ringed.

Size: point coordinates are sent once, in the base figure. A frame carries
only what changes: the points' cluster codes (colour and symbol as small
integer arrays, which Plotly encodes as base64 typed arrays), the cells,
centres, trails and the ring. An update frame reuses the labels of the
assignment frame before it (``baseframe``) unless an empty cluster was
relocated, so labels are sent once per iteration.
"""

import base64
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..voronoi import voronoi_cells
from .style import SYMBOLS, UNASSIGNED, color, fill, padded_box, plain, symbol

SYMBOL_CODES = {  # Plotly's numeric marker symbols, so per-point symbols fit in int8 arrays
    "circle": 0, "square": 1, "diamond": 2, "cross": 3, "x": 4, "triangle-up": 5,
    "triangle-down": 6, "triangle-left": 7, "triangle-right": 8, "pentagon": 13, "hexagon": 14,
    "star": 17, "hexagram": 18, "star-triangle-up": 19, "diamond-wide": 24, "hourglass": 25,
    "bowtie": 26, "circle-x": 28, "square-x": 30, "asterisk": 35,
}
WEBGL_ABOVE = 5000  # drawn points; SVG is smoother below, WebGL keeps big plots responsive
MAX_FRAMES = 64  # half-steps kept in one animation (a window ending at the cursor)
MAX_TRAIL = 30  # past positions drawn per centre
FRAME_BUDGET = 2_400_000  # bytes of frame data aimed at (the figure JSON stays < 3 MB)
ASSIGN_COLOR, UPDATE_COLOR = "#0072B2", "#D55E00"
PHASE_NAMES = {"init": "start", "assign": "assignment", "update": "update"}


@dataclass(frozen=True)
class StepView:
    """One half-step as drawn: labels of the drawn points (None before the first
    assignment), centres in plot coordinates, the inertia, and the title to show."""

    phase: str
    labels: np.ndarray | None
    centers: np.ndarray
    inertia: float | None
    title: str


def step_views(history, rows, project, titles, X_rows=None):
    """Turn a run's history into StepViews for the drawn rows.

    rows : indices of the drawn rows; project : maps (k, d) centres to plot coordinates;
    titles : one string per record. When the history holds no labels (large data),
    they are recomputed for the drawn rows from the centres (needs ``X_rows``).
    """
    from kmeans_core import assign

    views, last = [], None
    for step, title in zip(history, titles):
        if step.phase == "init":
            labels = None
        elif step.labels is not None:
            labels = np.asarray(step.labels)[rows]
        elif step.phase == "assign":
            labels = assign(X_rows, np.asarray(step.centers, dtype=X_rows.dtype))[0]
        else:
            labels = last
            if step.relocated and labels is not None:
                labels = labels.copy()
                where = {int(r): i for i, r in enumerate(rows)}
                for cluster, point in step.relocated:
                    if point in where:
                        labels[where[point]] = cluster
        last = labels
        views.append(StepView(step.phase, labels, project(np.asarray(step.centers)),
                              step.inertia, title))
    return views


def frame_window(cursor, n_drawn, max_frames=MAX_FRAMES, budget=FRAME_BUDGET):
    """Index of the first half-step animated: a window of at most ``max_frames`` ending at the cursor,
    fewer when many points are drawn (labels cost about 1.4 bytes per point per iteration)."""
    per_step = 1.4 * n_drawn + 4000  # codes sent once per iteration + cells, centres, trails
    fit = int(budget // per_step)
    return max(0, cursor - max(8, min(max_frames, fit)) + 1)


def _colorscale(k):
    """A stepped colour scale: code j < k is cluster j's colour, code k is the grey of 'unassigned'."""
    colours = [color(j) for j in range(k)] + [UNASSIGNED]
    n = len(colours)
    scale = []
    for j, c in enumerate(colours):
        scale += [[j / n, c], [(j + 1) / n, c]]
    return scale


def typed(a):
    """A numpy array as Plotly's base64 typed-array spec: what to_json would write anyway,
    and Plotly's validators pass it through instead of checking every element."""
    a = np.ascontiguousarray(a)
    dtype = {"int8": "i1", "int16": "i2", "int32": "i4", "float32": "f4", "float64": "f8"}[a.dtype.name]
    return {"dtype": dtype, "bdata": base64.b64encode(a.astype(a.dtype.newbyteorder("<")).tobytes()).decode()}


def _f4(a):
    """Coordinates of cells, centres and trails: float32 is far finer than a pixel."""
    return typed(np.asarray(a, dtype=np.float32))


def _codes(labels, n, k):
    """(colour codes, symbol codes) for the drawn points, as int8 typed arrays."""
    if labels is None:
        return typed(np.full(n, k, dtype=np.int8)), typed(np.zeros(n, dtype=np.int8))
    table = np.array([SYMBOL_CODES[symbol(j)] for j in range(k)], dtype=np.int8)
    labels = np.asarray(labels).astype(np.int8)
    return typed(labels), typed(table[labels])


def _cells(centers, box, k):
    out = []
    for poly in voronoi_cells(centers, box):
        closed = np.vstack([poly, poly[:1]]) if len(poly) else poly
        out.append(dict(type="scatter", x=_f4(closed[:, 0]), y=_f4(closed[:, 1])))
    return out


def _trails(views, i, k):
    """Every centre's path up to record i (its positions after the init and each update),
    as one trace: the paths separated by gaps, each point coloured by its cluster."""
    moves = [v.centers for v in views[: i + 1] if v.phase != "assign"][-MAX_TRAIL:]
    path = np.stack(moves).transpose(1, 0, 2)  # (k, t, 2)
    gap = np.full((k, 1, 2), np.nan)
    xy = np.concatenate([path, gap], axis=1).reshape(-1, 2)
    codes = np.repeat(np.arange(k, dtype=np.int8), path.shape[1] + 1)
    return dict(type="scatter", x=_f4(xy[:, 0]), y=_f4(xy[:, 1]), marker=dict(color=typed(codes)))


def _centres(v, k):
    c = np.asarray(v.centers)
    text = [f"centre {j + 1}: ({c[j, 0]:.3g}, {c[j, 1]:.3g})" for j in range(k)]
    return dict(type="scatter", x=_f4(c[:, 0]), y=_f4(c[:, 1]), hovertext=text)


def _ring(i, v):
    if v.inertia is None:
        return dict(type="scatter", x=[], y=[])
    return dict(type="scatter", x=[i], y=[v.inertia])


def explorer_figure(P, views, cursor, *, first=0, draw_cells=True, axis_titles=("x1", "x2"),
                    height=720, frame_ms=800):
    """The animated figure of records ``first..cursor`` of ``views``; shows record ``cursor``.

    P : (m, 2) drawn points in plot coordinates (labels in views refer to these rows).
    axis_titles : raw text (escaped here). Traces, in order: k cells (if drawn), the points,
    the centres' trails, the centres, k legend keys, the inertia line, its assign and update markers,
    and the ring on the shown step.
    """
    P = np.asarray(P, dtype=np.float64)
    m, k = len(P), len(views[0].centers)
    cursor = int(min(max(cursor, 0), len(views) - 1))
    first = int(min(max(first, 0), cursor))
    all_c = np.vstack([v.centers for v in views])  # the whole run: axes stay put from step to step
    box = padded_box(np.vstack([P, all_c]) if m else all_c)
    now = views[cursor]

    traces, animated = [], []
    if draw_cells:
        for j, cell in enumerate(_cells(now.centers, box, k)):
            animated.append(len(traces))
            traces.append(go.Scatter(**cell, mode="lines", fill="toself", fillcolor=fill(j, 0.13),
                                     line=dict(width=1.5, color=color(j)), hoverinfo="skip",
                                     showlegend=False, name=f"cell {j + 1}"))
    scatter = go.Scattergl if m > WEBGL_ABOVE else go.Scatter
    colours, symbols = _codes(now.labels, m, k)
    points_index = len(traces)
    animated.append(points_index)
    traces.append(scatter(
        x=typed(P[:, 0]), y=typed(P[:, 1]), mode="markers", name="points", showlegend=False, hoverinfo="x+y",
        marker=dict(color=colours, symbol=symbols, colorscale=_colorscale(k), cmin=-0.5, cmax=k + 0.5,
                    showscale=False, size=8 if m <= 2000 else 5, opacity=0.9,
                    line=dict(width=0.5, color="rgba(0,0,0,0.45)")),
    ))
    trail = _trails(views, cursor, k)
    animated.append(len(traces))
    traces.append(go.Scatter(x=trail["x"], y=trail["y"], mode="lines+markers", hoverinfo="skip",
                             name="centre paths", line=dict(color="#444444", width=1.5, dash="dot"),
                             marker=dict(color=trail["marker"]["color"], colorscale=_colorscale(k),
                                         cmin=-0.5, cmax=k + 0.5, size=8, opacity=0.8,
                                         line=dict(width=1, color="#444444")),
                             connectgaps=False))
    animated.append(len(traces))
    traces.append(go.Scatter(**_centres(now, k), mode="markers", name="centres", hoverinfo="text",
                             marker=dict(color=[color(j) for j in range(k)],
                                         symbol=[symbol(j) for j in range(k)], size=22,
                                         line=dict(width=3, color="black"))))
    for j in range(k):  # legend keys: colour and symbol of each cluster
        traces.append(go.Scatter(x=[None], y=[None], mode="markers", name=f"cluster {j + 1}",
                                 marker=dict(color=color(j), symbol=symbol(j), size=12)))
    steps = [i for i in range(1, cursor + 1)]
    inertia = [views[i].inertia for i in steps]
    traces.append(go.Scatter(x=steps, y=inertia, mode="lines", line=dict(color="#999999", width=2),
                             xaxis="x2", yaxis="y2", showlegend=False, hoverinfo="skip", name="inertia"))
    for phase, col, sym in (("assign", ASSIGN_COLOR, "circle"), ("update", UPDATE_COLOR, "square")):
        xs = [i for i in steps if views[i].phase == phase]
        traces.append(go.Scatter(x=xs, y=[views[i].inertia for i in xs], mode="markers",
                                 xaxis="x2", yaxis="y2", name=f"inertia after {PHASE_NAMES[phase]}",
                                 marker=dict(color=col, symbol=sym, size=9), legendgroup="inertia",
                                 hovertemplate="step %{x}: %{y:.4g}<extra>" + phase + "</extra>"))
    animated.append(len(traces))
    traces.append(go.Scatter(**_ring(cursor, now), mode="markers", xaxis="x2", yaxis="y2",
                             showlegend=False, hoverinfo="skip", name="shown step",
                             marker=dict(symbol="circle-open", size=22, color="black", line=dict(width=3))))

    frames = []
    last_assign, cells = None, None
    for i in range(first, cursor + 1):
        v = views[i]
        if draw_cells and (cells is None or v.phase != "assign"):  # an assignment moves no centre
            cells = _cells(v.centers, box, k)
        data = list(cells) if draw_cells else []
        same_labels = (v.phase == "update" and last_assign is not None
                       and np.array_equal(v.labels, views[last_assign].labels))
        if not same_labels:
            c, s = _codes(v.labels, m, k)
            data.append(dict(type="scattergl" if m > WEBGL_ABOVE else "scatter", marker=dict(color=c, symbol=s)))
        data += [_trails(views, i, k), _centres(v, k), _ring(i, v)]
        idx = [t for t in animated if not (same_labels and t == points_index)]
        frame = dict(name=str(i), data=data, traces=idx, layout=dict(title=dict(text=v.title)))
        if same_labels:
            frame["baseframe"] = str(last_assign)
        if v.phase == "assign":
            last_assign = i
        frames.append(frame)

    def anim(names, ms):
        return [names, dict(mode="immediate", frame=dict(duration=ms, redraw=True),
                            transition=dict(duration=0), fromcurrent=False)]

    every = _dtick(cursor - first) or 1
    slider_steps = [dict(method="animate", args=anim([str(i)], 0), value=str(i),
                         label=str(i) if (i % every == 0 or i == cursor) else "")
                    for i in range(first, cursor + 1)]
    plot_w, bottom = 0.62, 0.2  # the data panel's width; room under it for Play and the slider
    ticks = dict(size=14)
    layout = go.Layout(
        height=height, font=dict(size=16), margin=dict(l=10, r=10, t=115, b=10),
        title=dict(text=now.title, x=0.01, xanchor="left", y=0.98, yanchor="top", font=dict(size=20)),
        xaxis=dict(domain=[0, plot_w], range=list(box[:2]), autorange=False, constrain="domain",
                   title=dict(text=plain(axis_titles[0])), zeroline=False, tickfont=ticks),
        yaxis=dict(domain=[bottom, 1], range=list(box[2:]), autorange=False, scaleanchor="x",
                   scaleratio=1, constrain="domain", title=dict(text=plain(axis_titles[1])),
                   zeroline=False, tickfont=ticks),
        xaxis2=dict(domain=[plot_w + 0.1, 1], anchor="y2", title=dict(text="half-step"), tickfont=ticks,
                    range=[0.5, max(cursor, 1) + 0.9], autorange=False, dtick=_dtick(cursor)),
        yaxis2=dict(anchor="x2", domain=[0.58, 1], title=dict(text="inertia"), tickfont=ticks),
        legend=dict(x=plot_w + 0.06, y=0.44, xanchor="left", yanchor="top", tracegroupgap=4,
                    font=dict(size=15), itemclick=False, itemdoubleclick=False),
        hovermode="closest",
        updatemenus=[dict(
            type="buttons", direction="left", x=0, y=0, xanchor="left", yanchor="bottom",
            pad=dict(t=0, r=10, b=0), showactive=False, font=dict(size=16),
            buttons=[dict(label="▶ Play", method="animate", args=anim(None, frame_ms)),
                     dict(label="❚❚ Pause", method="animate",
                          args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                             transition=dict(duration=0))])],
        )],
        sliders=[dict(
            active=cursor - first, steps=slider_steps, x=0.17, len=plot_w - 0.17, y=0, yanchor="bottom",
            xanchor="left", pad=dict(t=0, b=0), currentvalue=dict(visible=False),
            font=dict(size=13), transition=dict(duration=0),
        )],
    )
    return go.Figure(data=traces, layout=layout, frames=frames)


def _dtick(count, most=12):
    """A round step so that about ``most`` labels cover ``count`` half-steps."""
    for d in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        if count / d <= most:
            return d
    return None


def pick_figure(P, rows, picks, k, *, axis_titles=("x1", "x2"), height=560):
    """Points in grey to click on, the picked ones as numbered centres.

    rows : data row of each drawn point (sent as customdata, so a click names its row);
    picks : (p, 2) plot coordinates of the rows picked so far, in order.
    """
    P = np.asarray(P, dtype=np.float64)
    picks = np.asarray(picks, dtype=np.float64).reshape(-1, 2)
    box = padded_box(P)
    scatter = go.Scattergl if len(P) > WEBGL_ABOVE else go.Scatter
    n = len(picks)
    fig = go.Figure()
    fig.add_trace(scatter(x=P[:, 0], y=P[:, 1], mode="markers", name="points", customdata=np.asarray(rows),
                          hoverinfo="x+y", showlegend=False,
                          marker=dict(color=UNASSIGNED, size=8 if len(P) <= 2000 else 5,
                                      line=dict(width=0.5, color="white"))))
    fig.add_trace(go.Scatter(x=picks[:, 0], y=picks[:, 1], mode="markers+text", name="picked centres",
                             text=[str(j + 1) for j in range(n)], textposition="top center",
                             textfont=dict(size=18), hoverinfo="skip",
                             marker=dict(color=[color(j) for j in range(n)],
                                         symbol=[symbol(j) for j in range(n)], size=22,
                                         line=dict(width=3, color="black"))))
    title = (f"Click a point to place centre {n + 1} of {k}" if n < k else f"All {k} centres picked")
    fig.update_layout(
        height=height, font=dict(size=16), margin=dict(l=10, r=10, t=60, b=10),
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=19)),
        xaxis=dict(range=list(box[:2]), constrain="domain", title=dict(text=plain(axis_titles[0]))),
        yaxis=dict(range=list(box[2:]), scaleanchor="x", scaleratio=1, constrain="domain",
                   title=dict(text=plain(axis_titles[1]))),
        clickmode="event+select", dragmode="pan", hovermode="closest",
    )
    return fig


__all__ = ["SYMBOLS", "StepView", "explorer_figure", "frame_window", "pick_figure", "step_views"]
