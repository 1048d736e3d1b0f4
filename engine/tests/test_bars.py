import gzip
import io

import numpy as np
import pandas as pd
import pytest

from engine.bars import COLUMNS, MAX_PROBLEMS, Bars, bars_from_frame, iter_csv, read_csv, write_csv
from engine.errors import DataError
from engine.synthetic import generate_bars

HEADER = "timestamp,open,high,low,close,volume\n"
GOOD_ROW = "2020-01-01T00:00:00Z,10,11,9,10.5,100\n"


def problems_of(text: str) -> list[tuple[str, int | None, str | None]]:
    with pytest.raises(DataError) as raised:
        read_csv(io.StringIO(text))
    return [(p.code, p.line, p.field) for p in raised.value.problems]


def csv_of(bars: Bars) -> str:
    buffer = io.BytesIO()
    write_csv(bars, buffer)
    return buffer.getvalue().decode()


def assert_same_bars(left: Bars, right: Bars) -> None:
    for column in COLUMNS:
        np.testing.assert_array_equal(getattr(left, column), getattr(right, column), err_msg=column)


# Reading what is right


def test_written_bars_read_back_identical(tmp_path):
    bars = generate_bars(5_000, seed=4)
    path = tmp_path / "bars.csv"
    write_csv(bars, path)

    assert_same_bars(read_csv(path), bars)
    assert_same_bars(read_csv(str(path)), bars)


def test_reads_from_text_and_binary_buffers_and_bytes():
    bars = generate_bars(50, seed=1)
    text = csv_of(bars)

    for source in (io.StringIO(text), io.BytesIO(text.encode()), text.encode()):
        assert_same_bars(read_csv(source), bars)


def test_columns_are_found_case_insensitively_and_extra_columns_are_ignored():
    text = "Symbol,TIMESTAMP,Open,High,Low,Close,Volume,Note\nX,2020-01-01T00:00:00Z,10,11,9,10.5,100,hello\n"

    bars = read_csv(io.StringIO(text))

    assert bars.timestamp.tolist() == [pd.Timestamp("2020-01-01", tz="UTC").value]
    assert (bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]) == (10, 11, 9, 10.5, 100)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2020-01-01T00:00:00Z", "2020-01-01T00:01:00Z"),
        ("2020-01-01T01:00:00+01:00", "2020-01-01T01:01:00+01:00"),
        ("2020-01-01 00:00:00", "2020-01-01 00:01:00"),
        ("1577836800", "1577836860"),
        ("1577836800000", "1577836860000"),
    ],
    ids=["iso-utc", "iso-offset", "iso-naive-is-utc", "epoch-seconds", "epoch-milliseconds"],
)
def test_timestamps_in_every_accepted_form_become_utc_nanoseconds(first, second):
    text = HEADER + f"{first},10,11,9,10.5,100\n{second},10,11,9,10.5,100\n"

    bars = read_csv(io.StringIO(text))

    assert bars.timestamp.dtype == np.int64
    assert bars.timestamp.tolist() == [1577836800 * 10**9, 1577836860 * 10**9]


def test_epoch_milliseconds_and_fractional_seconds_keep_their_precision():
    text = HEADER + "1577836800123,10,11,9,10.5,100\n1577836800124,10,11,9,10.5,100\n"
    assert read_csv(io.StringIO(text)).timestamp.tolist() == [1577836800123000000, 1577836800124000000]

    text = HEADER + "2020-01-01T00:00:00.000000001Z,10,11,9,10.5,100\n2020-01-01T00:00:00.5Z,10,11,9,10.5,100\n"
    assert read_csv(io.StringIO(text)).timestamp.tolist() == [1577836800000000001, 1577836800500000000]


def test_dates_beyond_what_nanoseconds_can_hold_are_reported_as_written():
    with pytest.raises(DataError) as raised:
        read_csv(io.StringIO(HEADER + "3000-01-01,10,11,9,10.5,100\n"))

    (problem,) = raised.value.problems
    assert (problem.code, problem.line, problem.field) == ("bad_timestamp", 2, "timestamp")
    assert "3000-01-01" in problem.message


def test_mixed_zone_offsets_in_one_file_are_each_converted_to_utc():
    text = HEADER + "2020-01-01T00:00:00Z,10,11,9,10.5,100\n2020-01-01T02:00:00+01:00,10,11,9,10.5,100\n"

    bars = read_csv(io.StringIO(text))

    assert np.diff(bars.timestamp).tolist() == [3600 * 10**9]


