import { useCallback, useEffect, useState } from "react";
import { ApiError, type Paginated } from "../../api/client";
import { ErrorAlert } from "../../components/ErrorAlert";
import { when } from "../../components/format";
import { Pager } from "../../components/Pager";
import {
  type CodeDiff,
  downloadUrl,
  type Generation,
  type GenerationRow,
  generate,
  getDiff,
  getGeneration,
  listGenerations,
  type ValidationResult,
} from "./api";
import { Checks } from "./Checks";
import { CodeView, DiffView } from "./CodeView";

const PAGE_SIZE = 8;
// The "compare with" choices: the strategy's latest generations.
const COMPARE_CHOICES = 100;

type Props = { instanceId: string; strategyName: string; editorUrl: string };
type View = "module" | "diff";

function statusClass(status: string): string {
  return status === "VALID" ? "badge-completed" : status === "PENDING" ? "badge-pending" : "badge-failed";
}

function mark(passed: boolean | null): string {
  return passed === true ? "✓" : passed === false ? "✗" : "–";
}

/** Each generation's number in the strategy's history (#1 the oldest), for a page starting after `skipped`. */
function numbered(list: Paginated<GenerationRow> | null, skipped: number): [string, number][] {
  return list ? list.results.map((row, i) => [row.id, list.count - skipped - i]) : [];
}

/** The URL keeps the selection, so a reload or a shared link shows the same generation and comparison. */
function keepInUrl(generation: string | null, against: string | null) {
  const url = new URL(window.location.href);
  for (const [key, value] of [
    ["generation", generation],
    ["against", against],
  ] as const) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  window.history.replaceState(null, "", url);
}

