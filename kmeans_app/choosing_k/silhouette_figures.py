"""Silhouette figures: the classic per-cluster silhouette plot, the data coloured by cluster
with each point's silhouette, and the mean silhouette against k."""

import numpy as np
import plotly.graph_objects as go

from kmeans_app.figures.common import clustering_figure
from kmeans_app.figures.style import color, fill, finish, plain

NEGATIVE_COLOR = "black"


def silhouette_bands(values, labels, k, gap=None):
    """Layout of the classic plot: for each cluster j (bottom to top), (j, y positions, sorted values).

    Values are sorted in increasing order so each band's widest part is on top; ``gap`` empty
    rows separate the bands (default 2% of the points, at least 5).
    """
    values, labels = np.asarray(values, dtype=float), np.asarray(labels)
    gap = max(5, int(0.02 * len(values))) if gap is None else gap
    bands, y = [], gap
    for j in range(k):
        v = np.sort(values[labels == j])
        bands.append((j, np.arange(y, y + len(v)), v))
        y += len(v) + gap
    return bands


def silhouette_figure(values, labels, k, *, note=None, height=480):
    """The classic silhouette plot of per-point values ``values`` with cluster ``labels`` (0..k-1).

    Each cluster is a filled horizontal band of its sorted values, labelled with its size on
    the y axis; the mean of all values is a dashed vertical line.
    """
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    fig = go.Figure()
    tickvals, ticktext = [], []
    for j, ys, v in silhouette_bands(values, labels, k):
        if len(v) == 0:
            continue
        fig.add_trace(go.Scatter(
            x=np.concatenate([[0.0], v, [0.0]]), y=np.concatenate([[ys[0]], ys, [ys[-1]]]),
            mode="lines", fill="toself", fillcolor=fill(j, 0.75), line=dict(color=color(j), width=1),
            name=f"cluster {j + 1}", hoveron="fills+points",
            text=f"cluster {j + 1}: {len(v)} points, mean s = {v.mean():.3f}",
            hovertemplate="%{text}<br>s = %{x:.3f}<extra></extra>",
        ))
        tickvals.append(float(ys.mean()))
        ticktext.append(f"cluster {j + 1}<br>n = {len(v):,}")
    fig.add_vline(x=mean, line=dict(color="black", dash="dash", width=2),
                  annotation=dict(text=f"mean {mean:.3f}", font=dict(size=13)),
                  annotation_position="top right")
    lo = min(-0.1, float(values.min()) - 0.05) if len(values) else -0.1
    fig.add_vline(x=0, line=dict(color="#999", width=1))
    title = "Silhouette of each point, by cluster"
    fig.update_layout(
        title=dict(text=title + (f"<br><sub>{plain(note)}</sub>" if note else "")), height=height,
        showlegend=False, margin=dict(l=10, r=10, t=70 if note else 40, b=10),
        xaxis=dict(range=[lo, 1.0], title=dict(text="silhouette s (−1 … 1)"), zeroline=False),
        yaxis=dict(tickvals=tickvals, ticktext=ticktext, showgrid=False, zeroline=False),
    )
    return finish(fig)


def silhouette_scatter(P, labels, values, centers2d, *, axis_titles=("x1", "x2"), draw_cells=True,
                       title="", height=480):
    """The scored points P (m, 2) coloured by cluster, each point's silhouette on hover, and
    badly placed points (s < 0) ringed in black in their own trace "s < 0"."""
    values, labels = np.asarray(values, dtype=float), np.asarray(labels)
    hover = [f"cluster {j + 1}<br>s = {v:.3f}" for j, v in zip(labels, values)]
    fig = clustering_figure(P, labels, centers2d, title=title, draw_cells=draw_cells,
                            axis_titles=axis_titles, hovertext=hover, height=height, finished=False)
    bad = values < 0
    fig.add_trace(go.Scatter(
        x=P[bad, 0], y=P[bad, 1], mode="markers", name=f"s < 0 ({int(bad.sum()):,})",
        marker=dict(symbol="circle-open", size=13, color=NEGATIVE_COLOR, line=dict(width=2)),
        hovertext=[f"cluster {j + 1}<br>s = {v:.3f} (closer to another cluster)"
                   for j, v in zip(labels[bad], values[bad])],
        hoverinfo="text",
    ))
    return finish(fig)


def silhouette_by_k_figure(ks, means, *, chosen=None, note=None, height=300):
    """Mean silhouette against k (None/NaN where undefined), the chosen k marked."""
    ks = np.asarray(ks)
    v = np.array([np.nan if m is None else m for m in means], dtype=float)
    fig = go.Figure(go.Scatter(x=ks, y=v, mode="lines+markers", name="mean silhouette",
                               line=dict(color="#009E73", width=2), marker=dict(size=8),
                               hovertemplate="k = %{x}<br>mean silhouette %{y:.3f}<extra></extra>"))
    if chosen is not None and chosen in ks and not np.isnan(v[ks == chosen][0]):
        y = float(v[ks == chosen][0])
        fig.add_trace(go.Scatter(x=[chosen], y=[y], mode="markers+text", name=f"chosen k = {chosen}",
                                 text=[f"k = {chosen}: {y:.3f}"], textposition="top center",
                                 marker=dict(size=18, symbol="circle-open", color="#D55E00",
                                             line=dict(width=3)),
                                 hovertemplate="chosen k = %{x}<br>%{y:.3f}<extra></extra>"))
    finite = v[np.isfinite(v)]
    if len(finite):  # headroom above the points for the chosen k's label
        lo, hi = float(finite.min()), float(finite.max())
        pad = max(hi - lo, 0.05)
        fig.update_yaxes(range=[lo - 0.15 * pad, hi + 0.35 * pad])
    fig.update_layout(
        height=height, showlegend=False, margin=dict(l=10, r=10, t=50 if note else 30, b=10),
        title=dict(text="Mean silhouette against k" + (f"<br><sub>{plain(note)}</sub>" if note else "")),
        xaxis=dict(dtick=1, title=dict(text="k")), yaxis=dict(title=dict(text="mean silhouette")),
    )
    return finish(fig)
