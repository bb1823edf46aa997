"""CSV downloads: cluster column, neutralised formula-like text, numbers kept as numbers."""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from kmeans_app.data.downloads import centers_csv, labelled_csv, neutralise
from kmeans_app.data.upload import build_dataset, parse_csv


def rows(data):
    text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_array_gets_feature_names_and_one_based_clusters():
    out = rows(labelled_csv(np.array([[1.5, -2.0], [3.0, 4.0]]), [0, 2], ("x1", "x2")))
    assert out == [["x1", "x2", "cluster"], ["1.5", "-2.0", "1"], ["3.0", "4.0", "3"]]


def test_default_names_and_full_precision():
    X = np.array([[0.1 + 0.2, 1e-300], [np.pi, -1e300]])
    back = pd.read_csv(io.BytesIO(labelled_csv(X, [1, 0])))
    assert list(back.columns) == ["x1", "x2", "cluster"]
    np.testing.assert_array_equal(back[["x1", "x2"]].to_numpy(), X)


@pytest.mark.parametrize("cell", ["=1+1", "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx",
                                  "=HYPERLINK(\"http://e\")"])
def test_formula_like_text_is_neutralised(cell):
    assert neutralise(cell) == "'" + cell
    frame = pd.DataFrame({"name": [cell, "ok"], "v": [1.0, 2.0]})
    out = pd.read_csv(io.BytesIO(labelled_csv(frame, [0, 1])), keep_default_na=False)
    assert out["name"].tolist() == ["'" + cell, "ok"]


@pytest.mark.parametrize("value", ["-1.5", "+2", "-3e5", "hello", "", "a=b", "1-2"])
def test_numbers_and_harmless_text_unchanged(value):
    assert neutralise(value) == value


def test_numeric_columns_and_negative_numbers_stay_numbers():
    frame = pd.DataFrame({"a": [-1.5, 2.0], "t": ["-1.5", "=x"], "n": [-3, 4]})
    out = rows(labelled_csv(frame, [1, 1]))
    assert out[1] == ["-1.5", "-1.5", "-3", "2"]
    assert out[2] == ["2.0", "'=x", "4", "2"]


def test_column_names_are_neutralised_and_cluster_name_kept_unique():
    frame = pd.DataFrame({"=cmd()": [1.0, 2.0], "cluster": ["a", "b"]})
    out = rows(labelled_csv(frame, [0, 1]))
    assert out[0] == ["'=cmd()", "cluster", "cluster_2"]


def test_uploaded_frame_round_trip_with_text_and_dropped_rows():
    p = parse_csv(b"name,x,y\n=evil(),1,2\nok,,3\n@x,4,5\n")
    ds, _ = build_dataset(p, ["x", "y"], False, "f.csv")
    out = rows(labelled_csv(ds.frame, [1, 0], ds.feature_names))
    assert out == [["name", "x", "y", "cluster"], ["'=evil()", "1.0", "2.0", "2"], ["'@x", "4.0", "5.0", "1"]]


def test_centers_csv():
    out = rows(centers_csv(np.array([[0.5, -1.0], [2.0, 3.25]]), ("a", "+b")))
    assert out == [["cluster", "a", "'+b"], ["1", "0.5", "-1.0"], ["2", "2.0", "3.25"]]


def test_length_mismatches_raise():
    with pytest.raises(ValueError):
        labelled_csv(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError):
        labelled_csv(np.zeros((2, 2)), [0, 1], ("only one",))
    with pytest.raises(ValueError):
        centers_csv(np.zeros((2, 3)), ("a", "b"))
