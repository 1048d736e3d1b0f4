import { useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import { ErrorAlert } from "../../components/ErrorAlert";
import { duration, money, num, pct, when } from "../../components/format";
import { configText, HEADLINE } from "../../components/metrics";
import { isSweep, SweepReport } from "../sweep";
import {
  allTrades,
  type Dataset,
  ENDED,
  getQuickTest,
  type Metrics,
  type QuickTest,
  type Result,
  rerun,
  type Strategy,
  type Trade,
} from "./api";
import { MonthlyReturns, PerformanceSummary } from "./PerformanceTables";
import { PreviousRunLink } from "./PreviousRunLink";
import { type ChartHandle, ResultChart } from "./ResultChart";
import { TradesTable } from "./TradesTable";

const POLL_MS = 700;

type Card = { label: string; value: string; tone?: string; hint?: string };

function cards(m: Metrics): Card[] {
  return HEADLINE.map(({ key, label, format, tone }) => ({
    label,
    value: format(m[key]),
    tone: tone?.(m[key]),
    hint: key === "max_drawdown_pct" ? `lasted ${duration(m.max_drawdown_duration_seconds)}` : undefined,
  }));
}

const METRIC_ROWS: [string, string, (v: unknown) => string][] = [
  ["start", "Start", (v) => when(v as string)],
  ["end", "End", (v) => when(v as string)],
  ["duration_seconds", "Duration", duration],
  ["exposure_time_pct", "Exposure time", pct],
  ["equity_final", "Equity final", money],
  ["equity_peak", "Equity peak", money],
  ["commissions", "Commissions", money],
  ["return_pct", "Return", pct],
  ["buy_and_hold_return_pct", "Buy & hold return", pct],
  ["return_ann_pct", "Return (annualised)", pct],
  ["volatility_ann_pct", "Volatility (annualised)", pct],
  ["cagr_pct", "CAGR", pct],
  ["sharpe_ratio", "Sharpe ratio", num],
  ["sortino_ratio", "Sortino ratio", num],
  ["calmar_ratio", "Calmar ratio", num],
  ["alpha_pct", "Alpha", pct],
  ["beta", "Beta", (v) => num(v, 3)],
  ["max_drawdown_pct", "Max drawdown", pct],
  ["avg_drawdown_pct", "Average drawdown", pct],
  ["max_drawdown_duration_seconds", "Max drawdown duration", duration],
  ["avg_drawdown_duration_seconds", "Average drawdown duration", duration],
  ["trades", "Trades", (v) => String(v ?? "–")],
  ["win_rate_pct", "Win rate", pct],
  ["best_trade_pct", "Best trade", pct],
  ["worst_trade_pct", "Worst trade", pct],
  ["avg_trade_pct", "Average trade", pct],
  ["max_trade_duration_seconds", "Longest trade", duration],
  ["avg_trade_duration_seconds", "Average trade duration", duration],
  ["profit_factor", "Profit factor", num],
  ["expectancy_pct", "Expectancy", pct],
  ["sqn", "SQN", num],
  ["kelly_criterion", "Kelly criterion", (v) => num(v, 3)],
];

type Config = Record<string, unknown>;

export function ReportPage({ quicktestId }: { quicktestId: string }) {
  const [test, setTest] = useState<QuickTest | null>(null);
  const [strategy, setStrategy] = useState<Strategy | null>(null);
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [trades, setTrades] = useState({ trades: [] as Trade[], total: 0, loaded: false });
  const [error, setError] = useState<unknown>(null);
  const [tab, setTab] = useState<"trades" | "metrics" | "monthly">("trades");
  const [rerunning, setRerunning] = useState(false);
  const chart = useRef<ChartHandle>(null);

  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const load = async () => {
      try {
        const current = await getQuickTest(quicktestId);
        if (!live) return;
        setTest(current);
        if (!ENDED.has(current.status ?? "")) timer = window.setTimeout(load, POLL_MS);
        else if (current.status === "COMPLETED")
          setTrades({ ...(await allTrades(quicktestId)), loaded: true });
      } catch (caught) {
        if (live) setError(caught);
      }
    };
    void load();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [quicktestId]);

  const instance = test?.instance;
  const datasetId = (test?.test_config as Config | undefined)?.dataset as string | undefined;
  useEffect(() => {
    if (!instance) return;
    api<Strategy>("GET", `/api/v1/strategy-instances/${instance}/`).then(setStrategy, () =>
      setStrategy(null),
    );
  }, [instance]);
  useEffect(() => {
    if (!datasetId) return;
    api<Dataset>("GET", `/api/v1/datasets/${datasetId}/`).then(setDataset, () => setDataset(null));
  }, [datasetId]);

  if (error) return <ErrorAlert error={error} />;
  if (!test) return <p className="muted">Loading the report…</p>;
  if (isSweep(test)) return <SweepReport test={test} />;

  const config = (test.test_config ?? {}) as Config;
  const metrics = (test.metrics_summary ?? {}) as Metrics;
  const result = (test.result ?? {}) as Result;
  const warnings = result.warnings ?? [];
  const status = test.status ?? "PENDING";

  async function runAgain() {
    if (!test) return;
    setRerunning(true);
    try {
      const created = await rerun(test);
      window.location.assign(`/tests/${created.id}/`);
    } catch (caught) {
      setError(caught);
      setRerunning(false);
    }
  }

  return (
    <div className="report">
      <header className="report-head">
        <div>
          <p className="muted small">
            <a href="/tests/">Quick tests</a> ›
          </p>
          <h1>
            {strategy?.name ?? "Strategy"}{" "}
            <span className={`badge badge-status badge-${status.toLowerCase()}`}>{status}</span>
          </h1>
          <p className="report-meta" data-testid="report-meta">
            {dataset ? `${dataset.name} · ${dataset.symbol} · ${dataset.timeframe}` : "dataset"} ·{" "}
            {when((metrics.start as string) ?? (config.start as string))} →{" "}
            {when((metrics.end as string) ?? (config.end as string))}
            <br />
            {configText(config)}
            {test.execution_time != null && <> · ran in {num(test.execution_time * 1000, 0)} ms</>} · created{" "}
            {when(test.created_at)}
          </p>
        </div>
        <div className="report-actions">
          <PreviousRunLink test={test} />
          <button type="button" className="button" onClick={runAgain} disabled={rerunning}>
            {rerunning ? "Starting…" : "Run again"}
          </button>
          <a className="button button-primary" href={`/strategies/${test.instance}/edit/`}>
            Open in the editor
          </a>
        </div>
      </header>

      {!ENDED.has(status) && (
        <div className="alert alert-info" role="status" data-testid="report-progress">
          <span className="spinner" aria-hidden="true" />{" "}
          {status === "PENDING" ? "Waiting for a worker…" : "Running…"} This page updates itself.
        </div>
      )}
      {status === "FAILED" && (
        <div className="alert alert-error" role="alert" data-testid="report-failed">
          <p>
            <strong>The test failed:</strong> {test.error_message || "no message was recorded."}
          </p>
          <p>Fix the strategy or the test's settings in the editor, then run it again.</p>
        </div>
      )}
      {status === "CANCELLED" && (
        <div className="alert alert-info">This test was cancelled before it finished.</div>
      )}
      {warnings.length > 0 && (
        <div className="alert alert-warn" role="alert" data-testid="report-warnings">
          {warnings.map((warning) => (
            <p key={warning}>⚠ {warning}</p>
          ))}
        </div>
      )}

      {status === "COMPLETED" && (
        <>
          <section className="cards" aria-label="Headline figures">
            {cards(metrics).map((card) => (
              <div className="figure" key={card.label}>
                <div className="figure-label">{card.label}</div>
                <div className={`figure-value ${card.tone ?? ""}`}>{card.value}</div>
                {card.hint && <div className="figure-hint">{card.hint}</div>}
              </div>
            ))}
          </section>
          <section className="card chart-card" aria-label="Equity and drawdown">
            <ResultChart
              ref={chart}
              datasetId={datasetId}
              start={metrics.start as string | undefined}
              end={metrics.end as string | undefined}
              equity={result.equity_curve}
              drawdown={result.drawdown_curve}
              trades={trades.trades}
              tradesLoaded={trades.loaded}
              buyAndHoldPct={metrics.buy_and_hold_return_pct as number | null | undefined}
              initialCapital={(config.initial_capital as number) ?? 10000}
            />
          </section>
          <div className="tabs" role="tablist" aria-label="Details">
            <button
              type="button"
              role="tab"
              aria-selected={tab === "trades"}
              onClick={() => setTab("trades")}
            >
              Trades ({trades.total})
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab === "metrics"}
              onClick={() => setTab("metrics")}
            >
              Metrics
            </button>
            {result.returns && (
              <button
                type="button"
                role="tab"
                aria-selected={tab === "monthly"}
                onClick={() => setTab("monthly")}
              >
                Monthly returns
              </button>
            )}
          </div>
          <section className="card" role="tabpanel">
            {tab === "trades" ? (
              <TradesTable
                trades={trades.trades}
                total={trades.total}
                filename={`trades-${test.id.slice(0, 8)}.csv`}
                onPick={(trade) => {
                  chart.current?.zoomTo(trade.entry_time, trade.exit_time);
                  document
                    .querySelector(".chart-card")
                    ?.scrollIntoView({ behavior: "smooth", block: "center" });
                }}
              />
            ) : tab === "monthly" && result.returns ? (
              <MonthlyReturns returns={result.returns} />
            ) : (
              <div className="metrics-grid">
                {result.performance_summary && <PerformanceSummary summary={result.performance_summary} />}
                <table className="table metrics" data-testid="metrics">
                  <tbody>
                    {METRIC_ROWS.filter(([key]) => key in metrics).map(([key, label, format]) => (
                      <tr key={key}>
                        <th scope="row">{label}</th>
                        <td className="numeric">{format(metrics[key])}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </div>
  );
}
