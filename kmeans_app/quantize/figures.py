"""Figures for the colour quantization page: the palette, the RGB cube, the palette learning.

Pure functions: arrays in, go.Figure out. Every pixel and palette colour is
drawn in its own colour; hex codes and shares say the same in text.
"""

import numpy as np
import plotly.graph_objects as go

from kmeans_app.figures.style import finish

AXIS = dict(range=[-5, 260], backgroundcolor="rgb(245,245,245)", gridcolor="white", zeroline=False)
SCENE = dict(xaxis=dict(AXIS, title=dict(text="red")), yaxis=dict(AXIS, title=dict(text="green")),
             zaxis=dict(AXIS, title=dict(text="blue")), aspectmode="cube",
             camera=dict(eye=dict(x=1.3, y=-1.3, z=0.8)))
MAX_FRAMES = 60


def image_columns(width, height, n=2, *, max_height=480, column_width=720):
    """Column spec for ``n`` images of ``width`` x ``height`` side by side, each drawn with
    ``width="stretch"`` in its own column: images never overflow or overlap their columns.

    A landscape image fills its column. Taller ones get narrower columns (plus a spacer), so
    that at a column ``column_width`` px wide (half of a 1440 px main area) they are at most
    ``max_height`` px tall. Returns the list for ``st.columns``; the first ``n`` are the images.
    """
    share = min(1.0, max_height * width / max(height, 1) / column_width)
    if share > 0.98:
        return [1] * n
    return [share] * n + [n * (1 - share)]


def rgb(color):
    """'rgb(r,g,b)' for a colour given as three numbers in 0-255 (rounded)."""
    r, g, b = (int(np.clip(round(float(c)), 0, 255)) for c in color)
    return f"rgb({r},{g},{b})"


def hex_code(color):
    return "#{:02X}{:02X}{:02X}".format(*(int(np.clip(round(float(c)), 0, 255)) for c in color))


def palette_figure(palette, counts, *, title="Palette: share of pixels per colour"):
    """One bar per palette colour, filled with that colour, longest (most used) on top."""
    counts = np.asarray(counts, dtype=float)
    shares = 100 * counts / max(counts.sum(), 1)
    order = np.argsort(counts, kind="stable")  # ascending: plotly draws the first bar at the bottom
    labels = [f"{hex_code(palette[j])}  " for j in order]
    fig = go.Figure(go.Bar(
        x=shares[order], y=labels, orientation="h",
        marker=dict(color=[rgb(palette[j]) for j in order], line=dict(color="rgb(60,60,60)", width=1)),
        text=[f"{shares[j]:.1f}%" for j in order], textposition="outside", cliponaxis=False,
        customdata=np.stack([counts[order], shares[order]], axis=1),
        hovertemplate="%{y}<br>%{customdata[0]:,.0f} pixels (%{customdata[1]:.2f}%)<extra></extra>",
    ))
    fig.update_layout(
        title=dict(text=title), height=90 + 24 * len(palette), margin=dict(l=10, r=40, t=40, b=30),
        xaxis=dict(title=dict(text="share of pixels (%)"), range=[0, max(float(shares.max()), 1) * 1.18]),
        yaxis=dict(type="category", tickfont=dict(family="monospace")), bargap=0.15, showlegend=False,
    )
    return finish(fig)


def _pixels_trace(colors, *, size=2.5, opacity=0.8, name="pixels"):
    colors = np.asarray(colors)
    return go.Scatter3d(
        x=colors[:, 0], y=colors[:, 1], z=colors[:, 2], mode="markers", name=name,
        marker=dict(size=size, color=[rgb(c) for c in colors], opacity=opacity),
        hoverinfo="skip",
    )


def _palette_trace(palette, *, name="palette", hover=None, size=11):
    palette = np.asarray(palette, dtype=float)
    return go.Scatter3d(
        x=palette[:, 0], y=palette[:, 1], z=palette[:, 2], mode="markers", name=name,
        marker=dict(size=size, color=[rgb(c) for c in palette], symbol="diamond",
                    line=dict(color="black", width=3), opacity=1.0),
        hovertext=hover if hover is not None else [hex_code(c) for c in palette], hoverinfo="text",
    )


