import { api, type Paginated, type StrategyInstance, type StrategyTemplate } from "../../api/client";

const INSTANCES = "/api/v1/strategy-instances/";
const TEMPLATES = "/api/v1/strategy-templates/";
export const PAGE_SIZE = 25;

export type StatusFilter = "ACTIVE" | "ARCHIVED" | "";

export function listStrategies(params: { name: string; status: StatusFilter; page: number }) {
  return api<Paginated<StrategyInstance>>("GET", INSTANCES, {
    query: {
      name: params.name,
      status: params.status,
      page: params.page,
      page_size: PAGE_SIZE,
      ordering: "-updated_at",
    },
  });
}

export function listTemplates() {
  return api<Paginated<StrategyTemplate>>("GET", TEMPLATES, {
    query: { status: "ACTIVE", page_size: 500, ordering: "name" },
  });
}

export const EMPTY_FLOW = { schema_version: 1, nodes: [], edges: [] };

export function createStrategy(body: { name: string; description?: string; template_id?: string }) {
  return api<StrategyInstance>("POST", INSTANCES, {
    body: body.template_id ? body : { ...body, logic_flow: EMPTY_FLOW, parameters: {} },
  });
}

export function duplicateStrategy(source: StrategyInstance, name: string) {
  return api<StrategyInstance>("POST", INSTANCES, {
    body: {
      name,
      description: source.description,
      logic_flow: source.logic_flow,
      parameters: source.parameters,
    },
  });
}

export function setArchived(strategy: StrategyInstance, archived: boolean) {
  return api<StrategyInstance>("POST", `${INSTANCES}${strategy.id}/${archived ? "archive" : "unarchive"}/`);
}

export function deleteStrategy(strategy: StrategyInstance) {
  return api<void>("DELETE", `${INSTANCES}${strategy.id}/`);
}
