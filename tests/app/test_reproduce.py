"""kmeans_reproduce.py: generate the script for generated data and for uploads (decimal commas,
thousands marks, missing values, other encodings, no header, hostile names), run it in a
subprocess with each backend, and compare its labels with the app's own download."""

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmeans_app import runs
from kmeans_app.data import downloads, reproduce
from kmeans_app.data.datasets import GENERATORS, Dataset, generate
from kmeans_app.data.upload import build_dataset, parse_upload
from kmeans_app.state import UPLOAD_KEY, UPLOAD_OPTION, Settings

REPO = Path(__file__).resolve().parents[2]


def app_run(ds, cfg, picked=None):
    """The Explorer's run and the labels of its "Data with a cluster column" download."""
    model = runs.fit_run(ds.X, ds.key, cfg.k, cfg.init if cfg.init != "pick" else "k-means++", cfg.seed,
                         picked=picked, max_iter=runs.MAX_ITER, tol=runs.TOL)
    csv = downloads.labelled_csv(ds.frame if ds.frame is not None else ds.X, model.labels_, ds.feature_names)
    return model, pd.read_csv(io.BytesIO(csv))


def run_script(tmp_path, text, backend, data_file=None, expect_ok=True):
    """Run the script in a fresh interpreter in tmp_path; kmeans_core importable only for "core"."""
    script = tmp_path / reproduce.FILE_NAME
    script.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if backend == "core":
        env["PYTHONPATH"] = str(REPO)
    out = tmp_path / f"clusters-{backend}.csv"
    args = [sys.executable, str(script), "--backend", backend, "--out", str(out)]
    if data_file is not None:
        args.insert(2, str(data_file))
    proc = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    if not expect_ok:
        return proc
    assert proc.returncode == 0, proc.stderr
    return pd.read_csv(out), proc.stdout


BATCH_RUNNER = """
import json, runpy, sys
for argv in json.loads(sys.argv[1]):
    sys.argv = argv
    runpy.run_path(argv[0], run_name="__main__")
"""


def run_batch(cwd, argvs):
    """Run scripts (one argv list each) in ONE interpreter with kmeans_core importable:
    importing pandas and scikit-learn is most of a run's time."""
    import json

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", BATCH_RUNNER, json.dumps(argvs)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def check_same_labels(tmp_path, ds, cfg, data_file=None, picked=None, all_columns=True):
    """The script's labels with each backend (forced by --backend) equal the app's download."""
    model, expected = app_run(ds, cfg, picked)
    text = reproduce.script_text(ds, cfg, model)
    compile(text, reproduce.FILE_NAME, "exec")  # valid Python
    script = tmp_path / reproduce.FILE_NAME
    script.write_text(text, encoding="utf-8")
    path = [] if data_file is None else [str(data_file)]
    backends = ("core", "sklearn")
    stdout = run_batch(tmp_path, [[str(script), *path, "--backend", b, "--out", str(tmp_path / f"{b}.csv")]
                                  for b in backends])
    assert "with kmeans_core" in stdout and "with scikit-learn" in stdout
    for backend in backends:
        got = pd.read_csv(tmp_path / f"{backend}.csv")
        assert len(got) == len(expected)
        np.testing.assert_array_equal(got.iloc[:, -1].to_numpy(), expected.iloc[:, -1].to_numpy())
        if all_columns:  # the whole kept table, as the app's download
            assert list(got.columns) == list(expected.columns)
        else:  # workbooks: the chosen columns and the cluster
            assert list(got.columns) == [*ds.feature_names, "cluster"]
    return text


# ---------------------------------------------------------------- generated data

@pytest.fixture(scope="module")
def every_generator(tmp_path_factory):
    """Each generator's script, run with both backends in ONE interpreter (imports are the slow part)."""
    root = tmp_path_factory.mktemp("generated")
    cases, argvs = {}, []
    for name in GENERATORS:
        ds = generate(name, {})
        cfg = Settings(4, "k-means++", 3)
        model, expected = app_run(ds, cfg)
        text = reproduce.script_text(ds, cfg, model)
        script = root / f"{name}.py"
        script.write_text(text, encoding="utf-8")
        cases[name] = (text, expected)
        for backend in ("core", "sklearn"):
            argvs.append([str(script), "--backend", backend, "--out", str(root / f"{name}-{backend}.csv")])
    return root, cases, run_batch(root, argvs)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generated_data_both_backends(every_generator, name):
    root, cases, stdout = every_generator
    text, expected = cases[name]
    assert "SEED = 3" in text and "INIT = 'k-means++'" in text
    for backend in ("core", "sklearn"):
        got = pd.read_csv(root / f"{name}-{backend}.csv")
        np.testing.assert_array_equal(got["cluster"].to_numpy(), expected["cluster"].to_numpy())
        np.testing.assert_array_equal(got[["x1", "x2"]].to_numpy(), expected[["x1", "x2"]].to_numpy())
    assert stdout.count("with kmeans_core") == stdout.count("with scikit-learn") == len(GENERATORS)


