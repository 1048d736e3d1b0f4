// The data and backtest settings of a quick test, shared by the editor's Run and Optimise dialogs: the
// dataset, the date range and the engine's configuration, sent as `test_config`.
import { useCallback, useState } from "react";
import { ApiError, api } from "../api/client";
import type { components } from "../api/schema";

type Dataset = components["schemas"]["DatasetOutput"];

// Shown as placeholders only: a field left empty is not sent, so the API's own defaults apply.
const CONFIG_FIELDS = [
  { key: "initial_capital", label: "Initial capital", placeholder: "10000" },
  { key: "commission", label: "Commission (fraction per side)", placeholder: "0" },
  { key: "slippage_bps", label: "Slippage (basis points)", placeholder: "0" },
  { key: "size", label: "Position size (fraction of equity)", placeholder: "1" },
] as const;

export type TestSettings = ReturnType<typeof useTestSettings>;

/** The settings' state; `load` fetches the datasets (when a dialog opens), `config` is the test_config. */
export function useTestSettings() {
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  const [dataset, setDataset] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [fill, setFill] = useState("");
  const [direction, setDirection] = useState("");

  const load = useCallback(async () => {
    const page = await api<{ results: Dataset[] }>("GET", "/api/v1/datasets/", { query: { page_size: 500 } });
    setDatasets(page.results);
    setDataset((current) => current || page.results[0]?.id || "");
  }, []);

  const config = (): Record<string, unknown> => {
    const config: Record<string, unknown> = { dataset };
    if (start) config.start = start;
    if (end) config.end = end;
    if (fill) config.fill = fill;
    if (direction) config.direction = direction;
    for (const field of CONFIG_FIELDS) {
      const text = values[field.key]?.trim();
      if (text) config[field.key] = Number(text);
    }
    return config;
  };

  return {
    datasets,
    dataset,
    setDataset,
    start,
    setStart,
    end,
    setEnd,
    values,
    setValues,
    fill,
    setFill,
    direction,
    setDirection,
    load,
    config,
  };
}

/** The message of the API's problem with `test_config.<field>`, if it named one. */
export function configProblem(error: unknown, field: string): string | undefined {
  return error instanceof ApiError
    ? error.problems.find((p) => p.field === `test_config.${field}`)?.message
    : undefined;
}

export function TestSettingsFields({
  settings: s,
  error,
  idPrefix,
}: {
  settings: TestSettings;
  error: unknown;
  idPrefix: string;
}) {
  const selected = s.datasets?.find((d) => d.id === s.dataset);
  const problem = (field: string) => {
    const message = configProblem(error, field);
    return message ? <p className="field-error">{message}</p> : null;
  };
  return (
    <div className="form-grid">
      <div className="span-2">
        <label htmlFor={`${idPrefix}-dataset`}>Dataset</label>
        <select
          id={`${idPrefix}-dataset`}
          value={s.dataset}
          onChange={(event) => s.setDataset(event.target.value)}
        >
          {s.datasets?.length === 0 && <option value="">No dataset: upload one first</option>}
          {s.datasets?.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} · {d.symbol} · {d.timeframe} · {d.bar_count.toLocaleString()} bars
            </option>
          ))}
        </select>
        {problem("dataset")}
      </div>
      <div>
        <label htmlFor={`${idPrefix}-start`}>From</label>
        <input
          id={`${idPrefix}-start`}
          type="date"
          value={s.start}
          onChange={(e) => s.setStart(e.target.value)}
          min={selected?.first_timestamp.slice(0, 10)}
          max={selected?.last_timestamp.slice(0, 10)}
        />
        {problem("start")}
      </div>
      <div>
        <label htmlFor={`${idPrefix}-end`}>To</label>
        <input
          id={`${idPrefix}-end`}
          type="date"
          value={s.end}
          onChange={(e) => s.setEnd(e.target.value)}
          min={selected?.first_timestamp.slice(0, 10)}
          max={selected?.last_timestamp.slice(0, 10)}
        />
        {problem("end")}
      </div>
      {CONFIG_FIELDS.map((field) => (
        <div key={field.key}>
          <label htmlFor={`${idPrefix}-${field.key}`}>{field.label}</label>
          <input
            id={`${idPrefix}-${field.key}`}
            type="text"
            inputMode="decimal"
            placeholder={field.placeholder}
            value={s.values[field.key] ?? ""}
            onChange={(event) => s.setValues({ ...s.values, [field.key]: event.target.value })}
          />
          {problem(field.key)}
        </div>
      ))}
      <div>
        <label htmlFor={`${idPrefix}-fill`}>Fill</label>
        <select id={`${idPrefix}-fill`} value={s.fill} onChange={(event) => s.setFill(event.target.value)}>
          <option value="">next bar's open (default)</option>
          <option value="close">the signal bar's close</option>
        </select>
      </div>
      <div>
        <label htmlFor={`${idPrefix}-direction`}>Direction</label>
        <select
          id={`${idPrefix}-direction`}
          value={s.direction}
          onChange={(event) => s.setDirection(event.target.value)}
        >
          <option value="">long only (default)</option>
          <option value="short">short only</option>
          <option value="both">long and short</option>
        </select>
      </div>
    </div>
  );
}
