"""OHLCV bars: the one input every backtest runs on, and the strict reading of them from CSV or a DataFrame.

Reading checks everything a backtest relies on and reports every problem it finds (up to MAX_PROBLEMS),
each naming the CSV line (the header is line 1) and the column, so a user can fix a file in one pass. Any
line ending is read (LF, CRLF, CR, mixed); a line is a physical line of the file, so a record whose quoted
cell spans lines is named by the line it starts on. Values echoed in messages are cut short, so an error
about a hostile file stays small.
pyarrow parses the CSV and the checks are vectorised: a clean file of a million bars reads in a fraction of
a second. pyarrow and pandas are imported only by the functions that need them, so importing `Bars` is cheap.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from engine.errors import DataError, Problem

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FIELDS = ("open", "high", "low", "close", "volume")
COLUMNS = ("timestamp", *FIELDS)
PRICE_FIELDS = ("open", "high", "low", "close")
MAX_PROBLEMS = 100
_MAX_SHOWN_CHARS = 40  # of a cell or column name quoted in a message
_MAX_SHOWN_NAMES = 10  # column names listed in a message about the header
_BLOCK_SIZE = 2**20  # pyarrow's default
_MAX_BLOCK_SIZE = 2**31 - 1  # the most pyarrow parses at once

# Epoch numbers are read in the largest unit that keeps them below the bound: seconds up to 1e11
# (year 5138), then milliseconds, microseconds, nanoseconds.
_EPOCH_UNITS = ((1e11, 10**9), (1e14, 10**6), (1e17, 10**3))
_NS_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_INT64_NS_LIMIT = 9.2e18  # just inside int64: nanoseconds reach the years 1678 to 2261


@dataclass(frozen=True)
class Bars:
    """Bars in time order. `timestamp` is int64 nanoseconds since the epoch, UTC, strictly increasing;
    price and volume columns are float64 arrays of the same length."""

    timestamp: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.close)

    def field(self, name: str) -> np.ndarray:
        if name not in FIELDS:
            raise KeyError(name)
        return getattr(self, name)

    def slice(self, start: int, stop: int) -> Bars:
        return Bars(*(getattr(self, f)[start:stop] for f in ("timestamp", *FIELDS)))


@dataclass
class _Column:
    """One column after parsing: values plus why a row has none (`missing`: empty cell, `unparsable`:
    text that is not a number or a timestamp). `text` keeps the raw cells when they were read as text."""

    values: np.ndarray
    missing: np.ndarray
    unparsable: np.ndarray
    text: np.ndarray | None = None

    @cached_property
    def invalid(self) -> np.ndarray:
        return self.missing | self.unparsable

    def noting(self, written: Callable[[np.ndarray], list[Any]]) -> _Column:
        """Keep how the first unparsable cells were written, for the report, when they were not read as text."""
        rows = np.flatnonzero(self.unparsable)[:MAX_PROBLEMS]
        if len(rows) and self.text is None:
            self.text = np.full(len(self.values), None, dtype=object)
            self.text[rows] = [str(value) for value in written(rows)]
        return self

    def head(self, rows: int) -> _Column:
        text = None if self.text is None else self.text[:rows]
        return _Column(self.values[:rows], self.missing[:rows], self.unparsable[:rows], text)


class _Problems:
    """Collects row problems from vectorised checks; keeps the first MAX_PROBLEMS in file order and counts the rest.

    `lines` holds each row's record number (pyarrow's count: the header is 1, a blank line is a record);
    `physical` turns a record number into the line of the file it starts on. It is only asked about the
    problems kept, so a clean file never pays for it."""

    def __init__(self, lines: np.ndarray | None, physical: Callable[[int], int] | None = None):
        self.lines = lines  # None for a DataFrame, whose problems name the row position
        self.physical = physical or (lambda record: record)
        self._found: list[tuple[int, Problem]] = []
        self.total = 0
        self._more = ""

    def more(self, message: str) -> None:
        """There are more problems than `total`, not counted: say so (`{listed}` is how many are listed)."""
        self._more = message

    def line_of(self, row: int) -> int:
        assert self.lines is not None
        return self.physical(int(self.lines[row]))

    def add_rows(self, rows: np.ndarray, code: str, field: str | None, message: Callable[[int], str]) -> None:
        self.total += len(rows)
        for row in rows[:MAX_PROBLEMS].tolist():
            if self.lines is None:
                problem = Problem(code=code, message=f"row {row}: {message(row)}", field=field)
                self._found.append((row, problem))
            else:
                line = self.line_of(row)
                self._found.append((line, Problem(code=code, message=message(row), field=field, line=line)))

    def add_records(self, records: list[tuple[int, str]], total: int, code: str) -> None:
        """Problems of whole records (by record number, in file order), `total` of them in all."""
        self.total += total
        for record, message in records[:MAX_PROBLEMS]:
            line = self.physical(record)
            self._found.append((line, Problem(code=code, message=message, line=line)))

    def raise_if_any(self) -> None:
        if not self.total:
            return
        self._found.sort(key=lambda found: found[0])
        problems = [problem for _, problem in self._found[:MAX_PROBLEMS]]
        if self._more:
            problems.append(Problem(code="too_many_problems", message=self._more.format(listed=len(problems))))
        elif self.total > len(problems):
            hidden = self.total - len(problems)
            problems.append(Problem(code="too_many_problems", message=f"{hidden} more problems not listed"))
        raise DataError(problems)


def read_csv(path_or_buffer: str | os.PathLike[str] | IO[bytes] | IO[str] | bytes) -> Bars:
    """Read and validate an OHLCV CSV file.

    Columns `timestamp, open, high, low, close, volume` are found case-insensitively; other columns are
    ignored. Timestamps are ISO 8601 (a zone offset is converted to UTC; none means UTC) or epoch seconds
    or milliseconds. The file must be UTF-8 text (a BOM is allowed); it is never decompressed. Raises
    DataError listing every problem with its line number and column.
    """
    import pyarrow as pa

    data = _contents(path_or_buffer)
    header, header_size = _header(data)
    if (undecodable := _first_non_utf8(data)) is not None:
        raise DataError(_not_utf8(data, undecodable))
    # Without a quote a value cannot hold a line break, and pyarrow can split the file at any line for its threads.
    quoted = data.find(b'"') != -1
    if quoted and (unclosed := _unclosed_quote(data)):
        raise DataError(unclosed)
    names = _columns_by_field(header, lines=True)
    physical = _PhysicalLines(data)
    # Fast path: prices and volume parse straight to float64 and pyarrow infers the timestamp type. A cell
    # that does not fit makes pyarrow stop at the first one, so the file is then read again as text and
    # every bad cell is located.
    try:
        table, records, malformed = _read_table(data, names, physical, header_size, as_text=False, quoted=quoted)
        columns = {field: _column_from_arrow(table.column(names[field]), field) for field in COLUMNS}
    except pa.ArrowInvalid:
        try:
            table, records, malformed = _read_table(data, names, physical, header_size, as_text=True, quoted=quoted)
        except pa.ArrowInvalid as error:
            raise DataError(_unparsable_file(error)) from error
        columns = {field: _column_from_text(table.column(names[field]), field) for field in COLUMNS}
    # The columns are numpy arrays now. pyarrow's allocator would keep the parsing memory (about three times
    # the file's size) for later reads; a worker reads a file now and then, so hand it back to the system.
    del table
    pa.default_memory_pool().release_unused()
    return _validated(columns, records, malformed, physical)


def bars_from_frame(df: pd.DataFrame) -> Bars:
    """Validate a DataFrame of bars, checked exactly like a CSV file. Column names are matched
    case-insensitively; a DatetimeIndex serves as the timestamps when there is no timestamp column.
    Problems name the row position (as `df.iloc` counts)."""
    import pandas as pd

    names = _columns_by_field(
        [str(c) for c in df.columns], lines=False, has_index_timestamps=isinstance(df.index, pd.DatetimeIndex)
    )
    columns = {}
    for field in COLUMNS:
        series = df[names[field]] if field in names else df.index.to_series()
        if field == "timestamp":
            columns[field] = _timestamps_from_series(series.reset_index(drop=True))
        elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            columns[field] = _Column(values, series.isna().to_numpy(), np.zeros(len(values), dtype=bool))
        else:
            columns[field] = _numbers_from_strings(series.astype("str").where(series.notna()))
    return _validated(columns, None, _Malformed())


def write_csv(bars: Bars, path_or_buffer: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write bars as CSV with ISO 8601 UTC timestamps, in the coarsest unit that keeps them exact: the
    format `read_csv` and generated modules read (see `iter_csv`)."""
    if isinstance(path_or_buffer, str | os.PathLike):
        with open(path_or_buffer, "wb") as file:
            file.writelines(iter_csv(bars))
    else:
        path_or_buffer.writelines(iter_csv(bars))


