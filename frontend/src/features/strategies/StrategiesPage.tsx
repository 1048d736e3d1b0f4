import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { Paginated, StrategyInstance, StrategyTemplate } from "../../api/client";
import { ApiError } from "../../api/client";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Pager } from "../../components/Pager";
import {
  createStrategy,
  deleteStrategy,
  duplicateStrategy,
  listStrategies,
  listTemplates,
  PAGE_SIZE,
  type StatusFilter,
  setArchived,
} from "./api";

const NAME_MAX = 255;

function copyName(name: string): string {
  return `Copy of ${name}`.slice(0, NAME_MAX);
}

function formatWhen(iso: string): string {
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function countLabel(count: number, status: StatusFilter): string {
  const kind = status === "ARCHIVED" ? "archived " : status === "ACTIVE" ? "active " : "";
  return `${count} ${kind}strateg${count === 1 ? "y" : "ies"}`;
}

function nodeCount(strategy: StrategyInstance): number {
  const nodes = (strategy.logic_flow as { nodes?: unknown[] }).nodes;
  return Array.isArray(nodes) ? nodes.length : 0;
}

/** Debounce a value: the search box asks the API only once the user pauses. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function StrategiesPage(_: { apiRoot: string }) {
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<StatusFilter>("ACTIVE");
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Paginated<StrategyInstance> | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [toDelete, setToDelete] = useState<StrategyInstance | null>(null);
  const name = useDebounced(search.trim(), 250);
  const request = useRef(0);

  const load = useCallback(async () => {
    const mine = ++request.current;
    setLoading(true);
    try {
      const result = await listStrategies({ name, status, page });
      if (mine !== request.current) return;
      if (result.results.length === 0 && page > 1) {
        setPage(page - 1);
        return;
      }
      setData(result);
      setError(null);
    } catch (caught) {
      if (mine === request.current) setError(caught);
    } finally {
      if (mine === request.current) setLoading(false);
    }
  }, [name, status, page]);

  useEffect(() => {
    void load();
  }, [load]);

  // A new search or filter starts again at the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the criteria change, not the page
  useEffect(() => setPage(1), [name, status]);

  async function act(strategy: StrategyInstance, work: () => Promise<unknown>, done: string) {
    setBusyId(strategy.id);
    setNotice(null);
    try {
      await work();
      setError(null);
      setNotice(done);
      await load();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusyId(null);
    }
  }

  const pages = data ? Math.max(1, Math.ceil(data.count / PAGE_SIZE)) : 1;

  return (
    <div className="strategies">
      <div className="page-head">
        <div>
          <h1>My strategies</h1>
          <p className="muted">{data ? countLabel(data.count, status) : "\u00a0"}</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          + New strategy
        </button>
      </div>

      <div className="toolbar">
        <input
          type="search"
          placeholder="Search by name…"
          aria-label="Search strategies by name"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <fieldset className="segmented" aria-label="Show">
          {(
            [
              ["ACTIVE", "Active"],
              ["ARCHIVED", "Archived"],
              ["", "All"],
            ] as const
          ).map(([value, label]) => (
            <label key={label} className={status === value ? "selected" : ""}>
              <input
                type="radio"
                name="status"
                value={value}
                checked={status === value}
                onChange={() => setStatus(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
      </div>

      <ErrorAlert error={error} onDismiss={() => setError(null)} />
      {notice && (
        <div className="alert alert-ok" role="status">
          <p>{notice}</p>
        </div>
      )}

      <div className="card table-card" aria-busy={loading}>
        {data && data.results.length === 0 ? (
          <div className="empty">
            {name ? (
              <p>No strategy matches “{name}”.</p>
            ) : status === "ARCHIVED" ? (
              <p>No archived strategies.</p>
            ) : (
              <>
                <p>You have no strategies yet.</p>
                <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
                  Create your first strategy
                </button>
              </>
            )}
          </div>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="col-nodes">
                  Nodes
                </th>
                <th scope="col">Status</th>
                <th scope="col" className="col-updated">
                  Updated
                </th>
                <th scope="col" className="col-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data?.results.map((strategy) => (
                <tr key={strategy.id} data-testid="strategy-row" data-id={strategy.id}>
                  <td>
                    <a className="strategy-name" href={`/strategies/${strategy.id}/edit/`}>
                      {strategy.name}
                    </a>
                    {strategy.description && <div className="muted small">{strategy.description}</div>}
                  </td>
                  <td className="col-nodes">{nodeCount(strategy)}</td>
                  <td>
                    <span className={`badge badge-${strategy.status.toLowerCase()}`}>
                      {strategy.status === "ACTIVE" ? "Active" : "Archived"}
                    </span>
                  </td>
                  <td className="col-updated">
                    <time dateTime={strategy.updated_at}>{formatWhen(strategy.updated_at)}</time>
                  </td>
                  <td className="col-actions">
                    <div className="row-actions">
                      <a className="button button-small" href={`/strategies/${strategy.id}/code/`}>
                        Code
                      </a>
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busyId === strategy.id}
                        onClick={() =>
                          act(
                            strategy,
                            () => duplicateStrategy(strategy, copyName(strategy.name)),
                            `Duplicated “${strategy.name}”.`,
                          )
                        }
                      >
                        Duplicate
                      </button>
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busyId === strategy.id}
                        onClick={() =>
                          act(
                            strategy,
                            () => setArchived(strategy, strategy.status === "ACTIVE"),
                            strategy.status === "ACTIVE"
                              ? `Archived “${strategy.name}”.`
                              : `Restored “${strategy.name}”.`,
                          )
                        }
                      >
                        {strategy.status === "ACTIVE" ? "Archive" : "Unarchive"}
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger"
                        disabled={busyId === strategy.id}
                        onClick={() => setToDelete(strategy)}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <Pager page={page} pages={pages} onPage={setPage} />

      <NewStrategyDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(strategy) => {
          // Straight into the editor: a new strategy is there to be built.
          window.location.assign(`/strategies/${strategy.id}/edit/`);
        }}
      />

      <ConfirmDialog
        open={toDelete !== null}
        title="Delete this strategy?"
        confirmLabel="Delete"
        danger
        busy={toDelete !== null && busyId === toDelete.id}
        onCancel={() => setToDelete(null)}
        onConfirm={() => {
          const strategy = toDelete;
          if (!strategy) return;
          void act(strategy, () => deleteStrategy(strategy), `Deleted “${strategy.name}”.`).then(() =>
            setToDelete(null),
          );
        }}
      >
        <p>
          “{toDelete?.name}” disappears from your strategies. Its quick tests and generated code go with it.
          To keep it out of the way instead, archive it.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function NewStrategyDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (strategy: StrategyInstance) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const nameId = useId();
  const descriptionId = useId();
  const templateId = useId();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [template, setTemplate] = useState("");
  const [templates, setTemplates] = useState<StrategyTemplate[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setName("");
      setDescription("");
      setTemplate("");
      setError(null);
      dialog.showModal();
      listTemplates()
        .then((result) => setTemplates(result.results))
        .catch((caught) => {
          setTemplates([]);
          setError(caught);
        });
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);

  const fieldError = (field: string) =>
    error instanceof ApiError ? error.problems.find((p) => p.field === field)?.message : undefined;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await createStrategy({
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(template ? { template_id: template } : {}),
      });
      onCreated(created);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const nameError = fieldError("name");
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={`${nameId}-title`} onCancel={onClose}>
      <form onSubmit={submit} noValidate>
        <h2 id={`${nameId}-title`}>New strategy</h2>
        {error && !nameError ? <ErrorAlert error={error} /> : null}
        <label htmlFor={nameId}>Name</label>
        <input
          id={nameId}
          type="text"
          value={name}
          maxLength={NAME_MAX}
          required
          placeholder="e.g. SMA cross with RSI filter"
          aria-invalid={nameError ? true : undefined}
          onChange={(event) => setName(event.target.value)}
        />
        {nameError && <p className="field-error">{nameError}</p>}
        <label htmlFor={descriptionId}>
          Description <span className="muted">(optional)</span>
        </label>
        <textarea
          id={descriptionId}
          rows={2}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
        <label htmlFor={templateId}>Start from</label>
        <select id={templateId} value={template} onChange={(event) => setTemplate(event.target.value)}>
          <option value="">A blank canvas</option>
          {templates?.map((t) => (
            <option key={t.id} value={t.id}>
              Template: {t.name}
            </option>
          ))}
        </select>
        {templates && templates.length === 0 && (
          <p className="muted small">You have no strategy templates yet; a blank canvas it is.</p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
            {busy ? "Creating…" : "Create strategy"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
