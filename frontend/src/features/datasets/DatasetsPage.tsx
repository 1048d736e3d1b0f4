import { useCallback, useEffect, useRef, useState } from "react";
import type { Paginated } from "../../api/client";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { when } from "../../components/format";
import { Pager } from "../../components/Pager";
import {
  type Dataset,
  deleteDataset,
  downloadUrl,
  getDataset,
  listDatasets,
  type Owner,
  PAGE_SIZE,
  type Timeframe,
} from "./api";
import { DatasetChart } from "./DatasetChart";
import { count, fileSize, utcDay, utcMinute } from "./format";
import { UploadForm, type UploadFormHandle } from "./UploadForm";

const NEWEST = "-created_at";
const ORDERINGS = [
  [NEWEST, "Newest first"],
  ["created_at", "Oldest first"],
  ["symbol", "Symbol A–Z"],
  ["-bar_count", "Most bars"],
  ["first_timestamp", "Earliest data"],
] as const;
const OWNERS: [Owner, string][] = [
  ["", "All"],
  ["mine", "Mine"],
  ["shared", "Shared"],
];

type Filters = { symbol: string; timeframe: string; owner: Owner; ordering: string };
const NO_FILTERS: Filters = { symbol: "", timeframe: "", owner: "", ordering: NEWEST };

/** Debounce a value: the symbol box asks the API only once the user pauses. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

function selectedInUrl(id: string | null) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set("dataset", id);
  else url.searchParams.delete("dataset");
  window.history.replaceState(null, "", url);
}

/**
 * The user's datasets and the shared ones: filter, select one to see its candles, download, delete one's
 * own (shared ones are staff's to manage, in the admin), and upload a CSV as a new one.
 */
