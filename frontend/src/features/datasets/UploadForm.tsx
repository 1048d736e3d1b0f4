import { forwardRef, useId, useImperativeHandle, useRef, useState } from "react";
import { ApiError, describeError, type Problem } from "../../api/client";
import { type Dataset, type Timeframe, uploadDataset } from "./api";
import { count, fileSize } from "./format";

const FORM_FIELDS = ["name", "symbol", "timeframe"] as const;
type FormField = (typeof FORM_FIELDS)[number];

export type UploadFormHandle = { focus: () => void };

type Props = {
  timeframes: Timeframe[];
  maxBytes: number;
  onUploaded: (dataset: Dataset) => void;
};

type Failure = { fileName: string; error: unknown };

/** A name for the dataset from its file's: "EURUSD_1h.csv" → "EURUSD_1h". */
function stem(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, "").slice(0, 255);
}

/**
 * Upload a CSV of bars as a new dataset. While it goes the form is disabled and shows how much is sent;
 * when the server refuses it, the form keeps what was typed and lists every problem the server named,
 * each bad line with its number, beside the fields or under the button.
 */
export const UploadForm = forwardRef<UploadFormHandle, Props>(function UploadForm(
  { timeframes, maxBytes, onUploaded },
  ref,
) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [symbol, setSymbol] = useState("");
  const [timeframe, setTimeframe] = useState(timeframes[0]?.value ?? "");
  const [sent, setSent] = useState<number | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [fileKey, setFileKey] = useState(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const problemsRef = useRef<HTMLDivElement>(null);
  const id = useId();
  const busy = sent !== null;

  useImperativeHandle(ref, () => ({
    focus() {
      fileInput.current?.scrollIntoView({ block: "center", behavior: "smooth" });
      fileInput.current?.focus();
    },
  }));

  const problems = failure?.error instanceof ApiError ? failure.error.problems : [];
  const fieldProblems = (field: FormField) =>
    problems.filter((p) => p.field === field && p.line === undefined);
  const otherProblems = problems.filter(
    (p) => p.line !== undefined || !FORM_FIELDS.includes(p.field as FormField),
  );

  function choose(chosen: File | null) {
    setFile(chosen);
    setFailure(null);
    if (chosen && !name.trim()) setName(stem(chosen.name));
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!file || busy) return;
    if (file.size > maxBytes) {
      setFailure({
        fileName: file.name,
        error: new Error(`The file is ${fileSize(file.size)}; uploads are limited to ${fileSize(maxBytes)}.`),
      });
      return;
    }
    setFailure(null);
    setSent(0);
    try {
      const dataset = await uploadDataset(
        { file, name: name.trim(), symbol: symbol.trim(), timeframe },
        (fraction) => setSent(fraction),
      );
      setFile(null);
      setName("");
      setSymbol("");
      setFileKey((key) => key + 1);
      onUploaded(dataset);
    } catch (caught) {
      setFailure({ fileName: file.name, error: caught });
      window.requestAnimationFrame(() => problemsRef.current?.scrollIntoView({ block: "nearest" }));
    } finally {
      setSent(null);
    }
  }

  return (
    <form className="card upload-form" onSubmit={submit} aria-labelledby={`${id}-title`} aria-busy={busy}>
      <h2 id={`${id}-title`}>Upload a CSV</h2>
      <p className="muted small">
        A header <code>timestamp,open,high,low,close,volume</code>, then one bar a line. Timestamps ISO 8601
        (UTC unless they carry an offset) or epoch seconds; up to {fileSize(maxBytes)}.
      </p>
      <fieldset disabled={busy}>
        <label htmlFor={`${id}-file`}>CSV file</label>
        <input
          key={fileKey}
          ref={fileInput}
          id={`${id}-file`}
          type="file"
          accept=".csv,text/csv,text/plain"
          required
          onChange={(event) => choose(event.target.files?.[0] ?? null)}
        />
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          type="text"
          required
          maxLength={255}
          value={name}
          onChange={(event) => setName(event.target.value)}
          aria-invalid={fieldProblems("name").length > 0 || undefined}
        />
        <FieldProblems problems={fieldProblems("name")} />
        <div className="upload-row">
          <div>
            <label htmlFor={`${id}-symbol`}>Symbol</label>
            <input
              id={`${id}-symbol`}
              type="text"
              required
              maxLength={64}
              placeholder="e.g. EURUSD"
              value={symbol}
              onChange={(event) => setSymbol(event.target.value)}
              aria-invalid={fieldProblems("symbol").length > 0 || undefined}
            />
            <FieldProblems problems={fieldProblems("symbol")} />
          </div>
          <div>
            <label htmlFor={`${id}-timeframe`}>Timeframe</label>
            <select
              id={`${id}-timeframe`}
              value={timeframe}
              onChange={(event) => setTimeframe(event.target.value)}
              aria-invalid={fieldProblems("timeframe").length > 0 || undefined}
            >
              {timeframes.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
            <FieldProblems problems={fieldProblems("timeframe")} />
          </div>
        </div>
        <button type="submit" className="button button-primary upload-submit" disabled={!file}>
          {busy ? (sent < 1 ? `Uploading… ${Math.round(sent * 100)} %` : "Checking the bars…") : "Upload"}
        </button>
      </fieldset>
      {busy && (
        <progress
          className="upload-progress"
          max={1}
          value={sent < 1 ? sent : undefined}
          aria-label="Upload progress"
        />
      )}
      {failure && (
        <div
          className="alert alert-error upload-errors"
          role="alert"
          ref={problemsRef}
          data-testid="upload-errors"
        >
          <p>
            <strong className="upload-file">{failure.fileName}</strong> was not stored.{" "}
            {summary(failure.error, problems, otherProblems)}
          </p>
          {otherProblems.length > 0 && (
            <ol className="problem-lines" aria-label="Problems in the file">
              {otherProblems.map((problem, i) => (
                <li
                  // biome-ignore lint/suspicious/noArrayIndexKey: problems have no id and never reorder
                  key={i}
                  data-testid="upload-problem"
                  data-line={problem.line}
                >
                  {problem.line !== undefined && <span className="problem-line">Line {problem.line}</span>}
                  <span>{problem.message}</span>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </form>
  );
});

/** What the list under the button holds, in a sentence (the fields' own problems are shown beside them). */
function summary(error: unknown, problems: Problem[], listed: Problem[]): string {
  if (problems.length === 0) return describeError(error);
  if (listed.length === 0) return "Correct the fields marked above.";
  const located = listed.filter((p) => p.line !== undefined);
  if (located.length === 0) return "";
  const lines = new Set(located.map((p) => p.line)).size;
  return `${count(located.length, "problem")} on ${count(lines, "line")}; fix them and upload it again:`;
}

function FieldProblems({ problems }: { problems: Problem[] }) {
  if (problems.length === 0) return null;
  return (
    <>
      {problems.map((problem) => (
        <p key={problem.code + problem.message} className="field-error">
          {problem.message}
        </p>
      ))}
    </>
  );
}
