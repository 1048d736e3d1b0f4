import { useContext, useEffect, useId, useMemo, useRef, useState } from "react";
import { ApiError, api } from "../../api/client";
import { ErrorAlert } from "../../components/ErrorAlert";
import { metricLabel, OBJECTIVE_CHOICES } from "../../components/metrics";
import { TestSettingsFields, useTestSettings } from "../../components/TestSettings";
import { CatalogueContext } from "./context";
import { useEditor } from "./store";
import {
  type Bounds,
  boundsText,
  countCombinations,
  initialRow,
  type Mode,
  OPERATORS,
  type ParameterConstraint,
  parameterBounds,
  type Row,
  rowValues,
  sweepBody,
  type WalkForwardForm,
} from "./sweepForm";

type Props = {
  open: boolean;
  instanceId: string;
  /** The most combinations one sweep may run (the server's SWEEP_MAX_COMBINATIONS). */
  limit: number;
  prepare: () => Promise<void>;
  onClose: () => void;
};

const SWEEP = "test_config.sweep";

/** Sweep the strategy's parameters (saved first): what to vary, what to rank by, on which data. */
export function OptimiseDialog({ open, instanceId, limit, prepare, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const catalogue = useContext(CatalogueContext);
  const parameters = useEditor((state) => state.parameters);
  const nodes = useEditor((state) => state.nodes);
  const bounds = useMemo(
    () => (catalogue ? parameterBounds(parameters, nodes, catalogue) : new Map<string, Bounds>()),
    [parameters, nodes, catalogue],
  );
  const names = useMemo(() => [...bounds.keys()].sort(), [bounds]);
  const settings = useTestSettings();
  const { load } = settings;
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [metric, setMetric] = useState("sharpe_ratio");
  const [goal, setGoal] = useState<"max" | "min">("max");
  const [constraints, setConstraints] = useState<ParameterConstraint[]>([]);
  const [minTrades, setMinTrades] = useState("");
  const [sample, setSample] = useState("");
  const [walkForward, setWalkForward] = useState<WalkForwardForm>({
    on: false,
    folds: "5",
    inSample: "75",
    anchored: false,
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      setError(null);
      load().catch(setError);
    }
    if (!open && dialog.open) dialog.close();
  }, [open, load]);

  // A parameter added in the editor gets a row; a row the trader filled in keeps its values.
  useEffect(() => {
    setRows((current) => {
      const next: Record<string, Row> = {};
      for (const name of names) {
        next[name] = current[name] ?? initialRow(parameters[name] ?? 0, bounds.get(name) as Bounds);
      }
      return next;
    });
  }, [names, parameters, bounds]);

  const count = countCombinations(rows, bounds, parameters, constraints);
  const kept = count.kept ?? count.grid;
  const sampled = Number(sample);
  const combinations =
    sample.trim() && Number.isInteger(sampled) && sampled > 0 ? Math.min(sampled, kept) : kept;
  const problems = error instanceof ApiError ? error.problems : [];
  const problemsAt = (field: string, exact = true) =>
    problems.filter((p) => (exact ? p.field === field : p.field?.startsWith(field)));
  const shown = (field: string, exact = true) => {
    const found = problemsAt(field, exact);
    return found.length > 0 ? (
      <p className="field-error" data-testid={`problem-${field}`}>
        {found.map((p) => p.message).join(" ")}
      </p>
    ) : null;
  };

  const setRow = (name: string, change: Partial<Row>) =>
    setRows({ ...rows, [name]: { ...(rows[name] as Row), ...change } });

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await prepare();
      const sweep = sweepBody({ rows, bounds, metric, goal, constraints, minTrades, sample, walkForward });
      const created = await api<{ id: string }>("POST", "/api/v1/quick-tests/", {
        body: { instance: instanceId, test_config: { ...settings.config(), sweep } },
      });
      window.location.assign(`/tests/${created.id}/`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
      ref.current?.querySelector(".alert")?.scrollIntoView({ block: "nearest" });
    }
  }

  const tooMany = combinations > limit;
  const paramConstraintCount = constraints.length;

  return (
    <dialog ref={ref} className="dialog dialog-optimise" aria-labelledby={`${id}-title`} onCancel={onClose}>
      <form onSubmit={submit} noValidate>
        <h2 id={`${id}-title`}>Optimise the parameters</h2>
        <p className="muted small">
          Every combination of the values below is backtested, spread over the workers; the strategy is saved
          from this draft first.
        </p>
        <ErrorAlert error={error} />

        <fieldset className="optimise-section">
          <legend>Parameters</legend>
          {names.length === 0 && (
            <p className="muted" data-testid="no-parameters">
              This strategy has no parameters to vary. Bind a node's parameter to a strategy parameter in the
              inspector (“new parameter…”) first.
            </p>
          )}
          {names.map((name) => {
            const row = rows[name];
            const info = bounds.get(name) as Bounds;
            if (!row) return null;
            const field = `${SWEEP}.parameters.${name}`;
            const values = rowValues(row, info);
            return (
              <div className="sweep-param" key={name} data-testid={`sweep-param-${name}`}>
                <div className="sweep-param-head">
                  <strong>{name}</strong>
                  <span className="muted small">
                    now {String(parameters[name])} · {boundsText(info)}
                    {info.places.length > 0 && <> · {info.places.join(", ")}</>}
                  </span>
                </div>
                <div className="sweep-param-body">
                  <select
                    aria-label={`How to vary ${name}`}
                    value={row.mode}
                    onChange={(event) => setRow(name, { mode: event.target.value as Mode })}
                  >
                    <option value="fixed">not swept</option>
                    <option value="values">list of values</option>
                    {info.type !== "boolean" && info.type !== "string" && (
                      <option value="range">range</option>
                    )}
                  </select>
                  {row.mode === "values" && (
                    <div className="sweep-input">
                      <input
                        type="text"
                        aria-label={`Values of ${name}`}
                        value={row.values}
                        placeholder="5, 10, 20"
                        onChange={(event) => setRow(name, { values: event.target.value })}
                      />
                      {shown(`${field}.values`, false)}
                    </div>
                  )}
                  {row.mode === "range" &&
                    (["start", "stop", "step"] as const).map((key) => (
                      <div className="sweep-input" key={key}>
                        <label className="small" htmlFor={`${id}-${name}-${key}`}>
                          {key === "start" ? "from" : key === "stop" ? "to" : "step"}
                        </label>
                        <input
                          type="text"
                          id={`${id}-${name}-${key}`}
                          aria-label={`${key} of ${name}`}
                          inputMode="decimal"
                          value={row[key]}
                          onChange={(event) => setRow(name, { [key]: event.target.value })}
                        />
                        {shown(`${field}.${key}`)}
                      </div>
                    ))}
                  {row.mode !== "fixed" && (
                    <span className="sweep-count muted small" data-testid={`sweep-count-${name}`}>
                      {values
                        ? `${values.length.toLocaleString()} value${values.length === 1 ? "" : "s"}`
                        : "–"}
                    </span>
                  )}
                </div>
                {shown(field)}
              </div>
            );
          })}
          <p
            className={`sweep-total${tooMany ? " sweep-total-over" : ""}`}
            role="status"
            data-testid="sweep-total"
          >
            <strong>{combinations.toLocaleString()}</strong> combination{combinations === 1 ? "" : "s"}
            {combinations !== kept && <> sampled of {kept.toLocaleString()}</>}
            {count.kept !== null && count.kept !== count.grid && (
              <> after the constraints ({count.grid.toLocaleString()} in the grid)</>
            )}
            {count.kept === null && <> in the grid, before the constraints</>} · at most{" "}
            {limit.toLocaleString()}
            {count.incomplete && <> · a row above is not complete yet</>}
          </p>
          {shown(`${SWEEP}.parameters`)}
        </fieldset>

        <fieldset className="optimise-section">
          <legend>Objective</legend>
          <div className="form-grid">
            <div>
              <label htmlFor={`${id}-metric`}>Rank by</label>
              <select id={`${id}-metric`} value={metric} onChange={(event) => setMetric(event.target.value)}>
                {OBJECTIVE_CHOICES.map((key) => (
                  <option key={key} value={key}>
                    {metricLabel(key)}
                  </option>
                ))}
              </select>
              {shown(`${SWEEP}.objective`, false)}
            </div>
            <div>
              <label htmlFor={`${id}-goal`}>Best is</label>
              <select
                id={`${id}-goal`}
                value={goal}
                onChange={(event) => setGoal(event.target.value as "max" | "min")}
              >
                <option value="max">the highest</option>
                <option value="min">the lowest</option>
              </select>
            </div>
          </div>
        </fieldset>

        <fieldset className="optimise-section">
          <legend>Constraints</legend>
          {constraints.map((constraint, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and removed by position
            <div className="sweep-constraint" key={index} data-testid="sweep-constraint">
              {(["left", "op", "right"] as const).map((side) => (
                <select
                  key={side}
                  aria-label={`Constraint ${index + 1} ${side}`}
                  value={constraint[side]}
                  onChange={(event) =>
                    setConstraints(
                      constraints.map((c, i) => (i === index ? { ...c, [side]: event.target.value } : c)),
                    )
                  }
                >
                  {(side === "op" ? OPERATORS : names).map((option) => (
                    <option key={option} value={option}>
                      {option}
                    </option>
                  ))}
                </select>
              ))}
              <button
                type="button"
                className="button button-small"
                aria-label={`Remove constraint ${index + 1}`}
                onClick={() => setConstraints(constraints.filter((_, i) => i !== index))}
              >
                ×
              </button>
              {shown(`${SWEEP}.constraints[${index}]`, false)}
            </div>
          ))}
          {names.length >= 2 && (
            <button
              type="button"
              className="button button-small"
              onClick={() =>
                setConstraints([...constraints, { left: names[0] ?? "", op: "<", right: names[1] ?? "" }])
              }
            >
              + parameter &lt; parameter
            </button>
          )}
          <div className="sweep-min-trades">
            <label htmlFor={`${id}-min-trades`}>At least this many trades</label>
            <input
              type="text"
              id={`${id}-min-trades`}
              inputMode="numeric"
              placeholder="no minimum"
              value={minTrades}
              onChange={(event) => setMinTrades(event.target.value)}
            />
            {shown(`${SWEEP}.constraints[${paramConstraintCount}]`, false)}
          </div>
          {shown(`${SWEEP}.constraints`)}
        </fieldset>

        <fieldset className="optimise-section">
          <legend>Walk-forward and sampling</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={walkForward.on}
              onChange={(event) => setWalkForward({ ...walkForward, on: event.target.checked })}
            />{" "}
            Walk-forward analysis: pick the best on each in-sample window, test it on the window after
          </label>
          {walkForward.on && (
            <div className="form-grid">
              <div>
                <label htmlFor={`${id}-folds`}>Folds</label>
                <input
                  type="text"
                  id={`${id}-folds`}
                  inputMode="numeric"
                  value={walkForward.folds}
                  onChange={(event) => setWalkForward({ ...walkForward, folds: event.target.value })}
                />
                {shown(`${SWEEP}.walk_forward.folds`)}
              </div>
              <div>
                <label htmlFor={`${id}-in-sample`}>In-sample share of each fold (%)</label>
                <input
                  type="text"
                  id={`${id}-in-sample`}
                  inputMode="decimal"
                  value={walkForward.inSample}
                  onChange={(event) => setWalkForward({ ...walkForward, inSample: event.target.value })}
                />
                {shown(`${SWEEP}.walk_forward.in_sample`)}
              </div>
              <label className="checkbox span-2">
                <input
                  type="checkbox"
                  checked={walkForward.anchored}
                  onChange={(event) => setWalkForward({ ...walkForward, anchored: event.target.checked })}
                />{" "}
                Anchored: every in-sample window starts at the first bar (otherwise they roll)
              </label>
              {shown(`${SWEEP}.walk_forward`)}
            </div>
          )}
          <div className="sweep-min-trades">
            <label htmlFor={`${id}-sample`}>Run a random sample of this many combinations</label>
            <input
              type="text"
              id={`${id}-sample`}
              inputMode="numeric"
              placeholder="all of them"
              value={sample}
              onChange={(event) => setSample(event.target.value)}
            />
            {shown(`${SWEEP}.sample`, false)}
          </div>
        </fieldset>

        <fieldset className="optimise-section">
          <legend>Data and settings</legend>
          <TestSettingsFields settings={settings} error={error} idPrefix={id} />
        </fieldset>

        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Close
          </button>
          <button
            type="submit"
            className="button button-primary"
            disabled={busy || !settings.dataset || names.length === 0}
          >
            {busy ? "Starting…" : "Start the sweep"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
