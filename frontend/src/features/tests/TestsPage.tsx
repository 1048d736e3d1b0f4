import { useEffect, useState } from "react";
import { api, type Paginated, type StrategyInstance } from "../../api/client";
import { ErrorAlert } from "../../components/ErrorAlert";
import { num, pct, signClass, when } from "../../components/format";
import { Pager } from "../../components/Pager";
import { QUICK_TESTS, type QuickTestRow } from "../report/api";

const PAGE_SIZE = 25;
const COMPARE_MAX = 4;
const STATUSES = ["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"] as const;

type Filters = { instance: string; status: string; withinHours: string };

/** The user's quick tests, newest first, filtered as the spec's common queries put it. */
export function TestsPage() {
  const initial = new URLSearchParams(window.location.search);
  const [filters, setFilters] = useState<Filters>({
    instance: initial.get("instance") ?? "",
    status: initial.get("status") ?? "",
    withinHours: initial.get("within_hours") ?? "",
  });
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Paginated<QuickTestRow> | null>(null);
  const [strategies, setStrategies] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<unknown>(null);
  // Tests picked for a comparison, in the order picked (kept across pages and filters).
  const [picked, setPicked] = useState<string[]>([]);

  useEffect(() => {
    api<Paginated<StrategyInstance>>("GET", "/api/v1/strategy-instances/", {
      query: { page_size: 500, ordering: "name" },
    })
      .then((answer) => setStrategies(new Map(answer.results.map((s) => [s.id, s.name]))))
      .catch(setError);
  }, []);

  useEffect(() => {
    const query = { instance: filters.instance, status: filters.status, within_hours: filters.withinHours };
    const url = new URL(window.location.href);
    for (const [key, value] of Object.entries(query)) {
      if (value) url.searchParams.set(key, value);
      else url.searchParams.delete(key);
    }
    window.history.replaceState(null, "", url);
    api<Paginated<QuickTestRow>>("GET", QUICK_TESTS, { query: { ...query, page, page_size: PAGE_SIZE } })
      .then((answer) => {
        setData(answer);
        setError(null);
      })
      .catch(setError);
  }, [filters, page]);

  const set = (change: Partial<Filters>) => {
    setFilters({ ...filters, ...change });
    setPage(1);
  };
  const toggle = (id: string) =>
    setPicked(picked.includes(id) ? picked.filter((p) => p !== id) : [...picked, id]);
  const pages = data ? Math.max(1, Math.ceil(data.count / PAGE_SIZE)) : 1;

  return (
    <div className="tests">
      <div className="page-head">
        <div>
          <h1>Quick tests</h1>
          <p className="muted">{data ? `${data.count} test${data.count === 1 ? "" : "s"}` : "\u00a0"}</p>
        </div>
        <div className="compare-pick">
          <span className="muted small" data-testid="picked-count">
            {picked.length === 0
              ? `Tick 2 to ${COMPARE_MAX} tests to compare them`
              : `${picked.length} picked`}
          </span>
          <button
            type="button"
            className="button button-primary"
            disabled={picked.length < 2}
            onClick={() => window.location.assign(`/tests/compare/?ids=${picked.join(",")}`)}
          >
            Compare
          </button>
        </div>
      </div>
      <div className="toolbar">
        <label className="inline">
          Strategy{" "}
          <select value={filters.instance} onChange={(e) => set({ instance: e.target.value })}>
            <option value="">all</option>
            {[...strategies.entries()].map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Status{" "}
          <select value={filters.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Created{" "}
          <select value={filters.withinHours} onChange={(e) => set({ withinHours: e.target.value })}>
            <option value="">any time</option>
            <option value="1">in the last hour</option>
            <option value="24">in the last day</option>
            <option value="168">in the last week</option>
          </select>
        </label>
        <button
          type="button"
          className="button button-small"
          onClick={() => set({ status: "FAILED", withinHours: "24", instance: "" })}
        >
          Failed in the last day
        </button>
      </div>
      <ErrorAlert error={error} />
      <div className="card table-card">
        {data && data.results.length === 0 ? (
          <div className="empty">
            <p>No quick test matches. Run one from the editor (“Run ▸”).</p>
          </div>
        ) : (
          <table className="table" data-testid="tests">
            <thead>
              <tr>
                <th scope="col" className="col-pick">
                  <span className="visually-hidden">Compare</span>
                </th>
                <th scope="col">Strategy</th>
                <th scope="col">Status</th>
                <th scope="col" className="numeric">
                  Return
                </th>
                <th scope="col" className="numeric">
                  Sharpe
                </th>
                <th scope="col" className="numeric">
                  Max drawdown
                </th>
                <th scope="col" className="numeric">
                  Trades
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data?.results.map((test) => {
                const m = (test.metrics_summary ?? {}) as Record<string, number | null>;
                return (
                  <tr key={test.id} data-testid="test-row">
                    <td className="col-pick">
                      <input
                        type="checkbox"
                        aria-label={`Compare ${strategies.get(test.instance) ?? "test"} of ${when(test.created_at)}`}
                        checked={picked.includes(test.id)}
                        disabled={!picked.includes(test.id) && picked.length >= COMPARE_MAX}
                        onChange={() => toggle(test.id)}
                      />
                    </td>
                    <td>
                      <a className="strategy-name" href={`/tests/${test.id}/`}>
                        {strategies.get(test.instance) ?? "(deleted strategy)"}
                      </a>
                      {test.test_name && <div className="muted small">{test.test_name}</div>}
                    </td>
                    <td>
                      <span className={`badge badge-status badge-${(test.status ?? "").toLowerCase()}`}>
                        {test.status}
                      </span>
                    </td>
                    <td className={`numeric ${signClass(m.return_pct)}`}>{pct(m.return_pct)}</td>
                    <td className="numeric">{num(m.sharpe_ratio)}</td>
                    <td className="numeric">{pct(m.max_drawdown_pct)}</td>
                    <td className="numeric">{m.trades ?? "–"}</td>
                    <td>{when(test.created_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      <Pager page={page} pages={pages} onPage={setPage} />
    </div>
  );
}
