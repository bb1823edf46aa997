"""The sidebar every page shares (data source, its settings, k, init, seed) and the upload panel.

Generated-data widgets and k/init/seed are bound to the URL, so a link
reproduces the view. The upload widgets are session-only: an uploaded file is
never put in a link. Messages here are fixed text; user text (file and column
names) only goes through st.text, st.dataframe and widget options.
"""

import math

import streamlit as st

from kmeans_app import state
from kmeans_app.data import draw
from kmeans_app.data.datasets import GENERATORS, PARAM_SPECS
from kmeans_app.data.upload import FILE_TYPES, MAX_BYTES, UploadError, build_dataset, digest_of, parse_upload
from kmeans_app.figures.style import PROJECTOR_CSS, read_projector_from

URL = "query-params"


def _projector_for_figures():
    """Projector mode for figure builders (style.finish), but never inside a cached function:
    a figure cached for every session must not carry one session's view (pass the flag as an
    argument to such a function, so it is part of the cache key)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import in_cached_function

        if in_cached_function.get():
            return False
    except ImportError:  # Streamlit moved it: follow the toggle
        pass
    return state.projector()


read_projector_from(_projector_for_figures)  # figure builders (style.finish) follow the sidebar toggle
# Integer number_inputs: Streamlit 1.67 crashes (OverflowError) seeding them from ?n=inf or ?n=1e309.
INT_INPUT_KEYS = tuple(k for k, spec in PARAM_SPECS.items() if isinstance(spec[3], int)) + ("seed",)
PREVIEW_ROWS = 20


def _param_widget(name):
    label, lo, hi, default, step = PARAM_SPECS[name]
    if isinstance(default, float):
        st.slider(label, float(lo), float(hi), float(default), float(step), key=name, bind=URL)
    else:
        st.number_input(label, int(lo), int(hi), int(default), int(step), key=name, bind=URL)


def _finite(text):
    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError):
        return True  # not a number at all: Streamlit ignores it by itself


def drop_non_finite_url_numbers(keys=INT_INPUT_KEYS):
    """Remove ?key=inf / 1e309 from the URL before the integer inputs read it.

    Streamlit validates bound query values but int(float('inf')) raises
    OverflowError inside its seeding code, which would crash the page. The
    seed values live in a private dict; if Streamlit's internals change this
    does nothing (tests/app/test_shell.py then fails loudly).
    """
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        params = get_script_run_ctx().session_state._state.query_params
        initial = params._initial_query_params
    except Exception:  # no script context (bare mode) or changed internals
        return
    for key in keys:
        values = initial.get(key)
        if values and not _finite(values[-1]):
            initial.pop(key, None)
            params.remove_param(key)


def render(applies=True):
    """Draw the shared sidebar; values land in st.session_state (and the URL).

    applies=False: the current page has its own data and controls; the sidebar is
    still drawn (its settings survive the visit) under a note saying so.
    """
    drop_non_finite_url_numbers()
    with st.sidebar:
        if not applies:
            st.caption("This page works on an image with its own controls; "
                       "the data and K-means settings below are for the other pages.")
        st.header("Data")
        name = st.selectbox(
            "Dataset", state.DATASET_OPTIONS, key="dataset", bind=URL,
            index=state.DATASET_OPTIONS.index(state.DEFAULTS["dataset"]),
            format_func=_source_label,
        )
        if name == state.UPLOAD_OPTION:
            _upload_controls()
        elif name == state.DRAW_OPTION:
            draw.sidebar_controls()
        else:
            for p in GENERATORS[name].params:
                _param_widget(p)
            if GENERATORS[name].note:
                st.info(GENERATORS[name].note)
        st.header("K-means")
        st.slider("k (clusters)", *state.K_RANGE, state.DEFAULTS["k"], key="k", bind=URL)
        st.selectbox("Initialisation", state.INIT_OPTIONS, key="init", bind=URL,
                     help="'pick' lets you click points on the Explorer chart to choose the starting centres.")
        st.number_input("Seed", *state.SEED_RANGE, state.DEFAULTS["seed"], key="seed", bind=URL)
        st.header("View")
        st.toggle("Projector mode", key=state.PROJECTOR, bind=URL,
                  help="For a projector at the back of a room: text at least 20 px, thicker markers, "
                       "high contrast, charts across the full width.")
    if state.projector():
        st.html(f"<style>{PROJECTOR_CSS}</style>")  # a fixed stylesheet, no user text


def _source_label(option):
    if option == state.UPLOAD_OPTION:
        return "Your CSV file"
    if option == state.DRAW_OPTION:
        return "Draw points"
    return GENERATORS[option].label


# ---------------------------------------------------------------- upload


@st.cache_resource(max_entries=4, ttl=3600, show_spinner=False)
def _parse_cached(digest, _data, sheet=None):
    """Parse results by content hash (and sheet), shared between sessions (30 students, one file)."""
    try:
        return parse_upload(_data, sheet), None
    except UploadError as e:  # cache failures too: the same junk is not parsed twice
        return None, e


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _build_cached(digest, columns, standardise, name, _parsed, label_column=None):
    """Datasets by (content, columns, scaling, name, labels); X is read-only because it is shared."""
    return build_dataset(_parsed, columns, standardise, name, label_column=label_column)


def accept_file(name, data, sheet=None):
    """Parse an uploaded file (CSV, .xlsx or Parquet; ``sheet``: the workbook sheet). On success it becomes the table the column picker works on
    (its default columns preselected); on failure the error is stored and nothing else changes.

    Returns True on success.
    """
    ss = st.session_state
    if len(data) > MAX_BYTES:
        parsed, error = None, UploadError(f"The file is larger than {MAX_BYTES // 2**20} MB.")
    else:
        with st.spinner("Reading the file..."):
            parsed, error = _parse_cached(digest_of(data), data, sheet)
    ss[state.UPLOAD_ERROR_KEY] = error
    if error is not None:
        return False
    ss[state.UPLOAD_TABLE_KEY] = (parsed, str(name))
    ss[state.UPLOAD_COLUMNS] = list(parsed.default_columns)
    ss[state.UPLOAD_LABELS] = state.NO_LABELS
    if ss.get(state.UPLOAD_SHEET) != parsed.sheet:  # (unchanged when the sheet picker chose it)
        ss[state.UPLOAD_SHEET] = parsed.sheet
    ss.pop(state.UPLOAD_BUILT_KEY, None)
    return True


def apply_choice():
    """Build the Dataset for the current table, columns and scaling (once per change).

    On success it becomes the current upload; on failure the previous one stays and
    the error is remembered for the panel.
    """
    ss = st.session_state
    table = ss.get(state.UPLOAD_TABLE_KEY)
    if table is None:
        return
    parsed, name = table
    columns = tuple(c for c in ss.get(state.UPLOAD_COLUMNS, ()) if c in parsed.numeric_columns)
    standardise = bool(ss.get(state.UPLOAD_STANDARDISE, False))
    labels = ss.get(state.UPLOAD_LABELS)
    labels = labels if labels in parsed.label_columns else None
    signature = (parsed.digest, columns, standardise, name, labels)
    built = ss.get(state.UPLOAD_BUILT_KEY)
    if built is not None and built[0] == signature:
        return
    try:
        ds, info = _build_cached(parsed.digest, columns, standardise, name, parsed, labels)
    except UploadError as e:
        ss[state.UPLOAD_BUILT_KEY] = (signature, e)
        return
    state.set_uploaded(ds, (parsed, info))
    ss[state.UPLOAD_BUILT_KEY] = (signature, None)


def _forget_failed_file():
    """With no file in the uploader, drop a failed file's error and go back to the data in use."""
    ss = st.session_state
    ss[state.UPLOAD_ERROR_KEY] = None
    table, source, ds = ss.get(state.UPLOAD_TABLE_KEY), state.uploaded_source(), ss.get(state.UPLOAD_KEY)
    if table is None or source is None or ds is None or table[0] is source[0]:
        return
    parsed, info = source
    ss[state.UPLOAD_TABLE_KEY] = (parsed, ds.name)
    ss[state.UPLOAD_COLUMNS] = list(ds.feature_names)
    ss[state.UPLOAD_STANDARDISE] = info.standardised
    ss[state.UPLOAD_LABELS] = ds.label_name if ds.label_name is not None else state.NO_LABELS
    ss[state.UPLOAD_BUILT_KEY] = ((parsed.digest, tuple(ds.feature_names), info.standardised, ds.name,
                                   ds.label_name), None)


