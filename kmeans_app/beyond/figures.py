"""Pure Plotly figure builders for the Soft and Gaussian, Mini-batch and When K-means fails pages.

No Streamlit here: each builder takes plain arrays (already projected to 2-D) and returns a
``go.Figure``. The animated figures step in the browser: one figure with Plotly frames, a
slider and a play button, where each frame carries only the traces that change (point
colours, centres, ellipses), so stepping never contacts the server.
"""

import numpy as np
import plotly.graph_objects as go

from kmeans_app.figures.style import PALETTE, PROJECTOR_FONT, color, finish, padded_box, projector, symbol

FRAME_MS = 350  # play speed: milliseconds per frame
ELLIPSE_POINTS = 61
ELLIPSE_SIGMAS = 2.0  # ellipses are drawn at 2 standard deviations (about 86% of a 2-D Gaussian)
HEIGHT = 520

_RGB = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in PALETTE], dtype=np.float64)


GREY = (154, 154, 154)  # points whose responsibilities are not recorded
COLOUR_STEPS = (4, 8, 16, 32)  # channel rounding tried in turn until the colour table is small enough
MAX_COLOURS = 400


def mix_rgb(shares):
    """Each row's colour: the cluster palette mixed by its uint8 responsibilities.

    shares : (m, k) uint8, round(255 r_ij), rows summing to about 255.
    Returns (m, 3) float RGB in [0, 255]; a point owned by one cluster gets its cluster's colour.
    """
    S = np.asarray(shares, dtype=np.float64)
    rgb = _RGB[np.arange(S.shape[1]) % len(_RGB)]
    total = S.sum(axis=1, keepdims=True)
    return S @ rgb / np.where(total > 0, total, 1.0)


def mix_colors(shares):
    """mix_rgb as "#rrggbb" strings (for hover text and tests)."""
    mixed = np.clip(np.rint(mix_rgb(shares)), 0, 255).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in mixed.tolist()]


def colour_table(share_frames, m):
    """Mixed colours of every frame as indices into one colour table, for numeric marker colours.

    Plotly checks every colour string of every frame one by one (about 50 ms per 500 points),
    so frames carry small integers instead and the figure carries the table once as a
    stepped colour scale. Channels are rounded to a multiple of 4 (or 8, 16, 32 when more
    than MAX_COLOURS colours would be needed): invisible at these sizes.

    share_frames : per frame, (m, k) uint8 shares or None (grey). Returns
    (indices per frame as int16 arrays, list of "#rrggbb").
    """
    rgbs = [np.tile(GREY, (m, 1)).astype(np.float64) if S is None else mix_rgb(S) for S in share_frames]
    stacked = np.concatenate(rgbs) if rgbs else np.zeros((0, 3))
    for q in COLOUR_STEPS:
        snapped = np.clip(np.rint(stacked / q) * q, 0, 255).astype(np.int64)
        codes = (snapped[:, 0] << 16) | (snapped[:, 1] << 8) | snapped[:, 2]
        table, inverse = np.unique(codes, return_inverse=True)
        if len(table) <= MAX_COLOURS:
            break
    colours = [f"#{c:06x}" for c in table.tolist()]
    idx = inverse.astype(np.int16).reshape(len(rgbs), m) if rgbs else np.zeros((0, m), np.int16)
    return list(idx), colours


def stepped_scale(colours):
    """A Plotly colour scale mapping value i (cmin -0.5, cmax N - 0.5) to colours[i] exactly."""
    N = max(len(colours), 1)
    scale = []
    for i, c in enumerate(colours):
        scale += [[i / N, c], [(i + 1) / N, c]]
    return scale or [[0, "#9a9a9a"], [1, "#9a9a9a"]]


def _point_marker(idx, colours, size):
    return dict(size=size, color=idx, colorscale=stepped_scale(colours), cmin=-0.5,
                cmax=len(colours) - 0.5, showscale=False, line=dict(width=0.4, color="#333"))


