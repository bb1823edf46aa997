"""Helpers shared by the AppTest modules: open a page through the real shell, read its charts."""

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60


def open_page(page, **state):
    """Run app.py on ``page`` with ``state`` preset in session state; fail on any exception."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def arr(v):
    """A Plotly JSON array (a list, or a typed array {"dtype", "bdata"}) as a numpy array."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape(v["shape"]) if "shape" in v else a
    return np.asarray(v)


def charts(at):
    """The page's Plotly figures as dicts, in page order."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def screen_text(at):
    """Everything a user could read on the page, as one string.

    Text elements (with labels and bodies), tables, widget options and chart specs:
    what the isolation, injection and no-traceback checks scan.
    """
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "text", "title",
                 "header", "subheader", "code", "metric", "exception"):
        for el in getattr(at, kind, []):
            for attr in ("value", "label", "body"):
                parts.append(str(getattr(el, attr, "")))
    for df in at.dataframe:
        v = df.value
        parts.append(" ".join(map(str, v.columns)) + " " + v.to_csv())
    for w in at.get("multiselect") + at.get("selectbox"):
        parts.append(" ".join(map(str, getattr(w, "options", []))))
    for p in at.get("plotly_chart"):
        parts.append(str(getattr(p, "proto", "")))
    parts.extend(component_data(at))
    return "\n".join(parts)


def component_data(at):
    """The data each v2 browser component (Explorer, Draw points) was sent, as text: JSON decoded
    (so user text appears as written, not \\u-escaped), mixed data's JSON part, bytes as UTF-8."""
    out = []
    for el in at.get("bidi_component"):
        p = el.proto
        kind = p.WhichOneof("data")
        if kind == "json":
            raw = p.json
        elif kind == "mixed":
            raw = p.mixed.json
        elif kind == "bytes":
            raw = p.bytes.decode("utf-8", "replace")
        else:
            raw = str(p)
        try:
            out.append(json.dumps(json.loads(raw), ensure_ascii=False))
        except (TypeError, ValueError):
            out.append(raw)
    return out