/** A strategy's code generations: the history, the selected module with its checks, a diff between two. */
export function CodePage({ instanceId, strategyName, editorUrl }: Props) {
  const initial = new URLSearchParams(window.location.search);
  const [page, setPage] = useState(1);
  const [history, setHistory] = useState<Paginated<GenerationRow> | null>(null);
  const [choices, setChoices] = useState<Paginated<GenerationRow> | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(initial.get("generation"));
  const [generation, setGeneration] = useState<Generation | null>(null);
  const [againstId, setAgainstId] = useState<string>(initial.get("against") ?? "");
  const [diff, setDiff] = useState<CodeDiff | null>(null);
  const [view, setView] = useState<View>(initial.get("against") ? "diff" : "module");
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const loadHistory = useCallback(
    (at: number) =>
      listGenerations(instanceId, at, PAGE_SIZE)
        .then((answer) => {
          setHistory(answer);
          setSelectedId((selected) => selected ?? answer.results[0]?.id ?? null);
        })
        .catch(setError),
    [instanceId],
  );
  const loadChoices = useCallback(
    () => listGenerations(instanceId, 1, COMPARE_CHOICES).then(setChoices).catch(setError),
    [instanceId],
  );

  useEffect(() => {
    loadHistory(page);
  }, [loadHistory, page]);

  useEffect(() => {
    loadChoices();
  }, [loadChoices]);

  useEffect(() => {
    if (!selectedId) return;
    let current = true;
    if (generation?.id !== selectedId) {
      getGeneration(selectedId)
        .then((answer) => current && setGeneration(answer))
        .catch((caught) => current && setError(caught));
    }
    return () => {
      current = false;
    };
  }, [selectedId, generation?.id]);

  useEffect(() => {
    keepInUrl(selectedId, againstId || null);
    setDiff(null);
    if (!selectedId || !againstId || againstId === selectedId) return;
    let current = true;
    getDiff(selectedId, againstId)
      .then((answer) => current && setDiff(answer))
      .catch((caught) => current && setError(caught));
    return () => {
      current = false;
    };
  }, [selectedId, againstId]);

  // A generation's number in the strategy's history (#1 the oldest), from whichever list holds it.
  const ordinals = new Map([...numbered(choices, 0), ...numbered(history, (page - 1) * PAGE_SIZE)]);
  const label = (row: { id: string; created_at: string }) => {
    const n = ordinals.get(row.id);
    return `${n ? `#${n}` : row.id.slice(0, 8)} · ${when(row.created_at)}`;
  };

  const select = (id: string) => {
    setSelectedId(id);
    setNotice(null);
    if (id === againstId) {
      setAgainstId("");
      setView("module");
    }
  };

  const compareWith = (id: string) => {
    setAgainstId(id);
    setView(id ? "diff" : "module");
  };

  const onGenerate = useCallback(async () => {
    setBusy(true);
    setError(null);
    setNotice(null);
    const known = new Set(choices?.results.map((row) => row.id));
    try {
      const made = await generate(instanceId);
      setGeneration(made);
      setSelectedId(made.id);
      setView("module");
      setAgainstId("");
      setPage(1);
      await Promise.all([loadHistory(1), loadChoices()]);
      if (made.validation_status === "FLOW_ERROR") {
        const problems = (made.validation_result as ValidationResult | null)?.problems ?? [];
        // Recorded (201) as an attempt, but the user needs the problems where they are looking.
        setError(
          new ApiError(201, "invalid_flow", "The flow is not valid, so no code was generated:", problems),
        );
      } else if (known.has(made.id)) {
        setNotice("The strategy's code is identical to this earlier generation, which is shown.");
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }, [choices, instanceId, loadHistory, loadChoices]);

  const copy = async () => {
    if (!generation) return;
    try {
      await navigator.clipboard.writeText(generation.generated_code);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 2000);
    } catch {
      setError(new Error("The browser did not allow copying: select the code and copy it by hand."));
    }
  };

  const pages = history ? Math.max(1, Math.ceil(history.count / PAGE_SIZE)) : 1;
  const comparable = (choices?.results ?? []).filter(
    (row) => row.id !== selectedId && row.validation_status !== "FLOW_ERROR",
  );
  const against = choices?.results.find((row) => row.id === againstId);
  const valid = generation?.validation_status === "VALID";

  return (
    <div className="codegen">
      <div className="page-head">
        <div>
          <h1>
            Code <span className="muted">·</span> {strategyName}
          </h1>
          <p className="muted">
            {history
              ? `${history.count} generation${history.count === 1 ? "" : "s"} · generated from the strategy as last saved`
              : "\u00a0"}
          </p>
        </div>
        <div className="codegen-actions">
          <a className="button" href={editorUrl}>
            ◂ Editor
          </a>
          <button type="button" className="button button-primary" disabled={busy} onClick={onGenerate}>
            {busy ? "Generating…" : "Generate code"}
          </button>
        </div>
      </div>
      <ErrorAlert error={error} onDismiss={() => setError(null)} />
      {notice && (
        <div className="alert alert-info" role="status">
          <p>{notice}</p>
        </div>
      )}

      {history && history.count === 0 ? (
        <div className="card empty">
          <p>No code generated yet. “Generate code” turns the strategy into a standalone Python module.</p>
        </div>
      ) : (
        <div className="codegen-layout">
          <section className="card codegen-history" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <ol className="history">
              {history?.results.map((row) => (
                <li key={row.id}>
                  <button
                    type="button"
                    className="history-row"
                    aria-pressed={row.id === selectedId}
                    data-testid="history-row"
                    onClick={() => select(row.id)}
                  >
                    <span className="history-when">{label(row)}</span>
                    <span className="history-facts">
                      <span className={`badge badge-status ${statusClass(row.validation_status)}`}>
                        {row.validation_status}
                      </span>
                      <span title="Syntax and security checks">
                        syntax {mark(row.syntax_check_passed)} · security {mark(row.security_check_passed)}
                      </span>
                      {row.line_count !== null && <span>{row.line_count} lines</span>}
                    </span>
                  </button>
                </li>
              ))}
            </ol>
            <Pager page={page} pages={pages} onPage={setPage} label="History pages" />
          </section>

          <section className="card codegen-main" aria-label="Selected generation">
            {generation ? (
              <>
                <div className="codegen-meta">
                  <h2>
                    {label(generation)}{" "}
                    <span
                      className={`badge badge-status ${statusClass(generation.validation_status)}`}
                      data-testid="generation-status"
                    >
                      {generation.validation_status}
                    </span>
                  </h2>
                  <p className="muted small">
                    {generation.line_count ?? 0} lines · hash <code>{generation.code_hash.slice(0, 12)}</code>{" "}
                    · generator {generation.code_version}
                    {generation.generation_time !== null &&
                      ` · made in ${(generation.generation_time * 1000).toFixed(0)} ms`}
                  </p>
                </div>
                <Checks generation={generation} editorUrl={editorUrl} />
                {generation.generated_code && (
                  <>
                    <div className="codegen-toolbar">
                      <div className="codegen-tabs" role="tablist" aria-label="Show">
                        <button
                          type="button"
                          role="tab"
                          aria-selected={view === "module"}
                          className={view === "module" ? "selected" : ""}
                          onClick={() => setView("module")}
                        >
                          Module
                        </button>
                        <button
                          type="button"
                          role="tab"
                          aria-selected={view === "diff"}
                          className={view === "diff" ? "selected" : ""}
                          onClick={() => setView("diff")}
                        >
                          Diff
                        </button>
                      </div>
                      <label className="inline compare">
                        Compare with{" "}
                        <select value={againstId} onChange={(e) => compareWith(e.target.value)}>
                          <option value="">choose a generation</option>
                          {comparable.map((row) => (
                            <option key={row.id} value={row.id}>
                              {label(row)}
                            </option>
                          ))}
                        </select>
                      </label>
                      <span className="codegen-buttons">
                        <button type="button" className="button button-small" onClick={copy}>
                          {copied ? "Copied ✓" : "Copy"}
                        </button>
                        {valid && (
                          <a className="button button-small" href={downloadUrl(generation.id)} download>
                            Download .py
                          </a>
                        )}
                      </span>
                    </div>
                    {view === "module" ? (
                      <CodeView code={generation.generated_code} />
                    ) : !againstId ? (
                      <p className="muted">
                        Choose a generation to compare with: its lines are shown removed (−), this one's added
                        (+).
                      </p>
                    ) : diff ? (
                      diff.identical ? (
                        <p className="muted" data-testid="diff-identical">
                          The code of {against ? label(against) : againstId} is identical.
                        </p>
                      ) : (
                        <DiffView
                          diff={diff.diff}
                          caption={`From ${against ? label(against) : againstId} (−) to ${label(generation)} (+)`}
                        />
                      )
                    ) : (
                      <p className="muted">Comparing…</p>
                    )}
                    {generation.run_instructions && (
                      <details className="run-instructions">
                        <summary>How to run it</summary>
                        <p className="small">{generation.run_instructions.description}</p>
                        <pre className="code-body">
                          <code>{generation.run_instructions.commands.join("\n")}</code>
                        </pre>
                      </details>
                    )}
                  </>
                )}
              </>
            ) : (
              <p className="muted">
                {selectedId && !error ? "Loading…" : "Choose a generation from the history."}
              </p>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
