"""Is a sweep's winner luck? The Deflated Sharpe Ratio, the Probability of Backtest Overfitting, walk-forward
windows and efficiency, and a verdict in plain words.

Sources, each cited again where it is used:

- [PSR] D. H. Bailey, M. López de Prado, "The Sharpe Ratio Efficient Frontier", Journal of Risk 15(2), 2012
  (SSRN 1821643): the Probabilistic Sharpe Ratio.
- [DSR] D. H. Bailey, M. López de Prado, "The Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest
  Overfitting and Non-Normality", Journal of Portfolio Management 40(5), 2014, pp. 94-107 (SSRN 2460551): the
  expected maximum Sharpe ratio of N trials (the "False Strategy" theorem) and the DSR.
- [PBO] D. H. Bailey, J. M. Borwein, M. López de Prado, Q. J. Zhu, "The Probability of Backtest Overfitting",
  Journal of Computational Finance 20(4), 2017 (SSRN 2326253, 2015): combinatorially symmetric
  cross-validation (CSCV).
- [WFA] R. Pardo, "The Evaluation and Optimization of Trading Strategies", 2nd ed., Wiley 2008, ch. 11
  (walk-forward analysis) and the walk-forward efficiency.

Conventions: every Sharpe ratio here is per bar (not annualised: divide an annualised one by the square root
of the bars per year), of simple per-bar returns, with no risk-free rate; skew is the population skewness
m3 / m2^1.5 and kurtosis the population, non-excess (Pearson) kurtosis m4 / m2^2 (3 for a normal
distribution), the papers' gamma3 and gamma4. Numpy, numba (CSCV's split loop) and the standard library only
(statistics.NormalDist gives the normal CDF and its inverse): scipy is a development dependency, the engine does
not import it.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, NamedTuple

import numpy as np
from numba import njit

EULER_MASCHERONI = 0.5772156649015329
_NORMAL = NormalDist()

# The verdict's thresholds.
DSR_CONFIDENT = 0.95  # the usual 95 % confidence that the true Sharpe ratio is above zero.
DSR_DOUBTFUL = 0.50  # below it, luck alone explains the best Sharpe ratio more likely than not.
PBO_OVERFIT = 0.50  # at or above it the in-sample choice does no better than picking a combination at random.
PBO_SOUND = 0.20  # below it few splits pick a below-median winner (our choice; [PBO] sets no cut-off).

# At most this many CSCV blocks: C(20, 10) = 184,756 splits.
CSCV_MAX_BLOCKS = 20


# -- Probabilistic and Deflated Sharpe Ratio -------------------------------------------------------------


def probabilistic_sharpe_ratio(
    sharpe: float, benchmark: float, n_observations: int, skew: float, kurtosis: float
) -> float:
    """The probability that the true Sharpe ratio exceeds `benchmark`, given an observed `sharpe` over
    `n_observations` returns with that skew and kurtosis ([PSR], the PSR formula; the same expression is
    [DSR]'s DSR with SR* = SR0):

        PSR(SR*) = Z[ (SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurt - 1) / 4 SR²) ]

    `sharpe` and `benchmark` are per-period (not annualised); `kurtosis` is the non-excess (Pearson) kurtosis,
    3 for normal returns: pass excess kurtosis + 3. ValueError, naming the input, when the formula is not
    defined: fewer than 2 observations, a non-finite input, or moments that make the variance term non-positive
    (impossible for moments of real data, where kurt >= 1 + skew²).
    """
    _finite(sharpe=sharpe, benchmark=benchmark, skew=skew, kurtosis=kurtosis)
    if n_observations < 2:
        raise ValueError(f"the probabilistic Sharpe ratio needs at least 2 observations, got {n_observations}")
    variance_term = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if variance_term <= 0.0:
        raise ValueError(
            f"skew {skew:g} and kurtosis {kurtosis:g} give the Sharpe ratio's variance term "
            f"{variance_term:g} (it must be positive; moments of real returns have kurtosis >= 1 + skew²)"
        )
    z = (sharpe - benchmark) * math.sqrt(n_observations - 1) / math.sqrt(variance_term)
    return _NORMAL.cdf(z)


def expected_max_sharpe(sharpe_variance: float, n_trials: int) -> float:
    """The Sharpe ratio the best of `n_trials` independent trials reaches by luck alone when every trial's
    true Sharpe ratio is zero and the estimates vary with `sharpe_variance` across trials ([DSR], the
    expected maximum SR0 of N trials, the "False Strategy" theorem; after Bailey, Borwein, López de Prado &
    Zhu 2014, "Pseudo-Mathematics and Financial Charlatanism", Notices of the AMS 61(5)):

        SR0 = sqrt(V[SR_n]) ((1 - gamma) Z⁻¹[1 - 1/N] + gamma Z⁻¹[1 - 1/(N e)])

    with gamma the Euler-Mascheroni constant. One trial (or no spread across trials) leaves nothing to select
    from: SR0 = 0, and the DSR is the PSR against zero.
    """
    _finite(sharpe_variance=sharpe_variance)
    if sharpe_variance < 0.0:
        raise ValueError(f"sharpe_variance must not be negative, got {sharpe_variance:g}")
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials}")
    if n_trials == 1 or sharpe_variance == 0.0:
        return 0.0
    expected_max_z = (1.0 - EULER_MASCHERONI) * _NORMAL.inv_cdf(1.0 - 1.0 / n_trials) + (
        EULER_MASCHERONI * _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    )
    return math.sqrt(sharpe_variance) * expected_max_z


def deflated_sharpe_ratio(
    sharpe: float,
    sharpe_variance: float,
    n_trials: int,
    n_observations: int,
    skew: float,
    kurtosis: float,
) -> float:
    """The probability that the true Sharpe ratio of the best of `n_trials` is above zero once the selection
    is accounted for: the PSR against SR0 = expected_max_sharpe(sharpe_variance, n_trials) ([DSR], the DSR
    formula: DSR = PSR(SR0)).

    All Sharpe figures per period (`sharpe_variance` is the variance of the trials' per-period Sharpe ratios);
    `kurtosis` non-excess. [DSR]'s numerical example (N = 100, V = 1/2 annualised, T = 1250 daily returns,
    SR = 2.5 annualised, skew = -3, kurt = 10) gives SR0 ≈ 0.1132 per day and a DSR ≈ 0.9004. Errors as
    probabilistic_sharpe_ratio and expected_max_sharpe.
    """
    benchmark = expected_max_sharpe(sharpe_variance, n_trials)
    return probabilistic_sharpe_ratio(sharpe, benchmark, n_observations, skew, kurtosis)


@dataclass(frozen=True)
class DeflatedSharpe:
    """The DSR of a sweep's best combination and the figures it was computed from; `dsr` is None when it is
    not defined, and `reason` then says why."""

    dsr: float | None
    best: int
    sharpe: float | None
    benchmark: float | None
    n_trials: int
    sharpe_variance: float | None
    n_observations: int
    skew: float | None
    kurtosis: float | None
    reason: str | None = None


def deflated_sharpe_of_best(moments: np.ndarray, best: int | None = None) -> DeflatedSharpe:
    """The DSR of one combination of a sweep, from every combination's power sums of per-bar returns
    (`moments`, shape (N, 5): n, Σr, Σr², Σr³, Σr⁴, as moments_to_stats reads them).

    The trials are the combinations whose Sharpe ratio is defined; their number and the variance (ddof=1) of
    their Sharpe ratios set SR0 ([DSR]). `best` defaults to the combination of the highest Sharpe ratio.
    N counts every combination, though neighbouring combinations of a grid trade alike: [DSR] would count
    the effective independent trials instead (fewer, so a higher DSR); counting all of them errs on the side
    of caution.
    """
    n, _mean, _std, sharpe, skew, kurtosis = moments_to_stats(moments)
    defined = np.isfinite(sharpe)
    n_trials = int(defined.sum())
    if best is None:
        if n_trials == 0:
            return DeflatedSharpe(None, -1, None, None, 0, None, 0, None, None, reason=_NO_SHARPE)
        best = int(np.flatnonzero(defined)[np.argmax(sharpe[defined])])
    sharpe_variance = float(np.var(sharpe[defined], ddof=1)) if n_trials >= 2 else 0.0
    figures = {
        "best": best,
        "sharpe": _number(sharpe[best]),
        "n_trials": n_trials,
        "sharpe_variance": sharpe_variance,
        "n_observations": int(n[best]),
        "skew": _number(skew[best]),
        "kurtosis": _number(kurtosis[best]),
    }
    if not defined[best]:
        return DeflatedSharpe(dsr=None, benchmark=None, reason=_NO_SHARPE, **figures)
    benchmark = expected_max_sharpe(sharpe_variance, n_trials)
    try:
        dsr = probabilistic_sharpe_ratio(sharpe[best], benchmark, int(n[best]), skew[best], kurtosis[best])
    except ValueError as problem:
        return DeflatedSharpe(dsr=None, benchmark=benchmark, reason=str(problem), **figures)
    return DeflatedSharpe(dsr=dsr, benchmark=benchmark, **figures)


_NO_SHARPE = "the returns have no variance (the combination never traded), so its Sharpe ratio is not defined"


# -- Moments ----------------------------------------------------------------------------------------------


def moments_to_stats(moments: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
    """(n, mean, std, sharpe, skew, kurtosis) from the power sums (n, Σr, Σr², Σr³, Σr⁴) of per-bar returns,
    so a sweep keeps five numbers per combination instead of its returns.

    `moments` is one row of five or an array of rows (..., 5); the figures come back as floats or arrays of
    the leading shape. std is the sample standard deviation (ddof=1); sharpe = mean / std per bar; skew =
    m3 / m2^1.5 and kurtosis = m4 / m2^2 (non-excess) with the population central moments m_k = Σ(r - mean)^k
    / n, as scipy.stats.skew and scipy.stats.kurtosis(fisher=False) with bias=True (pandas' .skew() and
    .kurt() are the bias-adjusted, excess versions). A figure is NaN where it is not defined: std with n < 2;
    sharpe, skew and kurtosis where the returns do not vary.

    The central moments are expanded from the raw ones, which loses precision only when the mean is many
    orders of magnitude above the spread: not so for per-bar returns.
    """
    rows = np.asarray(moments, dtype=np.float64)
    if rows.shape[-1:] != (5,):
        raise ValueError(f"moments must have 5 numbers per row (n, Σr, Σr², Σr³, Σr⁴), got shape {rows.shape}")
    n, s1, s2, s3, s4 = np.moveaxis(rows, -1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n
        e2, e3, e4 = s2 / n, s3 / n, s4 / n
        m2 = np.maximum(e2 - mean * mean, 0.0)
        m3 = e3 - 3.0 * mean * e2 + 2.0 * mean**3
        m4 = e4 - 4.0 * mean * e3 + 6.0 * mean * mean * e2 - 3.0 * mean**4
        varies = m2 > _relative_zero(e2)
        std = np.where(n >= 2, np.sqrt(m2 * n / (n - 1)), np.nan)
        sharpe = np.where(varies & (n >= 2), mean / std, np.nan)
        skew = np.where(varies, m3 / m2**1.5, np.nan)
        kurtosis = np.where(varies, m4 / (m2 * m2), np.nan)
    if rows.ndim == 1:
        return int(n), float(mean), float(std), float(sharpe), float(skew), float(kurtosis)
    return n, mean, std, sharpe, skew, kurtosis


def _relative_zero(second_moment: np.ndarray) -> np.ndarray:
    """A variance below this is rounding noise of E[r²] - E[r]² (the returns are constant)."""
    return 1e-14 * second_moment


# -- Probability of Backtest Overfitting (CSCV) -----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PBOResult:
    """What CSCV finds ([PBO]). Per split c, in the order of itertools.combinations(range(S), S/2)
    for the in-sample blocks: `logits` λ_c, the in-sample-best combination, its in- and out-of-sample Sharpe
    ratios."""

    pbo: float
    logits: np.ndarray
    n_splits: int
    probability_of_loss: float
    degradation_slope: float | None
    degradation_intercept: float | None
    best_in_sample: np.ndarray
    in_sample_sharpe: np.ndarray
    out_of_sample_sharpe: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe summary (numbers as floats or None, the logits as a list)."""
        return {
            "pbo": self.pbo,
            "n_splits": self.n_splits,
            "probability_of_loss": self.probability_of_loss,
            "degradation_slope": self.degradation_slope,
            "degradation_intercept": self.degradation_intercept,
            "logits": [_number(value) for value in self.logits],
        }


