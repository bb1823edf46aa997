"""Session and URL state: the one place that knows the widget keys.

Sidebar widgets are bound to the URL's query parameters (Streamlit's
``bind="query-params"``), so a link reproduces a generated-data view:
dataset, its parameters, k, init and seed. Uploaded data lives only in the
session (``UPLOAD_KEY``) and is never put in a link.
"""

from dataclasses import dataclass

import streamlit as st

from kmeans_app.data.datasets import GENERATORS, PARAM_SPECS, Dataset, default_params, generate

UPLOAD_OPTION = "csv"
DRAW_OPTION = "draw"  # points drawn by hand (kmeans_app/data/draw); links carry up to 200 of them
DATASET_OPTIONS = tuple(GENERATORS) + (UPLOAD_OPTION, DRAW_OPTION)
INIT_OPTIONS = ("k-means++", "random", "pick")
UPLOAD_KEY = "_uploaded_dataset"  # the last successfully parsed upload (a Dataset)
UPLOAD_SOURCE_KEY = "_uploaded_source"  # (ParsedTable, BuildInfo) behind UPLOAD_KEY, for the preview
UPLOAD_TABLE_KEY = "_upload_table"  # (ParsedTable, file name) the column picker works on
UPLOAD_ERROR_KEY = "_upload_error"  # UploadError of the last file that could not be parsed, or None
UPLOAD_BUILT_KEY = "_upload_built"  # (signature, UploadError or None) of the last column choice tried
UPLOAD_FILE_ID_KEY = "_upload_file_id"  # the uploader's file id last handled
DRAWN_KEY = "_drawn_dataset"  # the drawn points in use (a Dataset), set by "Use these points"
PROJECTOR = "projector"  # the sidebar's projector-mode toggle (bound to the URL)
# Widget keys of the upload panel (session only, never in the URL).
UPLOADER = "upload_file"
UPLOAD_COLUMNS = "upload_columns"
UPLOAD_STANDARDISE = "upload_standardise"
UPLOAD_LABELS = "upload_labels"  # the "labels to compare" column, or NO_LABELS
UPLOAD_SHEET = "upload_sheet"  # the workbook sheet to read (xlsx)
NO_LABELS = "(none)"
DEFAULTS = {"dataset": "blobs", "k": 4, "init": "k-means++", "seed": 0}
K_RANGE = (1, 20)
SEED_RANGE = (0, 10_000)


@dataclass(frozen=True)
class Settings:
    k: int
    init: str  # "k-means++", "random" or "pick"
    seed: int


def settings():
    """Current k, init and seed (defaults before the sidebar has run)."""
    s = st.session_state
    return Settings(int(s.get("k", DEFAULTS["k"])), s.get("init", DEFAULTS["init"]),
                    int(s.get("seed", DEFAULTS["seed"])))


@st.cache_data(max_entries=64, show_spinner=False)
def _generated(name, params_items):
    return generate(name, dict(params_items))


def dataset_params(name):
    """The generator's parameters as currently set in the sidebar."""
    s = st.session_state
    return {p: s.get(p, default) for p, default in default_params(name).items()}


def current_dataset():
    """The Dataset every page works on: a generated one, or the last good upload.

    With the CSV source chosen but nothing uploaded yet (or "Draw points" before any
    points were used), returns None.
    """
    name = st.session_state.get("dataset", DEFAULTS["dataset"])
    if name == UPLOAD_OPTION:
        return st.session_state.get(UPLOAD_KEY)
    if name == DRAW_OPTION:
        return st.session_state.get(DRAWN_KEY)
    if name not in GENERATORS:
        name = DEFAULTS["dataset"]
    return _generated(name, tuple(sorted(dataset_params(name).items())))


def set_uploaded(dataset: Dataset, source=None):
    """Make ``dataset`` the current upload; ``source`` = (ParsedTable, BuildInfo) for the preview."""
    st.session_state[UPLOAD_KEY] = dataset
    st.session_state[UPLOAD_SOURCE_KEY] = source


def uploaded_source():
    """(ParsedTable, BuildInfo) behind the current upload, or None."""
    return st.session_state.get(UPLOAD_SOURCE_KEY)


def projector():
    """True in projector mode (sidebar toggle): big text, thick markers, charts full width."""
    return bool(st.session_state.get(PROJECTOR, False))


__all__ = ["DATASET_OPTIONS", "INIT_OPTIONS", "PARAM_SPECS", "Settings", "current_dataset",
           "dataset_params", "projector", "set_uploaded", "settings", "uploaded_source"]