def test_auto_backend_falls_back_to_sklearn_without_kmeans_core(tmp_path):
    ds = generate("blobs", {})
    cfg = Settings(4, "k-means++", 0)
    model, expected = app_run(ds, cfg)
    got, stdout = run_script(tmp_path, reproduce.script_text(ds, cfg, model), "auto")  # no PYTHONPATH
    assert "with scikit-learn" in stdout
    np.testing.assert_array_equal(got["cluster"].to_numpy(), expected["cluster"].to_numpy())


def test_generated_with_changed_parameters_and_random_init(tmp_path):
    ds = generate("blobs", {"n": 730, "centers": 6, "spread": 2.2, "data_seed": 41})
    text = check_same_labels(tmp_path, ds, Settings(6, "random", 11))
    assert "'n_samples': 730" in text and "'cluster_std': 2.2" in text


def test_picked_centres_are_embedded_for_both_backends(tmp_path):
    ds = generate("moons", {})
    picked = (5, 17, 300)
    text = check_same_labels(tmp_path, ds, Settings(3, "pick", 0), picked=picked)
    assert "INIT = None" in text


# ---------------------------------------------------------------- uploads


def upload(tmp_path, raw, columns=None, standardise=False, name="data.csv", label_column=None):
    path = tmp_path / name
    path.write_bytes(raw)
    parsed = parse_upload(raw)
    ds, _ = build_dataset(parsed, columns or parsed.default_columns, standardise, name=name,
                          label_column=label_column)
    return ds, path


