import { useEffect, useState } from "react";
import { ErrorAlert } from "../../components/ErrorAlert";
import { when } from "../../components/format";
import { bestOf, CONFIG_FIELDS, HEADLINE } from "../../components/metrics";
import { type ComparedTest, type Comparison, getComparison } from "./api";
import { CompareChart } from "./CompareChart";

// One colour per column, in the legend and on the chart: none of them the gains' green or the losses' red.
const COLORS = ["#1f5fbf", "#d97706", "#7c3aed", "#0f766e"];

type Input = { kind: string; name: string };

function inputLabel({ kind, name }: Input): string {
  if (kind === "config") return CONFIG_FIELDS.find((field) => field.key === name)?.label ?? name;
  if (kind === "parameter") return name;
  return { strategy: "Strategy", flow: "Flow", dataset: "Dataset", start: "Start", end: "End" }[kind] ?? name;
}

/** How one input's value reads in column `index`; flows by letter (equal flows, equal letters). */
function inputValue(input: Input, value: unknown, test: ComparedTest, flows: string[]): string {
  switch (input.kind) {
    case "strategy":
      return test.strategy.name;
    case "flow":
      return `Flow ${String.fromCharCode(65 + flows.indexOf(String(value)))}`;
    case "dataset": {
      const { name, symbol, timeframe, id } = test.dataset;
      return name ? `${name} · ${symbol} · ${timeframe}` : `${id ?? "–"} (no longer available)`;
    }
    case "start":
      return value ? when(String(value)) : "first bar";
    case "end":
      return value ? when(String(value)) : "last bar";
    case "config":
      return (CONFIG_FIELDS.find((field) => field.key === input.name)?.format ?? String)(value);
    default:
      return value === null || value === undefined ? "–" : String(value);
  }
}

function ColumnHead({ test, index }: { test: ComparedTest; index: number }) {
  const status = test.status;
  return (
    <th scope="col" data-testid="compare-column">
      <span className="swatch" style={{ background: COLORS[index] }} aria-hidden="true" />
      <a href={`/tests/${test.id}/`}>
        {index + 1}. {test.test_name || test.strategy.name}
      </a>
      <div className="compare-sub">
        {test.test_name && <>{test.strategy.name} · </>}
        {when(test.created_at)}{" "}
        {status !== "COMPLETED" && (
          <span className={`badge badge-status badge-${status.toLowerCase()}`}>{status}</span>
        )}
      </div>
    </th>
  );
}

/** 2-4 quick tests side by side: headline figures (the best of each row marked), the inputs that differ
 * (those they share folded away) and the equity curves on one chart. */
export function ComparePage({ ids }: { ids: string }) {
  const [data, setData] = useState<Comparison | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    getComparison(ids).then(setData, setError);
  }, [ids]);

  if (error) return <ErrorAlert error={error} />;
  if (!data) return <p className="muted">Loading the comparison…</p>;

  const { tests, differences, same } = data;
  const flows = [...new Set(tests.map((test) => test.flow_fingerprint))];
  const heads = tests.map((test, i) => <ColumnHead key={test.id} test={test} index={i} />);
  const missing = tests.filter((test) => test.no_result);

  return (
    <div className="compare">
      <header className="report-head">
        <div>
          <p className="muted small">
            <a href="/tests/">Quick tests</a> ›
          </p>
          <h1>Comparison of {tests.length} tests</h1>
        </div>
      </header>
      {missing.length > 0 && (
        <div className="alert alert-info" role="status" data-testid="compare-no-result">
          {missing.map((test) => (
            <p key={test.id}>
              {tests.indexOf(test) + 1}. {test.test_name || test.strategy.name}: {test.no_result}
            </p>
          ))}
        </div>
      )}

      <section className="card table-card" aria-label="Figures">
        <div className="table-scroll">
          <table className="table compare-table" data-testid="compare-figures">
            <thead>
              <tr>
                <th scope="col">Figure</th>
                {heads}
              </tr>
            </thead>
            <tbody>
              {HEADLINE.map(({ key, label, format, tone, better }) => {
                const values = tests.map(
                  (test) => (test.metrics_summary as Record<string, unknown> | null)?.[key],
                );
                const best = bestOf(values, better);
                return (
                  <tr key={key} data-testid={`figure-${key}`}>
                    <th scope="row">{label}</th>
                    {values.map((value, i) => (
                      <td
                        key={tests[i]?.id}
                        className={`numeric ${tone?.(value) ?? ""} ${best.has(i) ? "best" : ""}`}
                        data-best={best.has(i) || undefined}
                      >
                        {format(value)}
                        {best.has(i) && (
                          <span className="best-mark" title="Best of these tests">
                            <span className="visually-hidden"> (best)</span>
                          </span>
                        )}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card chart-card" aria-label="Equity curves">
        <CompareChart tests={tests} colors={COLORS} />
      </section>

      <section className="card table-card" aria-labelledby="inputs-heading">
        <h2 id="inputs-heading" className="compare-h2">
          Inputs
          <span className="muted small">
            {differences.length === 0
              ? " — every input is the same"
              : ` — ${differences.length} differ${differences.length === 1 ? "s" : ""}`}
          </span>
        </h2>
        <div className="table-scroll">
          <table className="table compare-table" data-testid="compare-inputs">
            <thead>
              <tr>
                <th scope="col">Input</th>
                {heads}
              </tr>
            </thead>
            <tbody>
              {differences.map((input) => (
                <tr key={`${input.kind}:${input.name}`} className="differs" data-testid="input-differs">
                  <th scope="row">{inputLabel(input)}</th>
                  {input.values.map((value, i) => {
                    const test = tests[i] as ComparedTest;
                    return <td key={test.id}>{inputValue(input, value, test, flows)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {same.length > 0 && (
          <details className="compare-same" data-testid="compare-same">
            <summary>The same in every test ({same.length})</summary>
            <table className="table compare-table compare-same-table">
              <tbody>
                {same.map((input) => (
                  <tr key={`${input.kind}:${input.name}`}>
                    <th scope="row">{inputLabel(input)}</th>
                    <td>{inputValue(input, input.value, tests[0] as ComparedTest, flows)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        )}
      </section>
    </div>
  );
}
