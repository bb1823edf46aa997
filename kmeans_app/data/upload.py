"""Reading an uploaded table (CSV, .xlsx, Parquet): pure functions from bytes to a table,
then to a Dataset.

Two steps, each raising :class:`UploadError` (a ValueError) with a message
meant for the user:

- :func:`parse_upload` (bytes -> :class:`ParsedTable`) tells the type from the
  first bytes and calls :func:`parse_csv` (encoding, delimiter, header, decimal
  comma / thousands separators), :func:`parse_xlsx` (a sheet of a workbook,
  read-only and as saved values; merged header cells; zip-bomb checks before
  inflating) or :func:`parse_parquet`. Then the shared checks decide which
  columns are numeric and which can serve as known labels. Structural problems
  (empty, binary, ragged, too big, corrupt, password-protected) fail here.
- :func:`build_dataset` (table + chosen columns + standardise flag + labels
  column -> Dataset): drops rows with missing values, refuses infinite or
  absurdly large numbers, optionally z-scores, records the recipe.

Messages never contain user text (file or column names, cells): Streamlit
renders st.error as Markdown. Where naming the culprit helps, the name goes
to ``UploadError.detail`` for the caller to show as plain text.
"""

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kmeans_app.data.datasets import Dataset

MAX_BYTES = 50 * 2**20  # matches server.maxUploadSize in .streamlit/config.toml
MAX_COLUMNS = 1_000
MAX_CELLS = 10_000_000  # rows x columns; about 80 MB as float64
MAX_PRESELECTED = 50
MIN_ROWS = 2
MAX_LABEL_INT = 20  # an integer column with at most this many distinct values can be labels
MAX_LABEL_TEXT = 50  # a text column with more distinct values is more like an id than a class
MISSING_LABEL = "(missing)"
MAX_ABS_VALUE = 1e100  # squares of larger numbers overflow float64 in the distance computations
SAMPLE_CHARS = 64 * 1024
MAX_FIRST_LINE_CHARS = 4 * 2**20
# Zip containers (.xlsx): refused before anything is decompressed when the central directory
# declares more than this in total, or a member that inflates more than MAX_ZIP_RATIO times
# (a zip bomb). zipfile never inflates a member past its declared size, so the check holds.
MAX_UNZIPPED = 512 * 2**20
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 10_000
XML_PIECE = 4 * 2**20  # bytes of sheet XML scanned at a time for merged cells and formulas
COUNTER_NAMES = {"", "id", "index", "idx", "row", "rownum", "row_id", "#", "no", "no.", "nr"}
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# Markers read as "missing" on top of pandas' defaults (NA, N/A, NaN, null, None, empty, ...).
EXTRA_MISSING = ("?", "-", "--", "#DIV/0!", "#VALUE!", "#REF!", "#NUM!", "#NAME?", "#NULL!", "missing")

# Workbooks (.xlsx) and Parquet files are read by parse_upload before decode() sees them;
# these are the files that reach the CSV reader and are not text.
_MAGIC = (
    (b"PK\x03\x04", "This looks like an Excel (.xlsx) or ZIP file, not a CSV. Save it as CSV first."),
    (b"\xd0\xcf\x11\xe0", "This looks like an old Excel (.xls) file, not a CSV. Save it as CSV first."),
    (b"PAR1", "This is a Parquet file, not a CSV."),
    (b"%PDF", "This is a PDF file, not a CSV."),
    (b"\x89PNG", "This is a PNG image, not a CSV. Images belong on the Colour quantization page."),
    (b"\xff\xd8\xff", "This is a JPEG image, not a CSV. Images belong on the Colour quantization page."),
    (b"GIF8", "This is a GIF image, not a CSV."),
    (b"\x1f\x8b", "This is a gzip-compressed file. Decompress it and upload the CSV inside."),
)

_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBERISH = re.compile(rf"^(?:{_NUM}|[+-]?(?:inf|infinity|nan))$", re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+),\d+$")
_DOT_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_COMMA_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")


