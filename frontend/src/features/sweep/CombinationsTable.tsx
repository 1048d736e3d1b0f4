import { useEffect, useId, useState } from "react";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formatMetric, metricLabel } from "../../components/metrics";
import { Pager } from "../../components/Pager";
import {
  type Actions,
  combinationText,
  getRows,
  type QuickTest,
  ROWS_PAGE,
  type Row,
  type SweepSummary,
} from "./api";

const SHOWN = ["return_pct", "sharpe_ratio", "max_drawdown_pct", "win_rate_pct", "profit_factor", "trades"];

/** Every combination, best first or sorted by any column (by the API, so it sorts all of them), a page at a
 * time; each row opens as a quick test or goes into the strategy. */
export function CombinationsTable({
  test,
  sweep,
  actions,
}: {
  test: QuickTest;
  sweep: SweepSummary;
  actions: Actions;
}) {
  const id = useId();
  const [orderBy, setOrderBy] = useState("rank");
  const [page, setPage] = useState(1);
  const [rows, setRows] = useState<{ rows: Row[]; count: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    getRows(test.id, page, orderBy).then(
      (answer) => live && setRows({ rows: answer.results, count: answer.count }),
      (caught) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [test.id, page, orderBy]);

  const parameters = Object.keys(sweep.parameters);
  const metrics = [sweep.objective.metric, ...SHOWN.filter((key) => key !== sweep.objective.metric)].filter(
    (key) => sweep.metrics.includes(key),
  );
  const sort = (key: string, descendingFirst: boolean) => {
    const first = descendingFirst ? `-${key}` : key;
    const second = descendingFirst ? key : `-${key}`;
    setOrderBy(orderBy === first ? second : first);
    setPage(1);
  };
  const sortState = (key: string) =>
    orderBy === key ? "ascending" : orderBy === `-${key}` ? "descending" : ("none" as const);
  const header = (key: string, label: string, descendingFirst: boolean) => (
    <th scope="col" aria-sort={sortState(key)} className={key === "rank" ? undefined : "numeric"}>
      <button type="button" className="sort-button" onClick={() => sort(key, descendingFirst)}>
        {label}
        <span aria-hidden="true">
          {sortState(key) === "ascending" ? " ▲" : sortState(key) === "descending" ? " ▼" : ""}
        </span>
      </button>
    </th>
  );

  return (
    <section className="card sweep-table" aria-labelledby={`${id}-title`}>
      <div className="sweep-section-head">
        <h2 id={`${id}-title`}>All combinations ({sweep.combinations.toLocaleString()})</h2>
        <span className="muted small">Click a column to sort by it.</span>
      </div>
      <ErrorAlert error={error} />
      <div className="table-scroll">
        <table className="table" data-testid="combinations">
          <thead>
            <tr>
              {header("rank", "#", false)}
              {parameters.map((name) => header(`p.${name}`, name, false))}
              {metrics.map((key) => header(key, metricLabel(key), true))}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows?.rows.map((row) => {
              const text = combinationText(row.parameters);
              return (
                <tr
                  key={text}
                  className={row.meets_constraints ? undefined : "row-ineligible"}
                  data-testid="combination-row"
                  title={row.meets_constraints ? undefined : "Fails a constraint on the results"}
                >
                  <td>{row.rank}</td>
                  {parameters.map((name) => (
                    <td key={name} className="numeric">
                      {String(row.parameters[name])}
                    </td>
                  ))}
                  {metrics.map((key) => (
                    <td key={key} className="numeric">
                      {formatMetric(key, row.metrics[key])}
                    </td>
                  ))}
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Open ${text} as a quick test`}
                      disabled={actions.busy !== null}
                      onClick={() => actions.open(row.parameters)}
                    >
                      Quick test
                    </button>
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Use ${text} in the strategy`}
                      disabled={actions.busy !== null}
                      onClick={() => actions.use(row.parameters)}
                    >
                      Use
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {rows && (
        <Pager
          page={page}
          pages={Math.ceil(rows.count / ROWS_PAGE)}
          onPage={setPage}
          label="Pages of combinations"
        />
      )}
    </section>
  );
}
