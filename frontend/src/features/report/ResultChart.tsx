import {
  AreaSeries,
  CandlestickSeries,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";
import { CANDLE_COLORS, createTradingChart, seconds } from "../../components/chart";
import { type Candles, type Curve, getCandles, type Trade } from "./api";

export type ChartHandle = { zoomTo: (from: string, to: string) => void; fit: () => void };

type Props = {
  datasetId?: string;
  start?: string | null;
  end?: string | null;
  equity?: Curve;
  drawdown?: Curve;
  trades: Trade[];
  initialCapital: number;
};

const REFINE_DELAY_MS = 250;

/** The index of the point at or just before `time` in increasing `times` (0 when all are later). */
export function nearest(times: ArrayLike<number>, time: number): number {
  let low = 0;
  let high = times.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((times[mid] as number) <= time) low = mid;
    else high = mid - 1;
  }
  return low;
}

type Bar = { time: UTCTimestamp; open: number; high: number; low: number; close: number };

function bars(candles: Candles): Bar[] {
  return candles.time.map((time, i) => ({
    time: time as UTCTimestamp,
    open: candles.open[i] as number,
    high: candles.high[i] as number,
    low: candles.low[i] as number,
    close: candles.close[i] as number,
  }));
}

function tradeMarkers(trades: Trade[], times: number[]): SeriesMarker<Time>[] {
  const markers: SeriesMarker<Time>[] = [];
  if (times.length === 0) return markers;
  for (const trade of trades.slice(0, 5000)) {
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
      // The exit reason is in the trade list; as text on every exit it would cover the chart.
      text: trade.exit_reason === "signal" ? undefined : trade.exit_reason.replace("_", " "),
    });
  }
  return markers.sort((a, b) => (a.time as number) - (b.time as number));
}

/**
 * TradingView's lightweight-charts: linked panes on one time axis and crosshair: the dataset's candles with
 * each trade's entry and exit, the equity (from the capital it started with) and the drawdown. Candles come
 * aggregated from the bars endpoint; zooming in asks for finer ones. Its attribution logo stays on.
 */
export const ResultChart = forwardRef<ChartHandle, Props>(function ResultChart(
  { datasetId, start, end, equity, drawdown, trades, initialCapital },
  ref,
) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);

  useImperativeHandle(ref, () => ({
    zoomTo(from, to) {
      const first = seconds(from);
      const last = seconds(to);
      const pad = Math.max(60, Math.round((last - first) * 0.6));
      chart.current?.timeScale().setVisibleRange({ from: (first - pad) as Time, to: (last + pad) as Time });
    },
    fit() {
      chart.current?.timeScale().fitContent();
    },
  }));

  useEffect(() => {
    const element = container.current;
    if (!element || !equity?.equity) return;
    let live = true;
    let refine: number | undefined;
    const instance = createTradingChart(element);
    chart.current = instance;
    const pane = datasetId ? 1 : 0;
    let candleSeries: ISeriesApi<"Candlestick"> | null = null;
    if (datasetId) {
      candleSeries = instance.addSeries(CandlestickSeries, CANDLE_COLORS, 0);
    }
    const times = equity.time.map(seconds);
    const equityLine = instance.addSeries(
      LineSeries,
      { color: "#1f5fbf", lineWidth: 2, title: "Equity" },
      pane,
    );
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
        pane + 1,
      );
      area.setData(
        drawdown.time.map((t, i) => ({ time: seconds(t), value: drawdown.drawdown_pct?.[i] ?? 0 })),
      );
    }
    const panes = instance.panes();
    if (datasetId) {
      panes[0]?.setStretchFactor(3);
      panes[1]?.setStretchFactor(1.4);
      panes[2]?.setStretchFactor(1);
    }

    // Markers go on the candles when there are candles (at the candle holding each fill), else on the equity.
    const markerTarget = createSeriesMarkers(candleSeries ?? equityLine, []);
    let overview: Bar[] = [];
    const show = (data: Bar[], interval: string | null) => {
      if (!candleSeries) return;
      candleSeries.setData(data);
      const candleTimes = data.map((bar) => bar.time as number);
      const markers = tradeMarkers(trades, candleTimes);
      markerTarget.setMarkers(markers);
      element.dataset.markers = String(markers.length);
      element.dataset.firstMarkers = markers
        .slice(0, 4)
        .map((m) => m.time)
        .join(",");
      element.dataset.candles = String(data.length);
      element.dataset.interval = interval ?? "bar";
    };
    if (!candleSeries) {
      const markers = tradeMarkers(trades, times);
      markerTarget.setMarkers(markers);
      element.dataset.markers = String(markers.length);
    } else if (datasetId) {
      getCandles(datasetId, start, end)
        .then((candles) => {
          if (!live) return;
          overview = bars(candles);
          show(overview, candles.interval);
          instance.timeScale().fitContent();
        })
        .catch(() => {
          element.dataset.candles = "error";
        });
    }

    instance.timeScale().subscribeVisibleTimeRangeChange((range) => {
      // What the chart shows, for the page's tests and assistive tools (the chart itself is a canvas).
      element.dataset.visibleFrom = range ? String(range.from) : "";
      element.dataset.visibleTo = range ? String(range.to) : "";
      if (!range || !datasetId || overview.length < 2) return;
      window.clearTimeout(refine);
      refine = window.setTimeout(async () => {
        const from = range.from as number;
        const to = range.to as number;
        const whole = (overview[overview.length - 1]?.time as number) - (overview[0]?.time as number);
        if (to - from > whole / 3) {
          if (element.dataset.detail) {
            delete element.dataset.detail;
            show(overview, element.dataset.overviewInterval ?? null);
          }
          return;
        }
        try {
          const detail = await getCandles(datasetId, Math.floor(from), Math.ceil(to));
          if (!live || detail.time.length === 0) return;
          const finer = bars(detail);
          const first = finer[0]?.time as number;
          const last = finer[finer.length - 1]?.time as number;
          element.dataset.overviewInterval ??= element.dataset.interval;
          element.dataset.detail = "1";
          show(
            [
              ...overview.filter((b) => (b.time as number) < first),
              ...finer,
              ...overview.filter((b) => (b.time as number) > last),
            ],
            detail.interval,
          );
        } catch {
          // Zoomed candles are a refinement: the overview stays if they cannot be had.
        }
      }, REFINE_DELAY_MS);
    });
    instance.timeScale().fitContent();
    return () => {
      live = false;
      window.clearTimeout(refine);
      chart.current = null;
      instance.remove();
    };
  }, [datasetId, start, end, equity, drawdown, trades, initialCapital]);

  if (!equity?.equity) return <p className="muted">No equity curve for this test.</p>;
  return <div className="result-chart" ref={container} data-testid="result-chart" />;
});