class UploadError(ValueError):
    """A file (or a column choice) that cannot be used; ``str(e)`` is the user-facing message.

    detail : optional user text (e.g. a column name) to show as plain text, never as Markdown.
    """

    def __init__(self, message, detail=None):
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class ParsedTable:
    """A parsed upload. ``frame`` holds every column; numeric ones are float64.

    Shared between sessions through a cache: treat it as read-only.
    """

    frame: pd.DataFrame = field(repr=False)
    digest: str  # sha256 of the uploaded bytes
    numeric_columns: tuple
    text_columns: tuple  # columns that are not numbers (not offered for clustering)
    empty_columns: tuple  # numeric-looking but with no values at all
    default_columns: tuple  # preselected: numeric, minus row counters, at most MAX_PRESELECTED
    encoding: str
    delimiter: str
    decimal: str
    thousands: str | None
    has_header: bool
    notes: tuple = ()  # fixed sentences about what was guessed
    # Categorical columns offered as "labels to compare": text with at most MAX_LABEL_TEXT
    # distinct values, or whole numbers with 2..MAX_LABEL_INT distinct values.
    label_columns: tuple = ()
    file_type: str = "csv"  # "csv", "xlsx" or "parquet"
    sheet: str | None = None  # the workbook sheet read (user text), or None
    sheets: tuple = ()  # every sheet of a workbook (user text)
    header_rows: int = 1  # rows the column names came from (2 under merged header cells; 0 without)

    @property
    def shape(self):
        return self.frame.shape


@dataclass(frozen=True)
class BuildInfo:
    """What :func:`build_dataset` did, for the preview."""

    n_rows_in: int
    n_dropped: int
    standardised: bool
    constant_columns: tuple


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- decoding


def _looks_utf16(data):
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # below 32, other than tab, LF and CR


