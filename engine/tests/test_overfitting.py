"""The overfitting figures against published figures, values worked by hand, and straightforward re-implementations
(scipy and pandas as oracles; the engine itself uses neither)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from engine.overfitting import (
    DSR_CONFIDENT,
    EULER_MASCHERONI,
    PBO_OVERFIT,
    PBO_SOUND,
    cscv_blocks,
    deflated_sharpe_of_best,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    moments_to_stats,
    overfitting_verdict,
    pbo_cscv,
    pbo_cscv_from_returns,
    probabilistic_sharpe_ratio,
    walk_forward_efficiency,
    walk_forward_windows,
)

LN2 = math.log(2.0)
ROOT3 = math.sqrt(3.0)


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def power_sums(returns: np.ndarray) -> np.ndarray:
    """(N, 5) moments of a T x N matrix, as the sweep engine reports them."""
    return np.stack(
        [np.full(returns.shape[1], float(len(returns)))] + [(returns**k).sum(axis=0) for k in (1, 2, 3, 4)], axis=1
    )


# -- Probabilistic Sharpe Ratio -------------------------------------------------------------------------


def test_psr_of_normal_returns_worked_by_hand():
    # SR 0.1 over T = 101 normal returns (skew 0, kurtosis 3): z = 0.1 x sqrt(100) / sqrt(1 + (3 - 1) / 4 x 0.01)
    z = 1.0 / math.sqrt(1.005)
    assert probabilistic_sharpe_ratio(0.1, 0.0, 101, 0.0, 3.0) == pytest.approx(normal_cdf(z), abs=1e-12)
    assert probabilistic_sharpe_ratio(0.1, 0.0, 101, 0.0, 3.0) == pytest.approx(0.84074, abs=1e-5)  # Φ(0.99751)


def test_psr_against_a_benchmark_equal_to_the_sharpe_is_one_half():
    assert probabilistic_sharpe_ratio(0.08, 0.08, 500, -1.0, 7.0) == pytest.approx(0.5)


def test_psr_penalises_negative_skew_and_fat_tails():
    # The kurtosis argument is Pearson's (3 = normal): passing excess kurtosis 0 as 0 would be wrong.
    normal = probabilistic_sharpe_ratio(0.05, 0.0, 750, 0.0, 3.0)
    skewed = probabilistic_sharpe_ratio(0.05, 0.0, 750, -2.0, 3.0)
    fat = probabilistic_sharpe_ratio(0.05, 0.0, 750, 0.0, 12.0)
    assert skewed < normal and fat < normal
    z = 0.05 * math.sqrt(749) / math.sqrt(1 + 2.0 * 0.05 + 11 / 4 * 0.0025)
    assert skewed == pytest.approx(normal_cdf(0.05 * math.sqrt(749) / math.sqrt(1.1 + 0.5 * 0.0025)), abs=1e-12)
    assert probabilistic_sharpe_ratio(0.05, 0.0, 750, -2.0, 12.0) == pytest.approx(normal_cdf(z), abs=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.1, 0.0, 1, 0.0, 3.0), "at least 2 observations, got 1"),
        ((0.1, 0.0, 0, 0.0, 3.0), "at least 2 observations, got 0"),
        ((math.nan, 0.0, 100, 0.0, 3.0), "sharpe must be a finite number"),
        ((0.1, 0.0, 100, math.inf, 3.0), "skew must be a finite number"),
        ((1.0, 0.0, 100, 10.0, 1.0), "variance term"),
    ],
)
def test_psr_refuses_what_it_cannot_define(args, message):
    with pytest.raises(ValueError, match=message):
        probabilistic_sharpe_ratio(*args)


# -- Expected maximum Sharpe ratio and the Deflated Sharpe Ratio ------------------------------------------


def test_expected_max_sharpe_matches_the_formula_with_scipy():
    n, variance = 10, 0.04
    expected = math.sqrt(variance) * (
        (1 - np.euler_gamma) * stats.norm.ppf(1 - 1 / n) + np.euler_gamma * stats.norm.ppf(1 - 1 / (n * math.e))
    )
    assert abs(EULER_MASCHERONI - np.euler_gamma) < 1e-16
    assert expected_max_sharpe(variance, n) == pytest.approx(expected, rel=1e-12)


def test_expected_max_sharpe_is_close_to_the_mean_maximum_of_normals():
    # E[max of 100 standard normals] = 2.5076 (tabulated order statistics); the approximation gives 2.5306.
    assert expected_max_sharpe(1.0, 100) == pytest.approx(2.5076, rel=0.01)
    assert expected_max_sharpe(1.0, 10) == pytest.approx(1.5388, rel=0.03)


def test_one_trial_or_no_spread_leaves_no_selection_bias():
    assert expected_max_sharpe(0.5, 1) == 0.0
    assert expected_max_sharpe(0.0, 1000) == 0.0
    psr = probabilistic_sharpe_ratio(0.06, 0.0, 400, -0.5, 5.0)
    assert deflated_sharpe_ratio(0.06, 0.3, 1, 400, -0.5, 5.0) == psr
    assert deflated_sharpe_ratio(0.06, 0.0, 500, 400, -0.5, 5.0) == psr


def test_more_trials_deflate_more():
    values = [deflated_sharpe_ratio(0.1, 0.001, n, 1000, 0.0, 3.0) for n in (1, 10, 100, 1000, 10000)]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0.99 and values[-1] < 0.5


def test_dsr_reproduces_the_papers_numerical_example():
    # Bailey & López de Prado 2014, "The Deflated Sharpe Ratio", numerical example: N = 100 independent trials,
    # variance of the annualised Sharpe ratios across trials 1/2, the best annualised SR 2.5 over five years of
    # daily returns (T = 1250, 250 a year), skew -3, kurtosis 10: SR0 = 0.1132 per day, DSR = 0.9004.
    per_year = 250
    assert expected_max_sharpe(0.5 / per_year, 100) == pytest.approx(0.1132, abs=5e-5)
    dsr = deflated_sharpe_ratio(2.5 / math.sqrt(per_year), 0.5 / per_year, 100, 1250, -3.0, 10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_dsr_errors_name_the_input():
    with pytest.raises(ValueError, match="sharpe_variance must not be negative"):
        deflated_sharpe_ratio(0.1, -0.01, 10, 100, 0.0, 3.0)
    with pytest.raises(ValueError, match="n_trials must be at least 1, got 0"):
        deflated_sharpe_ratio(0.1, 0.01, 0, 100, 0.0, 3.0)
    with pytest.raises(ValueError, match="at least 2 observations"):
        deflated_sharpe_ratio(0.1, 0.01, 10, 1, 0.0, 3.0)


def test_dsr_of_the_best_sweep_row_from_power_sums():
    rng = np.random.default_rng(7)
    returns = rng.standard_t(5, size=(800, 30)) * 0.01 + np.linspace(-0.0005, 0.001, 30)
    returns[:, 3] = 0.0  # a combination that never traded: no Sharpe ratio, not a trial
    result = deflated_sharpe_of_best(power_sums(returns))

    defined = [k for k in range(30) if k != 3]
    with np.errstate(invalid="ignore"):
        sharpe = returns.mean(axis=0) / returns.std(axis=0, ddof=1)
    best = max(defined, key=lambda k: sharpe[k])
    column = returns[:, best]
    expected = deflated_sharpe_ratio(
        sharpe[best],
        float(np.var(sharpe[defined], ddof=1)),
        29,
        800,
        float(stats.skew(column)),
        float(stats.kurtosis(column, fisher=False)),
    )
    assert result.best == best and result.n_trials == 29 and result.n_observations == 800
    assert result.dsr == pytest.approx(expected, rel=1e-9)
    assert result.reason is None

    idle = deflated_sharpe_of_best(power_sums(returns), best=3)
    assert idle.dsr is None and "never traded" in idle.reason
    nothing = deflated_sharpe_of_best(power_sums(np.zeros((100, 4))))
    assert nothing.dsr is None and nothing.n_trials == 0 and "never traded" in nothing.reason


def test_dsr_of_the_only_trial_is_its_psr_against_zero():
    rng = np.random.default_rng(8)
    column = rng.normal(0.001, 0.01, size=(500, 1))
    result = deflated_sharpe_of_best(power_sums(column))
    sharpe = column.mean() / column.std(ddof=1)
    expected = probabilistic_sharpe_ratio(
        sharpe, 0.0, 500, float(stats.skew(column[:, 0])), float(stats.kurtosis(column[:, 0], fisher=False))
    )
    assert result.n_trials == 1 and result.benchmark == 0.0 and result.sharpe_variance == 0.0
    assert result.dsr == pytest.approx(expected, rel=1e-9)


# -- Moments ----------------------------------------------------------------------------------------------


def test_moments_to_stats_matches_numpy_scipy_and_pandas():
    rng = np.random.default_rng(3)
    returns = np.exp(rng.normal(0.0, 0.02, size=500)) - 1.0 + 0.0004  # skewed, fat-ish tailed per-bar returns
    n, mean, std, sharpe, skew, kurtosis = moments_to_stats(power_sums(returns[:, None])[0])

    assert n == 500
    assert mean == pytest.approx(returns.mean(), rel=1e-12)
    assert std == pytest.approx(returns.std(ddof=1), rel=1e-9)
    assert sharpe == pytest.approx(returns.mean() / returns.std(ddof=1), rel=1e-9)
    assert skew == pytest.approx(stats.skew(returns), rel=1e-7)
    assert kurtosis == pytest.approx(stats.kurtosis(returns, fisher=False), rel=1e-7)

    # pandas reports the bias-adjusted sample skewness G1 and excess kurtosis G2; undo the adjustments to get
    # the population (biased) skewness g1 and Pearson kurtosis g2 + 3 used here.
    series = pd.Series(returns)
    g1 = series.skew() * (n - 2) / math.sqrt(n * (n - 1))
    g2 = (series.kurt() * (n - 2) * (n - 3) / (n - 1) - 6.0) / (n + 1)
    assert skew == pytest.approx(g1, rel=1e-7)
    assert kurtosis == pytest.approx(g2 + 3.0, rel=1e-7)


def test_moments_to_stats_reads_many_rows_at_once():
    rng = np.random.default_rng(4)
    returns = rng.normal(0.0003, 0.01, size=(300, 6))
    n, _mean, _std, sharpe, skew, kurtosis = moments_to_stats(power_sums(returns))
    assert n.shape == (6,)
    np.testing.assert_allclose(sharpe, returns.mean(axis=0) / returns.std(axis=0, ddof=1), rtol=1e-9)
    np.testing.assert_allclose(skew, stats.skew(returns, axis=0), rtol=1e-6)
    np.testing.assert_allclose(kurtosis, stats.kurtosis(returns, axis=0, fisher=False), rtol=1e-7)


def test_moments_without_variance_give_nan_not_noise():
    flat = moments_to_stats([50, 0.05, 0.05 * 0.001, 0.05 * 1e-6, 0.05 * 1e-9])  # 50 bars of +0.1 %
    assert flat[1] == pytest.approx(0.001)
    assert all(math.isnan(value) for value in flat[3:])
    single = moments_to_stats([1, 0.01, 1e-4, 1e-6, 1e-8])
    assert math.isnan(single[2]) and math.isnan(single[3])
    with pytest.raises(ValueError, match="5 numbers per row"):
        moments_to_stats([10, 0.1, 0.01])


# -- Probability of Backtest Overfitting ------------------------------------------------------------------


def hand_worked_returns() -> np.ndarray:
    """T = 8 bars, S = 4 blocks of 2 bars, N = 2 combinations (columns).

    A earns in blocks 0 and 1 and loses in 2 and 3; B earns a little in every block:
        A: (.03, .01) (.03, .01) (-.01, -.03) (-.01, -.03)
        B: (.02, 0)   (.02, 0)   (.02, 0)     (.02, 0)
    Every half holds 4 bars whose deviations from their mean are ±.01, so std = sqrt(4e-4 / 3) = .01 / (sqrt 3 / 2)
    and the Sharpe ratio is mean x sqrt(3) / .02:
        A on {0,1}: mean .02 -> sqrt 3;  A on {2,3}: mean -.02 -> -sqrt 3;  A on any mixed half: mean 0 -> 0;
        B on any half: mean .01 -> sqrt 3 / 2.
    With N = 2 a rank is 1 or 2, so ω = 1/3 or 2/3 and λ = -ln 2 or +ln 2. The 6 splits (in-sample -> out):
        1. {0,1} -> {2,3}: A wins in (sqrt 3 > sqrt 3 / 2) and is last out (-sqrt 3): λ = -ln 2, a loss.
        2. {0,2} -> {1,3}: B wins in (A 0) and is first out (A 0):                  λ = +ln 2.
        3. {0,3} -> {1,2}: likewise                                                  λ = +ln 2.
        4. {1,2} -> {0,3}: likewise                                                  λ = +ln 2.
        5. {1,3} -> {0,2}: likewise                                                  λ = +ln 2.
        6. {2,3} -> {0,1}: B wins in (A -sqrt 3) and is last out (A sqrt 3):           λ = -ln 2.
    PBO = 2/6; probability of loss = 1/6. Degradation: the points (sqrt 3, -sqrt 3) once and (sqrt 3 / 2,
    sqrt 3 / 2) five times lie on the line through both: slope (-sqrt 3 - sqrt 3 / 2) / (sqrt 3 / 2) = -3,
    intercept sqrt 3 / 2 + 3 sqrt 3 / 2 = 2 sqrt 3.
    """
    a = [0.03, 0.01, 0.03, 0.01, -0.01, -0.03, -0.01, -0.03]
    b = [0.02, 0.0] * 4
    return np.array([a, b]).T


def test_pbo_of_the_hand_worked_case():
    result = pbo_cscv_from_returns(hand_worked_returns(), 4)
    assert result.n_splits == 6
    np.testing.assert_allclose(result.logits, [-LN2, LN2, LN2, LN2, LN2, -LN2], atol=1e-12)
    np.testing.assert_array_equal(result.best_in_sample, [0, 1, 1, 1, 1, 1])
    np.testing.assert_allclose(result.in_sample_sharpe, [ROOT3] + [ROOT3 / 2] * 5, rtol=1e-12)
    np.testing.assert_allclose(result.out_of_sample_sharpe, [-ROOT3] + [ROOT3 / 2] * 5, rtol=1e-12)
    assert result.pbo == pytest.approx(2 / 6)
    assert result.probability_of_loss == pytest.approx(1 / 6)
    assert result.degradation_slope == pytest.approx(-3.0)
    assert result.degradation_intercept == pytest.approx(2 * ROOT3)
    summary = result.as_dict()
    assert summary["n_splits"] == 6 and summary["pbo"] == pytest.approx(1 / 3) and len(summary["logits"]) == 6


def test_pbo_of_pure_noise_is_about_one_half():
    # Every combination is i.i.d. noise: the in-sample winner's out-of-sample rank is uniform, so PBO ≈ 0.5.
    # One data set's PBO varies a lot (its splits share blocks), so average over independent seeded sets.
    values = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        values.append(pbo_cscv_from_returns(rng.normal(0.0, 0.01, size=(600, 40)), 10).pbo)
    assert np.mean(values) == pytest.approx(0.5, abs=0.08)


def test_pbo_of_one_genuinely_better_strategy_is_near_zero():
    rng = np.random.default_rng(11)
    returns = rng.normal(0.0, 0.01, size=(2000, 50))
    returns[:, 17] += 0.002  # a per-bar Sharpe ratio of 0.2 against pure noise
    result = pbo_cscv_from_returns(returns, 16)
    assert result.n_splits == 12870
    assert result.pbo < 0.01
    assert np.mean(result.best_in_sample == 17) > 0.99
    assert result.probability_of_loss < 0.01


def loop_cscv(returns: np.ndarray, S: int, *, near_equal: bool = False) -> dict[str, np.ndarray]:
    """CSCV written out as the paper lists it: cut M into S row blocks, and for every choice of S/2 of them
    concatenate the rows, take each column's Sharpe ratio, the in-sample best, its out-of-sample rank (scipy's
    average ranks), ω = rank / (N + 1) and λ = ln(ω / (1 - ω)). `near_equal` cuts the blocks as np.array_split
    (every bar kept, lengths within one bar) instead of dropping the last T mod S bars."""
    length = len(returns) // S
    parts = np.array_split(returns, S) if near_equal else [returns[k * length : (k + 1) * length] for k in range(S)]

    def sharpe(matrix: np.ndarray) -> np.ndarray:
        std = matrix.std(axis=0, ddof=1)
        flat = std <= 1e-7 * np.sqrt((matrix**2).mean(axis=0))
        return np.where(flat, 0.0, matrix.mean(axis=0) / np.where(flat, 1.0, std))

    logits, chosen, is_best, oos_best = [], [], [], []
    n = returns.shape[1]
    for half in itertools.combinations(range(S), S // 2):
        train = np.vstack([parts[k] for k in half])
        test = np.vstack([parts[k] for k in range(S) if k not in half])
        r_train, r_test = sharpe(train), sharpe(test)
        best = int(np.argmax(r_train))
        omega = stats.rankdata(r_test)[best] / (n + 1)
        logits.append(math.log(omega / (1 - omega)))
        chosen.append(best)
        is_best.append(r_train[best])
        oos_best.append(r_test[best])
    return {"logits": np.array(logits), "best": np.array(chosen), "is": np.array(is_best), "oos": np.array(oos_best)}


@pytest.mark.parametrize(("S", "n_combinations", "seed"), [(4, 3, 0), (8, 7, 1), (10, 25, 2)])
def test_pbo_matches_a_loop_over_splits(S, n_combinations, seed):
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0002, 0.01, size=(S * 37 + 3, n_combinations))  # 3 bars past the last whole block
    returns[:, 0] = 0.0  # never trades: Sharpe ratio 0 in every half
    returns[: S * 37 // 2, 1] += 0.004  # good in the first half of the data only
    returns[:, 2] = returns[:, 1]  # its twin (parameters that trade alike): ties, ranked on average
    expected = loop_cscv(returns, S)
    result = pbo_cscv_from_returns(returns, S)

    assert result.n_splits == math.comb(S, S // 2)
    np.testing.assert_allclose(result.logits, expected["logits"], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(result.best_in_sample, expected["best"])
    assert result.pbo == np.mean(expected["logits"] <= 0)
    assert result.probability_of_loss == np.mean(expected["oos"] < 0)
    slope, intercept = np.polyfit(expected["is"], expected["oos"], 1)
    assert result.degradation_slope == pytest.approx(slope, rel=1e-7)
    assert result.degradation_intercept == pytest.approx(intercept, rel=1e-7, abs=1e-12)


def test_pbo_of_blocks_cut_as_the_sweep_cuts_them():
    # engine.sweep reports np.array_split blocks: 803 bars in 8 blocks of 101 (three) and 100 (five) bars.
    rng = np.random.default_rng(9)
    returns = rng.normal(0.0001, 0.01, size=(803, 12))
    blocks = np.array(
        [[[len(part), part.sum(), (part * part).sum()] for part in np.array_split(column, 8)] for column in returns.T]
    )
    result = pbo_cscv(blocks)
    expected = loop_cscv(returns, 8, near_equal=True)
    np.testing.assert_allclose(result.logits, expected["logits"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.out_of_sample_sharpe, expected["oos"], rtol=1e-9)


def test_pbo_merges_consecutive_blocks_into_S():
    rng = np.random.default_rng(5)
    returns = rng.normal(0.0, 0.01, size=(16 * 20, 9))
    merged = pbo_cscv(cscv_blocks(returns, 16), S=8)
    direct = pbo_cscv_from_returns(returns, 8)
    np.testing.assert_allclose(merged.logits, direct.logits, rtol=1e-12)
    assert merged.n_splits == 70


@pytest.mark.parametrize(
    ("shape", "S", "message"),
    [
        ((5, 8, 3), 5, "must be even, from 4 to 20, got 5"),
        ((5, 2, 3), None, "must be even, from 4 to 20, got 2"),
        ((5, 12, 3), 8, "S=8 must divide the number of blocks, 12"),
        ((1, 8, 3), None, "at least 2 combinations, got 1"),
        ((5, 8, 2), None, r"shape \(combinations, blocks, 3"),
        ((5, 8, 3), 8, "at least 2 bars"),
    ],
)
def test_pbo_refuses_bad_blocks(shape, S, message):
    blocks = np.ones(shape)
    with pytest.raises(ValueError, match=message):
        pbo_cscv(blocks, S=S)


def test_pbo_refuses_unknown_returns():
    blocks = cscv_blocks(np.random.default_rng(0).normal(size=(80, 3)), 8)
    blocks[1, 4, 1] = np.nan
    with pytest.raises(ValueError, match="finite numbers only"):
        pbo_cscv(blocks)


# -- Walk-forward analysis --------------------------------------------------------------------------------


def test_rolling_walk_forward_worked_by_hand():
    # 100 bars, 4 folds, 75 % in-sample: the first in-sample window is 75 x 100 / (4 x 0.25 + 0.75) = 42.86 -> 43
    # bars; the remaining 57 are cut at 43 + 57k/4 (floored): 57, 71, 85, 100.
    folds = walk_forward_windows(100, folds=4, in_sample=0.75, anchored=False)
    assert folds == [(0, 43, 43, 57), (14, 57, 57, 71), (28, 71, 71, 85), (42, 85, 85, 100)]
    assert folds[0].is_stop == folds[0].oos_start == 43


def test_anchored_walk_forward_keeps_bar_zero_and_the_same_out_of_sample_windows():
    anchored = walk_forward_windows(100, folds=4, in_sample=0.75, anchored=True)
    assert anchored == [(0, 43, 43, 57), (0, 57, 57, 71), (0, 71, 71, 85), (0, 85, 85, 100)]


def test_one_fold_is_a_plain_in_and_out_of_sample_split():
    assert walk_forward_windows(1000, folds=1, in_sample=0.7, anchored=False) == [(0, 700, 700, 1000)]


@pytest.mark.parametrize("anchored", [False, True])
@pytest.mark.parametrize(("n_bars", "folds", "in_sample"), [(1000, 5, 0.8), (997, 7, 0.6), (100_000, 12, 0.75)])
def test_walk_forward_out_of_sample_windows_tile_the_data(n_bars, folds, in_sample, anchored):
    windows = walk_forward_windows(n_bars, folds=folds, in_sample=in_sample, anchored=anchored)
    assert len(windows) == folds
    assert windows[-1].oos_stop == n_bars
    for previous, fold in itertools.pairwise(windows):
        assert fold.oos_start == previous.oos_stop
    lengths = [fold.oos_stop - fold.oos_start for fold in windows]
    assert max(lengths) - min(lengths) <= 1
    first = windows[0].is_stop - windows[0].is_start
    assert first / (first + lengths[0]) == pytest.approx(in_sample, abs=1 / lengths[0])
    for fold in windows:
        assert fold.is_stop == fold.oos_start
        assert fold.is_start == (0 if anchored else fold.is_stop - first)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"folds": 0, "in_sample": 0.75}, "folds must be at least 1, got 0"),
        ({"folds": 3, "in_sample": 0.0}, "strictly between 0 and 1, got 0"),
        ({"folds": 3, "in_sample": 1.0}, "strictly between 0 and 1, got 1"),
        ({"folds": 3, "in_sample": 1.5}, "strictly between 0 and 1, got 1.5"),
        (
            {"folds": 10, "in_sample": 0.75, "min_bars": 20},
            "200 bars in 10 folds at 75% in-sample give in-sample windows of 46 bars and out-of-sample windows of 15; "
            "each needs at least 20",
        ),
    ],
)
def test_walk_forward_refuses_impossible_windows(kwargs, message):
    with pytest.raises(ValueError, match=message):
        walk_forward_windows(200, anchored=False, **kwargs)


def test_walk_forward_efficiency_is_out_of_sample_over_in_sample_annualised_return():
    # Fold 1 keeps 10 of 20 % a year, fold 2 12 of 30 %: 0.5 and 0.4; overall 11 / 25 = 0.44.
    result = walk_forward_efficiency([20.0, 30.0], [10.0, 12.0])
    assert result.per_fold == [pytest.approx(0.5), pytest.approx(0.4)]
    assert result.value == pytest.approx(0.44)
    assert result.reason is None


def test_walk_forward_efficiency_without_in_sample_profit():
    mixed = walk_forward_efficiency([-5.0, 10.0], [2.0, 4.0])
    assert mixed.per_fold == [None, pytest.approx(0.4)]
    assert mixed.value == pytest.approx(3.0 / 2.5)
    losing = walk_forward_efficiency([-5.0, 0.0], [2.0, 4.0])
    assert losing.value is None and losing.per_fold == [None, None]
    assert "not positive" in losing.reason
    with pytest.raises(ValueError, match="2 in-sample figures but 1 out-of-sample"):
        walk_forward_efficiency([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="at least one fold"):
        walk_forward_efficiency([], [])
    with pytest.raises(ValueError, match=r"out_of_sample_figures\[1\] must be a finite number"):
        walk_forward_efficiency([1.0, 2.0], [1.0, math.nan])


# -- Verdict ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dsr", "pbo", "n_trials", "verdict"),
    [
        (
            0.40,
            0.62,
            1000,
            "Likely overfit: 62 % of splits pick a below-median out-of-sample winner. The best Sharpe ratio may be "
            "luck: only 40 % probability the true Sharpe ratio is above zero after 1,000 trials.",
        ),
        (None, 0.62, 1000, "Likely overfit: 62 % of splits pick a below-median out-of-sample winner."),
        (
            0.97,
            0.05,
            1000,
            "The best Sharpe ratio is unlikely to be luck: 97 % probability the true Sharpe ratio is above zero after "
            "1,000 trials. It holds out of sample: only 5 % of splits pick a below-median out-of-sample winner.",
        ),
        (
            0.97,
            None,
            1000,
            "The best Sharpe ratio is unlikely to be luck: 97 % probability the true Sharpe ratio is above zero after "
            "1,000 trials.",
        ),
        (
            0.9999,
            0.55,
            240,
            "Mixed: the best Sharpe ratio is unlikely to be luck (> 99 % probability the true Sharpe ratio is above "
            "zero after 240 trials), but 55 % of splits pick a below-median out-of-sample winner.",
        ),
        (
            0.97,
            0.35,
            1000,
            "The best Sharpe ratio is unlikely to be luck: 97 % probability the true Sharpe ratio is above zero after "
            "1,000 trials. But 35 % of splits pick a below-median out-of-sample winner.",
        ),
        (
            0.12,
            0.10,
            50,
            "Mixed: the choice holds out of sample (only 10 % of splits pick a below-median out-of-sample winner), "
            "but the best Sharpe ratio may be luck: only 12 % probability the true Sharpe ratio is above zero after "
            "50 trials.",
        ),
        (0.001, None, 1, "Likely luck: only < 1 % probability the true Sharpe ratio is above zero after 1 trial."),
        (
            0.30,
            0.35,
            20,
            "Likely luck: only 30 % probability the true Sharpe ratio is above zero after 20 trials. 35 % of splits "
            "pick a below-median out-of-sample winner.",
        ),
        (
            0.80,
            0.10,
            10,
            "Holds out of sample: only 10 % of splits pick a below-median out-of-sample winner. But only 80 % "
            "probability the true Sharpe ratio is above zero after 10 trials.",
        ),
        (None, 0.0, 10, "Holds out of sample: no split picks a below-median out-of-sample winner."),
        (None, 0.004, 10, "Holds out of sample: only < 1 % of splits pick a below-median out-of-sample winner."),
        (
            0.80,
            0.30,
            10,
            "Inconclusive: 80 % probability the true Sharpe ratio is above zero after 10 trials; 30 % of splits pick "
            "a below-median out-of-sample winner.",
        ),
        (
            None,
            None,
            10,
            "No verdict: neither the deflated Sharpe ratio nor the probability of backtest overfitting could be "
            "computed.",
        ),
    ],
)
def test_overfitting_verdict_in_plain_words(dsr, pbo, n_trials, verdict):
    assert overfitting_verdict(dsr, pbo, n_trials=n_trials) == verdict


def test_verdict_thresholds_are_where_they_say():
    below, at = DSR_CONFIDENT - 0.001, DSR_CONFIDENT
    assert overfitting_verdict(at, None, n_trials=5).startswith("The best Sharpe ratio is unlikely to be luck")
    assert overfitting_verdict(below, None, n_trials=5).startswith("Inconclusive")
    assert overfitting_verdict(None, PBO_OVERFIT, n_trials=5).startswith("Likely overfit")
    assert overfitting_verdict(None, PBO_OVERFIT - 0.001, n_trials=5).startswith("Inconclusive")
    assert overfitting_verdict(None, PBO_SOUND - 0.001, n_trials=5).startswith("Holds out of sample")
    with pytest.raises(ValueError, match="pbo must be a probability"):
        overfitting_verdict(0.5, 1.5, n_trials=5)
