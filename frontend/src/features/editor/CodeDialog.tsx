import { useEffect, useId, useRef, useState } from "react";
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import { ErrorAlert } from "../../components/ErrorAlert";

type Generation = components["schemas"]["CodeGenerationDetail"];

type Props = { open: boolean; instanceId: string; prepare: () => Promise<void>; onClose: () => void };

/** Turn the strategy (saved first) into a standalone Python module, shown with a download button. */
export function CodeDialog({ open, instanceId, prepare, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [generation, setGeneration] = useState<Generation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      setGeneration(null);
      setError(null);
      setBusy(true);
      (async () => {
        try {
          await prepare();
          const created = await api<{ id: string }>("POST", "/api/v1/code-generations/", {
            body: { instance: instanceId },
          });
          setGeneration(await api<Generation>("GET", `/api/v1/code-generations/${created.id}/`));
        } catch (caught) {
          setError(caught);
        } finally {
          setBusy(false);
        }
      })();
    }
    if (!open && dialog.open) dialog.close();
  }, [open, instanceId, prepare]);

  const valid = generation?.validation_status === "VALID";
  return (
    <dialog ref={ref} className="dialog dialog-code" aria-labelledby={`${id}-title`} onCancel={onClose}>
      <h2 id={`${id}-title`}>Generated code</h2>
      <ErrorAlert error={error} />
      {busy && <p className="muted">Saving the strategy and generating its code…</p>}
      {generation && (
        <>
          <p className="muted small" data-testid="code-status">
            {generation.validation_status} · {generation.line_count} lines · complexity{" "}
            {generation.complexity_score} · hash <code>{generation.code_hash.slice(0, 12)}</code>
          </p>
          {generation.generated_code ? (
            <pre className="code" data-testid="generated-code">
              <code>{generation.generated_code}</code>
            </pre>
          ) : (
            <ErrorAlert error={new Error(JSON.stringify(generation.validation_result))} />
          )}
        </>
      )}
      <div className="dialog-actions">
        <a
          className="button"
          href={`/strategies/${instanceId}/code/${generation ? `?generation=${generation.id}` : ""}`}
        >
          All generations
        </a>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        {valid && generation && (
          <a
            className="button button-primary"
            href={`/api/v1/code-generations/${generation.id}/download/`}
            download
          >
            Download .py
          </a>
        )}
      </div>
    </dialog>
  );
}
