// A sweep is a quick test whose test_config has a `sweep`; its result is `result.sweep`, its table and
// heatmap come from the quick test's rows/ and heatmap/ actions.
import { api, type Paginated } from "../../api/client";
import type { components } from "../../api/schema";

export type QuickTest = components["schemas"]["QuickTestDetail"];
export type Dataset = components["schemas"]["DatasetOutput"];
export type Strategy = components["schemas"]["StrategyInstanceOutput"];
type Session = components["schemas"]["BuilderSession"];
type SessionSummary = components["schemas"]["BuilderSessionList"];

export type Value = number | string | boolean;
export type Combination = Record<string, Value>;
export type Figures = Record<string, number | string | null>;
export type Row = { rank: number; parameters: Combination; metrics: Figures; meets_constraints: boolean };
export type Curve = { bar: number[]; time: string[]; equity?: number[] };
export type Window = { start_bar: number; stop_bar: number; start?: string; end?: string };
export type Fold = {
  fold: number;
  in_sample: Window;
  out_of_sample: Window;
  parameters: Combination;
  in_sample_metrics: Figures;
  out_of_sample_metrics: Figures;
};
/** quicktests.sweeps._overfitting: engine.overfitting's DeflatedSharpe and PBOResult, and the verdict. */
export type Overfitting = {
  deflated_sharpe: {
    dsr: number | null;
    sharpe: number | null;
    benchmark: number | null;
    n_trials: number;
    n_observations: number;
    reason?: string | null;
  };
  pbo: { pbo: number | null; n_splits?: number; probability_of_loss?: number; reason?: string | null };
  verdict: string;
};
export type WalkForward = {
  folds: Fold[];
  out_of_sample: { equity_curve?: Curve; metrics?: Figures };
  efficiency: { value: number | null; per_fold: (number | null)[]; reason: string | null };
};
export type SweepSummary = {
  combinations: number;
  eligible: number;
  parameters: Record<string, Value[]>;
  objective: { metric: string; goal: "max" | "min" };
  metrics: string[];
  best: { rank: number; parameters: Combination; metrics: Figures };
  top: Row[];
  overfitting: Overfitting;
  walk_forward: WalkForward | null;
};
export type Heatmap = {
  x: string;
  y: string;
  metric: string;
  statistic: string;
  x_values: Value[];
  y_values: Value[];
  z: (number | null)[][];
};

/** What a row of the table (and the best combination) can do, and which of them is under way. */
export type Actions = {
  busy: string | null;
  open: (combination: Combination) => void;
  use: (combination: Combination) => void;
};

const QUICK_TESTS = "/api/v1/quick-tests/";
const SESSIONS = "/api/v1/builder-sessions/";
export const ROWS_PAGE = 25;

export function isSweep(test: QuickTest): boolean {
  const config = test.test_config as Record<string, unknown> | null | undefined;
  return config?.sweep != null;
}

export function sweepOf(test: QuickTest): SweepSummary | null {
  return ((test.result as { sweep?: SweepSummary } | null)?.sweep ?? null) || null;
}

export function getRows(id: string, page: number, orderBy: string) {
  return api<Paginated<Row>>("GET", `${QUICK_TESTS}${id}/rows/`, {
    query: { page, page_size: ROWS_PAGE, order_by: orderBy },
  });
}

export function getHeatmap(id: string, x: string, y: string) {
  return api<Heatmap>("GET", `${QUICK_TESTS}${id}/heatmap/`, { query: { x, y, statistic: "best" } });
}

export function cancelSweep(id: string) {
  return api<unknown>("POST", `${QUICK_TESTS}${id}/cancel/`);
}

export function combinationText(combination: Combination): string {
  return Object.entries(combination)
    .map(([name, value]) => `${name} = ${value}`)
    .join(", ");
}

/** An ordinary quick test of one combination, on the sweep's flow, parameters, data and settings (the
 * API's run-combination): that row's full report and trades. */
export function openAsQuickTest(test: QuickTest, combination: Combination) {
  return api<{ id: string }>("POST", `${QUICK_TESTS}${test.id}/run-combination/`, {
    body: { parameters: combination },
  });
}

/**
 * Write a combination into the strategy. When the trader has a draft of it open (a builder session), the
 * draft would otherwise bring the old values back on its next save: the values go into the draft and the
 * draft is committed (as the editor's Save does). Otherwise the strategy's parameters are patched.
 * Returns where they went.
 */
export async function applyParameters(
  instanceId: string,
  combination: Combination,
): Promise<"draft" | "strategy"> {
  const open = await api<Paginated<SessionSummary>>("GET", SESSIONS, {
    query: { instance: instanceId, is_active: true, page_size: 1 },
  });
  const latest = open.results[0];
  if (latest) {
    const session = await api<Session>("GET", `${SESSIONS}${latest.id}/`);
    const saved = await api<Session>("PATCH", `${SESSIONS}${session.id}/`, {
      headers: { "If-Match": `"${session.version}"` },
      body: { draft_parameters: { ...(session.draft_parameters as Combination | null), ...combination } },
    });
    await api<Session>("POST", `${SESSIONS}${saved.id}/commit/`, { body: { base_version: saved.version } });
    return "draft";
  }
  const strategy = await api<Strategy>("GET", `/api/v1/strategy-instances/${instanceId}/`);
  await api<Strategy>("PATCH", `/api/v1/strategy-instances/${instanceId}/`, {
    body: { parameters: { ...(strategy.parameters as Combination | null), ...combination } },
  });
  return "strategy";
}