def _blob_table(n=150, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 1000.0, 5.0], [4.0, 3000.0, -5.0], [8.0, 2000.0, 0.0]])
    return np.concatenate([c + rng.normal(0, [1.0, 300.0, 2.0], size=(n // 3, 3)) for c in centres])


def test_semicolon_file_with_decimal_commas_thousands_and_missing_values(tmp_path):
    X = _blob_table()
    lines = ["Größe;Betrag;Temp;Gruppe"]
    for i, (a, b, c) in enumerate(X):
        b_text = f"{b:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")  # 1.234,56
        cells = [f"{a:.3f}".replace(".", ","), b_text, f"{c:.2f}".replace(".", ","), "abc"[i % 3]]
        if i in (7, 40):
            cells[i % 3] = "NA" if i == 7 else ""
        lines.append(";".join(cells))
    raw = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    ds, path = upload(tmp_path, raw, standardise=True)
    assert ds.recipe["decimal"] == "," and ds.recipe["thousands"] == "." and ds.recipe["delimiter"] == ";"
    assert len(ds.recipe["dropped_rows"]) == 2
    text = check_same_labels(tmp_path, ds, Settings(3, "k-means++", 5), data_file=path)
    assert "ENCODING = 'cp1252'" in text and "DECIMAL = ','" in text and "THOUSANDS = '.'" in text


def test_comma_file_without_header_and_a_column_choice(tmp_path):
    X = _blob_table(seed=1)
    raw = "\n".join(f'{a:.4f},"{b:,.1f}",{c:.4f}' for a, b, c in X).encode()
    ds, path = upload(tmp_path, raw, columns=["column 1", "column 3"])
    assert ds.feature_names == ("column 1", "column 3") and not ds.recipe["header"]
    check_same_labels(tmp_path, ds, Settings(3, "random", 2), data_file=path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])  # with and without a BOM
def test_utf16_tab_file_with_labels_column(tmp_path, encoding):
    X = _blob_table(seed=2)
    lines = ["x\ty\tz\tspecies"] + [f"{a}\t{b}\t{c}\t{'uvw'[i % 3]}" for i, (a, b, c) in enumerate(X)]
    raw = "\n".join(lines).encode(encoding)
    ds, path = upload(tmp_path, raw, label_column="species")
    assert ds.labels is not None
    check_same_labels(tmp_path, ds, Settings(4, "k-means++", 9), data_file=path)


def test_hostile_names_stay_string_literals(tmp_path):
    evil = '"""\nimport pathlib; pathlib.Path("PWNED").touch()\n#'
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({evil: rng.normal(size=60), "b\\'\"": rng.normal(size=60), "cluster": 1.0})
    raw = frame.to_csv(index=False).encode()
    ds, path = upload(tmp_path, raw, name='x"""; import os.csv')
    check_same_labels(tmp_path, ds, Settings(2, "k-means++", 0), data_file=path)
    assert not (tmp_path / "PWNED").exists()


def test_another_file_is_refused_with_a_message(tmp_path):
    X = _blob_table()
    raw = ("a,b,c\n" + "\n".join(f"{a},{b},{c}" for a, b, c in X)).encode()
    ds, path = upload(tmp_path, raw)
    model, _ = app_run(ds, Settings(3, "k-means++", 0))
    other = tmp_path / "other.csv"
    other.write_bytes(b"a,b,c\n1,2,\n3,4,5\n5,6,7\n")  # one row with a missing value: the app dropped none
    proc = run_script(tmp_path, reproduce.script_text(ds, Settings(3, "k-means++", 0), model), "sklearn",
                      other, expect_ok=False)
    assert proc.returncode != 0 and "is this the same file?" in proc.stderr


def test_parquet_upload(tmp_path):
    pytest.importorskip("pyarrow")
    X = _blob_table(seed=4)
    frame = pd.DataFrame(X, columns=["p", "q", "r"])
    frame.loc[3, "q"] = np.nan
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    ds, path = upload(tmp_path, buf.getvalue(), name="t.parquet", standardise=True)
    assert ds.recipe["file_type"] == "parquet"
    check_same_labels(tmp_path, ds, Settings(3, "k-means++", 1), data_file=path)


def test_xlsx_upload(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    X = _blob_table(seed=5)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Messungen"
    ws.append(["Länge", "Breite", "Höhe", "note"])
    for i, row in enumerate(X):
        cells = [float(v) for v in row] + [f"n{i % 4}"]
        if i == 10:
            cells[1] = None
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    ds, path = upload(tmp_path, buf.getvalue(), name="t.xlsx")
    assert ds.recipe["file_type"] == "xlsx" and ds.recipe["sheet"] == "Messungen"
    check_same_labels(tmp_path, ds, Settings(3, "k-means++", 4), data_file=path, all_columns=False)


def test_xlsx_with_merged_header_cells(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    X = _blob_table(seed=6)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Maße", None, "Gewicht"])  # "Maße" spans the first two columns
    ws.append(["Länge", "Breite", None])
    ws.merge_cells("A1:B1")
    ws.merge_cells("C1:C2")
    for row in X:
        ws.append([float(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    raw = buf.getvalue()
    path = tmp_path / "merged.xlsx"
    path.write_bytes(raw)
    parsed = parse_upload(raw)
    ds, _ = build_dataset(parsed, parsed.default_columns, False, name="merged.xlsx")
    model, expected = app_run(ds, Settings(3, "k-means++", 0))
    assert parsed.header_rows == 2 and len(ds.X) == len(X)
    text = reproduce.script_text(ds, Settings(3, "k-means++", 0), model, header_rows=parsed.header_rows)
    assert "HEADER_ROWS = 2" in text
    script = tmp_path / reproduce.FILE_NAME
    script.write_text(text, encoding="utf-8")
    run_batch(tmp_path, [[str(script), str(path), "--backend", "sklearn", "--out", str(tmp_path / "o.csv")]])
    got = pd.read_csv(tmp_path / "o.csv")
    np.testing.assert_array_equal(got["cluster"].to_numpy(), expected["cluster"].to_numpy())


def test_drawn_points_are_embedded(tmp_path):
    from kmeans_app.data.draw.points import make_dataset

    rng = np.random.default_rng(6)
    P = np.round(np.concatenate([rng.normal(c, 0.6, size=(25, 2)) for c in ((-3, 0), (3, 1), (0, 4))]), 2)
    ds = make_dataset(P)
    text = check_same_labels(tmp_path, ds, Settings(3, "k-means++", 2))
    assert "POINTS = np.array([" in text and text.count("\n    [") >= 75


def test_explorer_offers_the_script_download():
    from . import helpers

    at = helpers.open_page("pages/explorer.py")
    (button,) = [b for b in at.get("download_button") if "kmeans_reproduce.py" in b.proto.label]
    assert not button.proto.disabled
    no_recipe = Dataset(np.arange(40.0).reshape(20, 2), ("a", "b"), "x.csv", None, "upload:test:no-recipe",
                        generated=False)
    at = helpers.open_page("pages/explorer.py", **{"dataset": UPLOAD_OPTION, UPLOAD_KEY: no_recipe})
    (button,) = [b for b in at.get("download_button") if "kmeans_reproduce.py" in b.proto.label]
    assert button.proto.disabled  # the app cannot say how this data was made


def test_no_recipe_means_no_script():
    ds = Dataset(np.zeros((3, 2)), ("a", "b"), "x", None, "k", generated=False)
    assert reproduce.script_text(ds, Settings(2, "k-means++", 0), None) is None
