import { api, type Paginated } from "../../api/client";
import type { components } from "../../api/schema";

export type GenerationRow = components["schemas"]["CodeGenerationList"];
export type Generation = components["schemas"]["CodeGenerationDetail"];
export type CodeDiff = components["schemas"]["CodeDiff"];
export type Problem = { code: string; message: string; node_id?: string; edge_id?: string; field?: string };
export type Violation = { line: number; message: string };

/** What the checks stored in `validation_result` (engine/codegen/checks.py; `problems` for FLOW_ERROR). */
export type ValidationResult = {
  status?: string;
  syntax?: { passed: boolean; error: string | null };
  security?: { passed: boolean | null; violations: Violation[] };
  complexity?: { strategy: number; module_max: number; most_complex: string | null; functions: number };
  problems?: Problem[];
};

export const CODE_GENERATIONS = "/api/v1/code-generations/";

export function listGenerations(instance: string, page: number, pageSize: number) {
  return api<Paginated<GenerationRow>>("GET", CODE_GENERATIONS, {
    query: { instance, page, page_size: pageSize },
  });
}

export function getGeneration(id: string) {
  return api<Generation>("GET", `${CODE_GENERATIONS}${id}/`);
}

/** The server's unified diff from `against` (− lines) to `id` (+ lines). */
export function getDiff(id: string, against: string) {
  return api<CodeDiff>("GET", `${CODE_GENERATIONS}${id}/diff/`, { query: { against } });
}

/** A new generation of the strategy as saved (or the existing one when the code is identical). */
export function generate(instance: string) {
  return api<Generation>("POST", CODE_GENERATIONS, { body: { instance } });
}

export function downloadUrl(id: string): string {
  return `${CODE_GENERATIONS}${id}/download/`;
}
