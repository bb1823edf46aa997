"""CSV downloads: the data with its cluster numbers, and the centres.

Spreadsheets run a cell that starts with =, +, -, @, a tab or a carriage
return as a formula ("CSV injection"), and uploaded cells and column names
are user text. Such text cells get a leading apostrophe; numbers (including
negative ones like -1.5, or "-1.5" stored as text) are left alone.
Cluster numbers are 1..k, as in the charts.
"""

import io
import re

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def neutralise(value):
    """A text cell made safe for spreadsheets; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _safe_frame(frame):
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype.kind not in "biufcmM":  # text / object / mixed columns
            out.isetitem(i, col.map(neutralise, na_action="ignore").astype(object))
    return out


def _unique(name, taken):
    out, i = name, 1
    while out in taken:
        i += 1
        out = f"{name}_{i}"
    return out


def _to_bytes(frame):
    buf = io.StringIO()
    # CRLF line ends (RFC 4180): a cell containing a bare CR or LF then gets quoted.
    frame.to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue().encode("utf-8")


def labelled_csv(frame_or_X, labels, feature_names=None):
    """CSV bytes of the data plus a ``cluster`` column (1..k).

    frame_or_X : a DataFrame (e.g. ``Dataset.frame``: the upload's kept rows, every
        column) or an (n, d) array, whose columns get ``feature_names`` (default x1, x2, ...).
    labels : (n,) cluster indices 0..k-1, one per row.
    """
    labels = np.asarray(labels)
    if isinstance(frame_or_X, pd.DataFrame):
        frame = frame_or_X.reset_index(drop=True)
    else:
        X = np.asarray(frame_or_X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError("X must be 2-D")
        names = list(feature_names) if feature_names is not None else [f"x{j + 1}" for j in range(X.shape[1])]
        if len(names) != X.shape[1]:
            raise ValueError(f"{len(names)} feature names for {X.shape[1]} columns")
        frame = pd.DataFrame(X, columns=[str(n) for n in names])
    if labels.shape != (len(frame),):
        raise ValueError(f"{labels.shape[0] if labels.ndim else 0} labels for {len(frame)} rows")
    out = _safe_frame(frame)
    out[_unique("cluster", set(out.columns))] = labels.astype(np.int64) + 1
    return _to_bytes(out)


def centers_csv(centers, feature_names):
    """CSV bytes with one row per centre: ``cluster`` (1..k) then one column per feature."""
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != len(feature_names):
        raise ValueError(f"centres of shape {centers.shape} for {len(feature_names)} feature names")
    names = [str(n) for n in feature_names]
    frame = _safe_frame(pd.DataFrame(centers, columns=names))
    frame.insert(0, _unique("cluster", set(frame.columns)), np.arange(1, len(centers) + 1))
    return _to_bytes(frame)
