import {
  AreaSeries,
  CandlestickSeries,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  type SeriesMarker,
  type Time,
} from "lightweight-charts";
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import { type Candle, candlesOf, getCandles, refineOnZoom } from "../../components/candles";
import { CANDLE_COLORS, createTradingChart, seconds } from "../../components/chart";
import type { Curve, Trade } from "./api";
import { ChartLegend, type Fill, type LegendData, reasonText } from "./ChartLegend";

export type ChartHandle = { zoomTo: (from: string, to: string) => void; fit: () => void };

type Props = {
  datasetId?: string;
  start?: string | null;
  end?: string | null;
  equity?: Curve;
  drawdown?: Curve;
  trades: Trade[];
  /** Whether `trades` holds every trade the page loads (until then the chart is not ready). */
  tradesLoaded: boolean;
  initialCapital: number;
  /** The test's buy & hold return (%), which places the buy & hold line. */
  buyAndHoldPct?: number | null;
};

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

type Bar = Candle;

/** Each trade's entry and exit as markers on the point of `times` holding it, and the fills at each point. */
function tradeMarkers(
  trades: Trade[],
  times: number[],
): { markers: SeriesMarker<Time>[]; fills: Map<number, Fill[]> } {
  const markers: SeriesMarker<Time>[] = [];
  const fills = new Map<number, Fill[]>();
  if (times.length === 0) return { markers, fills };
  const place = (time: number, fill: Fill) => {
    const here = fills.get(time);
    if (here) here.push(fill);
    else fills.set(time, [fill]);
  };
  for (const trade of trades.slice(0, 5000)) {
    const long = trade.side === "long";
    const entry = times[nearest(times, seconds(trade.entry_time))] as number;
    const exit = times[nearest(times, seconds(trade.exit_time))] as number;
    place(entry, { trade, kind: "entry" });
    place(exit, { trade, kind: "exit" });
    markers.push({
      time: entry as Time,
      position: long ? "belowBar" : "aboveBar",
      shape: long ? "arrowUp" : "arrowDown",
      color: long ? "#16a34a" : "#dc2626",
      text: long ? "L" : "S",
    });
    markers.push({
      time: exit as Time,
      position: long ? "aboveBar" : "belowBar",
      shape: "circle",
      color: trade.pnl >= 0 ? "#16a34a" : "#dc2626",
      // The legend names every exit's reason under the crosshair; as text on each exit it would cover the chart.
      text: trade.exit_reason === "signal" ? undefined : reasonText(trade.exit_reason),
    });
  }
  return { markers: markers.sort((a, b) => (a.time as number) - (b.time as number)), fills };
}

/**
 * TradingView's lightweight-charts: linked panes on one time axis and crosshair: the dataset's candles with
 * each trade's entry and exit, the equity (from the capital it started with) beside buy & hold, and the
 * drawdown. A legend over the chart reads the bar under the crosshair and the trades filled there. Candles
 * come aggregated from the bars endpoint; zooming in asks for finer ones. Its attribution logo stays on.
 * `data-ready` is set once the candles (when there is a dataset) and every loaded trade's markers are drawn.
 */