def iter_csv(bars: Bars, *, chunk_rows: int = 65_536) -> Iterator[bytes]:
    """The CSV `write_csv` writes, in pieces of `chunk_rows` bars (the header with the first), so a large
    series can be streamed without building the whole text: columns timestamp, open, high, low, close,
    volume; timestamps ISO 8601 UTC ("2024-01-31 09:30:00Z"), in one unit for the whole series, the
    coarsest that keeps every one exact; numbers as their shortest exact decimal."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    unit = next(u for u, ns in _NS_PER_UNIT.items() if not np.any(bars.timestamp % ns))
    for start in range(0, max(len(bars), 1), chunk_rows):
        part = bars.slice(start, start + chunk_rows)
        timestamps = pa.array(part.timestamp // _NS_PER_UNIT[unit], pa.timestamp(unit, tz="UTC"))
        table = pa.table({"timestamp": timestamps, **{field: part.field(field) for field in FIELDS}})
        buffer = io.BytesIO()
        options = pacsv.WriteOptions(include_header=start == 0, quoting_header="none")
        pacsv.write_csv(table, buffer, write_options=options)
        yield buffer.getvalue()


def _contents(path_or_buffer: Any) -> bytes | mmap.mmap:
    """The file's bytes: a file on disk is mapped into memory rather than read, however large it is."""
    if isinstance(path_or_buffer, str | os.PathLike):
        with open(path_or_buffer, "rb") as f:
            status = os.fstat(f.fileno())
            if not stat.S_ISREG(status.st_mode):  # a pipe, say
                return f.read()
            if status.st_size == 0:
                return b""
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # stays valid once the file is closed
    data = path_or_buffer if isinstance(path_or_buffer, bytes) else path_or_buffer.read()
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")  # a lone surrogate is then reported as not UTF-8
    return bytes(data)