def decode(data: bytes):
    """Return (text, encoding name). Raises UploadError for binary or undecodable content."""
    if not data.strip():
        raise UploadError("The file is empty.")
    for magic, message in _MAGIC:
        if data.startswith(magic):
            raise UploadError(message)
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8 (with BOM)")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    elif (guess := _looks_utf16(data)) is not None:
        candidates = [(guess, "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("cp1252", "Windows-1252 (Latin-1)"), ("latin-1", "Latin-1")]
    text = encoding = None
    for codec, label in candidates:
        try:
            text, encoding = data.decode(codec), label
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise UploadError("The file's text encoding could not be read. Save it as UTF-8 CSV.")
    if not text.strip():
        raise UploadError("The file is empty.")
    sample = text[:SAMPLE_CHARS]
    controls = len(_CONTROL_CHARS.findall(sample))  # (a regex: a Python loop over 64k chars cost ms)
    if "\x00" in sample or controls > 0.01 * len(sample):
        raise UploadError("This does not look like a text CSV file (it contains binary data).")
    if "\n" not in text and "\r" in text:  # old Mac line ends (CR only)
        text = text.replace("\r", "\n")
    return text, encoding


# ---------------------------------------------------------------- guessing the format


def _sample(text):
    """The start of the text: at least SAMPLE_CHARS and the whole first two lines (up to a cap)."""
    end = SAMPLE_CHARS
    first = text.find("\n", 0, MAX_FIRST_LINE_CHARS)
    if first >= 0:
        second = text.find("\n", first + 1, first + 1 + MAX_FIRST_LINE_CHARS)
        end = max(end, (second if second >= 0 else first) + 1)
    sample = text[:end]
    if len(text) > end and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    return sample


def _sample_rows(text, delimiter, limit=60):
    sample = _sample(text)
    rows = []
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=delimiter):
            if row:
                rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        return []
    return rows


def sniff_delimiter(text):
    """The delimiter whose rows have the most consistent field count (> 1); ',' if none splits."""
    best, best_score = ",", None
    for d in DELIMITERS:
        rows = _sample_rows(text, d)
        if not rows:
            continue
        counts = [len(r) for r in rows]
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if best_score is None or score > best_score:
            best, best_score = d, score
    return best


def _is_numberish(cell):
    c = cell.strip().replace(" ", "")
    return bool(_NUMBERISH.match(c) or _COMMA_DECIMAL.match(c) or _COMMA_GROUPED.match(c)
                or _DOT_GROUPED.match(c))


def guess_number_format(cells, delimiter):
    """(decimal, thousands) for the data cells of a sample; only when unambiguous.

    A decimal comma needs a non-comma delimiter, at least one cell like 1,5 and no cell
    like 1.5 (1.234 alone is ambiguous, so it counts as neither). Thousands separators
    are used only when every grouped-looking cell fits the grouping.
    """
    cells = [c.strip() for c in cells if c.strip()]
    comma_dec = sum(1 for c in cells if _COMMA_DECIMAL.match(c))
    dot_dec = sum(1 for c in cells if _DOT_DECIMAL.match(c) and not _DOT_GROUPED.match(c))
    if delimiter != "," and comma_dec and not dot_dec:
        thousands = "." if any(_DOT_GROUPED.match(c) for c in cells) else None
        return ",", thousands
    comma_cells = [c for c in cells if "," in c]
    if comma_cells and all(_COMMA_GROUPED.match(c) for c in comma_cells):
        return ".", ","
    return ".", None


# ---------------------------------------------------------------- parsing


def _ragged_error(row_number, n_found, n_fields, has_header):
    data_row = row_number if has_header else row_number + 1
    return UploadError(
        f"Data row {data_row:,} has {n_found:,} field{'s' if n_found != 1 else ''} but the "
        f"{'header' if has_header else 'first row'} has {n_fields:,}. "
        "Every row needs the same number of fields: check the delimiter and quoting."
    )


def _check_ragged(text, encoded, delimiter, n_fields, has_header):
    """UploadError naming the first data row whose field count differs from the first row's.

    Blank lines are ignored. Without quote characters a line's field count is its
    delimiter count + 1, counted with numpy; otherwise the csv module reads every row.
    """
    if '"' not in text:
        buf = np.frombuffer(encoded, dtype=np.uint8)
        ends = np.append(np.flatnonzero(buf == 10), len(buf))
        delims = np.flatnonzero(buf == ord(delimiter))
        per_line = np.diff(np.searchsorted(delims, ends), prepend=0) + 1
        starts = np.concatenate(([0], ends[:-1] + 1))
        for i in np.flatnonzero(per_line != n_fields):
            if encoded[starts[i] : ends[i]].strip():  # blank lines do not count
                raise _ragged_error(int(i), int(per_line[i]), n_fields, has_header)
        return
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for i, row in enumerate(reader):
            if row and len(row) != n_fields and any(f.strip() for f in row):
                raise _ragged_error(i, len(row), n_fields, has_header)
    except csv.Error:
        raise UploadError("The file could not be read as CSV (a quote is never closed, or a field "
                          "is far too long).") from None


def parse_csv(data: bytes) -> ParsedTable:
    """Parse uploaded bytes into a :class:`ParsedTable`, or raise :class:`UploadError`."""
    if len(data) > MAX_BYTES:
        raise UploadError(f"The file is larger than {MAX_BYTES // 2**20} MB.")
    digest = digest_of(data)
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    rows = _sample_rows(text, delimiter)
    if not rows:
        raise UploadError("The file could not be read as CSV (a quote is never closed, or a field "
                          "is far too long).")
    n_fields = len(rows[0])
    if n_fields > MAX_COLUMNS:
        raise UploadError(f"The file has {n_fields:,} columns; the limit is {MAX_COLUMNS:,}.")
    has_header = not all(_is_numberish(c) for c in rows[0] if c.strip()) or not any(
        c.strip() for c in rows[0])
    n_lines = text.count("\n") + 1
    if n_lines * n_fields > MAX_CELLS:
        raise UploadError(
            f"The file has about {n_lines:,} rows x {n_fields:,} columns; the limit is "
            f"{MAX_CELLS:,} cells. Upload fewer rows or columns."
        )
    data_rows = rows[1:] if has_header else rows
    if has_header and not data_rows and len(text.strip().splitlines()) <= 1:
        raise UploadError("The file has a header row but no data rows.")
    decimal, thousands = guess_number_format([c for r in data_rows for c in r], delimiter)
    encoded = text.encode("utf-8")
    _check_ragged(text, encoded, delimiter, n_fields, has_header)

    names = None if has_header else [f"column {i + 1}" for i in range(n_fields)]
    try:
        frame = pd.read_csv(
            io.BytesIO(encoded), encoding="utf-8", sep=delimiter, header=0 if has_header else None, names=names,
            decimal=decimal, thousands=thousands, skipinitialspace=True, engine="c",
            na_values=list(EXTRA_MISSING), low_memory=False,
        )
    except pd.errors.EmptyDataError:
        raise UploadError("The file has a header row but no data rows.") from None
    except (pd.errors.ParserError, ValueError, OverflowError, MemoryError):
        raise UploadError("The file could not be read as CSV. Check that it is a plain "
                          "comma-, semicolon- or tab-separated text file.") from None
    notes = []
    if not has_header:
        notes.append("No header row found, so the columns are named column 1, column 2, ...")
    if decimal == ",":
        notes.append("Numbers use a decimal comma" + (" and dots between thousands." if thousands else "."))
    elif thousands:
        notes.append("Numbers use commas between thousands.")
    return _finish(frame, digest, notes, encoding=encoding, delimiter=delimiter, decimal=decimal,
                   thousands=thousands, has_header=has_header)


def _finish(frame, digest, notes, **fields):
    """The checks and column roles every file type shares: a ParsedTable or UploadError."""
    if len(frame) == 0:
        raise UploadError("The file has a header row but no data rows.")
    if len(frame) < MIN_ROWS:
        raise UploadError(f"The file has only {len(frame)} data row; K-means needs at least {MIN_ROWS}.")
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)

    numeric, text_cols, empty = [], [], []
    for col in frame.columns:
        s = frame[col]
        if s.dtype.kind in "iuf":
            if s.isna().all():
                empty.append(col)
            else:
                frame[col] = s.astype(np.float64)
                numeric.append(col)
        elif s.isna().all():
            empty.append(col)
        else:
            text_cols.append(col)
    if not numeric:
        raise UploadError(
            "No numeric columns found: K-means needs columns of numbers. "
            f"The file has {len(frame.columns):,} column(s), all text or empty."
            + fields.pop("no_numeric_hint", "")
        )
    fields.pop("no_numeric_hint", None)

    def row_counter(col):
        """An id / index column: named like one and counting 0, 1, 2, ... or 1, 2, 3, ..."""
        label = col.strip().lower()
        if label not in COUNTER_NAMES and not label.startswith("unnamed:"):
            return False
        v = frame[col].to_numpy()
        return len(v) > 2 and v[0] in (0, 1) and not np.isnan(v).any() and bool(np.all(np.diff(v) == 1))

    counters = [c for c in numeric if row_counter(c)]
    candidates = [c for c in numeric if c not in counters] or numeric
    default = tuple(candidates[:MAX_PRESELECTED])
    notes = list(notes)
    if counters and len(candidates) < len(numeric):
        notes.append(f"{len(counters)} id column(s) that just count rows (1, 2, 3, ...) are not preselected.")
    if len(candidates) > MAX_PRESELECTED:
        notes.append(f"Only the first {MAX_PRESELECTED} numeric columns are preselected.")
    return ParsedTable(
        frame=frame, digest=digest, numeric_columns=tuple(numeric), text_columns=tuple(text_cols),
        empty_columns=tuple(empty), default_columns=default, notes=tuple(notes),
        label_columns=label_candidates(frame, numeric, text_cols, counters), **fields,
    )


