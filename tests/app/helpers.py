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
