"""Plotly figure builders for the What-if page (pure functions: arrays in, figures out).

Column names are user text: every title, tick label and hover text goes through
``plain`` (HTML-escaped), as in the other figures.
"""

import numpy as np
import plotly.graph_objects as go

from kmeans_app.figures.common import clustering_figure
from kmeans_app.figures.style import color, finish, plain, plot_sample, symbol


def _short(name, limit=28):
    name = str(name)
    return name if len(name) <= limit else name[: limit - 1] + "…"


def profile_heatmap(z_centers, names, height=None):
    """The centres in z-scores: rows are clusters, columns the chosen columns, 0 is white."""
    z = np.asarray(z_centers, dtype=np.float64)
    k, d = z.shape
    lim = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    lim = max(lim, 0.5)
    cols = [plain(_short(n)) for n in names]
    rows = [f"cluster {c + 1}" for c in range(k)]
    text = np.where(np.isfinite(z), np.vectorize(lambda v: f"{v:+.2f}")(np.nan_to_num(z)), "")
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, zmid=0, zmin=-lim, zmax=lim, colorscale="RdBu", reversescale=True,
        text=text, texttemplate="%{text}" if k * d <= 400 else None,
        hovertemplate="%{y}, %{x}: %{z:+.2f} sd from the overall mean<extra></extra>",
        colorbar=dict(title=dict(text="z")),
    ))
    fig.update_layout(
        title=dict(text="Centres in z-scores (standard deviations from each column's mean)"),
        height=height or max(260, 60 + 34 * k), margin=dict(l=10, r=10, t=50, b=10),
        yaxis=dict(autorange="reversed"), xaxis=dict(tickangle=-30 if d > 6 else 0),
    )
    return finish(fig)


def parallel_centres(z_centers, names, height=380):
    """Parallel coordinates of the centres: one line per cluster across the columns, on the
    common z-score scale (raw units differ from column to column)."""
    z = np.asarray(z_centers, dtype=np.float64)
    cols = [plain(_short(n)) for n in names]
    fig = go.Figure()
    for c in range(len(z)):
        fig.add_trace(go.Scatter(
            x=cols, y=z[c], mode="lines+markers", name=f"cluster {c + 1}",
            line=dict(color=color(c), width=2.5), marker=dict(symbol=symbol(c), size=9, color=color(c)),
            hovertemplate=f"cluster {c + 1}, " + "%{x}: %{y:+.2f} sd<extra></extra>",
        ))
    fig.add_hline(y=0, line=dict(color="#888", dash="dot", width=1))
    fig.update_layout(
        title=dict(text="Centres in parallel coordinates (z-scores)"), height=height,
        margin=dict(l=10, r=10, t=50, b=10), yaxis=dict(title=dict(text="z-score (sd)")),
        xaxis=dict(type="category"), legend=dict(orientation="h", y=-0.2),
    )
    return finish(fig)


def axes_figure(P, labels, centres2d, axis_titles, title, height=480):
    """The clusters on two chosen axes (columns or principal components), without cells."""
    return clustering_figure(P, labels, centres2d, title=title, draw_cells=False,
                             axis_titles=tuple(plain(t) for t in axis_titles), height=height)


def scatter_matrix(X, labels, names, k, height=None):
    """A scatter matrix of up to 6 columns, one trace per cluster (colour and symbol)."""
    X = np.asarray(X, dtype=np.float64)
    idx = plot_sample(len(X))
    X, labels = X[idx], np.asarray(labels)[idx]
    d = X.shape[1]
    fig = go.Figure()
    for c in range(k):
        m = labels == c
        fig.add_trace(go.Splom(
            dimensions=[dict(label=plain(_short(n, 18)), values=X[m, j]) for j, n in enumerate(names)],
            name=f"cluster {c + 1}", showupperhalf=False, diagonal=dict(visible=False),
            marker=dict(color=color(c), symbol=symbol(c), size=4, line=dict(width=0)),
        ))
    size = height or min(900, 170 * d + 80)
    fig.update_layout(title=dict(text=f"Scatter matrix of {d} columns"), height=size,
                      margin=dict(l=10, r=10, t=50, b=10), dragmode="select",
                      legend=dict(orientation="h", y=-0.08))
    return finish(fig)


def scaling_figure(P, labels, centres2d, axis_titles, title, height=380):
    """One panel of the scaling what-if: the same axes, this scaling's clusters."""
    fig = clustering_figure(P, labels, centres2d, title=title, draw_cells=False,
                            axis_titles=tuple(plain(t) for t in axis_titles), height=height, finished=False)
    fig.update_layout(showlegend=False)
    return finish(fig)


def contingency_figure(table, height=None):
    """Known labels x clusters as a heatmap of counts (rows: labels, columns: clusters)."""
    counts = table.to_numpy()
    rows = [plain(_short(r)) for r in table.index]
    fig = go.Figure(go.Heatmap(
        z=counts, x=list(table.columns), y=rows, colorscale="Blues", text=counts,
        texttemplate="%{text}" if counts.size <= 600 else None,
        hovertemplate="label %{y}, %{x}: %{z:,} rows<extra></extra>", colorbar=dict(title=dict(text="rows")),
    ))
    fig.update_layout(title=dict(text="Known labels (rows) x clusters (columns)"),
                      height=height or max(260, 70 + 30 * len(rows)), margin=dict(l=10, r=10, t=50, b=10),
                      yaxis=dict(autorange="reversed", type="category"))
    return finish(fig)