# ---------------------------------------------------------------- workbooks and Parquet

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, and password-protected .xlsx (an encrypted package)
PARQUET_MAGIC = b"PAR1"
FILE_TYPES = {"csv": "CSV", "xlsx": "Excel workbook", "parquet": "Parquet"}
# Cells read as missing in a workbook: pandas' defaults for read_csv plus EXTRA_MISSING.
MISSING_TEXT = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                          "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
                          *EXTRA_MISSING})
_DAMAGED_XLSX = ("The file looks like an Excel workbook (.xlsx) but is damaged: it could not be opened. "
                 "Save it again as .xlsx or CSV.")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>[^<]")  # a saved value, not <v></v> or <v/>


def file_type_of(data: bytes) -> str:
    """"xlsx", "parquet", "ole" or "csv", from the first bytes (never from the file name,
    which the user can get wrong)."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(PARQUET_MAGIC):
        return "parquet"
    return "csv"


def parse_upload(data: bytes, sheet=None) -> ParsedTable:
    """Parse an uploaded CSV, .xlsx workbook or Parquet file, or raise :class:`UploadError`.

    sheet : the workbook sheet to read (None: the first); ignored for other types.
    """
    if len(data) > MAX_BYTES:
        raise UploadError(f"The file is larger than {MAX_BYTES // 2**20} MB.")
    kind = file_type_of(data)
    if kind == "xlsx":
        return parse_xlsx(data, sheet)
    if kind == "parquet":
        return parse_parquet(data)
    if kind == "ole":
        # An encrypted OOXML workbook is an OLE file holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise UploadError("This workbook is protected with a password, so it cannot be read. "
                              "Save an unprotected copy as .xlsx or CSV and upload that.")
        raise UploadError("This is an old Excel (.xls) workbook, which cannot be read here. "
                          "Save it as .xlsx or CSV and upload that.")
    return parse_csv(data)


def _open_zip(data):
    """The workbook's ZipFile, after checking the declared sizes (before inflating anything)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadError(_DAMAGED_XLSX) from None
    total = sum(i.file_size for i in infos)
    inflated = [i for i in infos if i.file_size > 2**20 and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1)]
    if len(infos) > MAX_ZIP_MEMBERS or total > MAX_UNZIPPED or inflated:
        raise UploadError(
            f"This file is refused: {len(data) / 1024:,.0f} kB that would unpack to "
            f"{total / 2**20:,.0f} MB"
            + (f" (one part {MAX_ZIP_RATIO} times its packed size or more)" if inflated else "")
            + f". The limit is {MAX_UNZIPPED // 2**20} MB, so that a zip bomb cannot fill the server's "
            "memory. Save the data as CSV."
        )
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise UploadError("This is a binary Excel workbook (.xlsb). Save it as .xlsx or CSV.")
        if "content.xml" in names and "mimetype" in names:
            raise UploadError("This is an OpenDocument spreadsheet (.ods). Save it as .xlsx or CSV.")
        raise UploadError("This is a ZIP archive, not an Excel workbook. Unzip it and upload the CSV, "
                          ".xlsx or Parquet file inside.")
    return zf


