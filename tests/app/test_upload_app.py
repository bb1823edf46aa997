"""Uploading CSV files through the shared sidebar, in AppTest (st.file_uploader.set_value).

Every bad file shows st.error while the previous data and the settings stay;
user text (file and column names) never reaches a Markdown element.
"""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kmeans_app import state
from kmeans_app.ui import NO_DATA

from .navfix import main_script_every_run  # noqa: F401 - fixture

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60
pytestmark = [pytest.mark.usefixtures("main_script_every_run"), pytest.mark.xdist_group("upload")]

GOOD = b"id,height,weight,city\n1,170,65.5,Paris\n2,182,80,Lyon\n3,165,,Nice\n4,158,52.25,Lille\n5,190,95,Metz\n"
EVIL_NAME = "[click](http://evil.example) **bold** <b>x</b>.csv"
EVIL = b"name,**x**,[y](http://evil.example)\n<img src=x onerror=alert(1)>,1,2\n=cmd(),3,4\n@a,5,7\n"


# file content -> a fragment of the error it must show
BAD_UPLOADS = {
    "empty": (b"", "The file is empty."),
    "header only": (b"a,b,c\n", "header row but no data rows"),
    "text only": (b"name,city\nann,paris\nbob,rome\n", "No numeric columns found"),
    "ragged": (b"a,b\n1,2\n3,4,5\n", "Data row 2 has 3 fields but the header has 2"),
    "binary junk": (bytes(range(256)) * 40, "binary data"),
    "broken xlsx": (b"PK\x03\x04" + bytes(300), "Excel workbook (.xlsx) but is damaged"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Save it as .xlsx or CSV"),
    "100k columns": ((",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n").encode(),
                     "100,000 columns"),
    "single row": (b"a,b\n1,2\n", "only 1 data row"),
    "no complete row": (b"a,b\n1,nan\n,2\n3,\n", "Only 0 row(s) have a value in every chosen column"),
    "inf cell": (b"a,b\n1,inf\n2,3\n", "infinite value in data row 1"),
    "huge value": (b"a,b\n1,1e200\n2,3\n", "beyond +/-1e100"),
}


def probe_script():
    """Sidebar + upload panel + the page's view of the data."""
    import streamlit as st

    from kmeans_app import sidebar, state, ui

    sidebar.render()
    sidebar.render_upload_panel()
    ds = state.current_dataset()
    if ds is None:
        ui.no_data_message()
    else:
        st.text("KEY=" + ds.key)


def start(script=None):
    at = (AppTest.from_file(APP, default_timeout=TIMEOUT) if script is None
          else AppTest.from_function(script, default_timeout=TIMEOUT))
    at.query_params = {"dataset": "Your CSV file", "k": "3", "seed": "9"}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def upload(at, data, name="data.csv"):
    at.file_uploader(key=state.UPLOADER).set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def current(at):
    return at.session_state[state.UPLOAD_KEY] if state.UPLOAD_KEY in at.session_state else None


def previews(at):
    return [e for e in at.main.expander if e.label.startswith("Data in use:")]


def markdown_texts(at):
    """Everything rendered as Markdown (markdown, captions, alerts, expander and widget labels)."""
    out = [el.value for el in (*at.markdown, *at.caption, *at.error, *at.info, *at.warning, *at.success)]
    out += [e.label for e in at.expander]
    out += [w.label for w in (*at.multiselect, *at.checkbox, *at.selectbox, *at.slider, *at.number_input)]
    return out


def test_no_upload_yet_tells_the_user_what_to_do():
    at = start(probe_script)
    assert current(at) is None
    assert [i.value for i in at.main.info] == [NO_DATA]
    assert len(at.file_uploader) == 1 and not at.error


def test_good_upload_columns_preview_and_missing_rows():
    at = upload(start(), GOOD, "people.csv")
    ds = current(at)
    assert ds.name == "people.csv" and not ds.generated
    assert ds.feature_names == ("height", "weight"), "the id column is not preselected, text not offered"
    np.testing.assert_array_equal(ds.X, [[170, 65.5], [182, 80], [158, 52.25], [190, 95]])
    assert ds.frame["city"].tolist() == ["Paris", "Lyon", "Lille", "Metz"]
    ms = at.sidebar.multiselect(key=state.UPLOAD_COLUMNS)
    assert ms.options == ["id", "height", "weight"] and ms.value == ["height", "weight"]
    # The preview sits in the main area: an expander with shape, dropped rows and the first rows.
    assert [e.label for e in previews(at)] == ["Data in use: 4 rows x 2 columns (preview)"]
    captions = " ".join(c.value for c in at.main.caption)
    assert "Parsed 5 rows x 4 columns (3 numeric)" in captions
    assert "Dropped 1 of 5 rows with a missing value" in captions
    assert [t.value for t in at.main.text][:1] == ["File: people.csv"]
    assert at.main.dataframe[0].value.shape == (4, 4)
    assert at.session_state["k"] == 3 and at.session_state["seed"] == 9


def test_column_choice_and_standardise_rebuild_the_dataset():
    at = upload(start(), GOOD)
    first_key = current(at).key
    at.sidebar.multiselect(key=state.UPLOAD_COLUMNS).set_value(["id", "weight"]).run()
    ds = current(at)
    assert ds.feature_names == ("id", "weight") and ds.key != first_key
    at.sidebar.checkbox(key=state.UPLOAD_STANDARDISE).check().run()
    ds = current(at)
    np.testing.assert_allclose(ds.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X.std(axis=0), 1)
    assert any("Standardised" in c.value for c in at.main.caption)
    at.sidebar.multiselect(key=state.UPLOAD_COLUMNS).set_value([]).run()
    assert [e.value for e in at.main.error] == ["Choose at least one numeric column to cluster on."]
    assert current(at).key == ds.key, "an empty choice keeps the previous data"


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_bad_upload_shows_error_and_keeps_previous_data_and_settings(name):
    data, expected = BAD_UPLOADS[name]
    at = upload(start(), GOOD, "good.csv")
    at.slider(key="k").set_value(5).run()
    before = current(at)
    upload(at, data, "bad.csv")
    errors = [e.value for e in at.main.error]
    assert len(errors) == 1 and expected in errors[0], errors
    assert current(at) is before or current(at).key == before.key
    assert at.session_state["k"] == 5 and at.session_state["seed"] == 9
    assert at.session_state["dataset"] == state.UPLOAD_OPTION
    assert "The previous data is still in use:" in [c.value for c in at.main.caption]
    assert "good.csv" in [t.value for t in at.main.text]
    # Removing the bad file clears its error; the good data is still there.
    at.file_uploader(key=state.UPLOADER).set_value(None).run()
    assert not at.error and current(at).key == before.key


def test_infinite_cell_error_then_leave_the_column_out():
    at = upload(start(), GOOD, "good.csv")
    before = current(at)
    upload(at, b"a,b\n1,2\n3,1e309\n5,6\n", "inf.csv")
    assert "infinite value in data row 2" in at.main.error[0].value
    assert "Column: b" in [t.value for t in at.main.text]
    assert current(at).key == before.key
    at.sidebar.multiselect(key=state.UPLOAD_COLUMNS).set_value(["a"]).run()
    assert not at.error and current(at).name == "inf.csv" and current(at).X.shape == (3, 1)


def test_first_bad_upload_leaves_no_data_and_no_crash():
    at = upload(start(probe_script), b"\x00\x01\x02junk" * 100, "junk.csv")
    assert "binary" in at.main.error[0].value
    assert current(at) is None and NO_DATA in [i.value for i in at.main.info]


def test_upload_survives_generated_detour_and_page_switch():
    at = upload(start(), GOOD)
    at.sidebar.multiselect(key=state.UPLOAD_COLUMNS).set_value(["weight"]).run()
    key = current(at).key
    at.selectbox(key="dataset").set_value("moons").run()
    assert not previews(at), "no upload preview for generated data"
    at.selectbox(key="dataset").set_value(state.UPLOAD_OPTION).run()
    assert current(at).key == key
    assert at.sidebar.multiselect(key=state.UPLOAD_COLUMNS).value == ["weight"]
    at.switch_page("pages/silhouette.py").run()
    assert current(at).key == key and len(previews(at)) == 1
    assert at.sidebar.multiselect(key=state.UPLOAD_COLUMNS).value == ["weight"]


def test_user_text_never_rendered_as_markdown_by_the_shell():
    at = upload(start(probe_script), EVIL, EVIL_NAME)
    ds = current(at)
    assert ds.name == EVIL_NAME and ds.feature_names == ("**x**", "[y](http://evil.example)")
    texts = markdown_texts(at)
    assert any(t.startswith("Data in use:") for t in texts)
    for text in texts:
        assert "evil" not in text and "**x**" not in text and "<img" not in text, text
    assert f"File: {EVIL_NAME}" in [t.value for t in at.main.text]


PAGES = ["pages/explorer.py", "pages/initialization.py", "pages/elbow.py", "pages/silhouette.py", "pages/whatif.py",
         "pages/quantization.py"]


def test_user_text_never_rendered_as_markdown_on_any_page():
    """The house rule, checked on every page with a hostile file name and column names."""
    at = upload(start(), EVIL, EVIL_NAME)
    leaks = {}
    for page in PAGES:
        at.switch_page(page).run()
        bad = [t for t in markdown_texts(at) if "evil" in t or "**x**" in t or "<img" in t]
        if bad:
            leaks[page] = bad
    assert not leaks, f"user text rendered as Markdown: {leaks}"


def test_two_sessions_same_file_share_parse_but_keep_their_choices():
    a = upload(start(), GOOD)
    b = upload(start(), GOOD)
    a.sidebar.multiselect(key=state.UPLOAD_COLUMNS).set_value(["id"]).run()
    assert current(a).feature_names == ("id",) and current(b).feature_names == ("height", "weight")
    assert current(a).key != current(b).key


# ---------------------------------------------------------------- workbooks, Parquet, labels

from tests.fixtures import hostile as H  # noqa: E402


def test_xlsx_upload_sheet_picker_and_preview():
    at = upload(start(), H.good_xlsx(), "book.xlsx")
    ds = current(at)
    assert ds.name == "book.xlsx" and ds.feature_names == ("height", "weight", "age")
    assert ds.X.shape == (90, 3) and ds.recipe["file_type"] == "xlsx"
    sheet = at.sidebar.selectbox(key=state.UPLOAD_SHEET)
    assert sheet.options == ["measurements", "notes"] and sheet.value == "measurements"
    captions = " ".join(c.value for c in at.main.caption)
    assert "Read as Excel workbook." in captions and "sheet 1 is read" in captions
    assert "Sheet: measurements" in [t.value for t in at.main.text]
    # The second sheet has no numbers: a clear message, the first sheet's data stays.
    sheet.set_value("notes").run()
    assert not at.exception
    assert ["No numeric columns" in e.value for e in at.main.error] == [True]
    assert current(at).key == ds.key


def test_xlsx_choosing_another_sheet_loads_it():
    data = H.xlsx_bytes({"a": [["x", "y"]] + [[i, i % 5] for i in range(30)],
                         "b": [["p", "q", "r"]] + [[i, 2 * i, i % 3] for i in range(25)]})
    at = upload(start(), data, "two.xlsx")
    assert current(at).feature_names == ("x", "y")
    at.sidebar.selectbox(key=state.UPLOAD_SHEET).set_value("b").run()
    assert not at.exception and not at.error
    ds = current(at)
    assert ds.feature_names == ("p", "q", "r") and ds.X.shape == (25, 3) and ds.recipe["sheet"] == "b"
    assert at.sidebar.multiselect(key=state.UPLOAD_COLUMNS).value == ["p", "q", "r"]


def test_parquet_upload():
    at = upload(start(), H.good_parquet(), "t.parquet")
    ds = current(at)
    assert ds.X.shape == (90, 3) and ds.recipe["file_type"] == "parquet"
    assert "Read as Parquet." in " ".join(c.value for c in at.main.caption)
    assert not any(w.key == state.UPLOAD_SHEET for w in at.sidebar.selectbox)


def test_labels_to_compare_is_offered_and_never_clustered_on():
    rows = [["a", "b", "code", "kind"]] + [[i * 0.3, (i * 7) % 10 + 0.5, i % 3, "xyz"[i % 3]] for i in range(30)]
    at = upload(start(), H.xlsx_bytes({"s": rows}), "lab.xlsx")
    assert current(at).feature_names == ("a", "b", "code") and current(at).labels is None
    box = at.sidebar.selectbox(key=state.UPLOAD_LABELS)
    assert box.options == [state.NO_LABELS, "code", "kind"] and box.value == state.NO_LABELS
    box.set_value("code").run()
    ds = current(at)
    assert ds.feature_names == ("a", "b") and ds.label_name == "code"
    assert ds.labels.tolist() == [str(i % 3) for i in range(30)]
    at.sidebar.selectbox(key=state.UPLOAD_LABELS).set_value("kind").run()
    ds = current(at)
    assert ds.feature_names == ("a", "b", "code") and ds.labels.tolist() == ["xyz"[i % 3] for i in range(30)]
    at.switch_page("pages/elbow.py").run()
    assert at.sidebar.selectbox(key=state.UPLOAD_LABELS).value == "kind" and current(at).label_name == "kind"
    at.sidebar.selectbox(key=state.UPLOAD_LABELS).set_value(state.NO_LABELS).run()
    assert current(at).labels is None
