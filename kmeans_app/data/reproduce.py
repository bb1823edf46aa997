"""'Reproduce as code': the text of ``kmeans_reproduce.py``, a short script that redoes the
app's clustering outside it.

``python kmeans_reproduce.py your.csv`` reads the file exactly as the app did (encoding,
delimiter, decimal and thousands marks, header, the rows it dropped, the chosen columns,
standardisation), runs K-means with the same k, init and seed, and writes ``clusters.csv``
with the labels of the Explorer's "Data with a cluster column" download. Generated data is
made again with the same scikit-learn maker; drawn points are embedded.

It runs with either backend: this repository's ``kmeans_core`` (when it is importable)
or scikit-learn. scikit-learn seeds k-means++ differently, so the script embeds the run's
starting centres and scikit-learn starts from them: both end on the same labels.

User text (file and column names) only ever enters the script as Python string literals
made by ``repr``, so no name can turn into code.
"""

import json

import numpy as np
import streamlit as st

from kmeans_app import runs
from kmeans_core import KMeans

FILE_NAME = "kmeans_reproduce.py"
OUTPUT = "clusters.csv"
# The app's own reading rules (kmeans_app/data/upload.py), repeated in the script.
ENCODINGS = {"UTF-8": "utf-8", "UTF-8 (with BOM)": "utf-8-sig", "UTF-16": "utf-16",
             "Windows-1252 (Latin-1)": "cp1252", "Latin-1": "latin-1"}


def _missing_markers(workbook=False):
    """The text the app reads as missing: CSV (on top of pandas' defaults) or workbook cells."""
    from kmeans_app.data import upload

    if workbook and hasattr(upload, "MISSING_TEXT"):
        return sorted(upload.MISSING_TEXT)
    return list(upload.EXTRA_MISSING)


def _plain(value):
    """numpy scalars and arrays as plain Python values (for literals)."""
    return json.loads(json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v)))


def _literal(value):
    return repr(_plain(value))


def _array_literal(A, indent="    "):
    """A 2-D float array as an exact Python literal (repr of a float round-trips)."""
    rows = [indent + "[" + ", ".join(repr(float(v)) for v in row) + "]," for row in np.asarray(A)]
    return "np.array([\n" + "\n".join(rows) + "\n])"


def seeded(ds, cfg, model):
    """True if ``model`` started where the core's own init would start from cfg.init and cfg.seed
    (not from picked or dragged centres): then the kmeans_core path can use init and seed."""
    if cfg.init not in ("k-means++", "random"):
        return False
    first = KMeans(cfg.k, init=cfg.init, n_init=1, random_state=cfg.seed, max_iter=1, tol=0.0,
                   record="centers").fit(ds.X)
    return bool(np.array_equal(first.history_[0].centers, model.history_[0].centers))


# ---------------------------------------------------------------- the pieces of the script


def _header(ds, cfg, recipe):
    kind = recipe["kind"]
    if kind == "upload":
        run = f"python {FILE_NAME} your.{recipe.get('file_type') or 'csv'}"
    else:
        run = f"python {FILE_NAME}"
    needs = "numpy, pandas"
    if kind == "generated":
        needs += ", scikit-learn (to make the data)"
    elif recipe.get("file_type") == "xlsx":
        needs += ", openpyxl"
    elif recipe.get("file_type") == "parquet":
        needs += ", pyarrow"
    return f'''"""Reproduce a K-means clustering made in the K-means Explorer app.

Run:    {run}
Writes: {OUTPUT}, the data with a "cluster" column (1..k), the same labels as the app's
        "Data with a cluster column" download.
Needs:  {needs}, and either kmeans_core (the K-means Explorer
        repository on the Python path, e.g. this file saved in its folder) or scikit-learn.
        --backend core / --backend sklearn chooses one; the default tries kmeans_core first.
"""

import argparse

import numpy as np
import pandas as pd

# ---------------------------------------------------------------- the settings used in the app
K = {int(cfg.k)}  # number of clusters
MAX_ITER = {int(runs.MAX_ITER)}
TOL = {float(runs.TOL)!r}  # 0: iterate until no point changes cluster, as the app's Explorer does
'''


def _run_settings(cfg, model, is_seeded):
    start = _array_literal(model.history_[0].centers)
    if is_seeded:
        return f'''INIT = {cfg.init!r}
SEED = {int(cfg.seed)}
# The run's starting centres ({cfg.init} from seed {int(cfg.seed)}). scikit-learn seeds
# k-means++ differently, so it starts from these to reach the same clusters.
START = {start}
'''
    return f'''# The run started from centres chosen by hand in the app (picked or dragged): both
# backends start from them.
INIT = None
SEED = None
START = {start}
'''