def _scan_sheet_xml(zf, path):
    """Merged ranges and formula counts from a worksheet's XML, streamed in pieces.

    openpyxl's read-only mode (used so a big workbook is never held as cell objects)
    does not report merged cells, and its data_only mode cannot tell a formula without
    a saved value from an empty cell. Returns (merges as (min_col, min_row, max_col,
    max_row), formula cells, formula cells without a saved value).
    """
    from openpyxl.utils.cell import range_boundaries

    merges, formulas, unsaved = [], 0, 0

    def scan(piece):
        nonlocal formulas, unsaved
        for m in _MERGE.finditer(piece):
            try:
                merges.append(range_boundaries(m.group(1).decode()))
            except ValueError:
                pass
        for m in _FORMULA.finditer(piece):
            formulas += 1
            end = _CELL_END.search(piece, m.end())
            if not _VALUE.search(piece, m.end(), end.start() if end else len(piece)):
                unsaved += 1

    try:
        with zf.open(path) as fh:
            rest = b""
            while chunk := fh.read(XML_PIECE):
                buf = rest + chunk
                # cut at a row boundary, so that no cell is split between pieces
                cut = max(buf.rfind(b"<row"), buf.rfind(b"</row"), buf.rfind(b":row"))
                if b":row" in buf[cut:cut + 5]:
                    cut = buf.rfind(b"<", 0, cut)
                if cut <= 0 and len(buf) < 16 * XML_PIECE:
                    rest = buf
                    continue
                cut = cut if cut > 0 else len(buf)
                scan(buf[:cut])
                rest = buf[cut:]
            scan(rest)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise UploadError(_DAMAGED_XLSX) from None
    return merges, formulas, unsaved


def _column_from_cells(cells):
    """One workbook column (object Series) as float64 numbers if every cell is a number or
    missing, else as text (None where empty)."""
    present = cells.notna()
    kinds = set(cells[present].map(type).unique())
    if kinds <= {int, float}:
        return cells.astype(np.float64)
    if not kinds - {int, float, str}:
        is_str = cells.map(lambda v: isinstance(v, str))
        text = cells[is_str].str.strip()
        missing = text.isin(MISSING_TEXT)
        numbers = pd.to_numeric(text[~missing], errors="coerce")
        if not numbers.isna().any():
            out = pd.Series(np.nan, index=cells.index)
            numeric = present & ~is_str
            out[numeric] = cells[numeric].astype(np.float64)
            out[numbers.index] = numbers.astype(np.float64)
            return out
    return cells.map(lambda v: None if v is None or (isinstance(v, str) and v.strip() in MISSING_TEXT)
                     else str(v))


def _is_number_cell(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) or (isinstance(v, str) and _is_numberish(v))