export function DatasetsPage({
  timeframes,
  maxUploadBytes,
}: {
  timeframes: Timeframe[];
  maxUploadBytes: number;
}) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Paginated<Dataset> | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<Dataset | null>(null);
  const [toDelete, setToDelete] = useState<Dataset | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [reloads, setReloads] = useState(0);
  const symbol = useDebounced(filters.symbol.trim(), 250);
  const { timeframe, owner, ordering } = filters;
  const request = useRef(0);
  // The dataset the address names (a reload, a link), until it is fetched; the list's first when it cannot be.
  const wanted = useRef(new URLSearchParams(window.location.search).get("dataset"));
  const first = useRef<Dataset | null>(null);
  const upload = useRef<UploadFormHandle>(null);
  const preview = useRef<HTMLElement>(null);
  const labels = new Map(timeframes.map((t) => [t.value, t.label]));

  // biome-ignore lint/correctness/useExhaustiveDependencies: a change of `reloads` asks for the list again
  const load = useCallback(async () => {
    const mine = ++request.current;
    setLoading(true);
    try {
      const answer = await listDatasets({ symbol, timeframe, owner, ordering, page });
      if (mine !== request.current) return;
      if (answer.results.length === 0 && page > 1) {
        setPage(page - 1);
        return;
      }
      setData(answer);
      setError(null);
      first.current = answer.results[0] ?? null;
      if (!wanted.current) setSelected((current) => current ?? first.current);
    } catch (caught) {
      if (mine === request.current) setError(caught);
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, [symbol, timeframe, owner, ordering, page, reloads]);

  useEffect(() => {
    void load();
  }, [load]);

  // The dataset the address names is selected even when it is on another page; one the user may not see
  // (404, another user's) is ignored.
  useEffect(() => {
    if (!wanted.current) return;
    getDataset(wanted.current)
      .then(setSelected, () => setSelected((current) => current ?? first.current))
      .finally(() => {
        wanted.current = null;
      });
  }, []);

  useEffect(() => selectedInUrl(selected?.id ?? null), [selected]);

  const set = (change: Partial<Filters>) => {
    setFilters({ ...filters, ...change });
    setPage(1);
  };

  function select(dataset: Dataset) {
    setSelected(dataset);
    window.requestAnimationFrame(() =>
      preview.current?.scrollIntoView({ block: "nearest", behavior: "smooth" }),
    );
  }

  function uploaded(dataset: Dataset) {
    setNotice(`Uploaded “${dataset.name}”: ${count(dataset.bar_count, "bar")}.`);
    select(dataset);
    // Newest first, unfiltered: the new dataset heads the list.
    setFilters(NO_FILTERS);
    setPage(1);
    setReloads((n) => n + 1);
  }

  async function confirmDelete() {
    if (!toDelete) return;
    setDeleting(true);
    try {
      await deleteDataset(toDelete.id);
      setNotice(`Deleted “${toDelete.name}”.`);
      setError(null);
      if (selected?.id === toDelete.id) setSelected(null);
      setToDelete(null);
      await load();
    } catch (caught) {
      setError(caught);
      setToDelete(null);
    } finally {
      setDeleting(false);
    }
  }

  const pages = data ? Math.max(1, Math.ceil(data.count / PAGE_SIZE)) : 1;
  const filtered = filters.symbol || filters.timeframe || filters.owner;

  return (
    <div className="datasets">
      <div className="page-head">
        <div>
          <h1>Datasets</h1>
          <p className="muted">{data ? count(data.count, "dataset") : "\u00a0"}</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => upload.current?.focus()}>
          Upload CSV
        </button>
      </div>

      <div className="toolbar">
        <input
          type="search"
          placeholder="Symbol…"
          aria-label="Filter by symbol (exact, any case)"
          value={filters.symbol}
          onChange={(event) => set({ symbol: event.target.value })}
        />
        <label className="inline">
          Timeframe{" "}
          <select value={filters.timeframe} onChange={(event) => set({ timeframe: event.target.value })}>
            <option value="">any</option>
            {timeframes.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="segmented" aria-label="Show">
          {OWNERS.map(([value, label]) => (
            <label key={label} className={filters.owner === value ? "selected" : ""}>
              <input
                type="radio"
                name="owner"
                value={value}
                checked={filters.owner === value}
                onChange={() => set({ owner: value })}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <label className="inline">
          Sort{" "}
          <select value={filters.ordering} onChange={(event) => set({ ordering: event.target.value })}>
            {ORDERINGS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>

      <ErrorAlert error={error} onDismiss={() => setError(null)} />
      {notice && (
        <div className="alert alert-ok alert-row" role="status">
          <p>{notice}</p>
          <button type="button" className="alert-close" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ×
          </button>
        </div>
      )}

      <div className="card table-card" aria-busy={loading}>
        {data && data.results.length === 0 ? (
          <div className="empty">
            <p>
              {filtered
                ? "No dataset matches these filters."
                : "No datasets yet. Upload a CSV of bars below."}
            </p>
          </div>
        ) : (
          <table className="table datasets-table" data-testid="datasets">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Symbol</th>
                <th scope="col">Timeframe</th>
                <th scope="col" className="numeric">
                  Bars
                </th>
                <th scope="col">Data (UTC)</th>
                <th scope="col" className="numeric">
                  Size
                </th>
                <th scope="col">Owner</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data?.results.map((dataset) => {
                const isSelected = dataset.id === selected?.id;
                return (
                  <tr
                    key={dataset.id}
                    data-testid="dataset-row"
                    data-id={dataset.id}
                    className={isSelected ? "selected" : undefined}
                  >
                    <td>
                      <button
                        type="button"
                        className="link-like strategy-name"
                        aria-pressed={isSelected}
                        onClick={() => select(dataset)}
                      >
                        {dataset.name}
                      </button>
                    </td>
                    <td>{dataset.symbol}</td>
                    <td title={labels.get(dataset.timeframe)}>{dataset.timeframe}</td>
                    <td className="numeric">{dataset.bar_count.toLocaleString()}</td>
                    <td>
                      {utcDay(dataset.first_timestamp)} – {utcDay(dataset.last_timestamp)}
                    </td>
                    <td className="numeric">{fileSize(dataset.file_size)}</td>
                    <td>
                      <span className={`badge ${dataset.shared ? "badge-shared" : "badge-mine"}`}>
                        {dataset.shared ? "Shared" : "Mine"}
                      </span>
                    </td>
                    <td>
                      <time dateTime={dataset.created_at}>{when(dataset.created_at)}</time>
                    </td>
                    <td>
                      <div className="row-actions">
                        <a className="button button-small" href={downloadUrl(dataset.id)} download>
                          Download
                        </a>
                        {!dataset.shared && (
                          <button
                            type="button"
                            className="button button-small button-danger"
                            onClick={() => setToDelete(dataset)}
                          >
                            Delete
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      <Pager page={page} pages={pages} onPage={setPage} label="Dataset pages" />

      <div className="datasets-lower">
        <section className="card dataset-preview" ref={preview} aria-label="Preview" data-testid="preview">
          {selected ? <Preview dataset={selected} label={labels.get(selected.timeframe)} /> : <NoPreview />}
        </section>
        <UploadForm ref={upload} timeframes={timeframes} maxBytes={maxUploadBytes} onUploaded={uploaded} />
      </div>

      <ConfirmDialog
        open={toDelete !== null}
        title={`Delete “${toDelete?.name ?? ""}”?`}
        confirmLabel="Delete"
        danger
        busy={deleting}
        onConfirm={confirmDelete}
        onCancel={() => setToDelete(null)}
      >
        <p>
          It can no longer be chosen for new tests. Tests already run on it keep their results and can still
          show its bars.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function NoPreview() {
  return <p className="muted empty">Select a dataset to see its candles.</p>;
}

function Preview({ dataset, label }: { dataset: Dataset; label: string | undefined }) {
  return (
    <>
      <div className="preview-head">
        <div>
          <h2>{dataset.name}</h2>
          <p className="report-meta" data-testid="preview-meta">
            {dataset.symbol} · {label ?? dataset.timeframe} · {count(dataset.bar_count, "bar")} ·{" "}
            {utcMinute(dataset.first_timestamp)} – {utcMinute(dataset.last_timestamp)}
            <br />
            {dataset.source} · {dataset.shared ? "shared" : "yours"}
          </p>
        </div>
        <a className="button button-small" href={downloadUrl(dataset.id)} download>
          Download CSV
        </a>
      </div>
      <DatasetChart datasetId={dataset.id} />
    </>
  );
}
