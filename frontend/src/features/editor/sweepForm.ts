// The Optimise form's model: what each strategy parameter accepts (from the schemas of the node params bound
// to it), the values a row of the form stands for, the live count of combinations, and the `sweep` sent.
// The server checks all of it again and its answer wins; this only lets the trader see the size early.
import type { Catalogue } from "./catalogue";
import { type FlowNode, isBinding, type Parameters, type Scalar } from "./types";

export type Bounds = {
  type: "integer" | "number" | "boolean" | "string";
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: Scalar[];
  /** Where the parameter is bound: "SMA (sma_fast).timeperiod". */
  places: string[];
};

export type Mode = "fixed" | "values" | "range";
export type Row = { mode: Mode; values: string; start: string; stop: string; step: string };
export type ParameterConstraint = { left: string; op: string; right: string };
export type WalkForwardForm = { on: boolean; folds: string; inSample: string; anchored: boolean };

export const OPERATORS = ["<", "<=", ">", ">="] as const;
/** Above this many grid points the constraints are not applied in the browser (the server still does). */
const COUNT_ENUMERATION_LIMIT = 200_000;

/** What each strategy parameter accepts: the tightest bounds of every node param bound to it. */
export function parameterBounds(
  parameters: Parameters,
  nodes: FlowNode[],
  catalogue: Catalogue,
): Map<string, Bounds> {
  const bounds = new Map<string, Bounds>();
  for (const [name, value] of Object.entries(parameters)) {
    const type = typeof value === "boolean" ? "boolean" : typeof value === "string" ? "string" : "number";
    bounds.set(name, { type, places: [] });
  }
  for (const node of nodes) {
    const template = catalogue.byName.get(node.template);
    for (const [key, value] of Object.entries(node.params)) {
      if (!isBinding(value)) continue;
      const into = bounds.get(value.$param);
      const schema = template?.parameter_schema.properties?.[key];
      if (!into || !schema) continue;
      into.places.push(`${node.label || template?.display_name || node.template} (${node.id}).${key}`);
      if (schema.type === "integer") into.type = "integer";
      into.minimum = tighter(into.minimum, schema.minimum, Math.max);
      into.maximum = tighter(into.maximum, schema.maximum, Math.min);
      into.exclusiveMinimum = tighter(into.exclusiveMinimum, schema.exclusiveMinimum, Math.max);
      into.exclusiveMaximum = tighter(into.exclusiveMaximum, schema.exclusiveMaximum, Math.min);
      if (schema.enum)
        into.enum = into.enum ? into.enum.filter((v) => schema.enum?.includes(v)) : schema.enum;
    }
  }
  return bounds;
}

function tighter(a: number | undefined, b: number | undefined, pick: (x: number, y: number) => number) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return pick(a, b);
}

export function boundsText(bounds: Bounds): string {
  const parts: string[] = [bounds.type === "integer" ? "whole number" : bounds.type];
  if (bounds.enum) parts.push(`one of ${bounds.enum.join(", ")}`);
  if (bounds.minimum !== undefined) parts.push(`≥ ${bounds.minimum}`);
  if (bounds.exclusiveMinimum !== undefined) parts.push(`> ${bounds.exclusiveMinimum}`);
  if (bounds.maximum !== undefined) parts.push(`≤ ${bounds.maximum}`);
  if (bounds.exclusiveMaximum !== undefined) parts.push(`< ${bounds.exclusiveMaximum}`);
  return parts.join(", ");
}

/** A first range around the current value, inside the bounds: half to twice it, in about 5 steps. */
export function initialRow(value: Scalar, bounds: Bounds): Row {
  if (typeof value !== "number")
    return { mode: "fixed", values: String(value), start: "", stop: "", step: "" };
  const whole = bounds.type === "integer";
  const low = Math.max(bounds.minimum ?? -Infinity, (bounds.exclusiveMinimum ?? -Infinity) + (whole ? 1 : 0));
  const high = Math.min(bounds.maximum ?? Infinity, (bounds.exclusiveMaximum ?? Infinity) - (whole ? 1 : 0));
  let start = Math.max(low, value / 2);
  let stop = Math.min(high, value === 0 ? 1 : value * 2);
  if (whole) {
    start = Math.ceil(start);
    stop = Math.floor(stop);
  }
  const step = whole
    ? Math.max(1, Math.round((stop - start) / 5))
    : Number(((stop - start) / 5).toPrecision(2));
  return {
    mode: "fixed",
    values: String(value),
    start: String(start),
    stop: String(stop),
    step: String(step),
  };
}