_BOM = b"\xef\xbb\xbf"
_NON_BLANK = re.compile(rb"[^ \t\r\n\x0b\x0c]")
# Files that are plainly not UTF-8 CSV text, told apart by how they start.
_OTHER_FORMATS = (
    (b"\xff\xfe", "not_utf8", "UTF-16 text"),
    (b"\xfe\xff", "not_utf8", "UTF-16 text"),
    (b"\x1f\x8b", "not_csv", "gzip-compressed"),
    (b"PK\x03\x04", "not_csv", "a zip archive (an Excel workbook?)"),
    (b"\xfd7zXZ\x00", "not_csv", "xz-compressed"),
    (b"\x28\xb5\x2f\xfd", "not_csv", "zstd-compressed"),
)


def _header(data: bytes | mmap.mmap) -> tuple[list[str], int]:
    """The header's cells and where it ends; DataError if the file is blank or its header cannot be read."""
    start = len(_BOM) if data[: len(_BOM)] == _BOM else 0
    if not _NON_BLANK.search(data, start):
        raise DataError(Problem(code="empty_file", message="the file is empty", line=1))
    for magic, code, what in _OTHER_FORMATS:
        if data[: len(magic)] == magic:
            message = f"the file is {what}, not CSV text; save it as a UTF-8 CSV file"
            raise DataError(Problem(code=code, message=message, line=1))
    end, _ = next(_records(data, start))
    try:
        text = data[start:end].decode("utf-8")
    except UnicodeDecodeError as undecodable:
        raise DataError(_not_utf8(data, start + undecodable.start)) from None
    try:
        return next(csv.reader(io.StringIO(text, newline="")), []), end
    except csv.Error as error:
        message = f"the header cannot be read as CSV: {_cut(str(error))}"
        raise DataError(Problem(code="unreadable_header", message=message, line=1)) from None


def _first_non_utf8(data: bytes | mmap.mmap) -> int | None:
    """Where the first byte that is not UTF-8 text is, if any. Checked before pyarrow reads the file, which
    checks only the columns it keeps, and cannot report a malformed record that is not UTF-8."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if not len(raw) or raw.max() < 0x80:  # ASCII
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    for at in range(0, len(data), _BLOCK_SIZE):
        pending = len(decoder.getstate()[0])  # bytes of a character begun in the previous block
        try:
            decoder.decode(data[at : at + _BLOCK_SIZE], final=at + _BLOCK_SIZE >= len(data))
        except UnicodeDecodeError as undecodable:
            return at - pending + undecodable.start
    return None


def _unparsable_file(error: Exception) -> Problem:
    """Whatever pyarrow's parser says when it cannot read the file even as text."""
    return Problem(code="unreadable_csv", message=f"the file cannot be parsed as CSV: {_cut(str(error))}")


