import { useEffect, useState } from "react";
import { api, type Paginated } from "../../api/client";
import { QUICK_TESTS, type QuickTest, type QuickTestRow } from "./api";

/** "Compare with previous run": the strategy's latest completed test created before this one, if any. */
export function PreviousRunLink({ test }: { test: QuickTest }) {
  const [previous, setPrevious] = useState<string | null>(null);
  const { id, instance, created_at: createdAt } = test;

  useEffect(() => {
    let live = true;
    api<Paginated<QuickTestRow>>("GET", QUICK_TESTS, {
      query: { instance, status: "COMPLETED", created_before: createdAt, page_size: 1 },
    }).then(
      (answer) => live && setPrevious(answer.results[0]?.id ?? null),
      () => live && setPrevious(null),
    );
    return () => {
      live = false;
    };
  }, [instance, createdAt]);

  if (!previous) return null;
  return (
    <a className="button" href={`/tests/compare/?ids=${previous},${id}`} data-testid="compare-previous">
      Compare with previous run
    </a>
  );
}
