// The graph being edited, in our own store (not React Flow's), with an undo history. Every action is one
// `set` of the whole graph, so each undo step is one user action and never leaves a dangling edge.
import { temporal } from "zundo";
import { create } from "zustand";
import type { FlowEdge, FlowNode, Parameters, ParamValue, Position } from "./types";

export const UNDO_LIMIT = 500;

export type Graph = { nodes: FlowNode[]; edges: FlowEdge[]; parameters: Parameters };

type Actions = {
  load: (graph: Graph) => void;
  addNode: (node: FlowNode, edge?: Omit<FlowEdge, "id">) => void;
  remove: (nodeIds: string[], edgeIds: string[]) => void;
  connect: (edge: Omit<FlowEdge, "id">) => void;
  setParam: (nodeId: string, key: string, value: ParamValue | undefined) => void;
  setLabel: (nodeId: string, label: string) => void;
  dragPositions: (positions: Map<string, Position>) => void;
  finishDrag: (start: Map<string, Position>, end: Map<string, Position>) => void;
  movePositions: (positions: Map<string, Position>) => void;
  paste: (nodes: FlowNode[], edges: FlowEdge[]) => void;
  setParameter: (name: string, value: Parameters[string] | undefined, rename?: string) => void;
};

export type EditorStore = Graph & Actions;

let edgeCounter = 0;
export function newEdgeId(edges: FlowEdge[]): string {
  const taken = new Set(edges.map((edge) => edge.id));
  let id: string;
  do id = `e${++edgeCounter}`;
  while (taken.has(id));
  return id;
}

export function newNodeId(base: string, nodes: FlowNode[]): string {
  const taken = new Set(nodes.map((node) => node.id));
  const stem = base.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase() || "node";
  for (let n = 1; ; n++) {
    const id = `${stem}_${n}`;
    if (!taken.has(id)) return id;
  }
}

function withPositions(nodes: FlowNode[], positions: Map<string, Position>): FlowNode[] {
  return nodes.map((node) => {
    const position = positions.get(node.id);
    return position ? { ...node, position } : node;
  });
}

export const useEditor = create<EditorStore>()(
  temporal(
    (set, get) => ({
      nodes: [],
      edges: [],
      parameters: {},

      load: (graph) => {
        set(graph);
        useEditor.temporal.getState().clear();
      },

      addNode: (node, edge) =>
        set((state) => {
          const edges = edge
            ? replaceInput(state.edges, { ...edge, id: newEdgeId(state.edges) })
            : state.edges;
          return { nodes: [...state.nodes, node], edges };
        }),

      remove: (nodeIds, edgeIds) => {
        const gone = new Set(nodeIds);
        const goneEdges = new Set(edgeIds);
        const { nodes, edges } = get();
        if (!nodes.some((n) => gone.has(n.id)) && !edges.some((e) => goneEdges.has(e.id))) return;
        set({
          nodes: nodes.filter((node) => !gone.has(node.id)),
          edges: edges.filter((e) => !goneEdges.has(e.id) && !gone.has(e.source) && !gone.has(e.target)),
        });
      },

      connect: (edge) =>
        set((state) => ({ edges: replaceInput(state.edges, { ...edge, id: newEdgeId(state.edges) }) })),

      setParam: (nodeId, key, value) =>
        set((state) => ({
          nodes: state.nodes.map((node) => {
            if (node.id !== nodeId) return node;
            const params = { ...node.params };
            if (value === undefined) delete params[key];
            else params[key] = value;
            return { ...node, params };
          }),
        })),

      setLabel: (nodeId, label) =>
        set((state) => ({
          nodes: state.nodes.map((node) =>
            node.id === nodeId ? { ...node, label: label || undefined } : node,
          ),
        })),

      // While a drag is under way the history is paused; finishDrag records the whole drag as one step.
      dragPositions: (positions) => set((state) => ({ nodes: withPositions(state.nodes, positions) })),
      finishDrag: (start, end) => {
        const history = useEditor.temporal.getState();
        set((state) => ({ nodes: withPositions(state.nodes, start) }));
        history.resume();
        set((state) => ({ nodes: withPositions(state.nodes, end) }));
      },
      movePositions: (positions) => set((state) => ({ nodes: withPositions(state.nodes, positions) })),

      paste: (nodes, edges) =>
        set((state) => ({ nodes: [...state.nodes, ...nodes], edges: [...state.edges, ...edges] })),

      setParameter: (name, value, rename) =>
        set((state) => {
          const parameters = { ...state.parameters };
          if (value === undefined) {
            delete parameters[name];
            return { parameters };
          }
          if (rename && rename !== name) {
            delete parameters[name];
            parameters[rename] = value;
            // Bindings follow the rename, so no node is left bound to a name that is gone.
            const nodes = state.nodes.map((node) => {
              const entries = Object.entries(node.params);
              if (!entries.some(([, v]) => typeof v === "object" && v.$param === name)) return node;
              return {
                ...node,
                params: Object.fromEntries(
                  entries.map(([k, v]) => [
                    k,
                    typeof v === "object" && v.$param === name ? { $param: rename } : v,
                  ]),
                ),
              };
            });
            return { parameters, nodes };
          }
          parameters[name] = value;
          return { parameters };
        }),
    }),
    {
      limit: UNDO_LIMIT,
      partialize: (state): Graph => ({
        nodes: state.nodes,
        edges: state.edges,
        parameters: state.parameters,
      }),
      equality: (past, current) =>
        past.nodes === current.nodes &&
        past.edges === current.edges &&
        past.parameters === current.parameters,
    },
  ),
);

/** An input takes at most one edge: a new wire into it replaces the old one (in the same step). */
function replaceInput(edges: FlowEdge[], edge: FlowEdge): FlowEdge[] {
  return [...edges.filter((e) => !(e.target === edge.target && e.target_port === edge.target_port)), edge];
}

export function graphOf(state: Graph): Graph {
  return { nodes: state.nodes, edges: state.edges, parameters: state.parameters };
}
