import { api } from "../../api/client";
import type { components } from "../../api/schema";

export type Comparison = components["schemas"]["QuickTestComparison"];
export type ComparedTest = components["schemas"]["ComparedTest"];
export type DifferingInput = components["schemas"]["DifferingInput"];
export type SameInput = components["schemas"]["SameInput"];

export function getComparison(ids: string) {
  return api<Comparison>("GET", "/api/v1/quick-tests/compare/", { query: { ids } });
}
