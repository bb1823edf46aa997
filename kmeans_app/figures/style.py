"""Colours, symbols and sampling shared by every figure.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies) extended with Paul Tol's muted set; every cluster also gets
its own marker symbol so colour is never the only cue.
"""

import contextvars

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


# ---------------------------------------------------------------- projector mode
#
# The sidebar's "Projector mode" toggle is read through a function the app registers once
# (``read_projector_from(state.projector)``: it reads the current session), so figure
# builders stay free of Streamlit and every session, rerun and fragment sees its own
# setting. ``override_projector`` forces it for code outside a session (tests, scripts).
# Figure builders end with ``finish(fig)``, which enlarges text and markers when it is on.

_SOURCE = [lambda: False]
_OVERRIDE = contextvars.ContextVar("kmeans_projector", default=None)
PROJECTOR_FONT = 20  # px: the smallest text in projector mode
PROJECTOR_MARKER_SCALE = 1.6
PROJECTOR_LINE_SCALE = 1.8


def read_projector_from(source):
    """Register the function that says whether projector mode is on (e.g. ``state.projector``)."""
    _SOURCE[0] = source


def override_projector(on):
    """Force projector styling on/off (True/False) in this context, or None to follow the source."""
    return _OVERRIDE.set(on)


class projector_as:
    """``with projector_as(on):`` builds figures for projector mode on/off (e.g. inside a cached
    function that takes the flag as an argument, so it is part of the cache key)."""

    def __init__(self, on):
        self.on = bool(on)

    def __enter__(self):
        self._token = _OVERRIDE.set(self.on)
        return self

    def __exit__(self, *exc):
        _OVERRIDE.reset(self._token)
        return False


def projector():
    """True when the figures being built are for projector mode."""
    forced = _OVERRIDE.get()
    if forced is not None:
        return bool(forced)
    try:
        return bool(_SOURCE[0]())
    except Exception:  # no session (bare scripts): ordinary figures
        return False


def _scaled(value, factor, floor):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(value * factor, floor)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [max(float(v) * factor, floor) for v in value]
    return value


def projector_style(fig):
    """``fig`` restyled for a projector: text >= 20 px, thicker markers and lines, black on white."""
    big = PROJECTOR_FONT
    fig.update_layout(
        font=dict(size=big, color="#000"), title_font_size=big + 4, legend_font_size=big,
        hoverlabel_font_size=big, plot_bgcolor="#fff", paper_bgcolor="#fff",
    )
    if fig.layout.height:
        fig.update_layout(height=int(fig.layout.height * 1.25))
    fig.update_xaxes(tickfont_size=big, title_font_size=big, gridcolor="#b0b0b0", linecolor="#000",
                     showline=True, automargin=True)
    fig.update_yaxes(tickfont_size=big, title_font_size=big, gridcolor="#b0b0b0", linecolor="#000",
                     showline=True, automargin=True)
    fig.update_annotations(font_size=big)
    fig.update_coloraxes(colorbar_tickfont_size=big, colorbar_title_font_size=big)  # colour bars' text too
    scene_axis = dict(tickfont_size=big, title_font_size=big)
    fig.update_scenes(xaxis=scene_axis, yaxis=scene_axis, zaxis=scene_axis)  # 3-D charts
    for t in list(fig.data) + [t for f in (fig.frames or ()) for t in f.data]:  # animation frames too
        marker = getattr(t, "marker", None)
        if marker is not None and "size" in marker and marker.size is not None:
            marker.size = _scaled(marker.size, PROJECTOR_MARKER_SCALE, 9)
        if marker is not None and "line" in marker and marker.line.width is not None:
            marker.line.width = _scaled(marker.line.width, PROJECTOR_LINE_SCALE, 1.0)
        if marker is not None and "showscale" in marker and marker.showscale:
            marker.colorbar.tickfont.size = big
            marker.colorbar.title.font.size = big
        textfont = getattr(t, "textfont", None)  # labels drawn next to points
        if textfont is not None and textfont.size is not None:
            textfont.size = _scaled(textfont.size, 1.0, big)
        line = getattr(t, "line", None)
        if line is not None and "width" in line and line.width is not None:
            line.width = _scaled(line.width, PROJECTOR_LINE_SCALE, 1.0)
    return fig


def finish(fig, projector_mode=None):
    """The last step of every figure builder: projector styling when projector mode is on.

    projector_mode : None follows the sidebar toggle (which reads as off inside a cached
        function, so a figure shared by every session never carries one session's view);
        a cached builder takes the flag as an argument (part of its cache key) and passes it.
    """
    on = projector() if projector_mode is None else projector_mode
    return projector_style(fig) if on else fig


# The page around the charts in projector mode (injected by the sidebar; fixed text, no user text).
PROJECTOR_CSS = """
html, body, [data-testid="stApp"] { color: #000; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 1.5rem; padding-right: 1.5rem; }
[data-testid="stApp"] p, [data-testid="stApp"] li, [data-testid="stApp"] label,
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"] p,
[data-testid="stSidebarNavLink"] span, [data-testid="stExpander"] summary p, [data-testid="stAlertContainer"] p,
[data-testid="stMetricLabel"] p, button p, input, select, textarea, [data-baseweb="select"] div,
[data-testid="stTable"] td, [data-testid="stTable"] th, [data-testid="stTickBarMin"], [data-testid="stTickBarMax"],
[data-testid="stSliderThumbValue"], [data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stMultiSelectTagsContainer"] span, [data-baseweb="tag"] span, [data-testid="stText"],
[data-testid="stText"] span, [data-testid="stCode"] code, [data-testid="stTooltipContent"] p { font-size: 20px !important; }
/* High contrast: captions are faded grey by default. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #111 !important; opacity: 1 !important; }
[data-testid="stApp"] h1 { font-size: 2.6rem; }
[data-testid="stApp"] h2 { font-size: 2.1rem; }
[data-testid="stApp"] h3 { font-size: 1.7rem; }
[data-testid="stMetricValue"] { font-size: 2.4rem; }
/* The value is a markdown paragraph: without this the 20 px rule above shrinks it below normal mode's. */
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"], [data-testid="stMetricValue"] p {
  font-size: 2.4rem !important; }
/* Charts that share a row with others take the full width. */
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) { flex-wrap: wrap; }
[data-testid="stHorizontalBlock"]:has([data-testid="stPlotlyChart"]) > [data-testid="stColumn"]:has([data-testid="stPlotlyChart"]) {
  min-width: 100%; flex: 1 1 100%; }
"""