def rgb_cube_figure(colors, palette, counts=None, *, title="", height=560):
    """A sample of pixels in the RGB cube, each in its own colour, and the palette as large diamonds."""
    hover = None
    if counts is not None:
        counts = np.asarray(counts, dtype=float)
        shares = 100 * counts / max(counts.sum(), 1)
        hover = [f"{hex_code(c)}: {s:.1f}% of pixels" for c, s in zip(palette, shares)]
    fig = go.Figure([_pixels_trace(colors, name=f"pixels (random {len(colors):,})"),
                     _palette_trace(palette, hover=hover)])
    fig.update_layout(title=dict(text=title), height=height, scene=SCENE, margin=dict(l=0, r=0, t=40, b=0),
                      legend=dict(orientation="h", y=0.02))
    return finish(fig)


def _frame_steps(history, n_refined=0, max_frames=MAX_FRAMES):
    """The init and every update record (centres after each M step) with their labels, thinned.

    The last ``n_refined`` update records are the steps on all pixels after the sampled fit.
    """
    steps = [s for s in history if s.phase in ("init", "update")]
    first_refined = len(steps) - n_refined
    labels = ["start" if s.phase == "init" else
              f"all pixels {i - first_refined + 1}" if i >= first_refined else f"iteration {s.iteration}"
              for i, s in enumerate(steps)]
    if len(steps) > max_frames:
        keep = np.unique(np.linspace(0, len(steps) - 1, max_frames).round().astype(int))
        steps, labels = [steps[i] for i in keep], [labels[i] for i in keep]
    return steps, labels


def _trails(steps, upto):
    """Line segments through each centre's positions up to frame ``upto`` (None-separated)."""
    path = np.stack([s.centers for s in steps[: upto + 1]])  # (t, k, 3)
    xs, ys, zs = [], [], []
    for j in range(path.shape[1]):
        xs += list(path[:, j, 0]) + [None]
        ys += list(path[:, j, 1]) + [None]
        zs += list(path[:, j, 2]) + [None]
    return go.Scatter3d(x=xs, y=ys, z=zs, mode="lines", name="paths",
                        line=dict(color="rgb(40,40,40)", width=3), hoverinfo="skip")


def learning_figure(history, colors, *, n_refined=0, height=600, frame_ms=350):
    """The palette centres moving through RGB space, one frame per K-means step, played in the browser.

    history : the fit's Step records; colors : a pixel sample drawn as a still background.
    n_refined : how many of the last update records are steps on all pixels
        (``PaletteFit.refined_steps``); they are labelled so.
    """
    steps, labels = _frame_steps(history, n_refined)

    def centres(step):
        return _palette_trace(step.centers, name="palette centres")

    frames = [go.Frame(data=[_trails(steps, t), centres(s)], traces=[1, 2], name=labels[t])
              for t, s in enumerate(steps)]
    fig = go.Figure([_pixels_trace(colors, size=3, opacity=0.5, name=f"pixels (random {len(colors):,})"),
                     _trails(steps, 0), centres(steps[0])], frames=frames)
    play = dict(frame=dict(duration=frame_ms, redraw=True), fromcurrent=True, transition=dict(duration=0))
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    fig.update_layout(
        height=height, scene=SCENE, margin=dict(l=0, r=0, t=40, b=0),
        title=dict(text=f"Palette centres learning: {len(steps)} frames"),
        legend=dict(orientation="h", y=0.98),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=0.0, xanchor="left", yanchor="top",
                          pad=dict(t=10, r=10), showactive=False,
                          buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                                   dict(label="❚❚ Pause", method="animate", args=[[None], pause])])],
        sliders=[dict(active=0, x=0.18, y=0.0, len=0.8, xanchor="left", yanchor="top",
                      currentvalue=dict(prefix="step: "), pad=dict(t=10),
                      steps=[dict(label=lab, method="animate",
                                  args=[[lab], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                    transition=dict(duration=0))])
                             for lab in labels])],
    )
    return finish(fig)
