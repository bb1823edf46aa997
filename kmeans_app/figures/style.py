"""Colours, symbols and sampling shared by every figure.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies) extended with Paul Tol's muted set; every cluster also gets
its own marker symbol so colour is never the only cue.
"""

import numpy as np

PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    "#332288", "#88CCEE", "#117733", "#999933", "#AA4499", "#882255", "#44AA99",
    "#DDCC77", "#CC6677", "#6699CC", "#661100", "#888888", "#000000",
)
SYMBOLS = (
    "circle", "square", "diamond", "triangle-up", "x", "cross", "triangle-down",
    "star", "pentagon", "hexagon", "triangle-left", "triangle-right", "hourglass",
    "bowtie", "star-triangle-up", "diamond-wide", "square-x", "circle-x", "hexagram", "asterisk",
)
UNASSIGNED = "#7f7f7f"
MAX_PLOTTED_POINTS = 20_000


def color(j):
    return PALETTE[j % len(PALETTE)]


def symbol(j):
    return SYMBOLS[j % len(SYMBOLS)]


def fill(j, alpha=0.12):
    h = color(j).lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def plot_sample(n, max_points=MAX_PLOTTED_POINTS, seed=0):
    """Indices of the rows to draw: all of them, or a fixed random sample (sorted)."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, max_points, replace=False))


# Neither side of a plot box is shorter than this share of the other. Points on one line
# (collinear or zero-variance data) would otherwise give an axis of almost no span: with
# the charts' 1:1 aspect Plotly then squeezes that axis to a sliver of pixels and its
# tick labels pile up on each other.
MIN_ASPECT = 0.5


def padded_box(P, pad=0.08, min_aspect=MIN_ASPECT):
    """(xmin, xmax, ymin, ymax) around 2-D points with a margin, never degenerate.

    Each side spans at least ``min_aspect`` times the other (centred on the data);
    identical points get a unit square around them.
    """
    P = np.asarray(P, dtype=np.float64)
    lo, hi = P.min(axis=0), P.max(axis=0)
    span = hi - lo
    if span.max() <= 1e-9 * max(float(np.abs(P).max()), 1.0):  # all points (numerically) identical
        span = np.ones_like(span)
    span = np.maximum(span, min_aspect * span.max())
    mid = (lo + hi) / 2
    lo, hi = mid - (0.5 + pad) * span, mid + (0.5 + pad) * span
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def plain(text):
    """User text (file or column names, cells) made safe for Plotly titles, labels and hover.

    Plotly interprets a small subset of HTML in text; escaping makes it literal.
    """
    import html

    return html.escape(str(text), quote=True)
