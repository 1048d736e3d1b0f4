"""Query strings of the chart's candles (GET /api/v1/datasets/{id}/bars/): each to refuse with a 400 naming
the parameter; and odd ones that still mean a range of the 50 bars the tests' dataset holds."""

from .corpus_download import BAD_BOUNDS, EVERY_BAR

BAD_QUERIES = [
    *BAD_BOUNDS,
    {"start": "2020-01-01T00:00:00Z", "end": "2019-12-31T23:59:59Z"},
    {"start": "-99999999999"},  # epoch seconds before any date a server reads
    {"end": "999999999999"},
    {"start": "1e9"},
    {"start": "0x5e0be100"},
    {"max_points": "0"},
    {"max_points": "-1"},
    {"max_points": "20001"},
    {"max_points": "2.5"},
    {"max_points": "1e4"},
    {"max_points": "NaN"},
    {"max_points": "9" * 400},
    {"max_points": "12\x00"},
]
EVERY_BAR_OF_50 = [
    *EVERY_BAR,
    {"max_points": ""},
    {"max_points": " 50 "},
    {"start": "0"},  # 1970-01-01, before the first bar
    {"end": "9999999999"},  # 2286, after the last bar
    {"start": "2019-12-31T23:00:00-01:00"},  # 2020-01-01T00:00Z, the first bar
]
