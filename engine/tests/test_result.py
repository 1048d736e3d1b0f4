"""Downsampled curves keep what a chart must show: the ends and every bucket's extremes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.result import downsample_indices


def test_short_series_are_kept_whole():
    np.testing.assert_array_equal(downsample_indices(np.arange(10.0), 10), np.arange(10))


@pytest.mark.parametrize(("n", "max_points"), [(11, 10), (1_000, 100), (123_457, 1000), (1_000_000, 1000)])
def test_at_most_max_points_sorted_with_both_ends(n, max_points):
    values = np.cumsum(np.random.default_rng(n).normal(size=n))
    index = downsample_indices(values, max_points)
    assert len(index) <= max_points
    assert index[0] == 0 and index[-1] == n - 1
    assert np.all(np.diff(index) > 0)


def test_global_and_bucket_extremes_survive():
    values = np.cumsum(np.random.default_rng(1).normal(size=50_000))
    index = downsample_indices(values, 202)  # 100 equal buckets of the 49,998 points between the ends
    assert values.argmax() in index and values.argmin() in index
    kept = set(index.tolist())
    edges = 1 + np.linspace(0, len(values) - 2, 101).astype(int)
    for start, stop in itertools.pairwise(edges):
        assert start + values[start:stop].argmax() in kept
        assert start + values[start:stop].argmin() in kept
    assert len(kept) == 202


def test_too_few_points_is_refused():
    with pytest.raises(ValueError, match="at least 4"):
        downsample_indices(np.arange(10.0), 3)
