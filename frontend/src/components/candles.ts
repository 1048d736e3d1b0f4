// A dataset's candles for a chart: the bars endpoint's columns as chart points, and finer candles on zoom.
import type { IChartApi, IRange, Time, UTCTimestamp } from "lightweight-charts";
import { api } from "../api/client";
import type { components } from "../api/schema";

export type Candles = components["schemas"]["DatasetBars"];
export type Candle = {
  time: UTCTimestamp;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
};

/** At most this many candles per request: the whole range is an overview, a narrower one finer candles. */
export const CHART_POINTS = 2000;
const REFINE_DELAY_MS = 250;

/** The dataset's candles over a range (epoch seconds or ISO), at most CHART_POINTS of them. */
export function getCandles(dataset: string, start?: number | string | null, end?: number | string | null) {
  return api<Candles>("GET", `/api/v1/datasets/${dataset}/bars/`, {
    query: { start: start ?? undefined, end: end ?? undefined, max_points: CHART_POINTS },
  });
}

export function candlesOf(candles: Candles): Candle[] {
  return candles.time.map((time, i) => ({
    time: time as UTCTimestamp,
    open: candles.open[i] as number,
    high: candles.high[i] as number,
    low: candles.low[i] as number,
    close: candles.close[i] as number,
    volume: candles.volume[i] as number,
  }));
}

type Refinement = {
  /** The candles of the whole range and their interval, once loaded (no candles before). */
  overview: () => { candles: readonly Candle[]; interval: string | null };
  /** Draw these candles; `finer` is the time range of the finer ones spliced in, null for the overview. */
  show: (candles: Candle[], interval: string | null, finer: [number, number] | null) => void;
  /** Called with every visible range (for the page's data attributes). */
  onRange?: (range: IRange<Time> | null) => void;
};

/**
 * Finer candles as the user zooms: once the visible range is under a third of the overview's, the bars
 * endpoint is asked for that range again and its (finer) candles replace the overview's there; zooming back
 * out draws the overview again. A failed request leaves the overview. Returns what stops it.
 *
 * The chart keeps its visible *logical* range (bar indices) when its data is replaced, so swapping candles of
 * one width for another would move the view to other times: the visible time range is put back after each
 * swap. Finer candles are asked for again only when the view leaves the ones drawn or narrows to under a third
 * of the range they were asked for.
 */
export function refineOnZoom(
  chart: IChartApi,
  dataset: string,
  { overview, show, onRange }: Refinement,
): () => void {
  let live = true;
  let timer: number | undefined;
  // The range the finer candles drawn were asked for.
  let refined: { from: number; to: number } | null = null;
  const keepingView = (draw: () => void) => {
    const visible = chart.timeScale().getVisibleRange();
    draw();
    if (visible) chart.timeScale().setVisibleRange(visible);
  };
  chart.timeScale().subscribeVisibleTimeRangeChange((range) => {
    onRange?.(range);
    const { candles: whole, interval } = overview();
    if (!range || whole.length < 2) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const from = range.from as number;
      const to = range.to as number;
      const span = (whole[whole.length - 1]?.time as number) - (whole[0]?.time as number);
      if (to - from > span / 3) {
        if (refined) {
          refined = null;
          keepingView(() => show([...whole], interval, null));
        }
        return;
      }
      if (refined) {
        // A view snaps to the candles at its edges: a few percent beyond the range asked for is the same view.
        const asked = refined.to - refined.from;
        const slack = asked * 0.05;
        if (from >= refined.from - slack && to <= refined.to + slack && to - from > asked / 3) return;
      }
      try {
        const detail = await getCandles(dataset, Math.floor(from), Math.ceil(to));
        if (!live || detail.time.length === 0) return;
        const finer = candlesOf(detail);
        const first = finer[0]?.time as number;
        const last = finer[finer.length - 1]?.time as number;
        refined = { from, to };
        keepingView(() =>
          show(
            [
              ...whole.filter((candle) => (candle.time as number) < first),
              ...finer,
              ...whole.filter((candle) => (candle.time as number) > last),
            ],
            detail.interval,
            [first, last],
          ),
        );
      } catch {
        // Finer candles are a refinement: the overview stays when they cannot be had.
      }
    }, REFINE_DELAY_MS);
  });
  return () => {
    live = false;
    window.clearTimeout(timer);
  };
}