def ellipse_xy(mean, cov, sigmas=ELLIPSE_SIGMAS, n=ELLIPSE_POINTS):
    """(x, y) of the closed ellipse {m + sigmas * L u : |u| = 1} of a 2-D Gaussian (cov = L L^T).

    A degenerate (rank-deficient) covariance gives a segment or a point, never NaN.
    """
    cov = 0.5 * (np.asarray(cov, dtype=np.float64) + np.asarray(cov, dtype=np.float64).T)
    vals, vecs = np.linalg.eigh(cov)
    radii = sigmas * np.sqrt(np.maximum(vals, 0.0))
    t = np.linspace(0.0, 2.0 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    pts = (vecs * radii) @ circle + np.asarray(mean, dtype=np.float64)[:, None]
    return pts[0], pts[1]


def _axes(fig, box, axis_titles, equal=True):
    """Axis ranges and titles; ``equal``: one unit is as long on both axes (distances look true)."""
    x0, x1, y0, y1 = box
    fig.update_xaxes(range=[x0, x1], title=axis_titles[0], zeroline=False)
    fig.update_yaxes(range=[y0, y1], title=axis_titles[1], zeroline=False)
    if equal:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)


def _animate(fig, frames, labels, start=None):
    """Add ``frames`` (go.Frame list) with a step slider under the chart and Play/Pause buttons
    above it (right of the title). The chart opens on frame ``start`` (default: the last, the
    finished run); Play runs every frame from the first.

    The slider's tick labels are hidden (hundreds of steps would overlap); the current
    step's label is shown above the slider.
    """
    fig.frames = frames
    start = len(frames) - 1 if start is None else start
    text = PROJECTOR_FONT if projector() else 14  # projector_style does not reach sliders and buttons
    steps = [dict(method="animate", label=lab,
                  args=[[f.name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                       transition=dict(duration=0))])
             for f, lab in zip(frames, labels)]
    fig.update_layout(
        sliders=[dict(active=start, steps=steps, x=0.0, len=1.0, y=0, yanchor="top", pad=dict(t=45, b=0),
                      ticklen=0, font=dict(color="rgba(0,0,0,0)", size=1),
                      currentvalue=dict(prefix="", visible=True, xanchor="left", font=dict(size=text, color="#222")))],
        updatemenus=[dict(type="buttons", direction="left", x=1.0, y=1.02, xanchor="right", yanchor="bottom",
                          pad=dict(t=0, r=0), showactive=False, font=dict(size=text), buttons=[
                              dict(label="▶ Play", method="animate",
                                   args=[None, dict(frame=dict(duration=FRAME_MS, redraw=True),
                                                    transition=dict(duration=0), fromcurrent=False,
                                                    mode="immediate")]),
                              dict(label="❚❚ Pause", method="animate",
                                   args=[[None], dict(frame=dict(duration=0, redraw=False),
                                                      mode="immediate")])])],
        margin=dict(l=50, r=20, t=80, b=90),
    )


def _centres_trace(C, k, name="centres"):
    return go.Scatter(x=C[:, 0], y=C[:, 1], mode="markers", name=name, showlegend=False,
                      marker=dict(size=16, color=[color(j) for j in range(k)],
                                  symbol=[symbol(j) for j in range(k)],
                                  line=dict(width=2, color="#000")),
                      hovertemplate="centre %{text}<extra></extra>", text=[str(j + 1) for j in range(k)])


def subsample_steps(n_steps, max_frames):
    """Indices of at most ``max_frames`` evenly spaced steps out of n_steps, first and last kept."""
    if n_steps <= max_frames:
        return list(range(n_steps))
    return sorted(set(np.linspace(0, n_steps - 1, max_frames).round().astype(int).tolist()))


def soft_run_figure(P, shares, centers, titles, box, axis_titles, title):
    """A soft K-means run stepped in the browser: points coloured by responsibilities.

    P : (m, 2) drawn points; shares : per frame, (m, k) uint8 responsibilities or None
    (then grey); centers : per frame, (k, 2) centres; titles : per frame, the slider label.
    """
    k = len(centers[0])
    idx, colours = colour_table(shares, len(P))
    fig = go.Figure([
        go.Scatter(x=P[:, 0], y=P[:, 1], mode="markers", name="points", showlegend=False,
                   marker=_point_marker(idx[-1], colours, 7), hoverinfo="skip"),
        _centres_trace(np.asarray(centers[-1]), k),
    ])
    frames = []
    for i, (ci, C) in enumerate(zip(idx, centers)):
        C = np.asarray(C)
        frames.append(go.Frame(name=str(i), traces=[0, 1], data=[
            go.Scatter(marker=dict(color=ci)), go.Scatter(x=C[:, 0], y=C[:, 1])]))
    fig.update_layout(title=title, height=HEIGHT + 60)
    _axes(fig, box, axis_titles)
    _animate(fig, frames, titles)
    return finish(fig)


