import dagre from "@dagrejs/dagre";
import type { FlowEdge, FlowNode, Position } from "./types";

const DEFAULT_SIZE = { width: 200, height: 90 };

/** "Tidy up": a layered left-to-right layout of the graph (dagre), sized by the nodes as drawn. */
export function tidyLayout(
  nodes: FlowNode[],
  edges: FlowEdge[],
  sizes: Map<string, { width: number; height: number }>,
): Map<string, Position> {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 30, ranksep: 70, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { ...(sizes.get(node.id) ?? DEFAULT_SIZE) });
  for (const edge of edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  const positions = new Map<string, Position>();
  for (const node of nodes) {
    const laid = graph.node(node.id);
    const size = sizes.get(node.id) ?? DEFAULT_SIZE;
    positions.set(node.id, {
      x: Math.round(laid.x - size.width / 2),
      y: Math.round(laid.y - size.height / 2),
    });
  }
  return positions;
}
