import { useEffect, useState } from "react";
import { api } from "../../api/client";
import { ErrorAlert } from "../../components/ErrorAlert";
import { num, pct, when } from "../../components/format";
import { configText, formatMetric, metricLabel } from "../../components/metrics";
import {
  type Actions,
  applyParameters,
  cancelSweep,
  combinationText,
  type Dataset,
  openAsQuickTest,
  type QuickTest,
  type Strategy,
  type SweepSummary,
  sweepOf,
} from "./api";
import { CombinationsTable } from "./CombinationsTable";
import { Heatmap } from "./Heatmap";
import { WalkForwardSection } from "./WalkForward";

const BEST_FIGURES = [
  "return_pct",
  "sharpe_ratio",
  "sortino_ratio",
  "max_drawdown_pct",
  "win_rate_pct",
  "profit_factor",
  "trades",
];

/** A sweep's page: its progress while it runs; then the verdict, the best combination, every combination,
 * the heatmap and the walk-forward folds. `test` is kept fresh by the report page that shows this. */
export function SweepReport({ test }: { test: QuickTest }) {
  const [strategy, setStrategy] = useState<Strategy | null>(null);
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const config = (test.test_config ?? {}) as Record<string, unknown>;
  const datasetId = config.dataset as string | undefined;
  useEffect(() => {
    api<Strategy>("GET", `/api/v1/strategy-instances/${test.instance}/`).then(setStrategy, () =>
      setStrategy(null),
    );
  }, [test.instance]);
  useEffect(() => {
    if (!datasetId) return;
    api<Dataset>("GET", `/api/v1/datasets/${datasetId}/`).then(setDataset, () => setDataset(null));
  }, [datasetId]);

  const status = test.status ?? "PENDING";
  const sweep = sweepOf(test);
  const name = strategy?.name ?? "Strategy";

  const act = async (key: string, work: () => Promise<void>) => {
    setBusy(key);
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  const actions: Actions = {
    busy,
    open: (combination) =>
      void act(`open:${combinationText(combination)}`, async () => {
        const created = await openAsQuickTest(test, combination);
        window.location.assign(`/tests/${created.id}/`);
      }),
    use: (combination) =>
      void act(`use:${combinationText(combination)}`, async () => {
        const where = await applyParameters(test.instance, combination);
        setNotice(
          `${combinationText(combination)} written into “${name}”${
            where === "draft" ? " (and the draft open in its editor)" : ""
          }.`,
        );
      }),
  };

  const progress = test.progress;
  const figures = test.metrics_summary as { start?: string; end?: string } | null;
  return (
    <div className="report sweep">
      <header className="report-head">
        <div>
          <p className="muted small">
            <a href="/tests/">Quick tests</a> › parameter sweep
          </p>
          <h1>
            {name} <span className={`badge badge-status badge-${status.toLowerCase()}`}>{status}</span>
          </h1>
          <p className="report-meta" data-testid="report-meta">
            {dataset ? `${dataset.name} · ${dataset.symbol} · ${dataset.timeframe}` : "dataset"} ·{" "}
            {when(figures?.start ?? (config.start as string | undefined) ?? dataset?.first_timestamp)} →{" "}
            {when(figures?.end ?? (config.end as string | undefined) ?? dataset?.last_timestamp)}
            <br />
            {configText(config)}
            <br />
            Sweep{sweep ? ` of ${sweep.combinations.toLocaleString()} combinations` : ""}, ranked by{" "}
            {objectiveText(config)}
            {test.execution_time != null && <> · ran in {num(test.execution_time, 1)} s</>} · created{" "}
            {when(test.created_at)}
          </p>
        </div>
        <div className="report-actions">
          <a className="button button-primary" href={`/strategies/${test.instance}/edit/`}>
            Open in the editor
          </a>
        </div>
      </header>

      <ErrorAlert error={error} onDismiss={() => setError(null)} />
      {notice && (
        <div className="alert alert-ok" role="status" data-testid="sweep-notice">
          <p>{notice}</p>
        </div>
      )}

      {(status === "PENDING" || status === "RUNNING") && (
        <section className="card sweep-progress" aria-label="Progress" data-testid="sweep-progress">
          <p>
            <span className="spinner" aria-hidden="true" />{" "}
            {status === "PENDING"
              ? "Waiting for a worker…"
              : progress && progress.total > 0
                ? `${progress.done.toLocaleString()} of ${progress.total.toLocaleString()} combinations done`
                : "Planning the combinations…"}
          </p>
          <progress
            aria-label="Combinations done"
            max={progress?.total || 1}
            value={progress?.done ?? 0}
            data-done={progress?.done ?? 0}
            data-total={progress?.total ?? 0}
          />
          <div className="sweep-progress-actions">
            <span className="muted small">This page updates itself.</span>
            <button
              type="button"
              className="button button-small button-danger"
              disabled={busy === "cancel"}
              onClick={() => void act("cancel", () => cancelSweep(test.id).then(() => undefined))}
            >
              Cancel the sweep
            </button>
          </div>
        </section>
      )}
      {status === "FAILED" && (
        <div className="alert alert-error" role="alert" data-testid="report-failed">
          <p>
            <strong>The sweep failed:</strong> {test.error_message || "no message was recorded."}
          </p>
          <p>
            Fix what it names in the editor (the strategy, or the sweep's ranges and constraints in Optimise),
            then start the sweep again.
          </p>
        </div>
      )}
      {status === "CANCELLED" && (
        <div className="alert alert-info">This sweep was cancelled before it finished; nothing was kept.</div>
      )}

      {status === "COMPLETED" && sweep && (
        <>
          <Verdict sweep={sweep} />
          <section className="card sweep-best" aria-label="Best combination" data-testid="sweep-best">
            <div className="sweep-best-head">
              <div>
                <h2>Best combination</h2>
                <p className="sweep-best-params" data-testid="best-parameters">
                  {Object.entries(sweep.best.parameters).map(([key, value]) => (
                    <span key={key} className="param-chip">
                      {key} <strong>{String(value)}</strong>
                    </span>
                  ))}
                </p>
              </div>
              <div className="report-actions">
                <button
                  type="button"
                  className="button"
                  disabled={busy !== null}
                  onClick={() => actions.use(sweep.best.parameters)}
                >
                  Use these parameters
                </button>
                <button
                  type="button"
                  className="button button-primary"
                  disabled={busy !== null}
                  onClick={() => actions.open(sweep.best.parameters)}
                >
                  Open as a quick test
                </button>
              </div>
            </div>
            <div className="cards">
              {[sweep.objective.metric, ...BEST_FIGURES.filter((key) => key !== sweep.objective.metric)].map(
                (key) => (
                  <div className="figure" key={key}>
                    <div className="figure-label">{metricLabel(key)}</div>
                    <div className="figure-value">{formatMetric(key, sweep.best.metrics[key])}</div>
                  </div>
                ),
              )}
            </div>
            {sweep.eligible < sweep.combinations && (
              <p className="muted small">
                {(sweep.combinations - sweep.eligible).toLocaleString()} of{" "}
                {sweep.combinations.toLocaleString()} combinations failed a constraint on the results and
                could not be the best.
              </p>
            )}
          </section>
          <Heatmap test={test} sweep={sweep} />
          <CombinationsTable test={test} sweep={sweep} actions={actions} />
          {sweep.walk_forward && <WalkForwardSection walkForward={sweep.walk_forward} sweep={sweep} />}
        </>
      )}
    </div>
  );
}

function objectiveText(config: Record<string, unknown>): string {
  const objective = (config.sweep as { objective?: { metric?: string; goal?: string } } | undefined)
    ?.objective;
  const metric = objective?.metric ?? "sharpe_ratio";
  return `${metricLabel(metric)} (${objective?.goal === "min" ? "lowest" : "highest"} best)`;
}

function Verdict({ sweep }: { sweep: SweepSummary }) {
  const { deflated_sharpe: deflated, pbo, verdict } = sweep.overfitting;
  return (
    <section
      className={`sweep-verdict sweep-verdict-${verdictTone(verdict)}`}
      aria-label="Overfitting verdict"
      data-testid="verdict"
    >
      <p className="sweep-verdict-text">{verdict}</p>
      <dl className="sweep-verdict-figures">
        <div>
          <dt>Deflated Sharpe ratio</dt>
          <dd data-testid="dsr">{typeof deflated.dsr === "number" ? pct(deflated.dsr * 100, 0) : "–"}</dd>
          <dd className="muted small">
            {deflated.reason ??
              `the probability the best Sharpe ratio is above zero, after ${deflated.n_trials.toLocaleString()} tries`}
          </dd>
        </div>
        <div>
          <dt>Probability of backtest overfitting</dt>
          <dd data-testid="pbo">{typeof pbo.pbo === "number" ? pct(pbo.pbo * 100, 0) : "–"}</dd>
          <dd className="muted small">
            {pbo.reason ??
              `splits of the data whose in-sample best is below the median out of sample (${pbo.n_splits?.toLocaleString()} splits)`}
          </dd>
        </div>
      </dl>
    </section>
  );
}

/** How the verdict reads, from its first words (engine.overfitting.overfitting_verdict writes them). */
function verdictTone(verdict: string): "good" | "bad" | "mixed" {
  if (/^(likely overfit|likely luck)/i.test(verdict)) return "bad";
  if (/^(the best sharpe ratio is unlikely to be luck|holds out of sample)/i.test(verdict)) return "good";
  return "mixed";
}