def parse_xlsx(data: bytes, sheet=None) -> ParsedTable:
    """Parse an .xlsx workbook's sheet (the first unless ``sheet`` names another).

    Cells are read as the values the spreadsheet program last saved (formulas are never
    evaluated); formula cells without a saved value count as missing, and the notes say
    how many. Merged header cells name every column under them.
    """
    import warnings

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    digest = digest_of(data)
    zf = _open_zip(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style", unsupported extensions, ...
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, KeyError, ValueError, TypeError, OSError, EOFError, IndexError,
            AttributeError, zipfile.BadZipFile, SyntaxError):  # SyntaxError: ParseError of bad XML
        raise UploadError(_DAMAGED_XLSX) from None
    try:
        sheets = tuple(ws.title for ws in wb.worksheets)
        if not sheets:
            raise UploadError("The workbook has no worksheets with cells.")
        if sheet is None:
            sheet = sheets[0]
        elif sheet not in sheets:
            raise UploadError("The chosen sheet is not in this workbook.")
        ws = wb[sheet]
        declared_rows, declared_cols = ws.max_row or 0, ws.max_column or 0
        if declared_cols > MAX_COLUMNS:
            raise UploadError(f"The sheet has {declared_cols:,} columns; the limit is {MAX_COLUMNS:,}.")
        if declared_rows * declared_cols > MAX_CELLS:
            raise UploadError(f"The sheet has {declared_rows:,} rows x {declared_cols:,} columns; the limit "
                              f"is {MAX_CELLS:,} cells. Upload fewer rows or columns.")
        path = getattr(ws, "_worksheet_path", None)
        merges, formulas, unsaved = _scan_sheet_xml(zf, path) if path else ([], 0, 0)
        ws.reset_dimensions()  # do not trust the declared size: some writers get it wrong
        rows, width, cells = [], 0, 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for row in ws.iter_rows(values_only=True):
                n = len(row)
                while n and (row[n - 1] is None or row[n - 1] == ""):
                    n -= 1
                width = max(width, n)
                cells += n
                if width > MAX_COLUMNS:
                    raise UploadError(f"The sheet has more than {MAX_COLUMNS:,} columns; the limit is "
                                      f"{MAX_COLUMNS:,}.")
                if cells > MAX_CELLS:
                    raise UploadError(f"The sheet has more than {MAX_CELLS:,} cells, the limit. "
                                      "Upload fewer rows or columns.")
                rows.append(row[:n])
    except UploadError:
        raise
    except Exception:  # openpyxl raises many kinds on malformed XML inside a valid zip
        raise UploadError(_DAMAGED_XLSX) from None
    finally:
        wb.close()
    filled = [i for i, r in enumerate(rows) if r]
    if not filled:
        raise UploadError("The sheet is empty." if len(sheets) == 1 else
                          "The chosen sheet is empty: choose another sheet in the sidebar.")
    first = filled[0]
    has_header = not all(_is_number_cell(v) for v in rows[first] if v is not None and v != "")
    header_rows = 0
    notes = []
    if len(sheets) > 1:
        notes.append(f"The workbook has {len(sheets)} sheets; sheet {sheets.index(sheet) + 1} is read "
                     "(choose another in the sidebar).")
    if has_header:
        top = first + 1  # 1-based sheet row of the header
        header_rows = 1
        head_merges = [m for m in merges if m[1] == top]
        for _, _, _, max_row in head_merges:
            header_rows = max(header_rows, max_row - first)
        nxt = rows[first + 1] if first + 1 < len(rows) else ()
        if (any(m[2] > m[0] for m in head_merges) and nxt and
                not any(_is_number_cell(v) for v in nxt if v is not None)):
            header_rows = max(header_rows, 2)  # a group header above the column names
        header_rows = min(header_rows, 3, len(rows) - first)
        grid = [list(rows[first + i]) + [None] * (width - len(rows[first + i])) for i in range(header_rows)]
        for min_col, min_row, max_col, max_row in merges:
            r0 = min_row - top
            if r0 < 0 or r0 >= header_rows or min_col > width:
                continue
            value = grid[r0][min_col - 1]
            for r in range(r0, min(max_row - top + 1, header_rows)):
                for c in range(min_col - 1, min(max_col, width)):
                    grid[r][c] = value
        names, seen = [], {}
        for j in range(width):
            parts = []
            for r in range(header_rows):
                v = grid[r][j]
                text = "" if v is None else str(v).strip()
                if text and (not parts or parts[-1] != text):
                    parts.append(text)
            name = " ".join(parts) or f"column {j + 1}"
            if name in seen:  # like pandas' read_csv: a, a.1, a.2
                seen[name] += 1
                name = f"{name}.{seen[name]}"
            seen.setdefault(name, 0)
            names.append(name)
        if any(m[1] <= top + header_rows - 1 and m[3] >= top for m in merges):
            notes.append("The header has merged cells: each merged name is used for every column under it"
                         + (f", and the {header_rows} header rows are joined." if header_rows > 1 else "."))
        body = rows[first + header_rows:]
    else:
        names = [f"column {j + 1}" for j in range(width)]
        notes.append("No header row found, so the columns are named column 1, column 2, ...")
        body = rows[first:]
    body = [r for r in body if r]
    hint = (" Its formulas have no saved values: open and save it in a spreadsheet program first."
            if unsaved else "")
    if not body:
        raise UploadError("The sheet has a header row but no data rows." + hint)
    pad = (None,) * width
    frame = pd.DataFrame([r + pad[len(r):] for r in body], columns=range(width), dtype=object)
    frame = pd.DataFrame({name: _column_from_cells(frame[j]) for j, name in enumerate(names)})
    if formulas:
        notes.append(f"{formulas:,} cells hold formulas: the values the spreadsheet last saved are used "
                     "(formulas are never run here).")
    if unsaved:
        notes.append(f"{unsaved:,} formula cells have no saved value (the file was written by a program "
                     "that does not calculate), so they count as missing (rows missing a chosen column are dropped). "
                     "Open and save the file in a spreadsheet program to store the values.")
    return _finish(frame, digest, notes, encoding=None, delimiter=None, decimal=None, thousands=None,
                   has_header=has_header, file_type="xlsx", sheet=sheet, sheets=sheets,
                   header_rows=header_rows, no_numeric_hint=hint)