/** A number the user typed, or the text itself (the server then says what is wrong with it). */
function typed(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

function listed(text: string, bounds: Bounds): Scalar[] {
  const items = text
    .split(/[,;\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);
  if (bounds.type === "boolean") return items.map((item) => item === "true");
  if (bounds.type === "string") return items;
  return items.map(typed);
}

/** The values a row stands for, or null when it cannot be counted yet (a field empty or not a number). */
export function rowValues(row: Row, bounds: Bounds): Scalar[] | null {
  if (row.mode === "values") {
    const values = listed(row.values, bounds);
    return values.length > 0 ? values : null;
  }
  if (row.mode !== "range") return null;
  const [start, stop, step] = [row.start, row.stop, row.step].map(typed);
  if (typeof start !== "number" || typeof stop !== "number" || typeof step !== "number") return null;
  if (step <= 0 || stop < start) return null;
  const count = Math.floor((stop - start) / step + 1e-9) + 1;
  if (count > 1_000_000) return null;
  const digits = Math.max(decimals(start), decimals(step));
  return Array.from({ length: count }, (_, i) => Number((start + i * step).toFixed(digits)));
}

function decimals(value: number): number {
  const text = String(value);
  return text.includes(".") ? text.length - text.indexOf(".") - 1 : 0;
}

export type Count = { grid: number; kept: number | null; incomplete: boolean };

/** How many combinations the form makes: the grid, and what the parameter constraints keep of it. */
export function countCombinations(
  rows: Record<string, Row>,
  bounds: Map<string, Bounds>,
  parameters: Parameters,
  constraints: ParameterConstraint[],
): Count {
  const swept: [string, Scalar[]][] = [];
  let incomplete = false;
  for (const [name, row] of Object.entries(rows)) {
    if (row.mode === "fixed") continue;
    const values = rowValues(row, bounds.get(name) as Bounds);
    if (values === null) incomplete = true;
    else swept.push([name, values]);
  }
  const grid = swept.reduce((product, [, values]) => product * values.length, swept.length ? 1 : 0);
  const active = constraints.filter((c) => c.left && c.right);
  if (active.length === 0 || grid === 0) return { grid, kept: grid, incomplete };
  if (grid > COUNT_ENUMERATION_LIMIT) return { grid, kept: null, incomplete };
  let kept = 0;
  const combination: Record<string, Scalar> = { ...parameters };
  const walk = (depth: number) => {
    if (depth === swept.length) {
      if (active.every((c) => holds(combination[c.left], c.op, combination[c.right]))) kept += 1;
      return;
    }
    const [name, values] = swept[depth] as [string, Scalar[]];
    for (const value of values) {
      combination[name] = value;
      walk(depth + 1);
    }
  };
  walk(0);
  return { grid, kept, incomplete };
}

function holds(left: Scalar | undefined, op: string, right: Scalar | undefined): boolean {
  if (typeof left !== "number" || typeof right !== "number") return false;
  if (op === "<") return left < right;
  if (op === "<=") return left <= right;
  if (op === ">") return left > right;
  return left >= right;
}

export type SweepForm = {
  rows: Record<string, Row>;
  bounds: Map<string, Bounds>;
  metric: string;
  goal: "max" | "min";
  constraints: ParameterConstraint[];
  minTrades: string;
  sample: string;
  walkForward: WalkForwardForm;
};

/** The `sweep` of test_config, as the API takes it. */
export function sweepBody(form: SweepForm): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const [name, row] of Object.entries(form.rows)) {
    if (row.mode === "values")
      parameters[name] = { values: listed(row.values, form.bounds.get(name) as Bounds) };
    if (row.mode === "range") {
      parameters[name] = { start: typed(row.start), stop: typed(row.stop), step: typed(row.step) };
    }
  }
  const constraints: Record<string, unknown>[] = form.constraints
    .filter((c) => c.left && c.right)
    .map((c) => ({ left: c.left, op: c.op, right: c.right }));
  if (form.minTrades.trim()) constraints.push({ metric: "trades", op: ">=", value: typed(form.minTrades) });
  const wf = form.walkForward;
  return {
    parameters,
    objective: { metric: form.metric, goal: form.goal },
    constraints,
    sample: form.sample.trim() ? { n: typed(form.sample), seed: 1 } : null,
    walk_forward: wf.on
      ? { folds: typed(wf.folds), in_sample: Number(typed(wf.inSample)) / 100, anchored: wf.anchored }
      : null,
  };
}
