import {
  CandlestickSeries,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineSeries,
  type Time,
} from "lightweight-charts";
import { useEffect, useRef, useState } from "react";
import { useStore } from "zustand";
import { ApiError, api, describeError } from "../../api/client";
import type { components } from "../../api/schema";
import { CANDLE_COLORS, createTradingChart, seconds } from "../../components/chart";
import { num, pct } from "../../components/format";
import { flowOf, useSession } from "./session";
import { useEditor } from "./store";

type Preview = components["schemas"]["SessionPreviewResult"];
type Dataset = components["schemas"]["DatasetOutput"];

const PREVIEW_DEBOUNCE_MS = 400;
const PREVIEW_POINTS = 800;
const DATASET_KEY = "strategy-builder.preview-dataset";

type Series = {
  candles: ISeriesApi<"Candlestick">;
  markers: ISeriesMarkersPluginApi<Time>;
  equity: ISeriesApi<"Line">;
  output: ISeriesApi<"Line"> | ISeriesApi<"Histogram"> | null;
};

/**
 * The live preview: while the flow is valid, each edit re-runs it on the last bars of a dataset (the API's
 * preview, never stored) and draws the candles with the entries and exits, the equity, three figures and
 * the selected node's output.
 */
export function PreviewPane({ selectedNodeId }: { selectedNodeId: string | null }) {
  const session = useSession((state) => state.session);
  const nodes = useStore(useEditor, (state) => state.nodes);
  const edges = useStore(useEditor, (state) => state.edges);
  const parameters = useStore(useEditor, (state) => state.parameters);
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  const [dataset, setDataset] = useState(() => window.localStorage.getItem(DATASET_KEY) ?? "");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<Series | null>(null);
  const request = useRef(0);

  useEffect(() => {
    api<{ results: Dataset[] }>("GET", "/api/v1/datasets/", { query: { page_size: 500 } })
      .then((page) => {
        setDatasets(page.results);
        setDataset((current) =>
          page.results.some((d) => d.id === current) ? current : (page.results[0]?.id ?? ""),
        );
      })
      .catch(setError);
  }, []);

  useEffect(() => {
    if (!session || !dataset) return;
    const mine = ++request.current;
    const timer = window.setTimeout(async () => {
      setBusy(true);
      try {
        const answer = await api<Preview>("POST", `/api/v1/builder-sessions/${session.id}/preview/`, {
          body: {
            draft_logic_flow: flowOf({ nodes, edges, parameters }),
            draft_parameters: parameters,
            test_config: { dataset },
            outputs: selectedNodeId ? [selectedNodeId] : [],
            max_points: PREVIEW_POINTS,
          },
        });
        if (mine !== request.current) return;
        setPreview(answer);
        setError(null);
      } catch (caught) {
        if (mine === request.current) setError(caught);
      } finally {
        if (mine === request.current) setBusy(false);
      }
    }, PREVIEW_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [session, dataset, nodes, edges, parameters, selectedNodeId]);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const instance = createTradingChart(element);
    const candles = instance.addSeries(CandlestickSeries, CANDLE_COLORS, 0);
    series.current = {
      candles,
      markers: createSeriesMarkers(candles, []),
      equity: instance.addSeries(LineSeries, { color: "#1f5fbf", lineWidth: 2, title: "Equity" }, 1),
      output: null,
    };
    instance.panes()[0]?.setStretchFactor(2.2);
    chart.current = instance;
    return () => {
      chart.current = null;
      series.current = null;
      instance.remove();
    };
  }, []);

  useEffect(() => {
    const instance = chart.current;
    const drawn = series.current;
    const element = container.current;
    if (!instance || !drawn || !element || !preview) return;
    const times = preview.candles.time.map(seconds);
    drawn.candles.setData(
      times.map((time, i) => ({
        time,
        open: preview.candles.open[i] as number,
        high: preview.candles.high[i] as number,
        low: preview.candles.low[i] as number,
        close: preview.candles.close[i] as number,
      })),
    );
    drawn.markers.setMarkers(
      preview.markers.map((marker) => {
        const long = marker.side === "long";
        const entry = marker.kind === "entry";
        return {
          time: times[marker.candle] as Time,
          position: entry === long ? "belowBar" : "aboveBar",
          shape: entry ? (long ? "arrowUp" : "arrowDown") : "circle",
          color: entry ? (long ? "#16a34a" : "#dc2626") : "#475569",
        };
      }),
    );
    drawn.equity.setData(
      preview.equity_curve.time.map((t, i) => ({
        time: seconds(t),
        value: preview.equity_curve.equity[i] as number,
      })),
    );
    if (drawn.output) {
      instance.removeSeries(drawn.output);
      drawn.output = null;
    }
    const output = preview.outputs.find((o) => o.values);
    if (output?.values) {
      const values = output.values;
      drawn.output =
        output.type === "bool"
          ? instance.addSeries(HistogramSeries, { color: "rgba(234, 88, 12, 0.6)", title: output.node_id }, 2)
          : instance.addSeries(
              LineSeries,
              { color: "#7c3aed", lineWidth: 2, title: `${output.node_id}.${output.port}` },
              2,
            );
      drawn.output.setData(
        times.flatMap((time, i) => (values[i] == null ? [] : [{ time, value: values[i] as number }])),
      );
    }
    element.dataset.markers = String(preview.markers.length);
    element.dataset.candles = String(times.length);
    element.dataset.output = output ? `${output.node_id}.${output.port}` : "";
    element.dataset.renders = String(Number(element.dataset.renders ?? 0) + 1);
    instance.timeScale().fitContent();
  }, [preview]);

  const problems = error instanceof ApiError && error.status === 400 && error.problems.some((p) => p.node_id);
  const headline = preview?.headline;
  return (
    <section
      className={datasets?.length === 0 ? "preview preview-empty" : "preview"}
      aria-label="Preview"
      data-testid="preview"
    >
      <div className="preview-bar">
        <strong>Preview</strong>
        <select
          aria-label="Preview dataset"
          value={dataset}
          onChange={(event) => {
            setDataset(event.target.value);
            window.localStorage.setItem(DATASET_KEY, event.target.value);
          }}
        >
          {datasets?.length === 0 && <option value="">no dataset yet: upload one to preview here</option>}
          {datasets?.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} · {d.timeframe}
            </option>
          ))}
        </select>
        {preview && (
          <span className="muted small">
            last {preview.window.bars.toLocaleString()} bars
            {selectedNodeId && !preview.outputs.length
              ? ""
              : selectedNodeId
                ? ` · showing ${selectedNodeId}`
                : ""}
          </span>
        )}
        {headline && (
          <span className="preview-figures" data-testid="preview-figures">
            <span>
              Return <b>{pct(headline.return_pct)}</b>
            </span>
            <span>
              Max DD <b>{pct(headline.max_drawdown_pct)}</b>
            </span>
            <span>
              Trades <b>{headline.trades}</b>
            </span>
            <span>
              Win rate <b>{pct(headline.win_rate_pct)}</b>
            </span>
            <span className="muted">Sharpe {num(headline.sharpe_ratio)}</span>
          </span>
        )}
        {busy && <span className="spinner" role="status" aria-label="Updating the preview" />}
      </div>
      {error ? (
        <p className={problems ? "preview-note" : "field-error preview-note"} role="status">
          {problems
            ? "The preview waits for a valid strategy: fix the problems listed on the right."
            : describeError(error)}
        </p>
      ) : null}
      <div className="preview-chart" ref={container} data-testid="preview-chart" />
    </section>
  );
}