def _not_utf8(data: bytes | mmap.mmap, offset: int) -> Problem:
    byte = data[offset : offset + 1].hex()
    line = 1 + len(_line_ends(np.frombuffer(data, dtype=np.uint8, count=offset)))
    return Problem(code="not_utf8", message=f"byte 0x{byte} is not UTF-8 text; save the file as UTF-8", line=line)


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def _shown(value: Any) -> str:
    """A cell or column name as a message quotes it: in quotes, cut short."""
    text = str(value)
    return repr(text) if len(text) <= _MAX_SHOWN_CHARS else f"{text[:_MAX_SHOWN_CHARS]!r}…"


def _listed(names: list[str]) -> str:
    shown = ", ".join(_shown(name) for name in names[:_MAX_SHOWN_NAMES])
    hidden = len(names) - _MAX_SHOWN_NAMES
    return f"{shown} … and {hidden} more" if hidden > 0 else shown


def _line_ends(data: np.ndarray) -> np.ndarray:
    """Positions of the line endings in the bytes: each LF, and each CR not followed by an LF (CRLF is one ending, at its LF)."""
    lf = np.flatnonzero(data == ord("\n"))
    cr = np.flatnonzero(data == ord("\r"))
    if not len(cr):
        return lf
    after = cr + 1
    lone = after >= len(data)
    lone[~lone] = data[after[~lone]] != ord("\n")
    return np.union1d(lf, cr[lone])


class _PhysicalLines:
    """The line of the file each record starts on, from pyarrow's record number (the header is record 1).
    They differ once a quoted cell spans lines. Worked out on first use, which only a problem calls for."""

    def __init__(self, data: bytes | mmap.mmap):
        self._data = data
        self._starts: np.ndarray | None = None

    def __call__(self, record: int) -> int:
        if self._starts is None:
            self._starts = _record_start_lines(self._data)
        if record > len(self._starts):  # only if pyarrow split records otherwise than _RECORD: name the record
            return record
        return int(self._starts[record - 1])


def _record_start_lines(data: bytes | mmap.mmap) -> np.ndarray:
    """The physical line each record starts on, for every record in the file (and one past the last)."""
    start = len(_BOM) if data[: len(_BOM)] == _BOM else 0
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = _line_ends(raw)
    quotes = np.flatnonzero(raw == ord('"'))
    if not len(quotes):
        record_ends = np.arange(len(ends))
    elif _quotes_only_around_cells(raw, quotes, start):
        # A line ending ends a record unless it lies inside quotes: after an odd number of quote marks.
        record_ends = np.flatnonzero(np.searchsorted(quotes, ends) % 2 == 0)
    else:
        starts = [1]
        for _, lines in _records(data, start):
            starts.append(starts[-1] + lines)
        return np.array(starts)
    return np.concatenate(([1], record_ends + 2))


def _unclosed_quote(data: bytes | mmap.mmap) -> Problem | None:
    """A quote that opens a cell and is never closed: pyarrow would read the rest of the file into that cell."""
    raw = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(raw == ord('"'))
    start = len(_BOM) if data[: len(_BOM)] == _BOM else 0
    if len(quotes) % 2 == 0 or not _quotes_only_around_cells(raw, quotes, start):
        return None  # a stray quote inside a cell is text to pyarrow, so only a regular file is judged
    line = 1 + len(_line_ends(raw[: quotes[-1]]))
    message = "a quote opens a cell here and is never closed, so the rest of the file would be read into it"
    return Problem(code="unclosed_quote", message=message, line=line)


def _quotes_only_around_cells(raw: np.ndarray, quotes: np.ndarray, start: int) -> bool:
    """Whether every quote mark opens a cell, closes one, or is half of a doubled quote inside one. Then
    quote marks simply alternate between opening and closing, which numpy can follow; a stray quote in the
    middle of a cell (pyarrow keeps it as text) needs the record-by-record reading of `_records`."""
    edge = np.zeros(256, dtype=bool)
    edge[[ord(","), ord("\n"), ord("\r")]] = True
    opening, closing = quotes[0::2], quotes[1::2]
    closing_before = np.concatenate(([-2], closing))[: len(opening)]
    opens_cell = (opening == start) | ((opening > start) & edge[raw[np.maximum(opening - 1, 0)]])
    if not np.all(opens_cell | (opening - 1 == closing_before)):
        return False
    opening_after = np.concatenate((opening[1:], [-2]))[: len(closing)]
    closes_cell = (closing == len(raw) - 1) | edge[raw[np.minimum(closing + 1, len(raw) - 1)]]
    return bool(np.all(closes_cell | (closing + 1 == opening_after)))