def test_byte_order_mark_and_windows_line_endings_are_accepted():
    text = "\ufeff" + (HEADER + GOOD_ROW).replace("\n", "\r\n")

    assert len(read_csv(io.BytesIO(text.encode()))) == 1


def test_blank_lines_at_the_end_are_ignored():
    assert len(read_csv(io.StringIO(HEADER + GOOD_ROW + "\n\n"))) == 1


# Reporting what is wrong


def test_empty_file_is_reported_at_line_1():
    assert problems_of("") == [("empty_file", 1, None)]
    assert problems_of("\r\n\r") == [("empty_file", 1, None)]


def test_header_without_bars_is_reported():
    assert problems_of(HEADER) == [("empty_file", 1, None)]


def test_every_missing_column_is_named_on_line_one():
    problems = problems_of("time,open,high\n1,2,3\n")

    assert problems == [("missing_column", 1, field) for field in ("timestamp", "low", "close", "volume")]


def test_a_column_named_twice_is_reported():
    assert problems_of("timestamp,open,high,low,close,volume,Close\n") == [("duplicate_column", 1, "close")]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("yesterday,10,11,9,10.5,100", [("bad_timestamp", 2, "timestamp")]),
        (",10,11,9,10.5,100", [("missing_value", 2, "timestamp")]),
        ("2020-01-01T00:00:00Z,10,eleven,9,10.5,100", [("not_a_number", 2, "high")]),
        ("2020-01-01T00:00:00Z,10,11,9,10.5,", [("missing_value", 2, "volume")]),
        ("2020-01-01T00:00:00Z,NaN,11,9,10.5,100", [("not_finite", 2, "open")]),
        ("2020-01-01T00:00:00Z,10,11,9,inf,100", [("not_finite", 2, "close")]),
        ("2020-01-01T00:00:00Z,10,11,-9,10.5,100", [("non_positive_price", 2, "low")]),
        ("2020-01-01T00:00:00Z,10,11,9,10.5,-1", [("negative_volume", 2, "volume")]),
        ("2020-01-01T00:00:00Z,10,11,12,10.5,100", [("high_below_low", 2, "high"), ("low_above_open_close", 2, "low")]),
        ("2020-01-01T00:00:00Z,10,10.2,9,10.5,100", [("high_below_open_close", 2, "high")]),
        ("2020-01-01T00:00:00Z,10,11,10.1,10.5,100", [("low_above_open_close", 2, "low")]),
        ("2020-01-01T00:00:00Z,10,11,9,10.5,100,extra", [("malformed_line", 2, None)]),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_its_line_and_column(row, expected):
    assert problems_of(HEADER + row + "\n" + "2020-01-02T00:00:00Z,10,11,9,10.5,100\n") == expected


def test_duplicate_and_backwards_timestamps_name_the_earlier_bar():
    text = (
        HEADER
        + "2020-01-01T00:01:00Z,10,11,9,10.5,100\n"
        + "2020-01-01T00:01:00Z,10,11,9,10.5,100\n"
        + "2020-01-01T00:00:00Z,10,11,9,10.5,100\n"
    )

    with pytest.raises(DataError) as raised:
        read_csv(io.StringIO(text))

    duplicate, backwards = raised.value.problems
    assert (duplicate.code, duplicate.line) == ("duplicate_timestamp", 3)
    assert "line 2" in duplicate.message
    assert (backwards.code, backwards.line) == ("timestamp_not_increasing", 4)
    assert "2020-01-01T00:00:00Z" in backwards.message and "line 3" in backwards.message


def test_every_problem_in_a_file_is_reported_at_once_in_line_order():
    text = (
        HEADER
        + "2020-01-01T00:00:00Z,10,11,9,10.5,100\n"
        + "2020-01-01T00:01:00Z,10,abc,9,10.5,100\n"
        + "\n"
        + "2020-01-01T00:02:00Z,10,11,9,10.5,100,7\n"
        + "garbage,10,11,9,10.5,-5\n"
        + "2020-01-01T00:03:00Z,10,11,12,10.5,100\n"
    )

    assert problems_of(text) == [
        ("not_a_number", 3, "high"),
        ("blank_line", 4, None),
        ("malformed_line", 5, None),
        ("bad_timestamp", 6, "timestamp"),
        ("negative_volume", 6, "volume"),
        ("high_below_low", 7, "high"),
        ("low_above_open_close", 7, "low"),
    ]