def pbo_cscv(blocks: np.ndarray, *, S: int | None = None) -> PBOResult:
    """The Probability of Backtest Overfitting by combinatorially symmetric cross-validation ([PBO], the CSCV
    procedure), with the Sharpe ratio as the performance measure.

    `blocks` has shape (N combinations, B blocks, 3): n, Σr, Σr² of each combination's per-bar returns over
    each of B consecutive blocks of the full window, of equal length or within a bar of it as np.array_split
    cuts them (CSCV splits the T x N matrix of returns into S equal sub-matrices). `S` (even, 4 to CSCV_MAX_BLOCKS) defaults to B; a smaller S must divide B and merges
    consecutive blocks. Each of the C(S, S/2) splits takes S/2 blocks as the in-sample set J and the others
    as its complement J̄; every combination's Sharpe ratio on each comes from the summed stats (no T x N
    matrix needed); n* is the in-sample best, ω̄_c its relative rank out of sample, rank / (N + 1) with rank
    1 the worst and ties averaged, and λ_c = ln(ω̄_c / (1 - ω̄_c)) its logit. PBO = the fraction of splits
    with λ_c <= 0, i.e. whose in-sample best ranks at or below the median out of sample.

    Also ([PBO]'s further overfitting statistics): the probability of loss, the fraction of splits where n*'s
    out-of-sample Sharpe ratio is below zero, and the performance degradation, the least-squares line of
    out-of-sample on in-sample Sharpe ratio of n* across splits (None when the in-sample figures do not vary).

    A combination with no variance in a half (it never traded there) has an undefined Sharpe ratio; it counts
    as 0, the Sharpe ratio of standing aside.
    """
    blocks = np.asarray(blocks, dtype=np.float64)
    if blocks.ndim != 3 or blocks.shape[2] != 3:
        raise ValueError(f"blocks must have shape (combinations, blocks, 3: n, Σr, Σr²), got {blocks.shape}")
    n_combinations, n_blocks, _ = blocks.shape
    if n_combinations < 2:
        raise ValueError(f"the probability of backtest overfitting needs at least 2 combinations, got {n_combinations}")
    S = n_blocks if S is None else S
    if S < 4 or S % 2 or S > CSCV_MAX_BLOCKS:
        raise ValueError(f"S (the number of CSCV blocks) must be even, from 4 to {CSCV_MAX_BLOCKS}, got {S}")
    if n_blocks % S:
        raise ValueError(f"S={S} must divide the number of blocks, {n_blocks}")
    if not np.all(np.isfinite(blocks)):
        raise ValueError("blocks must hold finite numbers only (a NaN return makes every Sharpe ratio unknown)")
    blocks = blocks.reshape(n_combinations, S, n_blocks // S, 3).sum(axis=2)
    if np.any(blocks[:, :, 0] < 2):
        raise ValueError("every CSCV block must hold at least 2 bars")

    # Each split's in-sample half is S/2 of the S blocks. Its sums are those of its blocks among the first S/2
    # plus those among the last S/2, read from the sums of every subset of either group (2^(S/2) rows each),
    # so a half costs one addition and no matrix product. A half and its complement are two splits (each the
    # other's out-of-sample set): they are evaluated together, every Sharpe ratio computed once.
    group = S // 2
    first, last = _subset_sums(blocks[:, :group]), _subset_sums(blocks[:, group:])
    pair_array = _split_pairs(S)
    n_splits = 2 * len(pair_array)
    totals = np.ascontiguousarray(blocks.sum(axis=1).T)  # (3, N)

    best = np.empty(n_splits, dtype=np.int64)
    in_sample = np.empty(n_splits)
    out_of_sample = np.empty(n_splits)
    rank = np.empty(n_splits)
    _cscv_pairs(first, last, totals, pair_array, best, in_sample, out_of_sample, rank)

    omega = rank / (n_combinations + 1)
    logits = np.log(omega / (1.0 - omega))
    slope, intercept = _least_squares(in_sample, out_of_sample)
    return PBOResult(
        pbo=float(np.mean(logits <= 0.0)),
        logits=logits,
        n_splits=n_splits,
        probability_of_loss=float(np.mean(out_of_sample < 0.0)),
        degradation_slope=slope,
        degradation_intercept=intercept,
        best_in_sample=best,
        in_sample_sharpe=in_sample,
        out_of_sample_sharpe=out_of_sample,
    )


def cscv_blocks(returns: np.ndarray, S: int) -> np.ndarray:
    """The (N, S, 3) blocks pbo_cscv reads, from a T x N matrix of per-bar returns: T split into S consecutive
    blocks of equal length as CSCV cuts them, the last T mod S bars dropped as the paper requires equal blocks."""
    returns = np.asarray(returns, dtype=np.float64)
    if returns.ndim != 2:
        raise ValueError(f"returns must be a T x N matrix, got shape {returns.shape}")
    length = returns.shape[0] // S
    if length < 1:
        raise ValueError(f"{returns.shape[0]} bars cannot make {S} blocks")
    cut = returns[: length * S].reshape(S, length, returns.shape[1])
    sums = np.stack([np.full(cut.shape[::2], float(length)), cut.sum(axis=1), (cut * cut).sum(axis=1)], axis=-1)
    return sums.transpose(1, 0, 2)


def pbo_cscv_from_returns(returns: np.ndarray, S: int) -> PBOResult:
    """pbo_cscv on a T x N matrix of per-bar returns (one column per combination)."""
    return pbo_cscv(cscv_blocks(returns, S), S=S)


def _subset_sums(group: np.ndarray) -> np.ndarray:
    """(3, 2^g, N): for every subset of the g blocks of `group` (N, g, 3), bit b standing for block b, the
    sums of its blocks' n, Σr, Σr²."""
    n_combinations, size, _ = group.shape
    by_block = group.transpose(2, 1, 0)  # (3, g, N)
    sums = np.zeros((3, 1 << size, n_combinations))
    for mask in range(1, 1 << size):
        low = mask & -mask
        sums[:, mask] = sums[:, mask ^ low] + by_block[:, low.bit_length() - 1]
    return sums


@functools.cache
def _split_pairs(S: int) -> np.ndarray:
    """pbo_cscv's splits of S blocks as pairs of a half and its complement, one row per pair: the half's
    split number, its complement's, and the half's blocks among the first S/2 and among the last S/2 as
    bit masks. Splits are numbered in the order of itertools.combinations(range(S), S/2); the halves
    holding block 0 come first, so the first C(S, S/2) / 2 of them and their complements are every split."""
    group = S // 2
    halves = list(itertools.combinations(range(S), group))
    index = {half: k for k, half in enumerate(halves)}
    pairs = []
    for k, half in enumerate(halves[: len(halves) // 2]):
        complement = tuple(sorted(set(range(S)) - set(half)))
        mask_first = sum(1 << b for b in half if b < group)
        mask_last = sum(1 << (b - group) for b in half if b >= group)
        pairs.append((k, index[complement], mask_first, mask_last))
    array = np.array(pairs, dtype=np.int64)
    array.flags.writeable = False
    return array


@njit(cache=True, nogil=True)
def _sharpe_of(n: float, s1: float, s2: float) -> float:
    """Per-bar Sharpe ratio (ddof=1) from n, Σr, Σr²; 0 where the returns do not vary."""
    mean = s1 / n
    centred = s2 - s1 * mean  # Σ(r - mean)²
    if centred <= 1e-14 * s2:
        return 0.0
    return math.sqrt((n - 1.0) / centred) * mean


@njit(cache=True, nogil=True)
def _squared_sharpe_parts(n: float, s1: float, s2: float) -> tuple[float, float]:
    """The signed square of the Sharpe ratio from n, Σr, Σr², as a numerator and a positive denominator:
    SR |SR| = Σr |Σr| (n - 1) / (n (n Σr² - (Σr)²)); 0 / 1 where the returns do not vary (as _sharpe_of).
    It orders combinations as their Sharpe ratios do, and comparing a / b with c / d as a d with c b
    needs no division or square root (the split loop's cost)."""
    spread = n * s2 - s1 * s1  # n Σ(r - mean)²
    if spread <= 1e-14 * n * s2:
        return 0.0, 1.0
    return s1 * abs(s1) * (n - 1.0), n * spread


@njit(cache=True, nogil=True)
def _cscv_pairs(first, last, totals, pairs, best, in_sample, out_of_sample, rank):
    """pbo_cscv's splits, a half and its complement at a time: every combination's Sharpe ratio on either
    half, as _squared_sharpe_parts (the sums read from the two groups' subset sums); the in-sample best of
    either half (the first on a tie, as np.argmax), its rank out of sample (1 the worst, ties averaged) and
    its two Sharpe ratios."""
    n_combinations = totals.shape[1]
    own_num, own_den = np.empty(n_combinations), np.empty(n_combinations)
    other_num, other_den = np.empty(n_combinations), np.empty(n_combinations)
    for p in range(pairs.shape[0]):
        split_own, split_other, mask_first, mask_last = pairs[p, 0], pairs[p, 1], pairs[p, 2], pairs[p, 3]
        for j in range(n_combinations):
            n = first[0, mask_first, j] + last[0, mask_last, j]
            s1 = first[1, mask_first, j] + last[1, mask_last, j]
            s2 = first[2, mask_first, j] + last[2, mask_last, j]
            own_num[j], own_den[j] = _squared_sharpe_parts(n, s1, s2)
            other_num[j], other_den[j] = _squared_sharpe_parts(totals[0, j] - n, totals[1, j] - s1, totals[2, j] - s2)
        best_own, best_other = 0, 0
        for j in range(n_combinations):
            if own_num[j] * own_den[best_own] > own_num[best_own] * own_den[j]:
                best_own = j
            if other_num[j] * other_den[best_other] > other_num[best_other] * other_den[j]:
                best_other = j
        for split, chosen, is_own in ((split_own, best_own, True), (split_other, best_other, False)):
            ranked_num, ranked_den = (other_num, other_den) if is_own else (own_num, own_den)
            value_num, value_den = ranked_num[chosen], ranked_den[chosen]
            below, equal = 0, 0
            for j in range(n_combinations):  # without branches, so it vectorises
                left, right = ranked_num[j] * value_den, value_num * ranked_den[j]
                below += left < right
                equal += left == right
            n = first[0, mask_first, chosen] + last[0, mask_last, chosen]
            s1 = first[1, mask_first, chosen] + last[1, mask_last, chosen]
            s2 = first[2, mask_first, chosen] + last[2, mask_last, chosen]
            sharpe_own = _sharpe_of(n, s1, s2)
            sharpe_other = _sharpe_of(totals[0, chosen] - n, totals[1, chosen] - s1, totals[2, chosen] - s2)
            best[split] = chosen
            in_sample[split], out_of_sample[split] = (
                (sharpe_own, sharpe_other) if is_own else (sharpe_other, sharpe_own)
            )
            rank[split] = below + (equal + 1) / 2.0


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    spread = x - x.mean()
    denominator = float(spread @ spread)
    if denominator <= 1e-300:
        return None, None
    slope = float(spread @ (y - y.mean())) / denominator
    return slope, float(y.mean() - slope * x.mean())


# -- Walk-forward analysis --------------------------------------------------------------------------------


class WalkForwardFold(NamedTuple):
    """Bar indices of one fold, half-open: in-sample [is_start, is_stop), out-of-sample [oos_start, oos_stop)."""

    is_start: int
    is_stop: int
    oos_start: int
    oos_stop: int


def walk_forward_windows(
    n_bars: int, *, folds: int, in_sample: float, anchored: bool, min_bars: int = 2
) -> list[WalkForwardFold]:
    """The folds of a walk-forward analysis over bars [0, n_bars) ([WFA] ch. 11).

    Every fold's out-of-sample window directly follows its in-sample window; the out-of-sample windows are
    consecutive, never overlap, and together cover every bar after the first in-sample window, so their
    results stitch into one out-of-sample equity curve. `in_sample` is the in-sample share of a fold's span:
    the first in-sample window has I = round(in_sample x n_bars / (folds x (1 - in_sample) + in_sample)) bars
    and the n_bars - I bars after it are cut into `folds` out-of-sample windows whose lengths differ by at most
    one bar. Rolling (anchored=False): each in-sample window is the I bars just before its out-of-sample window,
    sliding forward fold by fold. Anchored: each in-sample window starts at bar 0 and grows.

    ValueError naming the problem: folds < 1, in_sample outside (0, 1), or a window shorter than `min_bars`
    (2 by default, the fewest a Sharpe ratio needs).
    """
    if folds < 1:
        raise ValueError(f"folds must be at least 1, got {folds}")
    if not 0.0 < in_sample < 1.0:
        raise ValueError(f"in_sample must be a proportion strictly between 0 and 1, got {in_sample:g}")
    if min_bars < 1:
        raise ValueError(f"min_bars must be at least 1, got {min_bars}")
    first = round(in_sample * n_bars / (folds * (1.0 - in_sample) + in_sample))
    rest = n_bars - first
    shortest = rest // folds
    if first < min_bars or shortest < min_bars:
        raise ValueError(
            f"{n_bars:,} bars in {folds} folds at {in_sample:.0%} in-sample give in-sample windows of "
            f"{first:,} bars and out-of-sample windows of {shortest:,}; each needs at least {min_bars:,} "
            "(use fewer folds or more bars)"
        )
    edges = [first + (rest * k) // folds for k in range(folds + 1)]
    return [
        WalkForwardFold(0 if anchored else edges[k] - first, edges[k], edges[k], edges[k + 1]) for k in range(folds)
    ]


@dataclass(frozen=True)
class WalkForwardEfficiency:
    """Pardo's walk-forward efficiency overall and per fold; a value is None when the in-sample figure is
    not positive, and `reason` then says so for the overall figure."""

    value: float | None
    per_fold: list[float | None]
    reason: str | None = None


def walk_forward_efficiency(
    in_sample_figures: Sequence[float], out_of_sample_figures: Sequence[float]
) -> WalkForwardEfficiency:
    """Walk-forward efficiency: the annualised out-of-sample return over the annualised in-sample return
    ([WFA] ch. 11: a robust strategy keeps roughly 50 % or more of its in-sample rate of return out of sample).

    Pass each fold's annualised returns (in- and out-of-sample, same unit; annualising makes windows of
    different lengths comparable). Overall: the mean out-of-sample figure over the mean in-sample figure.
    The ratio means nothing when the in-sample figure is not positive (the optimisation found no profit to
    keep), so such a value is None.
    """
    if len(in_sample_figures) != len(out_of_sample_figures):
        raise ValueError(
            f"{len(in_sample_figures)} in-sample figures but {len(out_of_sample_figures)} out-of-sample figures"
        )
    if not in_sample_figures:
        raise ValueError("walk-forward efficiency needs at least one fold")
    _finite(**{f"in_sample_figures[{k}]": value for k, value in enumerate(in_sample_figures)})
    _finite(**{f"out_of_sample_figures[{k}]": value for k, value in enumerate(out_of_sample_figures)})
    per_fold = [
        oos / ins if ins > 0 else None for ins, oos in zip(in_sample_figures, out_of_sample_figures, strict=True)
    ]
    mean_in = math.fsum(in_sample_figures) / len(in_sample_figures)
    mean_out = math.fsum(out_of_sample_figures) / len(out_of_sample_figures)
    if mean_in <= 0:
        reason = f"the mean in-sample annualised return is {mean_in:g}, not positive: nothing to keep out of sample"
        return WalkForwardEfficiency(None, per_fold, reason)
    return WalkForwardEfficiency(mean_out / mean_in, per_fold)


# -- Verdict ----------------------------------------------------------------------------------------------


def overfitting_verdict(dsr: float | None, pbo: float | None, *, n_trials: int) -> str:
    """One or two plain sentences a trader reads beside the sweep: is the best combination's Sharpe ratio
    luck (the DSR against DSR_CONFIDENT and DSR_DOUBTFUL), and does the in-sample choice hold out of sample
    (the PBO against PBO_OVERFIT and PBO_SOUND)? Either figure may be None (not computed)."""
    if dsr is not None and not 0.0 <= dsr <= 1.0:
        raise ValueError(f"dsr must be a probability in [0, 1], got {dsr:g}")
    if pbo is not None and not 0.0 <= pbo <= 1.0:
        raise ValueError(f"pbo must be a probability in [0, 1], got {pbo:g}")
    if dsr is None and pbo is None:
        return (
            "No verdict: neither the deflated Sharpe ratio nor the probability of backtest overfitting could be "
            "computed."
        )
    trials = f"{n_trials:,} trial" + ("" if n_trials == 1 else "s")
    luck = None if dsr is None else f"{_percent(dsr)} probability the true Sharpe ratio is above zero after {trials}"
    splits = None if pbo is None else f"{_percent(pbo)} of splits pick a below-median out-of-sample winner"
    skill = dsr is not None and dsr >= DSR_CONFIDENT
    lucky = dsr is not None and dsr < DSR_DOUBTFUL
    overfit = pbo is not None and pbo >= PBO_OVERFIT
    holds = pbo is not None and pbo < PBO_SOUND
    few = "no split picks a below-median out-of-sample winner" if pbo == 0.0 else f"only {splits}"

    if overfit and skill:
        return f"Mixed: the best Sharpe ratio is unlikely to be luck ({luck}), but {splits}."
    if overfit:
        return f"Likely overfit: {splits}." + (f" The best Sharpe ratio may be luck: only {luck}." if luck else "")
    if skill:
        verdict = f"The best Sharpe ratio is unlikely to be luck: {luck}."
        if holds:
            return verdict + f" It holds out of sample: {few}."
        return verdict + (f" But {splits}." if splits else "")
    if lucky and holds:
        return f"Mixed: the choice holds out of sample ({few}), but the best Sharpe ratio may be luck: only {luck}."
    if lucky:
        return f"Likely luck: only {luck}." + (f" {splits}." if splits else "")
    if holds:
        return f"Holds out of sample: {few}." + (f" But only {luck}." if luck else "")
    return "Inconclusive: " + "; ".join(part for part in (luck, splits) if part) + "."


def _percent(probability: float) -> str:
    """A probability as a whole percentage that never rounds to a certainty it is not ("> 99 %", "< 1 %")."""
    if 0.0 < probability < 0.005:
        return "< 1 %"
    if 0.995 <= probability < 1.0:
        return "> 99 %"
    return f"{round(probability * 100)} %"


# -- Helpers ----------------------------------------------------------------------------------------------


def _finite(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value}")


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