# One record as pyarrow reads it. A quote opens a cell only at the cell's start; inside quotes "" is a quote
# and line endings are text; after the closing quote the cell goes on unquoted. Possessive quantifiers keep
# the match linear; a quote never closed fails it.
_CELL = rb'(?:"(?:[^"]++|"")*+"[^,\r\n]*+|[^,\r\n"][^,\r\n]*+|)'
_RECORD = re.compile(_CELL + rb"(?:," + _CELL + rb")*+(\r\n|\r|\n|\Z)")
_LINE_END = re.compile(rb"[\r\n]")


def _records(data: bytes | mmap.mmap, start: int) -> Iterator[tuple[int, int]]:
    """Each record: the offset just past it (and its line ending) and how many lines it spans."""
    size = len(data)
    at = start
    while at < size or at == start:
        record = _RECORD.match(data, at)
        # A quote never closed takes the rest of the file.
        body, end = (size, size) if record is None else (record.start(1), record.end())
        if _LINE_END.search(data, at, body) is None:
            yield end, 1
        else:
            yield end, 1 + len(_line_ends(np.frombuffer(data, dtype=np.uint8, count=body - at, offset=at)))
        if end == at:
            return
        at = end


def _columns_by_field(header: list[str], *, lines: bool, has_index_timestamps: bool = False) -> dict[str, str]:
    """Map each required field to the column naming it (case-insensitively); DataError if any is missing or doubled."""
    by_field: dict[str, list[str]] = {}
    for name in header:
        by_field.setdefault(name.strip().lower(), []).append(name)
    problems = []
    line = 1 if lines else None
    for field in COLUMNS:
        found = by_field.get(field, [])
        if len(found) > 1:
            listed = _listed(found)
            problems.append(
                Problem("duplicate_column", f"{listed} all name the {field} column", field=field, line=line)
            )
        elif not found and not (field == "timestamp" and has_index_timestamps):
            present = _listed(header) or "none"
            problems.append(
                Problem("missing_column", f"no {field} column (columns found: {present})", field=field, line=line)
            )
    if problems:
        raise DataError(problems)
    return {field: by_field[field][0] for field in COLUMNS if field in by_field}


class _Malformed:
    """Records with the wrong number of cells, which pyarrow leaves out of the table: the number of each and
    what is wrong with it. Reading stops at more than MAX_PROBLEMS of them."""

    def __init__(self) -> None:
        self.records: list[int] = []
        self.reasons: list[tuple[int, str]] = []
        self.stopped = False  # reading stopped at one of them