def test_line_numbers_stay_right_after_a_malformed_line():
    text = HEADER + "2020-01-01T00:00:00Z,10,11\n" + GOOD_ROW.replace("00:00:00", "00:01:00").replace(",9,", ",12,")

    assert problems_of(text) == [
        ("malformed_line", 2, None),
        ("high_below_low", 3, "high"),
        ("low_above_open_close", 3, "low"),
    ]


def test_a_bad_cell_deep_in_a_large_file_is_found_with_its_line():
    lines = csv_of(generate_bars(200_000, seed=2)).splitlines(keepends=True)
    cells = lines[150_000].split(",")
    cells[1] = "n/a"
    lines[150_000] = ",".join(cells)

    problems = problems_of("".join(lines))

    assert problems == [("not_a_number", 150_001, "open")]


def test_problems_beyond_the_cap_are_counted_not_listed():
    rows = "".join(f"2020-01-01T00:{m // 60:02d}:{m % 60:02d}Z,10,11,9,10.5,-1\n" for m in range(MAX_PROBLEMS + 30))

    with pytest.raises(DataError) as raised:
        read_csv(io.StringIO(HEADER + rows))

    problems = raised.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert all(p.code == "negative_volume" for p in problems[:-1])
    assert problems[-1].code == "too_many_problems"
    assert problems[-1].message.startswith("30 more")


def test_bytes_that_are_not_utf8_are_located_to_their_line():
    data = (HEADER + GOOD_ROW + "2020-01-01T00:01:00Z,10,11,9,10.5,1").encode() + b"\xe90\n"

    with pytest.raises(DataError) as raised:
        read_csv(data)

    assert [(p.code, p.line) for p in raised.value.problems] == [("not_utf8", 3)]


# Line endings, quoting and hostile files


def bytes_problems(data: bytes) -> list[tuple[str, int | None, str | None]]:
    with pytest.raises(DataError) as raised:
        read_csv(data)
    return [(p.code, p.line, p.field) for p in raised.value.problems]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "mixed"], ids=["lf", "crlf", "cr-only (classic Mac)", "mixed"])
def test_every_line_ending_convention_is_read(ending, tmp_path):
    bars = generate_bars(30, seed=3)
    lines = csv_of(bars).splitlines()
    endings = ["\r", "\r\n", "\n"] if ending == "mixed" else [ending]
    data = "".join(line + endings[i % len(endings)] for i, line in enumerate(lines)).encode()
    path = tmp_path / "bars.csv"
    path.write_bytes(data)

    assert_same_bars(read_csv(data), bars)
    assert_same_bars(read_csv(path), bars)


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_problems_name_the_physical_line_whatever_the_line_endings(ending):
    rows = [HEADER.strip(), GOOD_ROW.strip(), "", "2020-01-01T00:01:00Z,10,abc,9,10.5,100", "2020-01-01T00:02:00Z,1"]
    data = ending.join(rows).encode() + ending.encode()

    assert bytes_problems(data) == [("blank_line", 3, None), ("not_a_number", 4, "high"), ("malformed_line", 5, None)]


def test_a_cr_inside_the_header_line_ends_the_header_there():
    data = b"timestamp,open,high,low\r,close,volume\n" + GOOD_ROW.encode()

    assert bytes_problems(data) == [("missing_column", 1, "close"), ("missing_column", 1, "volume")]


def test_a_quoted_header_cell_may_hold_a_cr():
    data = b'timestamp,open,high,low,close,"vol\rume"\r2020-01-01T00:00:00Z,10,11,9,10.5,100\r'

    assert bytes_problems(data) == [("missing_column", 1, "volume")]


def test_lines_after_a_quoted_cell_spanning_lines_are_the_real_lines_of_the_file():
    data = (
        b"timestamp,open,high,low,close,volume,note\n"
        b'2020-01-01T00:00:00Z,10,11,9,10.5,100,"first\nsecond\r\nthird"\n'  # lines 2-4
        b"2020-01-01T00:01:00Z,10,11,9,oops,100,plain\n"  # line 5
        b'2020-01-01T00:01:00Z,10,11,9,10.5,100,"a ""quoted""\rword"\n'  # lines 6-7, repeats line 5's time
        b"2020-01-01T00:03:00Z,10,11\n"  # line 8
    )

    with pytest.raises(DataError) as raised:
        read_csv(data)

    problems = raised.value.problems
    assert [(p.code, p.line) for p in problems] == [
        ("not_a_number", 5),
        ("duplicate_timestamp", 6),
        ("malformed_line", 8),
    ]
    assert "line 5" in problems[1].message


