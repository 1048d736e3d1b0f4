import { useEffect, useId, useRef, useState } from "react";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { ErrorAlert } from "../../components/ErrorAlert";
import { TestSettingsFields, useTestSettings } from "../../components/TestSettings";

type QuickTest = components["schemas"]["QuickTestDetail"];

type Props = { open: boolean; instanceId: string; prepare: () => Promise<void>; onClose: () => void };

const POLL_MS = 400;

/** Run a quick test of the strategy (saved first) on a dataset, and follow it until it ends. */
export function RunDialog({ open, instanceId, prepare, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const settings = useTestSettings();
  const { load } = settings;
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
      load().catch(setError);
    }
    if (!open && dialog.open) dialog.close();
  }, [open, load]);

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
      const created = await api<{ id: string }>("POST", "/api/v1/quick-tests/", {
        body: { instance: instanceId, test_config: settings.config() },
      });
      setTest(await api<QuickTest>("GET", `/api/v1/quick-tests/${created.id}/`));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const metrics = (test?.metrics_summary ?? {}) as Record<string, number | null>;

  return (
    <dialog ref={ref} className="dialog dialog-wide" aria-labelledby={`${id}-title`} onCancel={onClose}>
      <form onSubmit={run} noValidate>
        <h2 id={`${id}-title`}>Run a quick test</h2>
        <p className="muted small">The strategy is saved from this draft first, then tested on the worker.</p>
        <ErrorAlert error={error} />
        <TestSettingsFields settings={settings} error={error} idPrefix={id} />
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
          <button type="submit" className="button button-primary" disabled={busy || !settings.dataset}>
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
