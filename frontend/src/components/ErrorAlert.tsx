import { ApiError, describeError } from "../api/client";

/** An API error where the user is looking: the message and every problem the API listed. */
export function ErrorAlert({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (!error) return null;
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <div className="alert alert-error" role="alert">
      <div className="alert-row">
        <p>{error instanceof ApiError && problems.length > 0 ? error.message : describeError(error)}</p>
        {onDismiss && (
          <button type="button" className="alert-close" aria-label="Dismiss" onClick={onDismiss}>
            ×
          </button>
        )}
      </div>
      {problems.length > 0 && (
        <ul>
          {problems.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems have no id of their own and never reorder
            <li key={i}>
              {p.field ? <code>{p.field}</code> : null} {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
