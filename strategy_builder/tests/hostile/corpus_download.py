"""Query strings of a dataset download: bounds to refuse with a 400 naming the parameter, and bounds that are
odd but mean a range (every bar of the 50 the tests' dataset holds)."""

BAD_BOUNDS = [
    {"start": "yesterday"},
    {"start": "2020-01-01T00:00:00+99:00"},
    {"start": "2262-04-12"},  # past the last nanosecond numpy holds, and the data
    {"end": "1677-09-21T00:00:00Z"},
    {"start": "2020-02-30"},
    {"start": "2020-01-01T25:00:00Z"},
    {"start": "x" * 10_000},
    {"start": "2020-01-01\x00"},
    {"start": "2020-01-01", "end": "2019-12-31"},
]
EVERY_BAR = [
    {"start": ""},
    {"end": "9999-12-31"},
    {"start": "0001-01-01"},
    {"start": "\uff11\uff19\uff19\uff19-01-01"},  # full-width digits are digits
]