def _upload_controls():
    ss = st.session_state
    f = st.file_uploader(
        "CSV, Excel or Parquet file", type=["csv", "tsv", "txt", "xlsx", "xlsm", "parquet", "xls", "zip"], key=state.UPLOADER,
        help="CSV: comma, semicolon or tab separated; UTF-8, UTF-16 or Latin-1. Excel: .xlsx (the first "
             "sheet, or the one you choose). Parquet. "
             f"Up to {MAX_BYTES // 2**20} MB. The file stays in this browser session only.",
    )
    if f is None:
        _forget_failed_file()
    elif f.file_id != ss.get(state.UPLOAD_FILE_ID_KEY):
        ss[state.UPLOAD_FILE_ID_KEY] = f.file_id
        accept_file(f.name, f.getvalue())
    table = ss.get(state.UPLOAD_TABLE_KEY)
    if table is None:
        st.caption("Upload a CSV, Excel or Parquet file with a header row and some numeric columns. "
                   "An upload lives in this browser session only: after a reload or a server restart, "
                   "upload it again.")
        return
    parsed = table[0]
    if len(parsed.sheets) > 1:
        if ss.get(state.UPLOAD_SHEET) not in parsed.sheets:
            ss[state.UPLOAD_SHEET] = parsed.sheet
        sheet = st.selectbox("Sheet", parsed.sheets, key=state.UPLOAD_SHEET, persist_state="session")
        if sheet != parsed.sheet and f is not None and accept_file(table[1], f.getvalue(), sheet):
            parsed = ss[state.UPLOAD_TABLE_KEY][0]
    st.multiselect("Columns to cluster on", parsed.numeric_columns, key=state.UPLOAD_COLUMNS,
                   persist_state="session", placeholder="Choose numeric columns")
    st.checkbox("Standardise (z-scores)", key=state.UPLOAD_STANDARDISE, persist_state="session",
                help="Rescale each chosen column to mean 0 and standard deviation 1, so columns "
                     "measured in large units do not dominate the distances.")
    if parsed.label_columns:
        if ss.get(state.UPLOAD_LABELS) not in (state.NO_LABELS, *parsed.label_columns):
            ss[state.UPLOAD_LABELS] = state.NO_LABELS
        st.selectbox("Labels to compare", (state.NO_LABELS, *parsed.label_columns), key=state.UPLOAD_LABELS,
                     persist_state="session",
                     help="A column of known classes (text, or whole numbers with at most 20 values). "
                          "It is never clustered on; the What-if page compares the clusters with it.")
    apply_choice()


