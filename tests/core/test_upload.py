"""CSV parsing (kmeans_app.data.upload): good variants parse to the right numbers, bad files fail clearly."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmeans_app.data import upload
from kmeans_app.data.upload import UploadError, build_dataset, parse_csv

PLAIN = b"x,y,label\n1.5,2,a\n3,4.25,b\n-5,6,c\n"


def parse_build(data, columns=None, standardise=False):
    p = parse_csv(data)
    return p, build_dataset(p, p.default_columns if columns is None else columns, standardise, "f.csv")


def test_plain_csv_numbers_and_text_columns():
    p, (ds, info) = parse_build(PLAIN)
    assert p.numeric_columns == ("x", "y") and p.text_columns == ("label",)
    assert p.default_columns == ("x", "y")
    assert (p.encoding, p.delimiter, p.decimal, p.thousands, p.has_header) == ("UTF-8", ",", ".", None, True)
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4.25], [-5, 6]])
    assert ds.feature_names == ("x", "y") and ds.name == "f.csv" and ds.generated is False
    assert ds.frame["label"].tolist() == ["a", "b", "c"]  # the original table's kept rows
    assert info.n_dropped == 0 and info.n_rows_in == 3
    assert ds.key.startswith("csv:")


@pytest.mark.parametrize(
    "data, encoding",
    [
        (b"\xef\xbb\xbf" + PLAIN, "UTF-8 (with BOM)"),
        (PLAIN.decode().encode("utf-16"), "UTF-16"),  # with BOM
        (PLAIN.decode().encode("utf-16-le"), "UTF-16"),  # without BOM
        (PLAIN.decode().encode("utf-16-be"), "UTF-16"),
        (PLAIN.replace(b"\n", b"\r\n"), "UTF-8"),  # Windows line ends
        (PLAIN.replace(b"\n", b"\r"), "UTF-8"),  # old Mac line ends
    ],
)
def test_encodings_give_the_same_table(data, encoding):
    p, (ds, _) = parse_build(data)
    assert p.encoding == encoding
    assert p.numeric_columns == ("x", "y"), "BOM must not leak into the first column name"
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4.25], [-5, 6]])


def test_latin1_semicolon_decimal_comma():
    data = "poids;taille;ville\n1,5;170;Orléans\n2,25;165,5;Besançon\n3;180;Nîmes\n".encode("latin-1")
    p, (ds, _) = parse_build(data)
    assert p.encoding.startswith("Windows-1252") and p.delimiter == ";" and p.decimal == ","
    assert p.text_columns == ("ville",) and p.frame["ville"].tolist() == ["Orléans", "Besançon", "Nîmes"]
    np.testing.assert_array_equal(ds.X, [[1.5, 170], [2.25, 165.5], [3, 180]])


def test_decimal_comma_with_dot_thousands():
    p, (ds, _) = parse_build(b"a;b\n1.234,5;2\n12,0;3\n7;1.000.000,25\n")
    assert (p.decimal, p.thousands) == (",", ".")
    np.testing.assert_array_equal(ds.X, [[1234.5, 2], [12, 3], [7, 1_000_000.25]])


def test_quoted_comma_thousands_in_comma_file():
    p, (ds, _) = parse_build(b'a,b\n"1,234.5",2\n"12",3\n"1,000,000",4.5\n')
    assert (p.decimal, p.thousands) == (".", ",")
    np.testing.assert_array_equal(ds.X, [[1234.5, 2], [12, 3], [1e6, 4.5]])


def test_ambiguous_dots_stay_decimal_points():
    """1.234 alone (no decimal commas anywhere) is one point two three four."""
    p, (ds, _) = parse_build(b"a;b\n1.234;2\n5.5;3\n")
    assert p.decimal == "." and p.thousands is None
    np.testing.assert_array_equal(ds.X, [[1.234, 2], [5.5, 3]])


def test_tab_and_pipe_delimiters():
    for sep in (b"\t", b"|"):
        p, (ds, _) = parse_build(PLAIN.replace(b",", sep))
        assert p.delimiter == sep.decode()
        assert ds.X.shape == (3, 2)


def test_headerless_file_gets_column_names():
    p, (ds, _) = parse_build(b"1,2\n3,4\n5,6\n")
    assert not p.has_header and p.numeric_columns == ("column 1", "column 2")
    assert ds.X.shape == (3, 2), "the first row is data"
    assert any("No header" in n for n in p.notes)


def test_missing_values_drop_rows_and_are_counted():
    p, (ds, info) = parse_build(b"a,b,c\n1,2,x\n,4,y\n5,NA,z\n7,8,\n9,?,w\n10,11,v\n")
    assert info.n_dropped == 3  # empty, NA and ? in the chosen columns; the empty text cell is fine
    np.testing.assert_array_equal(ds.X, [[1, 2], [7, 8], [10, 11]])
    assert ds.frame["a"].tolist() == [1, 7, 10] and len(ds.frame) == len(ds.X)


def test_nan_cells_are_missing_values():
    _, (ds, info) = parse_build(b"a,b\n1,nan\n2,3\n4,NaN\n6,7\n")
    assert info.n_dropped == 2 and ds.X.shape == (2, 2)


def test_id_column_not_preselected_and_caps_preselection():
    p = parse_csv(b"id,x,y\n1,0.5,2\n2,0.7,3\n3,0.1,4\n")
    assert p.numeric_columns == ("id", "x", "y") and p.default_columns == ("x", "y")
    wide = ",".join(f"c{i}" for i in range(120)) + "\n"
    wide += "\n".join(",".join(str((i * 7 + r) % 11) for i in range(120)) for r in range(3))
    p = parse_csv(wide.encode())
    assert len(p.numeric_columns) == 120 and len(p.default_columns) == upload.MAX_PRESELECTED


def test_standardise_and_constant_columns():
    p = parse_csv(b"a,b,c\n1,10,5\n2,20,5\n3,60,5\n")
    ds, info = build_dataset(p, ["a", "b", "c"], True, "f.csv")
    np.testing.assert_allclose(ds.X[:, :2].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X[:, :2].std(axis=0), 1)
    np.testing.assert_array_equal(ds.X[:, 2], 0)
    assert info.standardised and info.constant_columns == ("c",)
    raw, _ = build_dataset(p, ["a", "b", "c"], False, "f.csv")
    assert raw.key != ds.key, "scaling is part of the key"


def test_key_depends_on_content_columns_and_flag_not_on_session():
    p1, p2 = parse_csv(PLAIN), parse_csv(PLAIN.replace(b"-5", b"-6"))
    k = lambda p, cols, s=False: build_dataset(p, cols, s, "f.csv")[0].key  # noqa: E731
    assert k(p1, ["x", "y"]) == k(parse_csv(PLAIN), ["x", "y"])
    assert len({k(p1, ["x", "y"]), k(p2, ["x", "y"]), k(p1, ["x"]), k(p1, ["x", "y"], True)}) == 4


def test_dataset_is_read_only_because_caches_share_it():
    _, (ds, _) = parse_build(PLAIN)
    with pytest.raises(ValueError):
        ds.X[0, 0] = 99


BAD_FILES = {
    "empty": (b"", "empty"),
    "whitespace only": (b" \r\n\n\t\n", "empty"),
    "header only": (b"a,b,c\n", "no data rows"),
    "header only, blank lines": (b"a,b,c\n\n\n", "no data rows"),
    "text only": (b"name,city\nann,paris\nbob,rome\n", "No numeric columns"),
    "longer row": (b"a,b\n1,2\n3,4,5\n6,7\n", "Data row 2 has 3 fields but the header has 2"),
    "shorter row": (b"a,b,c\n1,2,3\n4,5\n", "Data row 2 has 2 fields but the header has 3"),
    "ragged, quoted": (b'a,b\n"x,y",2\n\n3,4,5\n', "Data row 3 has 3 fields but the header has 2"),
    "ragged after blank lines": (b"a,b\n1,2\n\n \n3\n", "Data row 4 has 1 field but the header has 2"),
    "unclosed quote": (b'a,b\n1,"2\n3,4\n', "could not be read as CSV"),
    "binary junk": (bytes(range(256)) * 20, "binary"),
    "nul bytes": (b"a,b\n1,\x00\x002\n3,4\n", "binary"),
    "xlsx": (b"PK\x03\x04" + bytes(200), "Excel"),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG image"),
    "gzip": (b"\x1f\x8b\x08" + bytes(50), "gzip"),
    "100k columns": ((",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n").encode(),
                     "100,000 columns"),
    "single row": (b"a,b\n1,2\n", "only 1 data row"),
    "odd-length utf-16": (b"\xff\xfea\x00,\x00b\x00\n", "encoding"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_raise_a_clear_message(name):
    data, expected = BAD_FILES[name]
    with pytest.raises(UploadError, match=expected) as e:
        parse_csv(data)
    assert isinstance(e.value, ValueError)


def test_too_many_cells_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(upload, "MAX_CELLS", 1000)
    data = b"a,b\n" + b"1,2\n" * 600
    with pytest.raises(UploadError, match="limit is 1,000 cells"):
        parse_csv(data)


def test_too_large_file_is_refused(monkeypatch):
    monkeypatch.setattr(upload, "MAX_BYTES", 100)
    with pytest.raises(UploadError, match="larger than"):
        parse_csv(PLAIN * 10)


@pytest.mark.parametrize("cell", [b"inf", b"-inf", b"1e309", b"-1e400", b"Infinity"])
def test_infinite_cells_fail_in_the_chosen_column_only(cell):
    p = parse_csv(b"a,b\n1," + cell + b"\n2,3\n4,5\n")
    with pytest.raises(UploadError, match="infinite value in data row 1") as e:
        build_dataset(p, ["a", "b"], False, "f.csv")
    assert e.value.detail == "b" and "b" not in str(e.value).split("(")[0]
    ds, _ = build_dataset(p, ["a"], False, "f.csv")  # leaving the column out works
    assert ds.X.shape == (3, 1)


def test_huge_finite_values_fail():
    p = parse_csv(b"a,b\n1,1e200\n2,3\n4,5\n")
    with pytest.raises(UploadError, match="1e100"):
        build_dataset(p, ["a", "b"], False, "f.csv")


def test_build_errors_for_no_columns_and_too_few_complete_rows():
    p = parse_csv(b"a,b\n1,\n2,\n3,4\n")
    with pytest.raises(UploadError, match="at least one numeric column"):
        build_dataset(p, [], False, "f.csv")
    with pytest.raises(UploadError, match="at least one numeric column"):
        build_dataset(p, ["not there"], False, "f.csv")
    with pytest.raises(UploadError, match=r"Only 1 row\(s\).*2 with missing values"):
        build_dataset(p, ["a", "b"], False, "f.csv")


def test_messages_never_contain_user_text():
    """st.error renders Markdown, so messages must be fixed text; names go to .detail."""
    evil = b"[x](http://evil.example),**b**\n1,inf\n2,3\n"
    p = parse_csv(evil)
    with pytest.raises(UploadError) as e:
        build_dataset(p, p.numeric_columns, False, "f.csv")
    assert "evil" not in str(e.value) and "**" not in str(e.value)
    assert e.value.detail == "**b**"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_parse_or_fail_with_upload_error(data):
    try:
        p = parse_csv(data)
    except UploadError:
        return
    try:
        ds, _ = build_dataset(p, p.default_columns, True, "f.csv")
    except UploadError:
        return
    assert np.isfinite(ds.X).all() and ds.X.shape[0] >= upload.MIN_ROWS


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=2, max_size=2),
                min_size=2, max_size=30),
       st.sampled_from([",", ";", "\t"]))
def test_written_numbers_read_back(rows, sep):
    text = f"a{sep}b\n" + "\n".join(sep.join(repr(float(v)) for v in r) for r in rows) + "\n"
    p = parse_csv(text.encode())
    ds, _ = build_dataset(p, ["a", "b"], False, "f.csv")
    np.testing.assert_array_equal(ds.X, np.array(rows, dtype=np.float64))


# ---------------------------------------------------------------- labels and recipe


def test_label_columns_text_and_small_integers_never_clustered_on():
    rows = "\n".join(f"{i * 0.5},{(i * 7) % 11 + 0.25},{'ab'[i % 2]},{i % 3},{i}" for i in range(40))
    p = parse_csv(("x,y,kind,grp,count\n" + rows + "\n").encode())
    # text with few values, and whole numbers with <= 20 values; not x, y (fractions) or count (40 values)
    assert p.label_columns == ("kind", "grp")
    ds, _ = build_dataset(p, ["x", "y", "grp"], False, "f.csv", label_column="grp")
    assert ds.feature_names == ("x", "y"), "the labels column is left out of the clustering"
    assert ds.label_name == "grp" and ds.labels.tolist() == [str(i % 3) for i in range(40)]
    ds2, _ = build_dataset(p, ["x", "y"], False, "f.csv", label_column="kind")
    assert ds2.labels.tolist() == ["ab"[i % 2] for i in range(40)] and ds2.key != ds.key
    other = parse_csv(("x,y,kind,grp,count\n" + rows.replace(",a,", ",z,") + "\n").encode())
    assert build_dataset(other, ["x", "y"], False, "f.csv", label_column="kind")[0].key != ds2.key
    ds3, _ = build_dataset(p, ["x", "y"], False, "f.csv", label_column="not offered")
    assert ds3.labels is None and ds3.label_name is None
    with pytest.raises(UploadError, match="never clustered on"):
        build_dataset(p, ["grp"], False, "f.csv", label_column="grp")


def test_labels_follow_the_rows_kept_and_mark_missing_cells():
    p = parse_csv(b"x,y,kind\n1,2,a\n3,,b\n5,6,\n7,8,a\n")
    ds, info = build_dataset(p, ["x", "y"], False, "f.csv", label_column="kind")
    assert info.n_dropped == 1
    assert ds.labels.tolist() == ["a", upload.MISSING_LABEL, "a"]


def test_upload_recipe_repeats_the_parsing_choices():
    p = parse_csv(b"a;b;c\n1,5;2;x\n3,25;;y\n-1,5;7;x\n")
    ds, _ = build_dataset(p, ["a", "b"], True, "f.csv")
    assert ds.recipe == {
        "kind": "upload", "file_type": "csv", "encoding": "UTF-8", "delimiter": ";", "decimal": ",",
        "thousands": None, "header": True, "header_rows": 1, "sheet": None, "columns": ["a", "b"], "label_column": None,
        "dropped_rows": [1], "standardize": True,
    }


def test_generated_datasets_keep_the_makers_labels_and_recipe():
    from sklearn import datasets as skd

    from kmeans_app.data.datasets import generate

    ds = generate("blobs", {"n": 90, "centers": 3, "data_seed": 5})
    X, y = skd.make_blobs(n_samples=90, centers=3, cluster_std=1.0, random_state=5)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.labels, y)
    assert ds.recipe["maker"] == "make_blobs" and ds.recipe["params"]["random_state"] == 5
    again = getattr(skd, ds.recipe["maker"])(**ds.recipe["params"])[0] @ np.array(
        generate("anisotropic", {}).recipe["transform"])
    np.testing.assert_array_equal(again, X @ np.array([[0.6, -0.6366], [-0.4089, 0.8525]]))
    assert generate("uniform", {}).labels is None


# ---------------------------------------------------------------- workbooks and Parquet

from tests.fixtures import hostile as H  # noqa: E402


def test_xlsx_first_sheet_numbers_text_and_labels():
    p = upload.parse_upload(H.good_xlsx())
    rows = H.good_rows()
    assert p.file_type == "xlsx" and p.sheet == "measurements" and p.sheets == ("measurements", "notes")
    assert p.numeric_columns == ("height", "weight", "age") and p.label_columns == ("group",)
    np.testing.assert_array_equal(p.frame[["height", "weight", "age"]].to_numpy(),
                                  np.array([r[:3] for r in rows[1:]], dtype=np.float64))
    assert p.frame["group"].tolist() == [r[3] for r in rows[1:]]
    ds, _ = build_dataset(p, p.default_columns, False, "book.xlsx", label_column="group")
    assert ds.recipe["file_type"] == "xlsx" and ds.recipe["sheet"] == "measurements"
    merged = upload.parse_upload(H.merged_header_xlsx())
    assert build_dataset(merged, merged.default_columns)[0].recipe["header_rows"] == 2
    assert ds.labels.tolist() == [r[3] for r in rows[1:]]


def test_xlsx_chosen_sheet_and_bad_sheet():
    data = H.xlsx_bytes({"a": [["x"], [1], [2]], "b": [["p", "q"], [1, 2], [3, 4], [5, 6]]})
    p = upload.parse_upload(data, sheet="b")
    assert p.sheet == "b" and p.shape == (3, 2)
    with pytest.raises(UploadError, match="not in this workbook"):
        upload.parse_upload(data, sheet="zzz")


def test_xlsx_merged_header_cells_name_every_column():
    p = upload.parse_upload(H.merged_header_xlsx())
    assert tuple(p.frame.columns) == ("Size width", "Size height", "Colour", "weight")
    assert p.header_rows == 2 and p.shape == (45, 4)
    assert p.frame["Size width"].iloc[0] == 1.0 and p.frame["Colour"].iloc[:3].tolist() == ["r", "g", "b"]
    assert any("merged" in n for n in p.notes)


def test_xlsx_merged_header_found_past_a_piece_boundary(monkeypatch):
    """The sheet XML is scanned in pieces; tiny pieces must find the same merges and formulas."""
    monkeypatch.setattr(upload, "XML_PIECE", 97)
    p = upload.parse_upload(H.merged_header_xlsx())
    assert tuple(p.frame.columns) == ("Size width", "Size height", "Colour", "weight")
    q = upload.parse_upload(H.formulas_xlsx(saved=False))
    assert any(n.startswith("40 formula cells have no saved value") for n in q.notes)


def test_xlsx_formulas_are_read_as_saved_values_never_run():
    p = upload.parse_upload(H.formulas_xlsx(saved=True))
    a, b, c = (p.frame[k].to_numpy() for k in "abc")
    np.testing.assert_array_equal(c, a * b)  # the saved values (written by the fixture)
    assert any("40 cells hold formulas" in n for n in p.notes)
    q = upload.parse_upload(H.formulas_xlsx(saved=False))
    assert q.numeric_columns == ("a", "b") and q.empty_columns == ("c",), "no value: missing, not computed"
    assert any("no saved value" in n for n in q.notes)


def test_xlsx_formula_only_sheet_says_why_nothing_is_numeric():
    data = H.xlsx_bytes({"s": [["a", "b"]] + [[f"=ROW()*{i}", f"=ROW()+{i}"] for i in range(5)]})
    with pytest.raises(UploadError, match="formulas have no saved values"):
        upload.parse_upload(data)


WORKBOOK_ERRORS = {
    "xlsx_truncated": "damaged",
    "xlsx_broken_xml": "damaged",
    "xlsx_zip_bomb_ratio": "zip bomb",
    "xlsx_zip_bomb_declared": "would unpack to 4,096 MB",
    "xlsx_password": "protected with a password",
    "xls_old": r"old Excel \(\.xls\).*Save it as \.xlsx or CSV",
    "zip_of_csv": "ZIP archive, not an Excel workbook",
    "xlsx_text_only": "No numeric columns",
    "xlsx_empty_sheet": "empty",
    "parquet_corrupt": "Parquet file but is damaged",
    "parquet_truncated": "Parquet file but is damaged",
}


@pytest.mark.parametrize("cid", list(WORKBOOK_ERRORS))
def test_bad_workbooks_and_parquet_fail_clearly(cid):
    with pytest.raises(UploadError, match=WORKBOOK_ERRORS[cid]):
        upload.parse_upload(H.case(cid).data)


@pytest.mark.parametrize("cid", ["xlsx_zip_bomb_ratio", "xlsx_zip_bomb_declared"])
def test_zip_bombs_are_refused_before_anything_is_inflated(cid, monkeypatch):
    import zipfile

    import openpyxl

    data = H.case(cid).data  # made (with zipfile) before zipfile is booby-trapped

    def boom(*a, **k):
        raise AssertionError("inflated a member of a zip bomb")

    monkeypatch.setattr(zipfile.ZipFile, "open", boom)
    monkeypatch.setattr(openpyxl, "load_workbook", boom)
    with pytest.raises(UploadError, match="refused"):
        upload.parse_upload(data)


def test_xlsx_limits_on_columns_and_cells(monkeypatch):
    data = H.xlsx_bytes({"s": [[f"c{i}" for i in range(12)]] + [list(range(12))] * 10})
    monkeypatch.setattr(upload, "MAX_COLUMNS", 10)
    with pytest.raises(UploadError, match="12 columns; the limit is 10"):
        upload.parse_upload(data)
    monkeypatch.setattr(upload, "MAX_COLUMNS", 1000)
    monkeypatch.setattr(upload, "MAX_CELLS", 100)
    with pytest.raises(UploadError, match="limit is 100 cells"):
        upload.parse_upload(data)


def test_xlsx_wrong_declared_dimension_still_reads_every_cell():
    """Some writers declare A1 as the used range; read-only openpyxl would then cut the rows."""
    data = H.rezip(H.good_xlsx(), lambda n, b: b.replace(b'<dimension ref="A1:D91" />', b'<dimension ref="A1" />'))
    assert b'ref="A1" ' in __import__("zipfile").ZipFile(__import__("io").BytesIO(data)).read(
        "xl/worksheets/sheet1.xml")
    assert upload.parse_upload(data).shape == (90, 4)


def test_parquet_types():
    import pandas as pd

    frame = pd.DataFrame({
        "f": [0.5, 1.5, None, 3.5], "i": [1, 2, 3, 4], "s": ["a", "b", None, "a"],
        "flag": [True, False, True, True], "t": pd.date_range("2024-01-01", periods=4),
    })
    p = upload.parse_upload(H.parquet_bytes(frame))
    assert p.file_type == "parquet" and p.numeric_columns == ("f", "i")
    assert set(p.text_columns) == {"s", "flag", "t"} and "s" in p.label_columns
    np.testing.assert_array_equal(p.frame["i"].to_numpy(), [1, 2, 3, 4])
    ds, info = build_dataset(p, ["f", "i"], False, "t.parquet", label_column="s")
    assert info.n_dropped == 1 and ds.labels.tolist() == ["a", "b", "a"]


def test_parquet_limits_checked_from_the_footer(monkeypatch):
    import pyarrow.parquet as pq

    monkeypatch.setattr(upload, "MAX_CELLS", 50)
    monkeypatch.setattr(pq.ParquetFile, "read", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    with pytest.raises(UploadError, match="limit is 50 cells"):
        upload.parse_upload(H.good_parquet())


def test_file_type_comes_from_the_bytes_not_the_name():
    assert upload.file_type_of(H.good_xlsx()) == "xlsx"
    assert upload.file_type_of(H.good_parquet()) == "parquet"
    assert upload.file_type_of(H.case("xls_old").data) == "ole"
    assert upload.file_type_of(b"a,b\n1,2\n") == "csv"
    assert upload.parse_upload(b"a,b\n1,2\n3,4\n").file_type == "csv"