def gmm_run_figure(P, shares, means, covariances, titles, box, axis_titles, title):
    """EM for a Gaussian mixture stepped in the browser: each component's 2-sigma ellipse and mean
    at every half-step, points coloured by the latest responsibilities.

    means : per frame (k, 2); covariances : per frame (k, 2, 2) (already projected to the plot plane).
    """
    k = len(means[0])
    idx, colours = colour_table(shares, len(P))

    def ellipse_traces(M, C):
        out = []
        for j in range(k):
            x, y = ellipse_xy(M[j], C[j])
            out.append(go.Scatter(x=x, y=y, mode="lines", line=dict(color=color(j), width=2.5),
                                  name=f"component {j + 1}", showlegend=False, hoverinfo="skip"))
        return out

    M0, C0 = np.asarray(means[-1]), np.asarray(covariances[-1])  # the chart opens on the fitted model
    fig = go.Figure([
        go.Scatter(x=P[:, 0], y=P[:, 1], mode="markers", name="points", showlegend=False,
                   marker=_point_marker(idx[-1], colours, 6), hoverinfo="skip"),
        *ellipse_traces(M0, C0),
        _centres_trace(M0, k, "means"),
    ])
    frames = []
    for i, (ci, M, C) in enumerate(zip(idx, means, covariances)):
        M, C = np.asarray(M), np.asarray(C)
        data = [go.Scatter(marker=dict(color=ci))]
        data += [go.Scatter(x=t.x, y=t.y) for t in ellipse_traces(M, C)]
        data.append(go.Scatter(x=M[:, 0], y=M[:, 1]))
        frames.append(go.Frame(name=str(i), traces=list(range(k + 2)), data=data))
    fig.update_layout(title=title, height=HEIGHT + 60)
    _axes(fig, box, axis_titles)
    _animate(fig, frames, titles)
    return finish(fig)