def parse_parquet(data: bytes) -> ParsedTable:
    """Parse a Parquet file; sizes are checked from its footer before any column is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    digest = digest_of(data)
    damaged = "The file looks like a Parquet file but is damaged: it could not be read. Save it again."
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        md = pf.metadata
        n_rows, n_cols = md.num_rows, len(pf.schema_arrow)
        unpacked = sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))
    except (pa.ArrowException, OSError, ValueError, IndexError):
        raise UploadError(damaged) from None
    if n_cols > MAX_COLUMNS:
        raise UploadError(f"The file has {n_cols:,} columns; the limit is {MAX_COLUMNS:,}.")
    if n_rows * n_cols > MAX_CELLS:
        raise UploadError(f"The file has {n_rows:,} rows x {n_cols:,} columns; the limit is {MAX_CELLS:,} "
                          "cells. Upload fewer rows or columns.")
    if unpacked > MAX_UNZIPPED:
        raise UploadError(f"This file is refused: it would unpack to {unpacked / 2**20:,.0f} MB; the limit is "
                          f"{MAX_UNZIPPED // 2**20} MB.")
    if len(set(pf.schema_arrow.names)) != n_cols:
        raise UploadError("The file has two columns with the same name.")
    try:
        table = pf.read()
        columns = {}
        for name, col in zip(table.column_names, table.columns):
            t = col.type
            if pa.types.is_decimal(t):
                col = col.cast(pa.float64())
            elif not (pa.types.is_integer(t) or pa.types.is_floating(t)):
                col = col.cast(pa.string()) if (pa.types.is_boolean(t) or pa.types.is_temporal(t)
                                                or pa.types.is_dictionary(t)) else col
            s = col.to_pandas()
            if s.dtype.kind not in "iuf":
                s = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
            columns[str(name)] = s.astype(object) if s.dtype.kind not in "iuf" else s
        frame = pd.DataFrame(columns)
    except (pa.ArrowException, OSError, ValueError, TypeError, MemoryError):
        raise UploadError(damaged) from None
    return _finish(frame, digest, [], encoding=None, delimiter=None, decimal=None, thousands=None,
                   has_header=True, file_type="parquet")


# ---------------------------------------------------------------- to a Dataset


def dataset_key(X, columns, standardise):
    """A key for caches: the numeric content, the chosen columns and the scaling."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((X.shape, tuple(columns), bool(standardise))).encode())
    h.update(np.ascontiguousarray(X).tobytes())
    return "csv:" + h.hexdigest()


def label_candidates(frame, numeric, text_cols, counters=()):
    """Columns that look categorical: text with 1 < distinct <= MAX_LABEL_TEXT, or whole
    numbers with 1 < distinct <= MAX_LABEL_INT (row counters excluded)."""
    out = []
    for col in frame.columns:
        if col in counters:
            continue
        s = frame[col].dropna()
        if col in text_cols:
            distinct = s.astype(str).nunique()
            if 1 < distinct <= MAX_LABEL_TEXT:
                out.append(col)
        elif col in numeric:
            v = s.to_numpy(dtype=np.float64)
            if len(v) and np.all(np.isfinite(v)) and np.all(v == np.round(v)):
                if 1 < len(np.unique(v)) <= MAX_LABEL_INT:
                    out.append(col)
    return tuple(out)


