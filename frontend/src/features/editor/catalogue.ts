// The palette and the port rules, exactly as the API's catalogue states them: one request, one source
// of truth for which port types connect and for the colours of node types.
import { api } from "../../api/client";
import type { components } from "../../api/schema";
import type { FlowEdge, FlowNode, NodeType, Port, PortType, Template } from "./types";

type ApiCatalogue = components["schemas"]["Catalogue"];

export type Catalogue = {
  groups: { nodeType: NodeType; label: string; templates: Template[] }[];
  byName: Map<string, Template>;
  compatible: Set<string>;
};

export const PORT_LABEL: Record<PortType, string> = { series: "series", bool: "bool", number: "number" };

/** Port type → how its handles look (shape in CSS: port-series is a circle, bool a diamond, number a square). */
export const PORT_COLOR: Record<PortType, string> = { series: "#2563eb", bool: "#d97706", number: "#0891b2" };

const NODE_TYPE_COLOR: Record<NodeType, string> = {
  DATA: "#64748b",
  INDICATOR: "#2563eb",
  MATH: "#0891b2",
  CONDITION: "#ea580c",
  SIGNAL: "#16a34a",
  RISK: "#b91c1c",
};

export function nodeColor(template: Template | undefined): string {
  if (!template) return "#94a3b8";
  return template.color ?? NODE_TYPE_COLOR[template.node_type] ?? "#94a3b8";
}

export async function loadCatalogue(): Promise<Catalogue> {
  const raw = await api<ApiCatalogue>("GET", "/api/v1/node-templates/catalogue/");
  const groups = raw.groups.map((group) => ({
    nodeType: group.node_type,
    label: group.label,
    templates: group.templates as unknown as Template[],
  }));
  const byName = new Map<string, Template>();
  for (const group of groups) for (const template of group.templates) byName.set(template.name, template);
  return {
    groups,
    byName,
    compatible: new Set(raw.compatible_ports.map((pair) => `${pair.source}>${pair.target}`)),
  };
}

/** Handles are named "in:<port>" and "out:<port>"; the port's name is what follows the colon. */
export function portOfHandle(handleId: string | null | undefined): string {
  return handleId ? handleId.slice(handleId.indexOf(":") + 1) : "";
}

export function portsCompatible(catalogue: Catalogue, source: PortType, target: PortType): boolean {
  return catalogue.compatible.has(`${source}>${target}`);
}

export function findPort(catalogue: Catalogue, node: FlowNode | undefined, side: "in" | "out", name: string) {
  const template = node && catalogue.byName.get(node.template);
  if (!template) return undefined;
  return (side === "in" ? template.input_ports : template.output_ports).find((port) => port.name === name);
}

/** Why an edge may not be drawn, in words; null when it may. */
export function connectionProblem(
  catalogue: Catalogue,
  nodes: FlowNode[],
  edges: FlowEdge[],
  edge: { source: string; source_port: string; target: string; target_port: string },
): string | null {
  if (edge.source === edge.target) return "A node cannot feed itself.";
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const from: Port | undefined = findPort(catalogue, byId.get(edge.source), "out", edge.source_port);
  const to: Port | undefined = findPort(catalogue, byId.get(edge.target), "in", edge.target_port);
  if (!from || !to) return "That port does not exist on this node.";
  if (!portsCompatible(catalogue, from.type, to.type)) {
    return `A ${PORT_LABEL[from.type]} output cannot feed a ${PORT_LABEL[to.type]} input.`;
  }
  if (reaches(edges, edge.target, edge.source)) return "This connection would make a loop.";
  return null;
}

/** Whether `to` can be reached from `from` along the edges (a new edge to → from would close a loop). */
function reaches(edges: FlowEdge[], from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

/** Templates that could take a wire from a port of type `type` dragged from an output (or to an input). */
export function templatesAccepting(catalogue: Catalogue, type: PortType, side: "from-output" | "from-input") {
  return [...catalogue.byName.values()].filter((template) =>
    side === "from-output"
      ? template.input_ports.some((port) => portsCompatible(catalogue, type, port.type))
      : template.output_ports.some((port) => portsCompatible(catalogue, port.type, type)),
  );
}

export function matchesSearch(template: Template, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = [template.display_name, template.name, template.description ?? "", template.category ?? ""]
    .join(" ")
    .toLowerCase();
  return words.every((word) => text.includes(word));
}
