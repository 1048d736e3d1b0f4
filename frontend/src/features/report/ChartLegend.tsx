import { money, num, pct, signClass } from "../../components/format";
import type { Trade } from "./api";

/** A trade's entry or exit drawn as a marker on the bar (or candle) `time`. */
export type Fill = { trade: Trade; kind: "entry" | "exit" };

/** What the legend shows for the bar under the crosshair (the last bar while the crosshair is off the chart). */
export type LegendData = {
  time: number;
  interval: string | null;
  bar?: { open: number; high: number; low: number; close: number };
  equity?: number;
  buyAndHold?: number;
  drawdownPct?: number;
  fills: Fill[];
};

const SHOWN_FILLS = 3;

/** The chart's time axis is UTC (epoch seconds), so the legend's time is too. */
function utc(seconds: number): string {
  const text = new Date(seconds * 1000).toLocaleString(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  });
  return `${text} UTC`;
}

const price = (value: number, reference: number) => num(value, Math.abs(reference) >= 1000 ? 2 : 4);

export const reasonText = (reason: string) => reason.replaceAll("_", " ");

function FillLine({ fill, reference }: { fill: Fill; reference: number }) {
  const { trade, kind } = fill;
  const side = trade.side === "long" ? "Long" : "Short";
  if (kind === "entry") {
    return (
      <li className="legend-fill">
        <span className={trade.side === "long" ? "pos" : "neg"}>{side} entry</span> at{" "}
        {price(trade.entry_price, reference)}
      </li>
    );
  }
  return (
    <li className="legend-fill">
      <span className={signClass(trade.pnl)}>{side} exit</span> at {price(trade.exit_price, reference)}{" "}
      (entered at {price(trade.entry_price, reference)}) · P&amp;L{" "}
      <span className={signClass(trade.pnl)}>
        {money(trade.pnl)} ({pct(trade.return_pct)})
      </span>{" "}
      · <span className="legend-reason">{reasonText(trade.exit_reason)}</span>
    </li>
  );
}

/**
 * TradingView-style legend over the chart: the bar under the crosshair (time, OHLC), the equity, buy & hold
 * and drawdown there, and the trades entering or exiting at that bar (the chart's markers have no tooltip).
 */
export function ChartLegend({ data }: { data: LegendData | null }) {
  if (!data) return null;
  const reference = data.bar?.close ?? 0;
  const more = data.fills.length - SHOWN_FILLS;
  return (
    <div className="chart-legend" data-testid="chart-legend">
      <div className="legend-row">
        <span className="legend-time">{utc(data.time)}</span>
        {data.interval && <span className="muted">{data.interval} candle</span>}
      </div>
      {data.bar && (
        <div className="legend-row legend-ohlc">
          {(["open", "high", "low", "close"] as const).map((key) => (
            <span key={key}>
              {key[0]?.toUpperCase()}{" "}
              <b className={data.bar && data.bar.close >= data.bar.open ? "pos" : "neg"}>
                {price(data.bar?.[key] ?? Number.NaN, reference)}
              </b>
            </span>
          ))}
        </div>
      )}
      <div className="legend-row">
        {data.equity !== undefined && (
          <span>
            <i className="legend-swatch legend-swatch-equity" aria-hidden="true" />
            Equity <b>{money(data.equity)}</b>
          </span>
        )}
        {data.buyAndHold !== undefined && (
          <span>
            <i className="legend-swatch legend-swatch-hold" aria-hidden="true" />
            Buy &amp; hold <b>{money(data.buyAndHold)}</b>
          </span>
        )}
        {data.drawdownPct !== undefined && (
          <span>
            <i className="legend-swatch legend-swatch-drawdown" aria-hidden="true" />
            Drawdown <b className={signClass(data.drawdownPct)}>{pct(data.drawdownPct)}</b>
          </span>
        )}
      </div>
      {data.fills.length > 0 && (
        <ul className="legend-fills" data-testid="legend-fills">
          {data.fills.slice(0, SHOWN_FILLS).map((fill) => (
            <FillLine
              key={`${fill.kind}-${fill.trade.entry_bar}-${fill.trade.exit_bar}`}
              fill={fill}
              reference={reference}
            />
          ))}
          {more > 0 && <li className="muted">and {more} more in this candle</li>}
        </ul>
      )}
    </div>
  );
}