def _load_generated(recipe):
    maker, params = recipe["maker"], _plain(recipe["params"])
    lines = ["", "", "def load_data(path=None):",
             f'    """Make the data again: {recipe.get("dataset", "generated")} data, the app\'s generator."""']
    if maker.startswith("numpy"):
        seed = params["seed"]
        lines += [f"    rng = np.random.default_rng({seed!r})",
                  f"    X = rng.uniform({params['low']!r}, {params['high']!r}, size={tuple(params['size'])!r})"]
    else:
        lines += ["    from sklearn import datasets",
                  "",
                  f"    X, _ = datasets.{maker}(**{_literal(params)})"]
    if recipe.get("transform") is not None:
        lines += ["    X = X @ np.array(" + _literal(recipe["transform"]) + ")  # stretch the blobs"]
    lines += ["    frame = pd.DataFrame(X, columns=FEATURES)", "    return X, frame"]
    return "\n".join(lines) + "\n"


def _load_drawn(recipe):
    points = np.asarray(recipe["points"], dtype=np.float64)
    return f'''
# The points drawn in the app.
POINTS = {_array_literal(points)}


def load_data(path=None):
    X = POINTS.copy()
    return X, pd.DataFrame(X, columns=FEATURES)
'''


def _standardise_code(recipe):
    if not recipe.get("standardize"):
        return "    # The columns were clustered as they are (no standardisation).\n"
    return '''    # Standardise each column to mean 0, standard deviation 1 (a constant column stays 0).
    mean, std = X.mean(axis=0), X.std(axis=0)
    constant = std == 0
    X = (X - mean) / np.where(constant, 1.0, std)
    X[:, constant] = 0.0
'''


def _keep_rows_code(recipe):
    dropped = len(recipe.get("dropped_rows") or ())
    return f'''    # Drop the rows with a missing value in a chosen column ({dropped:,} in the app).
    complete = frame[COLUMNS].notna().all(axis=1).to_numpy()
    if (~complete).sum() != DROPPED:
        raise SystemExit(f"{{(~complete).sum()}} rows have missing values, the app dropped {{DROPPED}}: "
                         "is this the same file?")
    frame = frame[complete].reset_index(drop=True)
    X = frame[COLUMNS].to_numpy(dtype=np.float64)
'''


def _load_csv(recipe):
    encoding = ENCODINGS.get(recipe.get("encoding"), "utf-8")
    header = bool(recipe.get("header", True))
    if encoding == "utf-16":
        decode = '''    encoding = ENCODING
    if not raw.startswith((b"\\xff\\xfe", b"\\xfe\\xff")):  # UTF-16 without a byte-order mark
        encoding = "utf-16-le" if raw[1::2].count(0) > raw[0::2].count(0) else "utf-16-be"
    text = raw.decode(encoding)
'''
    else:
        decode = "    text = raw.decode(ENCODING)\n"
    if header:
        names = "    frame.columns = [str(c) for c in frame.columns]\n"
    else:
        names = "    frame.columns = [f\"column {j + 1}\" for j in range(frame.shape[1])]  # no header row\n"
    return f'''
# How the app read the file.
ENCODING = {encoding!r}
DELIMITER = {recipe.get("delimiter") or ","!r}
DECIMAL = {recipe.get("decimal") or "."!r}
THOUSANDS = {recipe.get("thousands")!r}
HEADER = {header!r}  # {"the first row holds the column names" if header else "no header: columns are named column 1, column 2, ..."}
MISSING = {_missing_markers()!r}  # read as missing, on top of pandas' NA, NaN, null, ...
DROPPED = {len(recipe.get("dropped_rows") or ())}


def load_data(path):
    """Read the file as the app did; return the clustered matrix and the kept rows."""
    import io

    with open(path, "rb") as fh:
        raw = fh.read()
{decode}    if "\\n" not in text:  # old Mac line ends (CR only)
        text = text.replace("\\r", "\\n")
    frame = pd.read_csv(io.StringIO(text), sep=DELIMITER, header=0 if HEADER else None, decimal=DECIMAL,
                        thousands=THOUSANDS, skipinitialspace=True, na_values=MISSING, low_memory=False)
{names}{_keep_rows_code(recipe)}{_standardise_code(recipe)}    return X, frame
'''


def _load_parquet(recipe):
    return f'''
DROPPED = {len(recipe.get("dropped_rows") or ())}


def load_data(path):
    """Read the Parquet file; return the clustered matrix and the kept rows."""
    frame = pd.read_parquet(path)
    frame.columns = [str(c) for c in frame.columns]
{_keep_rows_code(recipe)}{_standardise_code(recipe)}    return X, frame
'''


def _load_xlsx(recipe, ds):
    positions = [list(ds.frame.columns).index(c) for c in recipe["columns"]]
    header_rows = recipe.get("header_rows")
    if header_rows is None:
        header_rows = 1 if recipe.get("header", True) else 0
    return f'''
SHEET = {recipe.get("sheet")!r}  # the sheet the app read
HEADER_ROWS = {int(header_rows)}  # rows of column names above the data (merged headers can take 2)
POSITIONS = {positions!r}  # where the chosen columns are in the sheet (0 = first)
MISSING = {_missing_markers(workbook=True)!r}
DROPPED = {len(recipe.get("dropped_rows") or ())}


def load_data(path):
    """Read the sheet's saved values (formulas are not run); return the matrix and the kept rows
    (the chosen columns only)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [list(r) for r in wb[SHEET].iter_rows(values_only=True)]
    wb.close()
    rows = [r for r in rows if any(v is not None and v != "" for v in r)]  # empty rows do not count
    body = rows[HEADER_ROWS:]
    width = max(len(r) for r in body)
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in body])
    frame = pd.DataFrame({{name: pd.to_numeric(cells[j].map(lambda v: None if str(v).strip() in MISSING
                                                          else v), errors="coerce")
                          for name, j in zip(COLUMNS, POSITIONS)}})
{_keep_rows_code(recipe)}{_standardise_code(recipe)}    return X, frame
'''