def _show_error(error):
    st.error(str(error))
    if getattr(error, "detail", None) is not None:
        st.text(f"Column: {error.detail}")


def render_upload_panel():
    """Main area, above the page: upload errors and a preview of the data in use.

    Does nothing unless the dataset selector is on "Your CSV file".
    """
    ss = st.session_state
    if ss.get("dataset") != state.UPLOAD_OPTION:
        return
    ds = ss.get(state.UPLOAD_KEY)
    errors = [ss.get(state.UPLOAD_ERROR_KEY)]
    built = ss.get(state.UPLOAD_BUILT_KEY)
    if built is not None:
        errors.append(built[1])
    errors = [e for e in errors if e is not None]
    for e in errors:
        _show_error(e)
    if errors and ds is not None:
        st.caption("The previous data is still in use:")
        st.text(ds.name)
    source = state.uploaded_source()
    if ds is None or source is None:
        return
    parsed, info = source
    n, d = ds.X.shape
    with st.expander(f"Data in use: {n:,} rows x {d:,} column{'s' if d != 1 else ''} (preview)"):
        st.text(f"File: {ds.name}")
        rows, cols = parsed.shape
        if parsed.file_type == "csv":
            delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}[parsed.delimiter]
            how = f"Encoding {parsed.encoding}, {delimiter}-separated."
        else:
            how = f"Read as {FILE_TYPES.get(parsed.file_type, parsed.file_type)}."
        st.caption(f"Parsed {rows:,} rows x {cols:,} columns ({len(parsed.numeric_columns):,} numeric). {how}")
        if parsed.sheet is not None:
            st.text(f"Sheet: {parsed.sheet}")
        for note in parsed.notes:
            st.caption(note)
        if info.n_dropped:
            st.caption(f"Dropped {info.n_dropped:,} of {info.n_rows_in:,} rows with a missing value in "
                       "the chosen columns; all other rows are clustered.")
        else:
            st.caption("No rows dropped: every row has a value in each chosen column.")
        if info.standardised:
            msg = "Standardised: each chosen column now has mean 0 and standard deviation 1."
            if info.constant_columns:
                k = len(info.constant_columns)
                msg += f" {k} constant column{'s' if k != 1 else ''} (no spread) left at 0:"
            st.caption(msg)
            if info.constant_columns:
                st.text(", ".join(info.constant_columns))
        if parsed.text_columns:
            k = len(parsed.text_columns)
            st.caption(f"{k} column{'s are' if k != 1 else ' is'} not numeric and not offered for clustering:")
            st.text(", ".join(parsed.text_columns[:30]) + (", ..." if k > 30 else ""))
        st.caption(f"First {min(PREVIEW_ROWS, len(ds.frame))} rows used:")
        st.dataframe(ds.frame.head(PREVIEW_ROWS), hide_index=True)
