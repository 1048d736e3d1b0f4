// The headline figures of a quick test, as the report's cards and the comparison's rows show them: one
// label, one format and one reading of "better" for each, so the two pages agree.
import { money, num, pct, signClass } from "./format";

export type Headline = {
  key: string;
  label: string;
  format: (value: unknown) => string;
  /** Colour class of a value (gains green, losses red). */
  tone?: (value: unknown) => string;
  /** Which value is best when tests are compared; none for figures that are neither good nor bad. */
  better?: "higher" | "nearer-zero";
};

export const HEADLINE: Headline[] = [
  { key: "return_pct", label: "Return", format: pct, tone: signClass, better: "higher" },
  { key: "buy_and_hold_return_pct", label: "Buy & hold", format: pct, tone: signClass },
  { key: "cagr_pct", label: "CAGR", format: pct, tone: signClass, better: "higher" },
  { key: "max_drawdown_pct", label: "Max drawdown", format: pct, tone: () => "neg", better: "nearer-zero" },
  { key: "sharpe_ratio", label: "Sharpe", format: num, better: "higher" },
  { key: "sortino_ratio", label: "Sortino", format: num, better: "higher" },
  { key: "calmar_ratio", label: "Calmar", format: num, better: "higher" },
  { key: "profit_factor", label: "Profit factor", format: num, better: "higher" },
  { key: "win_rate_pct", label: "Win rate", format: pct, better: "higher" },
  { key: "trades", label: "Trades", format: (v) => String(v ?? "–") },
  { key: "exposure_time_pct", label: "Exposure", format: pct },
];

/** The positions of the best of `values` (ties all count); none unless at least two are numbers. */
export function bestOf(values: unknown[], better: Headline["better"]): Set<number> {
  const score = (v: unknown) =>
    typeof v === "number" && Number.isFinite(v) ? (better === "nearer-zero" ? -Math.abs(v) : v) : null;
  const scores = values.map(score);
  const known = scores.filter((s): s is number => s !== null);
  if (!better || known.length < 2) return new Set();
  const top = Math.max(...known);
  return new Set(scores.flatMap((s, i) => (s === top ? [i] : [])));
}

type Config = Record<string, unknown>;

/** The backtest settings, each with its label and how its value reads (defaults where one is missing). */
export const CONFIG_FIELDS: { key: string; label: string; format: (value: unknown) => string }[] = [
  { key: "initial_capital", label: "Capital", format: (v) => money(v ?? 10000) },
  { key: "commission", label: "Commission", format: (v) => pct(((v as number) ?? 0) * 100, 3) },
  { key: "slippage_bps", label: "Slippage", format: (v) => `${num(v ?? 0, 1)} bp` },
  { key: "fill", label: "Fill", format: (v) => String(v ?? "next_open") },
  { key: "direction", label: "Direction", format: (v) => String(v ?? "long") },
  { key: "size", label: "Size", format: (v) => pct(((v as number) ?? 1) * 100, 0) },
  { key: "whole_units", label: "Whole units", format: (v) => (v ? "yes" : "no") },
  { key: "risk_free_rate", label: "Risk-free rate", format: (v) => pct(((v as number) ?? 0) * 100, 2) },
];

/** One line of a test's settings: "capital 10,000.00 · commission 0.100 % · …". */
export function configText(config: Config): string {
  const shown = ["initial_capital", "commission", "slippage_bps", "fill", "direction", "size"];
  const parts = CONFIG_FIELDS.filter((field) => shown.includes(field.key)).map((field) => {
    const value = field.format(config[field.key]);
    return field.key === "direction" ? value : `${field.label.toLowerCase()} ${value}`;
  });
  if (config.whole_units) parts.push("whole units");
  return parts.join(" · ");
}

// Every figure of metrics_summary by its name as a trader reads it (the sweep's objective, table and folds).
export const METRIC_LABELS: Record<string, string> = {
  sharpe_ratio: "Sharpe ratio",
  sortino_ratio: "Sortino ratio",
  calmar_ratio: "Calmar ratio",
  return_pct: "Return",
  return_ann_pct: "Return (annualised)",
  cagr_pct: "CAGR",
  buy_and_hold_return_pct: "Buy & hold return",
  volatility_ann_pct: "Volatility (annualised)",
  max_drawdown_pct: "Max drawdown",
  avg_drawdown_pct: "Average drawdown",
  profit_factor: "Profit factor",
  win_rate_pct: "Win rate",
  expectancy_pct: "Expectancy",
  sqn: "SQN",
  trades: "Trades",
  exposure_time_pct: "Exposure time",
  equity_final: "Equity final",
  equity_peak: "Equity peak",
  commissions: "Commissions",
  alpha_pct: "Alpha",
  beta: "Beta",
  best_trade_pct: "Best trade",
  worst_trade_pct: "Worst trade",
  avg_trade_pct: "Average trade",
  kelly_criterion: "Kelly criterion",
};

/** The metrics a sweep is usually ranked by, first in the objective's list. */
export const OBJECTIVE_CHOICES = [
  "sharpe_ratio",
  "sortino_ratio",
  "calmar_ratio",
  "return_pct",
  "return_ann_pct",
  "cagr_pct",
  "max_drawdown_pct",
  "profit_factor",
  "win_rate_pct",
  "expectancy_pct",
  "sqn",
  "equity_final",
  "trades",
] as const;

export function metricLabel(key: string): string {
  return METRIC_LABELS[key] ?? key.replace(/_pct$/, "").replaceAll("_", " ");
}

export function formatMetric(key: string, value: unknown): string {
  if (key === "trades") return typeof value === "number" ? value.toLocaleString() : "–";
  return key.endsWith("_pct") ? pct(value) : num(value);
}
