import { useEffect, useId, useRef, useState } from "react";
import { ApiError, api } from "../../api/client";
import type { components } from "../../api/schema";
import { ErrorAlert } from "../../components/ErrorAlert";

type Dataset = components["schemas"]["DatasetOutput"];
type QuickTest = components["schemas"]["QuickTestDetail"];

type Props = { open: boolean; instanceId: string; prepare: () => Promise<void>; onClose: () => void };

// Shown as placeholders only: a field left empty is not sent, so the API's own defaults apply.
const CONFIG_FIELDS = [
  { key: "initial_capital", label: "Initial capital", placeholder: "10000" },
  { key: "commission", label: "Commission (fraction per side)", placeholder: "0" },
  { key: "slippage_bps", label: "Slippage (basis points)", placeholder: "0" },
  { key: "size", label: "Position size (fraction of equity)", placeholder: "1" },
] as const;

const POLL_MS = 400;

/** Run a quick test of the strategy (saved first) on a dataset, and follow it until it ends. */
export function RunDialog({ open, instanceId, prepare, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  const [dataset, setDataset] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [fill, setFill] = useState("");
  const [direction, setDirection] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [test, setTest] = useState<QuickTest | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      setTest(null);
      setError(null);
      api<{ results: Dataset[] }>("GET", "/api/v1/datasets/", { query: { page_size: 500 } })
        .then((page) => {
          setDatasets(page.results);
          setDataset((current) => current || page.results[0]?.id || "");
        })
        .catch(setError);
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);

  useEffect(() => {
    if (!test || !["PENDING", "RUNNING"].includes(test.status ?? "")) return;
    const timer = window.setTimeout(async () => {
      try {
        setTest(await api<QuickTest>("GET", `/api/v1/quick-tests/${test.id}/`));
      } catch (caught) {
        setError(caught);
      }
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [test]);

  async function run(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setTest(null);
    try {
      await prepare();
      const config: Record<string, unknown> = { dataset };
      if (start) config.start = start;
      if (end) config.end = end;
      if (fill) config.fill = fill;
      if (direction) config.direction = direction;
      for (const field of CONFIG_FIELDS) {
        const text = values[field.key]?.trim();
        if (text) config[field.key] = Number(text);
      }
      const created = await api<{ id: string }>("POST", "/api/v1/quick-tests/", {
        body: { instance: instanceId, test_config: config },
      });
      setTest(await api<QuickTest>("GET", `/api/v1/quick-tests/${created.id}/`));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const problemFor = (field: string) =>
    error instanceof ApiError
      ? error.problems.find((p) => p.field === `test_config.${field}`)?.message
      : undefined;
  const metrics = (test?.metrics_summary ?? {}) as Record<string, number | null>;
  const selected = datasets?.find((d) => d.id === dataset);

  return (
    <dialog ref={ref} className="dialog dialog-wide" aria-labelledby={`${id}-title`} onCancel={onClose}>
      <form onSubmit={run} noValidate>
        <h2 id={`${id}-title`}>Run a quick test</h2>
        <p className="muted small">The strategy is saved from this draft first, then tested on the worker.</p>
        <ErrorAlert error={error} />
        <div className="form-grid">
          <div className="span-2">
            <label htmlFor={`${id}-dataset`}>Dataset</label>
            <select id={`${id}-dataset`} value={dataset} onChange={(event) => setDataset(event.target.value)}>
              {datasets?.length === 0 && <option value="">No dataset: upload one first</option>}
              {datasets?.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} · {d.symbol} · {d.timeframe} · {d.bar_count.toLocaleString()} bars
                </option>
              ))}
            </select>
            {problemFor("dataset") && <p className="field-error">{problemFor("dataset")}</p>}
          </div>
          <div>
            <label htmlFor={`${id}-start`}>From</label>
            <input
              id={`${id}-start`}
              type="date"
              value={start}
              onChange={(e) => setStart(e.target.value)}
              min={selected?.first_timestamp.slice(0, 10)}
              max={selected?.last_timestamp.slice(0, 10)}
            />
            {problemFor("start") && <p className="field-error">{problemFor("start")}</p>}
          </div>
          <div>
            <label htmlFor={`${id}-end`}>To</label>
            <input
              id={`${id}-end`}
              type="date"
              value={end}
              onChange={(e) => setEnd(e.target.value)}
              min={selected?.first_timestamp.slice(0, 10)}
              max={selected?.last_timestamp.slice(0, 10)}
            />
            {problemFor("end") && <p className="field-error">{problemFor("end")}</p>}
          </div>
          {CONFIG_FIELDS.map((field) => (
            <div key={field.key}>
              <label htmlFor={`${id}-${field.key}`}>{field.label}</label>
              <input
                id={`${id}-${field.key}`}
                type="text"
                inputMode="decimal"
                placeholder={field.placeholder}
                value={values[field.key] ?? ""}
                onChange={(event) => setValues({ ...values, [field.key]: event.target.value })}
              />
              {problemFor(field.key) && <p className="field-error">{problemFor(field.key)}</p>}
            </div>
          ))}
          <div>
            <label htmlFor={`${id}-fill`}>Fill</label>
            <select id={`${id}-fill`} value={fill} onChange={(event) => setFill(event.target.value)}>
              <option value="">next bar's open (default)</option>
              <option value="close">the signal bar's close</option>
            </select>
          </div>
          <div>
            <label htmlFor={`${id}-direction`}>Direction</label>
            <select
              id={`${id}-direction`}
              value={direction}
              onChange={(event) => setDirection(event.target.value)}
            >
              <option value="">long only (default)</option>
              <option value="short">short only</option>
              <option value="both">long and short</option>
            </select>
          </div>
        </div>
        {test && (
          <div
            className={`run-status run-${(test.status ?? "").toLowerCase()}`}
            role="status"
            data-testid="run-status"
          >
            <strong>{test.status}</strong>
            {test.status === "COMPLETED" && (
              <span>
                {" "}
                · return {fmt(metrics.return_pct, "%")} · Sharpe {fmt(metrics.sharpe_ratio)} · max drawdown{" "}
                {fmt(metrics.max_drawdown_pct, "%")} · {metrics.trades ?? 0} trades
              </span>
            )}
            {test.status === "FAILED" && <span> · {test.error_message}</span>}
            {["PENDING", "RUNNING"].includes(test.status ?? "") && (
              <span className="spinner" aria-hidden="true" />
            )}{" "}
            <a href={`/tests/${test.id}/`}>Open the report</a>
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="button button-primary" disabled={busy || !dataset}>
            {busy ? "Starting…" : "Run test"}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function fmt(value: number | null | undefined, unit = ""): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return `${value.toFixed(2)}${unit}`;
}
