// The names of metrics_summary's figures as a trader reads them, and how each is written.
import { num, pct } from "./format";

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
