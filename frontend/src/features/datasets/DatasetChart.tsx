import { CandlestickSeries, HistogramSeries, type IChartApi, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef, useState } from "react";
import { CANDLE_COLORS, createTradingChart } from "../../components/chart";
import { ErrorAlert } from "../../components/ErrorAlert";
import { type Candles, getCandles } from "./api";
import { count } from "./format";

const REFINE_DELAY_MS = 250;
const VOLUME_UP = "rgba(22, 163, 74, 0.35)";
const VOLUME_DOWN = "rgba(220, 38, 38, 0.35)";

type Bar = { time: UTCTimestamp; open: number; high: number; low: number; close: number; volume: number };

function barsOf(candles: Candles): Bar[] {
  return candles.time.map((time, i) => ({
    time: time as UTCTimestamp,
    open: candles.open[i] as number,
    high: candles.high[i] as number,
    low: candles.low[i] as number,
    close: candles.close[i] as number,
    volume: candles.volume[i] as number,
  }));
}

/** What the chart draws now: how many candles and each one's interval (null when a candle is one bar). */
type Drawn = { candles: number; interval: string | null };

function describe(drawn: Drawn | null): string {
  if (!drawn) return "\u00a0";
  if (!drawn.interval) return `${count(drawn.candles, "candle")}, one per bar.`;
  return `${count(drawn.candles, "candle")}, each ${drawn.interval} of bars; zoom in for finer ones.`;
}

/**
 * A dataset's candles and volume (TradingView's lightweight-charts, its attribution logo kept). The whole
 * range comes aggregated from the bars endpoint; zooming in to less than a third of it asks for the visible
 * range again, in finer candles, and zooming back out returns to the overview.
 */
export function DatasetChart({ datasetId }: { datasetId: string }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let live = true;
    let refine: number | undefined;
    const instance = createTradingChart(element);
    // Up to CHART_POINTS candles must fit a phone's width when the whole range is shown.
    instance.timeScale().applyOptions({ minBarSpacing: 0.1 });
    chart.current = instance;
    const candleSeries = instance.addSeries(CandlestickSeries, CANDLE_COLORS);
    candleSeries.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    const volumeSeries = instance.addSeries(HistogramSeries, {
      priceScaleId: "volume",
      priceFormat: { type: "volume" },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    volumeSeries.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

    let overview: Bar[] = [];
    let overviewInterval: string | null = null;
    let detailed = false;
    const show = (data: Bar[], interval: string | null) => {
      candleSeries.setData(data);
      volumeSeries.setData(
        data.map((bar) => ({
          time: bar.time,
          value: bar.volume,
          color: bar.close >= bar.open ? VOLUME_UP : VOLUME_DOWN,
        })),
      );
      // What the canvas shows, for the page's tests and assistive tools.
      element.dataset.candles = String(data.length);
      element.dataset.interval = interval ?? "bar";
      setDrawn({ candles: data.length, interval });
    };

    element.dataset.candles = "loading";
    setDrawn(null);
    setFailure(null);
    getCandles(datasetId)
      .then((candles) => {
        if (!live) return;
        overview = barsOf(candles);
        overviewInterval = candles.interval;
        show(overview, overviewInterval);
        instance.timeScale().fitContent();
      })
      .catch((caught) => {
        if (!live) return;
        element.dataset.candles = "error";
        setFailure(caught);
      });

    instance.timeScale().subscribeVisibleTimeRangeChange((range) => {
      element.dataset.visibleFrom = range ? String(range.from) : "";
      element.dataset.visibleTo = range ? String(range.to) : "";
      if (!range || overview.length < 2) return;
      window.clearTimeout(refine);
      refine = window.setTimeout(async () => {
        const from = range.from as number;
        const to = range.to as number;
        const whole = (overview[overview.length - 1]?.time as number) - (overview[0]?.time as number);
        if (to - from > whole / 3) {
          if (detailed) {
            detailed = false;
            show(overview, overviewInterval);
          }
          return;
        }
        try {
          const detail = await getCandles(datasetId, Math.floor(from), Math.ceil(to));
          if (!live || detail.time.length === 0) return;
          const finer = barsOf(detail);
          const first = finer[0]?.time as number;
          const last = finer[finer.length - 1]?.time as number;
          detailed = true;
          show(
            [
              ...overview.filter((bar) => (bar.time as number) < first),
              ...finer,
              ...overview.filter((bar) => (bar.time as number) > last),
            ],
            detail.interval,
          );
        } catch {
          // Finer candles are a refinement: the overview stays when they cannot be had.
        }
      }, REFINE_DELAY_MS);
    });
    return () => {
      live = false;
      window.clearTimeout(refine);
      chart.current = null;
      instance.remove();
    };
  }, [datasetId]);

  const caption = describe(drawn);
  return (
    <>
      {failure !== null && <ErrorAlert error={failure} />}
      <div className="dataset-chart" ref={container} data-testid="dataset-chart" />
      <div className="chart-foot">
        <p className="muted small" data-testid="chart-scale">
          {caption}
        </p>
        <button
          type="button"
          className="button button-small"
          onClick={() => chart.current?.timeScale().fitContent()}
        >
          Show all
        </button>
      </div>
    </>
  );
}
