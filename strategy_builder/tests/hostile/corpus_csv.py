"""Hostile bar CSVs: every line-ending convention, broken encodings, files that are not CSV at all, and
files built to make the error huge or the reading slow. Each case says whether a correct reader accepts it
(the bars are sound) or refuses it, and at which line of the file the first problem is.

The large cases are built when asked for (`case.data()`), not at import.
"""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

HEADER = b"timestamp,open,high,low,close,volume"
ROW_1 = b"2024-01-02T00:00:00Z,100,101,99,100.5,1000"
ROW_2 = b"2024-01-03T00:00:00Z,100.5,102,100,101.5,1200"
ROW_3 = b"2024-01-04T00:00:00Z,101.5,103,101,102,900"
FORMULA = b"=cmd|' /C calc'!A0"


@dataclass(frozen=True)
class HostileCsv:
    name: str
    build: Callable[[], bytes]
    accepted: bool = False  # a correct reader imports it
    line: int | None = None  # where the first problem is, when refused
    field: str | None = None  # and in which column, when one
    large: bool = False  # megabytes: sent once, through the API

    def data(self) -> bytes:
        return self.build()


def _lines(*lines: bytes, ending: bytes = b"\n") -> Callable[[], bytes]:
    return lambda: ending.join(lines) + ending


def _mixed_endings() -> bytes:
    return HEADER + b"\r" + ROW_1 + b"\r\n" + ROW_2 + b"\n" + ROW_3 + b"\r"


def _wide_header(columns: int, *, required: bool) -> Callable[[], bytes]:
    def build() -> bytes:
        names = [f"column_{i}".encode() for i in range(columns)]
        header = b",".join([HEADER, *names]) if required else b",".join(names)
        return header + b"\n" + ROW_1 + b"\n"

    return build


def _many(line: bytes, count: int) -> Callable[[], bytes]:
    return lambda: HEADER + b"\n" + line * count


def _gzip_bomb() -> bytes:
    """About 20 KB that would inflate to 20 MB of bars, if anything decompressed it."""
    return gzip.compress(HEADER + b"\n" + (ROW_1 + b"\n") * 450_000, compresslevel=9)


def _workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buffer.getvalue()


def _binary_junk() -> bytes:
    return random.Random(9).randbytes(200_000)


CORPUS: list[HostileCsv] = [
    # Line endings: all of them are read.
    HostileCsv("lf", _lines(HEADER, ROW_1, ROW_2), accepted=True),
    HostileCsv("crlf", _lines(HEADER, ROW_1, ROW_2, ending=b"\r\n"), accepted=True),
    HostileCsv("cr-only (classic Mac)", _lines(HEADER, ROW_1, ROW_2, ending=b"\r"), accepted=True),
    HostileCsv("mixed endings", _mixed_endings, accepted=True),
    HostileCsv("no final line ending", lambda: HEADER + b"\r" + ROW_1, accepted=True),
    HostileCsv("utf-8 bom", lambda: b"\xef\xbb\xbf" + HEADER + b"\r\n" + ROW_1 + b"\r\n", accepted=True),
    HostileCsv(
        "cr-only with a bad value",
        _lines(HEADER, ROW_1, ROW_2.replace(b"102", b"1o2"), ending=b"\r"),
        line=3,
        field="high",
    ),
    # A CR in the header: unquoted it ends the header; quoted it is part of a name.
    HostileCsv("cr inside the header", lambda: b"timestamp,open,high,low\r,close,volume\n" + ROW_1 + b"\n", line=1),
    HostileCsv(
        "quoted cr in a header name",
        _lines(b'timestamp,open,high,low,close,"vol\rume"', ROW_1, ending=b"\r"),
        line=1,
        field="volume",
    ),
    # Quoted cells spanning lines: the line reported is the line of the file.
    HostileCsv(
        "quoted multi-line cell",
        _lines(HEADER + b",note", ROW_1 + b',"one\ntwo\r\nthree"', ROW_2 + b",plain"),
        accepted=True,
    ),
    HostileCsv(
        "bad value after a quoted multi-line cell",
        _lines(HEADER + b",note", ROW_1 + b',"one\ntwo\r\nthree"', ROW_2.replace(b"101.5", b"n/a") + b",plain"),
        line=5,
        field="close",
    ),
    HostileCsv(
        "bad value after a stray quote and a multi-line cell",
        _lines(HEADER + b",note", ROW_1 + b',5" screen', ROW_2 + b',"a\rb"', ROW_3.replace(b"900", b"-9") + b","),
        line=5,
        field="volume",
    ),
    HostileCsv("quote never closed", _lines(HEADER + b",note", ROW_1 + b',"open', ROW_2 + b",x"), line=2),
    # Encodings and bytes that are not text.
    HostileCsv("nul byte in a cell", _lines(HEADER, ROW_1.replace(b"101", b"10\x001")), line=2, field="high"),
    HostileCsv("nul byte in the header", _lines(HEADER.replace(b"open", b"op\x00en"), ROW_1), line=1, field="open"),
    HostileCsv("latin-1 byte", _lines(HEADER, ROW_1, ROW_2 + b",caf\xe9"), line=3),
    HostileCsv("utf-16", lambda: (HEADER + b"\n" + ROW_1 + b"\n").decode().encode("utf-16"), line=1),
    HostileCsv("binary junk", _binary_junk, line=1),
    HostileCsv("gzip bomb (never decompressed)", _gzip_bomb, line=1),
    HostileCsv("zip archive (a workbook)", _workbook, line=1),
    # Formula injection: such a cell is never a number or a time, so it is refused, or ignored in a free column.
    HostileCsv("formula in a price", _lines(HEADER, ROW_1.replace(b"100.5", FORMULA)), line=2, field="close"),
    HostileCsv("formula in a free column", _lines(HEADER + b",note", ROW_1 + b"," + FORMULA), accepted=True),
    # Built to make the answer huge or the reading slow.
    HostileCsv("100k-column header without the bar columns", _wide_header(100_000, required=False), line=1, large=True),
    HostileCsv("100k-column header", _wide_header(100_000, required=True), line=2, large=True),
    HostileCsv("a 5 MB header name", lambda: b"x" * 5_000_000 + b"\n" + ROW_1 + b"\n", line=1, large=True),
    HostileCsv(
        "a 5 MB cell", _lines(HEADER, ROW_1.replace(b"101", b"9" * 5_000_000)), line=2, field="high", large=True
    ),
    HostileCsv("a million malformed lines", _many(b"garbage,1,2\n", 1_000_000), line=2, large=True),
    HostileCsv("a million lines of bad values", _many(b"garbage,x,x,x,x,x\n", 1_000_000), line=2, large=True),
    # Nothing to read.
    HostileCsv("empty", lambda: b"", field="file"),
    HostileCsv("only line endings", lambda: b"\r\r\n\n\r", line=1),
    HostileCsv("header only", _lines(HEADER, ending=b"\r"), line=1),
]