_CLUSTER = '''

def cluster(X, backend="auto"):
    """K-means labels 0..K-1 for the rows of X, with kmeans_core or scikit-learn."""
    if backend in ("auto", "core"):
        try:
            from kmeans_core import KMeans  # the app's own K-means (this repository)
        except ImportError:
            if backend == "core":
                raise
        else:
            init = INIT if INIT is not None else START
            model = KMeans(K, init=init, n_init=1, random_state=SEED, max_iter=MAX_ITER, tol=TOL)
            return model.fit(X).labels_, "kmeans_core"
    from sklearn.cluster import KMeans

    model = KMeans(K, init=START, n_init=1, max_iter=MAX_ITER, tol=TOL, algorithm="lloyd")
    return model.fit(X).labels_, "scikit-learn"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs=NARGS, help=PATH_HELP)
    parser.add_argument("--backend", choices=("auto", "core", "sklearn"), default="auto")
    parser.add_argument("--out", default="clusters.csv")
    args = parser.parse_args()
    X, frame = load_data(args.path)
    labels, used = cluster(X, args.backend)
    out = frame.copy()
    name, i = "cluster", 1
    while name in out.columns:  # a column already called "cluster" keeps it: cluster_2, ...
        i += 1
        name = f"cluster_{i}"
    out[name] = labels + 1  # clusters are numbered 1..K, as in the app
    out.to_csv(args.out, index=False)
    sizes = np.bincount(labels, minlength=K)
    print(f"{len(X):,} rows, {K} clusters with {used}; sizes {sizes.tolist()}; wrote {args.out}")


if __name__ == "__main__":
    main()
'''


def can_reproduce(ds):
    """True when the app knows how ``ds`` was made (a recipe the script can follow)."""
    recipe = ds.recipe or {}
    if recipe.get("kind") == "upload":
        return (recipe.get("file_type") or "csv") in ("csv", "parquet", "xlsx")
    return recipe.get("kind") in ("generated", "drawn")


def script_text(ds, cfg, model, is_seeded=None, header_rows=None):
    """The whole script as text, or None when the data cannot be made again (no recipe).

    header_rows : for workbooks, the rows of column names above the data, when the recipe
        does not say (the parsed upload knows: ``ParsedTable.header_rows``).
    """
    if not can_reproduce(ds):
        return None
    recipe = ds.recipe
    if header_rows is not None and recipe.get("header_rows") is None:
        recipe = recipe | {"header_rows": int(header_rows)}
    if is_seeded is None:
        is_seeded = seeded(ds, cfg, model)
    parts = [_header(ds, cfg, recipe), _run_settings(cfg, model, is_seeded)]
    kind = recipe["kind"]
    features = list(ds.feature_names)
    if kind == "upload":
        parts.append(f"COLUMNS = {features!r}  # the columns clustered on, in order\n")
        file_type = recipe.get("file_type") or "csv"
        loaders = {"csv": _load_csv, "parquet": _load_parquet, "xlsx": lambda r: _load_xlsx(r, ds)}
        if file_type not in loaders:
            return None
        parts.append(loaders[file_type](recipe))
        nargs = None
    else:
        parts.append(f"FEATURES = {features!r}\n")
        parts.append(_load_generated(recipe) if kind == "generated" else _load_drawn(recipe))
        nargs = "?"
    path_help = "the data file you uploaded to the app" if nargs is None else "not needed: the data is made here"
    parts.append(_CLUSTER.replace("NARGS", repr(nargs)).replace("PATH_HELP", repr(path_help)))
    return "".join(parts)


def _header_rows_of_upload():
    """Header rows of the parsed upload behind the current Dataset (workbooks), or None."""
    from kmeans_app.state import uploaded_source

    source = uploaded_source()
    return getattr(source[0], "header_rows", None) if source else None


def download_button(ds, cfg, model, container=None):
    """The "Python script" download for the Explorer's download area."""
    where = st if container is None else container
    available = can_reproduce(ds)
    where.download_button(
        "Python script (kmeans_reproduce.py)", key="x_dl_script", on_click="ignore", mime="text/x-python",
        file_name=FILE_NAME, icon=":material/code:", disabled=not available,
        help=(f"A short script that redoes this clustering: `python {FILE_NAME}"
              + (" your-file" if available and ds.recipe["kind"] == "upload" else "")
              + f"` writes {OUTPUT} with the same labels. Needs numpy, pandas and kmeans_core or scikit-learn.")
        if available else "Not available for this data: the app does not know how it was made.",
        data=(lambda: script_text(ds, cfg, model, header_rows=_header_rows_of_upload()).encode("utf-8"))
        if available else b"",
    )