def _read_table(
    data: bytes | mmap.mmap,
    names: dict[str, str],
    physical: _PhysicalLines,
    header_size: int,
    *,
    as_text: bool,
    quoted: bool,
) -> tuple[pa.Table, np.ndarray, _Malformed]:
    """Parse the required columns. Returns the table, the record number of each row (the header is 1), and
    the malformed records (wrong number of cells), which are left out of the table. More than MAX_PROBLEMS
    of those raise DataError at once."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    column_types = {names[f]: pa.string() for f in COLUMNS} if as_text else {names[f]: pa.float64() for f in FIELDS}
    convert = pacsv.ConvertOptions(
        include_columns=[names[f] for f in COLUMNS],
        column_types=column_types,
        null_values=[""],  # "NaN" must read as NaN (reported as such), not as an empty cell
        strings_can_be_null=True,
    )

    def read(use_threads: bool, block_size: int) -> tuple[pa.Table | None, _Malformed]:
        malformed = _Malformed()

        def skip(row: Any) -> str:
            # pyarrow numbers the records only when it reads on one thread: stop, to read again on one.
            if use_threads or len(malformed.records) == MAX_PROBLEMS:
                malformed.stopped = True
                return "error"
            malformed.records.append(row.number)
            malformed.reasons.append(
                (row.number, f"has {row.actual_columns} cells, the header has {row.expected_columns}")
            )
            return "skip"

        # Blank lines are kept (as empty rows) so that row i is always record i + 2.
        parse = pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=quoted, invalid_row_handler=skip)
        options = pacsv.ReadOptions(use_threads=use_threads, block_size=block_size)
        try:
            # A buffer, not a path: pyarrow would decompress a path named *.gz.
            table = pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(data)),
                read_options=options,
                parse_options=parse,
                convert_options=convert,
            )
        except pa.ArrowInvalid as error:
            if malformed.stopped:
                return None, malformed
            whole = min(len(data) + 1, _MAX_BLOCK_SIZE)
            if "straddl" in str(error) and block_size < whole:  # a record longer than a block: read in one block
                return read(use_threads, whole)
            raise
        return table, malformed

    # pyarrow parses in blocks; the header must fit in the first.
    block_size = min(max(_BLOCK_SIZE, header_size + 1), _MAX_BLOCK_SIZE)
    table, malformed = read(use_threads=True, block_size=block_size)
    if table is None:
        table, malformed = read(use_threads=False, block_size=block_size)
    if table is None:
        # So many records have the wrong number of cells that checking the rest would mean little.
        problems = _Problems(None, physical)
        problems.add_records(malformed.reasons, len(malformed.reasons), "malformed_line")
        problems.more("more lines have the wrong number of cells; the first {listed} are listed")
        problems.raise_if_any()
    records = np.arange(2, table.num_rows + len(malformed.records) + 2)
    if malformed.records:
        records = np.setdiff1d(records, malformed.records, assume_unique=True)
    return table, records, malformed


def _column_from_arrow(column: pa.ChunkedArray, field: str) -> _Column:
    """A column pyarrow has already typed: float64 prices, or whatever it inferred for the timestamps."""
    import pyarrow as pa

    missing = (
        column.is_null().to_numpy(zero_copy_only=False) if column.null_count else np.zeros(len(column), dtype=bool)
    )
    kind = column.type
    if field != "timestamp":
        return _Column(column.to_numpy(), missing, np.zeros_like(missing))  # empty cells read as NaN
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        nanos, unreadable = _nanos_from_datetime64(column.to_numpy())  # UTC whether or not a zone was given
        return _Column(nanos, missing, unreadable & ~missing).noting(lambda rows: column.take(rows).to_pylist())
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return _epoch(column.to_numpy(), missing)
    if pa.types.is_null(kind):
        return _Column(np.zeros(len(column), dtype=np.int64), missing, np.zeros_like(missing))
    return _timestamps_from_strings(column.to_pandas())


def _column_from_text(column: pa.ChunkedArray, field: str) -> _Column:
    strings = column.to_pandas()
    return _timestamps_from_strings(strings) if field == "timestamp" else _numbers_from_strings(strings)


def _numbers_from_strings(strings: pd.Series) -> _Column:
    import pandas as pd

    missing = (strings.isna() | (strings.str.strip() == "")).to_numpy(dtype=bool)
    values = pd.to_numeric(_worth_parsing(strings), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    said_nan = strings.str.strip().str.lower().isin(("nan", "+nan", "-nan")).to_numpy(dtype=bool)
    unparsable = np.isnan(values) & ~missing & ~said_nan
    return _Column(values, missing, unparsable, strings.to_numpy(dtype=object))


def _timestamps_from_strings(strings: pd.Series) -> _Column:
    """Timestamps written as text: ISO 8601 or epoch numbers, whichever reads more of the cells."""
    import pandas as pd

    missing = (strings.isna() | (strings.str.strip() == "")).to_numpy(dtype=bool)
    candidates = _worth_parsing(strings)
    numbers = pd.to_numeric(candidates, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if np.count_nonzero(np.isfinite(numbers)) > len(strings) // 2:
        column = _epoch(numbers, missing)
    else:
        nanos, unreadable = _utc_nanos(pd.to_datetime(candidates, format="ISO8601", utc=True, errors="coerce"))
        column = _Column(nanos, missing, unreadable & ~missing)
    column.text = strings.to_numpy(dtype=object)
    return column


def _worth_parsing(strings: pd.Series) -> pd.Series:
    """The cells with a digit, "inf" or "nan" in them, the others made empty: nothing else reads as a number
    or a date-time, and pandas is slow to find that out, cell by cell, in a file of a million bad ones."""
    return strings.where(strings.str.contains("[0-9]|inf|nan", case=False, regex=True, na=False))


def _timestamps_from_series(series: pd.Series) -> _Column:
    """Timestamps from a DataFrame column of any dtype: datetimes (naive means UTC), epoch numbers or text."""
    import pandas as pd

    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return _epoch(series.to_numpy(dtype=np.int64), np.zeros(len(series), dtype=bool))
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return _epoch(series.to_numpy(dtype=np.float64, na_value=np.nan), series.isna().to_numpy())
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        return _timestamps_from_strings(series.astype("str").where(series.notna()))
    missing = series.isna().to_numpy()
    nanos, unreadable = _utc_nanos(series)
    return _Column(nanos, missing, unreadable & ~missing).noting(lambda rows: series.iloc[rows].tolist())


def _utc_nanos(datetimes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Datetimes (naive ones taken as UTC) as int64 nanoseconds, and which are NaT or beyond what int64 ns holds."""
    import pandas as pd

    index = pd.DatetimeIndex(datetimes)
    if index.tz is not None:
        index = index.tz_convert(None)  # naive UTC
    return _nanos_from_datetime64(index.to_numpy())


