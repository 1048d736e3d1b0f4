// The one look of every chart in the app (TradingView's lightweight-charts, its attribution logo kept on).
import { createChart, type IChartApi, type UTCTimestamp } from "lightweight-charts";

/** An ISO time as the UTC epoch seconds the charts use. */
export const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) as UTCTimestamp;

export const CANDLE_COLORS = {
  upColor: "#16a34a",
  downColor: "#dc2626",
  wickUpColor: "#16a34a",
  wickDownColor: "#dc2626",
  borderVisible: false,
} as const;

export function createTradingChart(element: HTMLElement): IChartApi {
  return createChart(element, {
    autoSize: true,
    layout: {
      attributionLogo: true,
      fontFamily: "system-ui, sans-serif",
      panes: { separatorColor: "#dde1e7" },
    },
    rightPriceScale: { borderVisible: false },
    timeScale: { borderVisible: false, timeVisible: true },
    grid: { vertLines: { color: "#f1f3f6" }, horzLines: { color: "#f1f3f6" } },
    crosshair: { mode: 0 },
  });
}
