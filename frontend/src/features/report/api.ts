import { api } from "../../api/client";
import type { components } from "../../api/schema";

export type QuickTest = components["schemas"]["QuickTestDetail"];
export type QuickTestRow = components["schemas"]["QuickTestList"];
export type Trade = components["schemas"]["Trade"];
export type Dataset = components["schemas"]["DatasetOutput"];
export type Strategy = components["schemas"]["StrategyInstanceOutput"];
export type Metrics = Record<string, number | string | null>;
export type Curve = { bar: number[]; time: string[]; equity?: number[]; drawdown_pct?: number[] };
export type SideFigures = Record<string, number | null>;
export type CalendarReturns = {
  years: number[];
  yearly_pct: (number | null)[];
  monthly_pct: (number | null)[][];
};
export type Result = {
  equity_curve?: Curve;
  drawdown_curve?: Curve;
  performance_summary?: { all: SideFigures; long: SideFigures; short: SideFigures };
  returns?: CalendarReturns;
  counts?: Record<string, unknown>;
  warnings?: string[];
  archived?: boolean;
  error?: string;
};

export const QUICK_TESTS = "/api/v1/quick-tests/";
export const ENDED = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

export function getQuickTest(id: string) {
  return api<QuickTest>("GET", `${QUICK_TESTS}${id}/`);
}

export type TradeColumns = components["schemas"]["TradeColumns"];

/** Every trade of a test (the first `limit`), turned back into rows for the table and the chart. They come in
 * one response, column by column: 500-row pages meant some 40 requests at a million bars, and each row
 * repeated its field names. */
export async function allTrades(id: string, limit = 20_000): Promise<{ trades: Trade[]; total: number }> {
  const { count, columns } = await api<TradeColumns>("GET", `${QUICK_TESTS}${id}/trades-columns/`, {
    query: { limit },
  });
  const fields = Object.keys(columns) as (keyof Trade)[];
  const trades: Trade[] = [];
  for (let index = 0; index < columns.entry_bar.length; index++) {
    const trade: Record<string, unknown> = {};
    for (const field of fields) trade[field] = columns[field][index];
    trades.push(trade as Trade);
  }
  return { trades, total: count };
}

export function rerun(test: QuickTest) {
  return api<{ id: string }>("POST", QUICK_TESTS, {
    body: {
      instance: test.instance,
      test_name: test.test_name || undefined,
      test_config: test.test_config,
      parameters: test.parameters_snapshot ?? undefined,
    },
  });
}