def loglik_figure(iterations, logliks, title="Log-likelihood per EM step"):
    """The total log-likelihood after each EM iteration (it never decreases)."""
    iterations, logliks = list(iterations), list(logliks)
    fig = go.Figure(go.Scatter(x=iterations, y=logliks, mode="lines+markers",
                               line=dict(color=color(4), width=2), marker=dict(size=6),
                               hovertemplate="iteration %{x}<br>log-likelihood %{y:.6g}<extra></extra>"))
    fig.update_layout(title=title, height=HEIGHT // 2 + 40, margin=dict(l=60, r=20, t=50, b=50))
    fig.update_xaxes(title="EM iteration", dtick=1 if len(iterations) <= 12 else None)
    fig.update_yaxes(title="log-likelihood")
    return finish(fig)


def criteria_figure(ks, bic, aic, chosen=None):
    """BIC and AIC against the number of components (lower is better), the minima marked."""
    ks = list(ks)
    fig = go.Figure()
    for name, values, j, dash in (("BIC", bic, 5, "solid"), ("AIC", aic, 1, "dash")):
        values = list(values)
        fig.add_trace(go.Scatter(x=ks, y=values, mode="lines+markers", name=name,
                                 line=dict(color=color(j), width=2, dash=dash),
                                 marker=dict(size=7, symbol=symbol(j)),
                                 hovertemplate=name + " %{y:.6g} at %{x} components<extra></extra>"))
        best = int(np.argmin(values))
        fig.add_trace(go.Scatter(x=[ks[best]], y=[values[best]], mode="markers", showlegend=False,
                                 marker=dict(size=15, symbol="circle-open", color=color(j), line=dict(width=3)),
                                 hovertemplate=f"lowest {name}: %{{x}} components<extra></extra>"))
    if chosen is not None:
        fig.add_vline(x=chosen, line=dict(color="#666", dash="dot"))
    fig.update_layout(title="BIC and AIC (lower is better)", height=HEIGHT // 2 + 40,
                      margin=dict(l=60, r=20, t=50, b=50),
                      legend=dict(x=1, y=1, xanchor="right", yanchor="top", bgcolor="rgba(255,255,255,0.8)"))
    fig.update_xaxes(title="number of components", dtick=1)
    fig.update_yaxes(title="criterion")
    return finish(fig)


def minibatch_figure(P, labels, centers, titles, box, axis_titles, title, lloyd_centers=None):
    """Mini-batch centres moving batch by batch over the (static) points, stepped in the browser.

    labels : (m,) cluster of each drawn point (the final centres'), for a faint colouring;
    centers : per frame (k, 2); lloyd_centers : (k, 2) full Lloyd's final centres, drawn hollow.
    """
    k = len(centers[0])
    traces = [go.Scatter(x=P[:, 0], y=P[:, 1], mode="markers", name="points", showlegend=False,
                         marker=dict(size=5, color=[color(int(j)) for j in labels], opacity=0.45),
                         hoverinfo="skip")]
    if lloyd_centers is not None:
        L = np.asarray(lloyd_centers)
        traces.append(go.Scatter(x=L[:, 0], y=L[:, 1], mode="markers", name="full Lloyd's final centres",
                                 marker=dict(size=20, symbol="circle-open", color="#000", line=dict(width=2)),
                                 hovertemplate="full Lloyd's centre<extra></extra>"))
    traces.append(_centres_trace(np.asarray(centers[-1]), k, "mini-batch centres"))
    idx = len(traces) - 1
    fig = go.Figure(traces)
    frames = [go.Frame(name=str(i), traces=[idx], data=[go.Scatter(x=np.asarray(C)[:, 0], y=np.asarray(C)[:, 1])])
              for i, C in enumerate(centers)]
    fig.update_layout(title=title, height=HEIGHT + 60,
                      legend=dict(orientation="h", y=-0.02, x=1, xanchor="right", yanchor="bottom",
                                  bgcolor="rgba(255,255,255,0.7)"))
    _axes(fig, box, axis_titles)
    _animate(fig, frames, titles)
    return finish(fig)


def inertia_curves(x_mb, y_mb, x_lloyd, y_lloyd, x_title, title, log_x=False):
    """Full-data inertia of mini-batch and of full Lloyd against points processed or time."""
    fig = go.Figure([
        go.Scatter(x=list(x_mb), y=list(y_mb), mode="lines", name="mini-batch",
                   line=dict(color=color(5), width=2.5),
                   hovertemplate="mini-batch<br>%{x:.4g}<br>inertia %{y:.6g}<extra></extra>"),
        go.Scatter(x=list(x_lloyd), y=list(y_lloyd), mode="lines+markers", name="full Lloyd",
                   line=dict(color=color(4), width=2.5, dash="dash"), marker=dict(size=6, symbol="square"),
                   hovertemplate="full Lloyd<br>%{x:.4g}<br>inertia %{y:.6g}<extra></extra>"),
    ])
    fig.update_layout(title=title, height=HEIGHT // 2 + 60, margin=dict(l=60, r=20, t=50, b=50),
                      legend=dict(x=1, y=1, xanchor="right", yanchor="top", bgcolor="rgba(255,255,255,0.8)"))
    fig.update_xaxes(title=x_title, type="log" if log_x else "linear")
    fig.update_yaxes(title="full-data inertia", type="log")
    return finish(fig)


def labels_figure(P, labels, box, axis_titles, title, centers=None, equal=True):
    """A static scatter of the drawn points coloured and shaped by cluster (colour is never the only cue).

    equal=False lets each axis keep its own units (features on very different scales).
    """
    labels = np.asarray(labels)
    fig = go.Figure()
    for j in np.unique(labels).tolist():
        sel = labels == j
        fig.add_trace(go.Scatter(x=P[sel, 0], y=P[sel, 1], mode="markers", name=f"cluster {j + 1}",
                                 marker=dict(size=6, color=color(j), symbol=symbol(j),
                                             line=dict(width=0.3, color="#333")),
                                 hovertemplate=f"cluster {j + 1}<extra></extra>"))
    if centers is not None:
        C = np.asarray(centers)
        fig.add_trace(_centres_trace(C, len(C)))
    fig.update_layout(title=title, height=HEIGHT - 60, showlegend=False, margin=dict(l=50, r=20, t=60, b=50))
    _axes(fig, box, axis_titles, equal)
    return finish(fig)


def box_of(P, equal=True):
    """The plot box around 2-D points (padded_box); equal=False: each axis fits its own span."""
    return padded_box(P) if equal else padded_box(P, min_aspect=0.0)
