import { CandlestickSeries, HistogramSeries, type IChartApi } from "lightweight-charts";
import { useEffect, useRef, useState } from "react";
import { type Candle, candlesOf, getCandles, refineOnZoom } from "../../components/candles";
import { CANDLE_COLORS, createTradingChart } from "../../components/chart";
import { ErrorAlert } from "../../components/ErrorAlert";
import { count } from "./format";

const VOLUME_UP = "rgba(22, 163, 74, 0.35)";
const VOLUME_DOWN = "rgba(220, 38, 38, 0.35)";

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

    let overview: Candle[] = [];
    let overviewInterval: string | null = null;
    const show = (data: Candle[], interval: string | null) => {
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
        overview = candlesOf(candles);
        overviewInterval = candles.interval;
        show(overview, overviewInterval);
        instance.timeScale().fitContent();
      })
      .catch((caught) => {
        if (!live) return;
        element.dataset.candles = "error";
        setFailure(caught);
      });

    const stopRefining = refineOnZoom(instance, datasetId, {
      overview: () => ({ candles: overview, interval: overviewInterval }),
      show,
      onRange: (range) => {
        element.dataset.visibleFrom = range ? String(range.from) : "";
        element.dataset.visibleTo = range ? String(range.to) : "";
      },
    });
    return () => {
      live = false;
      stopRefining();
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
