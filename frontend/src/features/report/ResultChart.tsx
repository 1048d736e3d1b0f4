import {
  AreaSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  LineSeries,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import type { Curve, Trade } from "./api";

export type ChartHandle = { zoomTo: (from: string, to: string) => void; fit: () => void };

type Props = { equity?: Curve; drawdown?: Curve; trades: Trade[]; initialCapital: number };

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) as UTCTimestamp;

/** The index of the curve point at or just before `time` (curves are downsampled, trades are not). */
function nearest(times: number[], time: number): number {
  let low = 0;
  let high = times.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((times[mid] as number) <= time) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * TradingView's lightweight-charts, two linked panes on one time axis and crosshair: equity (with the
 * capital it started from and each trade's entry and exit) over the drawdown. Its attribution logo stays on.
 */
export const ResultChart = forwardRef<ChartHandle, Props>(function ResultChart(
  { equity, drawdown, trades, initialCapital },
  ref,
) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);

  useImperativeHandle(ref, () => ({
    zoomTo(from, to) {
      const start = seconds(from);
      const end = seconds(to);
      const pad = Math.max(60, Math.round((end - start) * 0.6));
      chart.current?.timeScale().setVisibleRange({ from: (start - pad) as Time, to: (end + pad) as Time });
    },
    fit() {
      chart.current?.timeScale().fitContent();
    },
  }));

  useEffect(() => {
    const element = container.current;
    if (!element || !equity?.equity) return;
    const instance = createChart(element, {
      autoSize: true,
      layout: {
        attributionLogo: true,
        panes: { separatorColor: "#dde1e7" },
        fontFamily: "system-ui, sans-serif",
      },
      rightPriceScale: { borderVisible: false },
      timeScale: { borderVisible: false, timeVisible: true },
      grid: { vertLines: { color: "#f1f3f6" }, horzLines: { color: "#f1f3f6" } },
      crosshair: { mode: 0 },
    });
    chart.current = instance;
    const times = equity.time.map(seconds);
    const equityLine = instance.addSeries(LineSeries, { color: "#1f5fbf", lineWidth: 2, title: "Equity" }, 0);
    equityLine.setData(times.map((time, i) => ({ time, value: equity.equity?.[i] ?? Number.NaN })));
    equityLine.createPriceLine({
      price: initialCapital,
      color: "#94a3b8",
      lineStyle: 2,
      lineWidth: 1,
      title: "start",
    });
    if (drawdown?.drawdown_pct) {
      const area = instance.addSeries(
        AreaSeries,
        {
          lineColor: "#dc2626",
          topColor: "rgba(220,38,38,0.05)",
          bottomColor: "rgba(220,38,38,0.35)",
          title: "Drawdown %",
        },
        1,
      );
      area.setData(
        drawdown.time.map((t, i) => ({ time: seconds(t), value: drawdown.drawdown_pct?.[i] ?? 0 })),
      );
      instance.panes()[1]?.setHeight(140);
    }
    const markers: SeriesMarker<Time>[] = [];
    for (const trade of trades.slice(0, 2000)) {
      const long = trade.side === "long";
      markers.push({
        time: times[nearest(times, seconds(trade.entry_time))] as Time,
        position: long ? "belowBar" : "aboveBar",
        shape: long ? "arrowUp" : "arrowDown",
        color: long ? "#16a34a" : "#dc2626",
        text: long ? "L" : "S",
      });
      markers.push({
        time: times[nearest(times, seconds(trade.exit_time))] as Time,
        position: long ? "aboveBar" : "belowBar",
        shape: "circle",
        color: trade.pnl >= 0 ? "#16a34a" : "#dc2626",
        // The exit reason is in the trade list and the crosshair's legend; as text it would cover the curve.
        text: trade.exit_reason === "signal" ? undefined : trade.exit_reason.replace("_", " "),
      });
    }
    markers.sort((a, b) => (a.time as number) - (b.time as number));
    createSeriesMarkers(equityLine, markers);
    // What the chart shows, for the page's tests and assistive tools (the chart itself is a canvas).
    element.dataset.markers = String(markers.length);
    instance.timeScale().subscribeVisibleTimeRangeChange((range) => {
      element.dataset.visibleFrom = range ? String(range.from) : "";
      element.dataset.visibleTo = range ? String(range.to) : "";
    });
    instance.timeScale().fitContent();
    return () => {
      chart.current = null;
      instance.remove();
    };
  }, [equity, drawdown, trades, initialCapital]);

  if (!equity?.equity) return <p className="muted">No equity curve for this test.</p>;
  return <div className="result-chart" ref={container} data-testid="result-chart" />;
});