def _nanos_from_datetime64(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """numpy datetime64 of any unit as int64 nanoseconds, exactly; and which are NaT or out of the ns range."""
    unit, count = np.datetime_data(values.dtype)
    ns_per_step = int(np.timedelta64(count, unit) // np.timedelta64(1, "ns"))
    steps = values.view(np.int64)
    readable = ~np.isnat(values) & (np.abs(steps) < _INT64_NS_LIMIT / ns_per_step)
    return np.where(readable, steps * ns_per_step, 0), ~readable


def _epoch(numbers: np.ndarray, missing: np.ndarray) -> _Column:
    """Epoch numbers to nanoseconds; the unit (s, ms, us, ns) follows from the largest magnitude in the column.
    Whole numbers are scaled in integers, so millisecond and finer timestamps stay exact."""
    finite = np.isfinite(numbers)
    largest = np.abs(numbers[finite]).max(initial=0)
    ns_per_unit = next((ns for bound, ns in _EPOCH_UNITS if largest < bound), 1)
    readable = finite & (np.abs(numbers) < _INT64_NS_LIMIT / ns_per_unit)
    usable = numbers[readable]
    nanos = np.zeros(len(numbers), dtype=np.int64)
    if usable.dtype.kind in "iu" or np.array_equal(usable, np.trunc(usable)):
        nanos[readable] = usable.astype(np.int64) * ns_per_unit
    else:
        nanos[readable] = np.round(usable * ns_per_unit).astype(np.int64)
    return _Column(nanos, missing, ~readable & ~missing).noting(lambda rows: numbers[rows].tolist())


def _validated(
    columns: dict[str, _Column],
    records: np.ndarray | None,
    malformed: _Malformed,
    physical: Callable[[int], int] | None = None,
) -> Bars:
    """Run every check over parsed columns; return the Bars or raise DataError listing all problems."""
    problems = _Problems(records, physical)
    problems.add_records(malformed.reasons, len(malformed.records), "malformed_line")

    blank = np.logical_and.reduce([columns[f].missing for f in COLUMNS])
    # Empty lines at the end of a file are an editor's habit, not a problem: drop them.
    filled = np.flatnonzero(~blank)
    rows = int(filled[-1]) + 1 if len(filled) else 0
    if rows < len(blank):
        columns = {field: column.head(rows) for field, column in columns.items()}
        blank = blank[:rows]
        if records is not None:
            problems.lines = records[:rows]
    if rows == 0 and not problems.total:
        if records is None:
            raise DataError(Problem(code="empty_file", message="the DataFrame has no rows"))
        raise DataError(Problem(code="empty_file", message="the file has no bars, only a header", line=1))

    problems.add_rows(np.flatnonzero(blank), "blank_line", None, lambda row: "the line is blank")
    _check_cells(columns, blank, problems)
    _check_order(columns["timestamp"], problems)
    _check_prices(columns, problems)
    problems.raise_if_any()
    return Bars(
        columns["timestamp"].values, *(np.ascontiguousarray(columns[f].values, dtype=np.float64) for f in FIELDS)
    )


def _check_cells(columns: dict[str, _Column], blank: np.ndarray, problems: _Problems) -> None:
    def text(column: _Column, row: int) -> str:
        return _shown(column.text[row]) if column.text is not None else "value"

    stamps = columns["timestamp"]
    problems.add_rows(
        np.flatnonzero(stamps.missing & ~blank), "missing_value", "timestamp", lambda row: "timestamp is empty"
    )
    problems.add_rows(
        np.flatnonzero(stamps.unparsable),
        "bad_timestamp",
        "timestamp",
        lambda row: (
            f"timestamp {text(stamps, row)} is neither an ISO 8601 date-time (years 1678 to 2261) nor epoch seconds/milliseconds"
        ),
    )
    for field in FIELDS:
        column = columns[field]
        problems.add_rows(
            np.flatnonzero(column.missing & ~blank), "missing_value", field, lambda row, f=field: f"{f} is empty"
        )
        problems.add_rows(
            np.flatnonzero(column.unparsable),
            "not_a_number",
            field,
            lambda row, f=field, c=column: f"{f} {text(c, row)} is not a number",
        )
        non_finite = ~np.isfinite(column.values) & ~column.invalid
        problems.add_rows(
            np.flatnonzero(non_finite),
            "not_finite",
            field,
            lambda row, f=field, c=column: f"{f} is {c.values[row]}; values must be finite numbers",
        )


def _check_order(stamps: _Column, problems: _Problems) -> None:
    """Each timestamp must come after the previous readable one."""
    # Unreadable timestamps are left out, so each is compared with the readable one before it.
    rows = np.flatnonzero(~stamps.invalid) if stamps.invalid.any() else None
    steps = np.diff(stamps.values if rows is None else stamps.values[rows])

    def failing(mask: np.ndarray) -> np.ndarray:
        later = np.flatnonzero(mask) + 1
        return later if rows is None else rows[later]

    def where(row: int) -> str:
        before = row - 1 if rows is None else int(rows[np.searchsorted(rows, row) - 1])
        return f"line {problems.line_of(before)}" if problems.lines is not None else f"row {before}"

    def iso(row: int) -> str:
        nanos = int(stamps.values[row])
        return np.datetime_as_string(np.datetime64(nanos, "ns"), unit="s" if nanos % 10**9 == 0 else "ns") + "Z"

    problems.add_rows(
        failing(steps == 0),
        "duplicate_timestamp",
        "timestamp",
        lambda row: f"timestamp {iso(row)} repeats the bar at {where(row)}",
    )
    problems.add_rows(
        failing(steps < 0),
        "timestamp_not_increasing",
        "timestamp",
        lambda row: f"timestamp {iso(row)} is earlier than the bar before it ({where(row)})",
    )


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    """Empty and unparsable cells already read as NaN; infinities become NaN too."""
    return values if np.isfinite(values).all() else np.where(np.isinf(values), np.nan, values)


def _check_prices(columns: dict[str, _Column], problems: _Problems) -> None:
    """Prices positive, volume not negative, and each bar's range consistent: low <= open, close <= high."""
    # Cells already reported (empty, not a number, NaN, inf) are NaN here, which every comparison below skips,
    # so a bad cell is reported once while the rest of its row is still checked.
    o, h, lo, c, v = (_finite_or_nan(columns[f].values) for f in FIELDS)
    prices = dict(zip(PRICE_FIELDS, (o, h, lo, c), strict=True))

    def beyond(row: int, side: str) -> str:
        outside = [
            f"the {name} {x[row]:g}"
            for name, x in (("open", o), ("close", c))
            if (x[row] > h[row] if side == "below" else x[row] < lo[row])
        ]
        return " and ".join(outside)

    with np.errstate(invalid="ignore"):
        for field, x in prices.items():
            problems.add_rows(
                np.flatnonzero(x <= 0),
                "non_positive_price",
                field,
                lambda row, f=field, x=x: f"{f} is {x[row]:g}; prices must be positive",
            )
        problems.add_rows(
            np.flatnonzero(v < 0),
            "negative_volume",
            "volume",
            lambda row: f"volume is {v[row]:g}; it cannot be negative",
        )
        problems.add_rows(
            np.flatnonzero(h < lo), "high_below_low", "high", lambda row: f"high {h[row]:g} is below low {lo[row]:g}"
        )
        problems.add_rows(
            np.flatnonzero((h < o) | (h < c)),
            "high_below_open_close",
            "high",
            lambda row: f"high {h[row]:g} is below {beyond(row, 'below')}",
        )
        problems.add_rows(
            np.flatnonzero((lo > o) | (lo > c)),
            "low_above_open_close",
            "low",
            lambda row: f"low {lo[row]:g} is above {beyond(row, 'above')}",
        )


__all__ = ["COLUMNS", "FIELDS", "MAX_PROBLEMS", "Bars", "bars_from_frame", "read_csv", "write_csv"]