def test_a_stray_quote_inside_a_cell_does_not_throw_the_line_numbers_off():
    data = (
        b"timestamp,open,high,low,close,volume,note\n"
        b'2020-01-01T00:00:00Z,10,11,9,10.5,100,5" screen\n'  # a quote inside a cell is just text
        b'2020-01-01T00:01:00Z,10,11,9,10.5,100,"two\nlines"\n'
        b"2020-01-01T00:02:00Z,10,11,9,x,100,\n"
    )

    assert bytes_problems(data) == [("not_a_number", 5, "close")]


def test_a_quote_never_closed_is_refused_at_its_line():
    data = (HEADER + GOOD_ROW + '"2020-01-01T00:01:00Z,10,11,9,10.5,100\n' + GOOD_ROW).encode()

    assert bytes_problems(data) == [("unclosed_quote", 3, None)]


def test_bytes_that_are_not_utf8_are_found_in_any_column_and_in_a_malformed_line():
    ignored_column = (
        (HEADER.strip() + ",note\n" + GOOD_ROW.strip() + ",ok\n").encode() + GOOD_ROW.encode()[:-1] + b",caf\xe9\n"
    )
    malformed = (HEADER + GOOD_ROW).encode() + b"2020-01-01T00:01:00Z,10,11,9,10.5,100,caf\xe9\n"

    assert bytes_problems(ignored_column) == [("not_utf8", 3, None)]
    assert bytes_problems(malformed) == [("not_utf8", 3, None)]


def test_bytes_that_are_not_utf8_are_located_to_their_line_with_cr_endings():
    data = (HEADER + GOOD_ROW).replace("\n", "\r").encode() + b"2020-01-01T00:01:00Z,10,11,9,10.5,1\xe90\r"

    assert bytes_problems(data) == [("not_utf8", 3, None)]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ((HEADER + GOOD_ROW).encode("utf-16"), "not_utf8"),
        (gzip.compress((HEADER + GOOD_ROW).encode()), "not_csv"),
        (b"PK\x03\x04" + bytes(100), "not_csv"),
    ],
    ids=["utf-16", "gzip", "zip"],
)
def test_files_that_are_not_utf8_csv_text_are_named_as_such(data, code):
    assert bytes_problems(data) == [(code, 1, None)]


def test_a_compressed_file_on_disk_is_never_decompressed(tmp_path):
    path = tmp_path / "bars.csv.gz"
    path.write_bytes(gzip.compress((HEADER + GOOD_ROW).encode()))

    with pytest.raises(DataError) as raised:
        read_csv(path)

    assert [p.code for p in raised.value.problems] == ["not_csv"]


def test_a_wide_header_is_listed_briefly():
    data = (",".join(f"column_{i}_{'x' * 60}" for i in range(100_000)) + "\n1\n").encode()

    with pytest.raises(DataError) as raised:
        read_csv(data)

    messages = [p.message for p in raised.value.problems]
    assert len(messages) == 6
    assert all(len(message) < 1_000 for message in messages)
    assert "… and 99990 more" in messages[0]


def test_a_column_named_many_times_is_listed_briefly():
    data = ("timestamp," + ",".join(["open"] * 50_000) + ",high,low,close,volume\n" + GOOD_ROW).encode()

    with pytest.raises(DataError) as raised:
        read_csv(data)

    (problem,) = raised.value.problems

    assert (problem.code, problem.field) == ("duplicate_column", "open")
    assert len(problem.message) < 1_000


def test_a_long_bad_cell_is_quoted_cut_short():
    data = (HEADER + "2020-01-01T00:00:00Z," + "9" * 10 + "z" * 5_000_000 + ",11,9,10.5,100\n").encode()

    with pytest.raises(DataError) as raised:
        read_csv(data)

    (problem,) = raised.value.problems

    assert (problem.code, problem.line, problem.field) == ("not_a_number", 2, "open")
    assert len(problem.message) < 200


def test_a_header_longer_than_a_parsing_block_is_read():
    header = HEADER.strip() + "," + ",".join(f"extra_column_{i}" for i in range(100_000))
    row = GOOD_ROW.strip() + "," * 100_000

    assert len(read_csv(f"{header}\n{row}\n".encode())) == 1


def test_a_record_longer_than_a_parsing_block_is_read():
    note = "n" * 3_000_000  # pyarrow parses 1 MB blocks by default
    data = f"{HEADER.strip()},note\n{GOOD_ROW.strip()},{note}\n2020-01-01T00:01:00Z,10,11,9,x,100,\n".encode()

    assert bytes_problems(data) == [("not_a_number", 3, "close")]


