import { money, num, pct } from "../../components/format";
import type { CalendarReturns, SideFigures } from "./api";

// TradingView's Performance Summary, in its order and words; money in the account's currency.
const ROWS: [string, string, (v: unknown) => string][] = [
  ["net_profit", "Net profit", money],
  ["net_profit_pct", "Net profit %", pct],
  ["gross_profit", "Gross profit", money],
  ["gross_loss", "Gross loss", money],
  ["max_run_up", "Max run-up", money],
  ["commission_paid", "Commission paid", money],
  ["trades", "Total closed trades", (v) => (v == null ? "–" : String(v))],
  ["winning_trades", "Winning trades", (v) => (v == null ? "–" : String(v))],
  ["losing_trades", "Losing trades", (v) => (v == null ? "–" : String(v))],
  ["win_rate_pct", "Percent profitable", pct],
  ["avg_trade", "Average trade", money],
  ["avg_win", "Average winning trade", money],
  ["avg_loss", "Average losing trade", money],
  ["win_loss_ratio", "Ratio avg win / avg loss", num],
  ["largest_win", "Largest winning trade", money],
  ["largest_loss", "Largest losing trade", money],
  ["best_trade_pct", "Best trade %", pct],
  ["worst_trade_pct", "Worst trade %", pct],
  ["avg_bars", "Average bars in trades", (v) => num(v, 1)],
  ["avg_bars_winning", "Average bars in winning trades", (v) => num(v, 1)],
  ["avg_bars_losing", "Average bars in losing trades", (v) => num(v, 1)],
];

export function PerformanceSummary({
  summary,
}: {
  summary: { all: SideFigures; long: SideFigures; short: SideFigures };
}) {
  return (
    <div className="table-scroll">
      <table className="table metrics performance" data-testid="performance">
        <thead>
          <tr>
            <th scope="col">Performance summary</th>
            <th scope="col" className="numeric">
              All
            </th>
            <th scope="col" className="numeric">
              Long
            </th>
            <th scope="col" className="numeric">
              Short
            </th>
          </tr>
        </thead>
        <tbody>
          {ROWS.filter(([key]) => key in summary.all).map(([key, label, format]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td className="numeric">{format(summary.all[key])}</td>
              <td className="numeric">{format(summary.long[key])}</td>
              <td className="numeric">{format(summary.short[key])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Green for gains, red for losses, stronger with size (capped at ±10 % a month). */
function heat(value: number | null | undefined): string | undefined {
  if (value == null || !Number.isFinite(value)) return undefined;
  const strength = Math.min(Math.abs(value) / 10, 1);
  return value >= 0
    ? `rgba(22, 163, 74, ${0.1 + 0.6 * strength})`
    : `rgba(220, 38, 38, ${0.1 + 0.6 * strength})`;
}

export function MonthlyReturns({ returns }: { returns: CalendarReturns }) {
  if (returns.years.length === 0) return <p className="muted">No returns to show.</p>;
  return (
    <div className="table-scroll">
      <table className="table heatmap" data-testid="monthly-returns">
        <thead>
          <tr>
            <th scope="col">Year</th>
            {MONTHS.map((month) => (
              <th scope="col" key={month} className="numeric">
                {month}
              </th>
            ))}
            <th scope="col" className="numeric">
              Year
            </th>
          </tr>
        </thead>
        <tbody>
          {returns.years.map((year, row) => (
            <tr key={year}>
              <th scope="row">{year}</th>
              {MONTHS.map((month, column) => {
                const value = returns.monthly_pct[row]?.[column];
                return (
                  <td key={month} className="numeric" style={{ background: heat(value) }}>
                    {value == null ? "" : num(value, 1)}
                  </td>
                );
              })}
              <td className="numeric year-total" style={{ background: heat(returns.yearly_pct[row]) }}>
                {returns.yearly_pct[row] == null ? "" : pct(returns.yearly_pct[row], 1)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
