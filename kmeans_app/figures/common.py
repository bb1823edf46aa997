"""A static clustering picture (points, centres, Voronoi cells), shared by several pages."""

import numpy as np
import plotly.graph_objects as go

from kmeans_app.explorer.voronoi import voronoi_cells
from kmeans_app.figures.style import color, fill, finish, padded_box, plot_sample, symbol


def cell_traces(centers2d, box, opacity=0.12):
    """One filled polygon trace per Voronoi cell (empty traces keep indices stable)."""
    traces = []
    for j, poly in enumerate(voronoi_cells(centers2d, box)):
        xs = list(poly[:, 0]) + ([poly[0, 0]] if len(poly) else [])
        ys = list(poly[:, 1]) + ([poly[0, 1]] if len(poly) else [])
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill(j, opacity),
                                 line=dict(width=1, color=color(j)), hoverinfo="skip",
                                 showlegend=False, name=f"cell {j + 1}"))
    return traces


def clustering_figure(P, labels, centers2d, *, title="", draw_cells=True, axis_titles=("x1", "x2"),
                      hovertext=None, height=480, finished=True):
    """Points P (n, 2) coloured and shaped by label, centres as large markers, optional cells.

    P and centers2d are already in plot coordinates (projected if needed).
    Large inputs are drawn from a fixed sample with WebGL. ``finished=False`` leaves out the
    projector styling, for a builder that adds traces and then calls ``finish`` itself (once).
    """
    idx = plot_sample(len(P))
    P, labels = P[idx], np.asarray(labels)[idx]
    box = padded_box(np.vstack([P, centers2d]))
    fig = go.Figure()
    if draw_cells:
        for t in cell_traces(centers2d, box):
            fig.add_trace(t)
    k = len(centers2d)
    scatter = go.Scattergl if len(P) > 5000 else go.Scatter
    for j in range(k):
        m = labels == j
        fig.add_trace(scatter(
            x=P[m, 0], y=P[m, 1], mode="markers", name=f"cluster {j + 1}",
            marker=dict(color=color(j), symbol=symbol(j), size=6, line=dict(width=0.5, color="white")),
            hovertext=None if hovertext is None else np.asarray(hovertext)[idx][m],
            hoverinfo="text" if hovertext is not None else "x+y+name",
        ))
    fig.add_trace(go.Scatter(
        x=centers2d[:, 0], y=centers2d[:, 1], mode="markers", name="centres",
        marker=dict(color=[color(j) for j in range(k)], symbol=[symbol(j) for j in range(k)],
                    size=18, line=dict(width=2.5, color="black")),
    ))
    fig.update_layout(
        title=dict(text=title), height=height, margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(range=box[:2], title=dict(text=axis_titles[0]), constrain="domain"),
        yaxis=dict(range=box[2:], title=dict(text=axis_titles[1]), scaleanchor="x", scaleratio=1),
        legend=dict(orientation="h", y=-0.15),
    )
    return finish(fig) if finished else fig
