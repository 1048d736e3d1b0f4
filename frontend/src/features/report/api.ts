import { api, type Paginated } from "../../api/client";
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

const TRADES_PAGE = 500;
const PARALLEL_PAGES = 4;

/** Every trade of a test (the first `limit`): the first page says how many there are, then the other pages
 * are asked for a few at a time (the API pages at most 500 at a time), kept in their order. */
export async function allTrades(id: string, limit = 20_000): Promise<{ trades: Trade[]; total: number }> {
  const page = (number: number) =>
    api<Paginated<Trade>>("GET", `${QUICK_TESTS}${id}/trades/`, {
      query: { page: number, page_size: TRADES_PAGE },
    });
  const first = await page(1);
  const pages = Math.ceil(Math.min(first.count, limit) / TRADES_PAGE);
  const rest: Trade[][] = [];
  let next = 2;
  const worker = async () => {
    while (next <= pages) {
      const number = next++;
      rest[number - 2] = (await page(number)).results;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PAGES, pages - 1) }, worker));
  return { trades: [...first.results, ...rest.flat()].slice(0, limit), total: first.count };
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