export const ResultChart = forwardRef<ChartHandle, Props>(function ResultChart(
  { datasetId, start, end, equity, drawdown, trades, tradesLoaded, initialCapital, buyAndHoldPct },
  ref,
) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const latest = useRef({ trades, tradesLoaded });
  const placeTrades = useRef(() => {});
  const [legend, setLegend] = useState<LegendData | null>(null);

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
    for (const key of ["ready", "candles", "interval", "detail", "markers", "firstMarkers", "legendTime"]) {
      delete element.dataset[key];
    }
    const equityValues = equity.equity;
    let live = true;
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
    equityLine.setData(times.map((time, i) => ({ time, value: equityValues[i] ?? Number.NaN })));
    equityLine.createPriceLine({
      price: initialCapital,
      color: "#94a3b8",
      lineStyle: 2,
      lineWidth: 1,
      title: "start",
    });
    const holdLine = datasetId
      ? instance.addSeries(
          LineSeries,
          { color: "#94a3b8", lineWidth: 1, title: "Buy & hold", lastValueVisible: false },
          pane,
        )
      : null;
    const drawdownTimes = drawdown?.drawdown_pct ? drawdown.time.map(seconds) : [];
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
      area.setData(drawdownTimes.map((time, i) => ({ time, value: drawdown.drawdown_pct?.[i] ?? 0 })));
    }
    const panes = instance.panes();
    if (datasetId) {
      panes[0]?.setStretchFactor(3);
      panes[1]?.setStretchFactor(1.4);
      panes[2]?.setStretchFactor(1);
    }

    // Markers go on the candles when there are candles (at the candle holding each fill), else on the equity.
    let markerTarget = createSeriesMarkers(candleSeries ?? equityLine, []);
    let overview: Bar[] = [];
    let overviewInterval: string | null = null;
    let shown: Bar[] = [];
    let shownTimes: number[] = [];
    let shownInterval: string | null = null;
    // The range of finer candles merged into the overview after a zoom, if any.
    let finerRange: [number, number] | null = null;
    let fills = new Map<number, Fill[]>();
    // Buy & hold's first close, from the test's buy & hold return and its last close: the engine's own figure.
    let firstClose: number | undefined;
    let hover: number | undefined;

    /** The legend for the candle (or equity point) holding `time`: the last one when `time` is undefined. */
    const legendAt = (time: number | undefined): LegendData | null => {
      const axis = candleSeries ? shownTimes : times;
      if (axis.length === 0) return null;
      const at = time === undefined ? axis.length - 1 : nearest(axis, time);
      const point = axis[at] as number;
      // The curves' values at the candle's close: their last point before the next candle starts.
      const close = at + 1 < axis.length ? (axis[at + 1] as number) - 1 : Number.POSITIVE_INFINITY;
      const bar = candleSeries ? shown[at] : undefined;
      return {
        time: point,
        interval:
          finerRange && point >= finerRange[0] && point <= finerRange[1] ? shownInterval : overviewInterval,
        bar,
        equity: equityValues[nearest(times, close)],
        buyAndHold: bar && firstClose ? (initialCapital * bar.close) / firstClose : undefined,
        drawdownPct: drawdownTimes.length
          ? drawdown?.drawdown_pct?.[nearest(drawdownTimes, close)]
          : undefined,
        fills: fills.get(point) ?? [],
      };
    };
    const updateLegend = () => {
      const data = legendAt(hover);
      element.dataset.legendTime = data ? String(data.time) : "";
      setLegend(data);
    };
    instance.subscribeCrosshairMove((param) => {
      hover = param.time === undefined ? undefined : (param.time as number);
      updateLegend();
    });

    let candlesDrawn = !candleSeries;
    placeTrades.current = () => {
      const placed = tradeMarkers(latest.current.trades, candleSeries ? shownTimes : times);
      fills = placed.fills;
      markerTarget.setMarkers(placed.markers);
      element.dataset.markers = String(placed.markers.length);
      element.dataset.firstMarkers = placed.markers
        .slice(0, 4)
        .map((m) => m.time)
        .join(",");
      if (latest.current.tradesLoaded && candlesDrawn) element.dataset.ready = "true";
      else delete element.dataset.ready;
      updateLegend();
    };
    const show = (data: Bar[], interval: string | null, finer: [number, number] | null = null) => {
      if (!candleSeries) return;
      candleSeries.setData(data);
      shown = data;
      shownTimes = data.map((bar) => bar.time as number);
      shownInterval = interval;
      finerRange = finer;
      if (holdLine && firstClose) {
        const base = firstClose;
        holdLine.setData(data.map((bar) => ({ time: bar.time, value: (initialCapital * bar.close) / base })));
      }
      candlesDrawn = true;
      element.dataset.candles = String(data.length);
      element.dataset.interval = interval ?? "bar";
      placeTrades.current();
    };
    if (!candleSeries) {
      placeTrades.current();
    } else if (datasetId) {
      getCandles(datasetId, start, end)
        .then((candles) => {
          if (!live) return;
          overview = candlesOf(candles);
          overviewInterval = candles.interval;
          const lastClose = overview[overview.length - 1]?.close;
          if (lastClose && buyAndHoldPct != null && buyAndHoldPct > -100) {
            firstClose = lastClose / (1 + buyAndHoldPct / 100);
          }
          show(overview, candles.interval);
          instance.timeScale().fitContent();
        })
        .catch(() => {
          // No candles (the dataset has been deleted since): the chart is the equity and drawdown alone.
          if (!live || !candleSeries) return;
          markerTarget.detach();
          instance.removeSeries(candleSeries);
          if (holdLine) instance.removeSeries(holdLine);
          candleSeries = null;
          markerTarget = createSeriesMarkers(equityLine, []);
          element.dataset.candles = "error";
          candlesDrawn = true;
          placeTrades.current();
        });
    }

    // What the chart shows, for the page's tests and assistive tools (the chart itself is a canvas).
    const onRange = (range: { from: Time; to: Time } | null) => {
      element.dataset.visibleFrom = range ? String(range.from) : "";
      element.dataset.visibleTo = range ? String(range.to) : "";
    };
    let stopRefining = () => {};
    if (datasetId) {
      stopRefining = refineOnZoom(instance, datasetId, {
        overview: () => ({ candles: overview, interval: overviewInterval }),
        show: (data, interval, finer) => {
          if (finer) element.dataset.detail = "1";
          else delete element.dataset.detail;
          show(data, interval, finer);
        },
        onRange,
      });
    } else {
      instance.timeScale().subscribeVisibleTimeRangeChange(onRange);
    }
    instance.timeScale().fitContent();
    return () => {
      live = false;
      stopRefining();
      chart.current = null;
      placeTrades.current = () => {};
      instance.remove();
    };
  }, [datasetId, start, end, equity, drawdown, initialCapital, buyAndHoldPct]);

  useEffect(() => {
    latest.current = { trades, tradesLoaded };
    placeTrades.current();
  }, [trades, tradesLoaded]);

  if (!equity?.equity) return <p className="muted">No equity curve for this test.</p>;
  return (
    <div className="result-chart-frame">
      <ChartLegend data={legend} />
      <div className="result-chart" ref={container} data-testid="result-chart" />
    </div>
  );
});
