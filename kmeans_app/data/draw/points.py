"""Drawn points: the canvas they live on, their compact link code, and the checks.

Pure functions (no Streamlit), so the callbacks built on them are tested directly.

Points are drawn on a 0..10 square and snapped to a 0.01 grid, so every
coordinate is an integer 0..1000 in hundredths. A link carries them as text:
each coordinate is two URL-safe base64 characters (12 bits), each point four,
so 200 points take 800 characters.
"""

import hashlib

import numpy as np

from kmeans_app.data.datasets import Dataset

LOW, HIGH = 0.0, 10.0  # the canvas, both axes
CELLS = 1000  # grid steps across the canvas: 0.01 each
MIN_POINTS, MAX_POINTS = 3, 2000
MAX_LINK_POINTS = 200
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
NAME = "Drawn points"


class DrawError(ValueError):
    """Drawn points that cannot become the dataset; the message is shown as is."""


def snap(points):
    """Points as an (n, 2) float array on the canvas grid (clipped to the canvas).

    Raises DrawError for anything that is not a list of finite (x, y) pairs.
    """
    try:
        P = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise DrawError("The drawn points could not be read.") from None
    if P.size == 0:
        return np.empty((0, 2))
    if P.ndim != 2 or P.shape[1] != 2 or not np.all(np.isfinite(P)):
        raise DrawError("The drawn points could not be read.")
    # floor(t + 0.5) rounds halves up, as JavaScript's Math.round does in draw.js.
    steps = np.clip(np.floor((P - LOW) / (HIGH - LOW) * CELLS + 0.5), 0, CELLS)
    return _from_steps(steps)


def _from_steps(steps):
    # steps * 10 is exact, then one rounding: the double nearest to steps / 100, as in draw.js.
    return LOW + steps * (HIGH - LOW) / CELLS


def _steps(P):
    return np.rint((np.asarray(P) - LOW) / (HIGH - LOW) * CELLS).astype(np.int64)


def encode(points):
    """The link code of snapped points: four characters per point (x then y, 12 bits each)."""
    chars = []
    for x, y in _steps(np.asarray(points).reshape(-1, 2)):
        for v in (x, y):
            chars.append(ALPHABET[v >> 6] + ALPHABET[v & 63])
    return "".join(chars)


def decode(code):
    """Points from a link code; DrawError if it is not one."""
    code = str(code).strip()
    if len(code) % 4 or any(c not in _INDEX for c in code):
        raise DrawError("The link's drawn points could not be read.")
    v = np.array([_INDEX[code[i]] << 6 | _INDEX[code[i + 1]] for i in range(0, len(code), 2)], dtype=np.int64)
    if np.any(v > CELLS):
        raise DrawError("The link's drawn points could not be read.")
    return _from_steps(v.reshape(-1, 2).astype(np.float64))


def problem(P, k=None):
    """Why snapped points ``P`` cannot be the dataset (a message), or None when they can.

    k : the K-means k in use; more clusters than points is refused too.
    """
    n = len(P)
    if n < MIN_POINTS:
        return (f"Draw at least {MIN_POINTS} points to cluster: there {'is' if n == 1 else 'are'} "
                f"{n} on the chart.")
    if n > MAX_POINTS:
        return f"At most {MAX_POINTS:,} points can be drawn: there are {n:,}."
    if np.all(P == P[0]):
        return (f"All {n} points are at the same place, so there is nothing to cluster: "
                "spread them out.")
    if k is not None and k > n:
        return (f"k = {k} is more than the {n} points drawn: draw more points, "
                "or choose a smaller k in the sidebar.")
    return None


def data_key(P):
    """Stable identity of a drawn dataset (for caches and for the browser's draft)."""
    return "drawn:" + hashlib.sha256(encode(P).encode()).hexdigest()[:16]


def make_dataset(P):
    """The Dataset of snapped points ``P`` (checked with ``problem`` first)."""
    X = np.ascontiguousarray(P, dtype=np.float64)
    X.setflags(write=False)
    return Dataset(X, ("x1", "x2"), NAME, None, data_key(X), generated=False,
                   recipe={"kind": "drawn", "points": X.tolist()})  # the reproduce script embeds them


def link_code(P):
    """What a link carries for these points: their code, or "" above MAX_LINK_POINTS."""
    return encode(P) if len(P) <= MAX_LINK_POINTS else ""