def test_a_file_of_malformed_lines_reports_the_first_ones_and_stops():
    data = HEADER.encode() + b"garbage,1,2\n" * 200_000

    with pytest.raises(DataError) as raised:
        read_csv(data)

    problems = raised.value.problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert [p.line for p in problems[:3]] == [2, 3, 4]
    assert {p.code for p in problems[:-1]} == {"malformed_line"}
    assert problems[-1].code == "too_many_problems"


def test_a_missing_file_raises_the_operating_system_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_csv(tmp_path / "nope.csv")


# DataFrames


def test_frame_with_a_datetime_index_and_capitalised_columns_is_read():
    index = pd.date_range("2020-01-01", periods=3, freq="D", tz="Europe/Berlin")
    frame = pd.DataFrame(
        {"Open": [10.0, 10, 10], "High": 11.0, "Low": 9.0, "Close": 10.5, "Volume": [1, 2, 3]}, index=index
    )

    bars = bars_from_frame(frame)

    assert bars.timestamp.tolist() == index.tz_convert("UTC").as_unit("ns").asi8.tolist()
    assert bars.volume.tolist() == [1.0, 2.0, 3.0]


def test_frame_round_trips_generated_bars():
    bars = generate_bars(100, seed=5)
    frame = pd.DataFrame(
        {"timestamp": pd.to_datetime(bars.timestamp, utc=True), **{f: bars.field(f) for f in COLUMNS[1:]}}
    )

    assert_same_bars(bars_from_frame(frame), bars)


def test_frame_problems_name_the_row_position():
    frame = pd.DataFrame(
        {
            "timestamp": ["2020-01-01T00:00Z", "2020-01-01T00:01Z", "2020-01-01T00:01Z"],
            "open": [10.0, 10, 10],
            "high": [11.0, 11, 9.5],
            "low": [9.0, 9, 9],
            "close": [10.5, "x", 10.5],
            "volume": [1, 2, 3],
        }
    )

    with pytest.raises(DataError) as raised:
        bars_from_frame(frame)

    assert [(p.code, p.field, p.line) for p in raised.value.problems] == [
        ("not_a_number", "close", None),
        ("duplicate_timestamp", "timestamp", None),
        ("high_below_open_close", "high", None),
    ]
    assert [p.message.split(":")[0] for p in raised.value.problems] == ["row 1", "row 2", "row 2"]


# Synthetic bars


def test_generated_bars_are_consistent_ohlcv():
    bars = generate_bars(20_000, seed=7)

    assert len(bars) == 20_000
    assert np.all(np.diff(bars.timestamp) == 60 * 10**9)
    assert np.all(bars.high >= np.maximum(bars.open, bars.close))
    assert np.all(bars.low <= np.minimum(bars.open, bars.close))
    assert np.all(bars.low > 0) and np.all(bars.volume > 0)
    assert bars_from_frame(pd.DataFrame({c: getattr(bars, c) for c in COLUMNS})) is not None


def test_generated_bars_move_like_a_market_with_thirty_percent_volatility():
    bars = generate_bars(100_000, seed=8, freq="1h")

    hourly = np.diff(np.log(bars.close))
    annualised = hourly.std() * np.sqrt(365.25 * 24)
    assert 0.27 < annualised < 0.33
    assert np.count_nonzero(bars.close != bars.open) > 0.99 * len(bars)


def test_generated_bars_are_reproducible_by_seed_and_start_where_asked():
    first, again, other = generate_bars(500, seed=3), generate_bars(500, seed=3), generate_bars(500, seed=4)

    assert_same_bars(first, again)
    assert not np.array_equal(first.close, other.close)
    assert generate_bars(2, start="2021-06-01", freq="1D").timestamp.tolist() == [
        pd.Timestamp("2021-06-01", tz="UTC").value,
        pd.Timestamp("2021-06-02", tz="UTC").value,
    ]


def test_iter_csv_streams_exactly_what_write_csv_writes_and_reads_back():
    bars = generate_bars(1_000, seed=5, freq="1min")
    written = io.BytesIO()
    write_csv(bars, written)

    pieces = list(iter_csv(bars, chunk_rows=300))

    assert len(pieces) == 4 and pieces[0].startswith(b"timestamp,open,high,low,close,volume\n")
    assert not pieces[1].startswith(b"timestamp")
    assert b"".join(pieces) == written.getvalue()
    again = read_csv(b"".join(pieces))
    for name in ("timestamp", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(again, name), getattr(bars, name))