def _labels_of(series):
    """A label column as strings (whole numbers without '.0'); missing cells are MISSING_LABEL."""
    if series.dtype.kind == "f":
        out = np.array([MISSING_LABEL if np.isnan(v) else (str(int(v)) if v == int(v) else repr(v))
                        for v in series.to_numpy()], dtype=object)
    else:
        out = np.array([MISSING_LABEL if pd.isna(v) else str(v) for v in series.to_numpy()], dtype=object)
    return out


def build_dataset(parsed: ParsedTable, columns, standardise=False, name="upload.csv", label_column=None):
    """The Dataset for ``columns`` of ``parsed``: (Dataset, BuildInfo), or UploadError.

    label_column : one of ``parsed.label_columns`` to compare the clusters with (or None).
    It is never clustered on: if it is among ``columns`` it is left out of them.
    """
    if label_column is not None and label_column not in parsed.label_columns:
        label_column = None
    columns = [c for c in columns if c in parsed.numeric_columns and c != label_column]
    if not columns:
        raise UploadError("Choose at least one numeric column to cluster on"
                          + (" (the labels column is never clustered on)." if label_column else "."))
    frame = parsed.frame
    sub = frame[columns]
    complete = sub.notna().all(axis=1).to_numpy()
    n_dropped = int((~complete).sum())
    if complete.sum() < MIN_ROWS:
        raise UploadError(
            f"Only {int(complete.sum()):,} row(s) have a value in every chosen column"
            f"{f' ({n_dropped:,} with missing values)' if n_dropped else ''}; "
            f"K-means needs at least {MIN_ROWS}."
        )
    X = sub.to_numpy(dtype=np.float64)[complete]
    finite = np.isfinite(X)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        row = int(np.flatnonzero(complete)[r]) + 1
        raise UploadError(
            f"Chosen column {c + 1} (named below) has an infinite value in data row {row:,}: 'inf', or a "
            "number too large for a float such as 1e309. K-means needs finite numbers: fix the cell "
            "or leave the column out.",
            detail=columns[c],
        )
    big = np.abs(X) > MAX_ABS_VALUE
    if big.any():
        r, c = np.argwhere(big)[0]
        row = int(np.flatnonzero(complete)[r]) + 1
        raise UploadError(
            f"Chosen column {c + 1} (named below) has a value beyond +/-1e100 in data row {row:,}; squared distances "
            "would overflow. Rescale the column or leave it out.",
            detail=columns[c],
        )
    constant = ()
    if standardise:
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        const = std == 0
        X = (X - mean) / np.where(const, 1.0, std)
        X[:, const] = 0.0
        constant = tuple(c for c, k in zip(columns, const) if k)
    X = np.ascontiguousarray(X)
    X.setflags(write=False)  # shared between sessions through the cache
    kept = frame.loc[complete].reset_index(drop=True)
    labels = None
    if label_column is not None:
        labels = _labels_of(kept[label_column])
        labels.setflags(write=False)
    recipe = {
        "kind": "upload", "file_type": parsed.file_type, "encoding": parsed.encoding,
        "delimiter": parsed.delimiter, "decimal": parsed.decimal, "thousands": parsed.thousands,
        "header": parsed.has_header, "header_rows": parsed.header_rows if parsed.has_header else 0,
        "sheet": parsed.sheet, "columns": list(columns),
        "label_column": label_column,
        "dropped_rows": [int(i) for i in np.flatnonzero(~complete)],  # 0-based rows of the parsed table
        "standardize": bool(standardise),
    }
    key = dataset_key(X, columns, standardise)
    if label_column is not None:  # the same numbers with other labels are other data for the caches
        h = hashlib.blake2b(label_column.encode(), digest_size=8)
        h.update("\x00".join(labels.tolist()).encode("utf-8", "surrogatepass"))
        key += ":labels=" + h.hexdigest()
    ds = Dataset(X, tuple(columns), str(name), None, key, generated=False, frame=kept,
                 labels=labels, label_name=label_column, recipe=recipe)
    return ds, BuildInfo(len(frame), n_dropped, bool(standardise), constant)
