import {
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  MiniMap,
  type Node,
  type NodeChange,
  Panel,
  ReactFlow,
  useReactFlow,
  type Viewport,
} from "@xyflow/react";
import { useCallback, useMemo, useRef, useState } from "react";
import { connectionProblem, findPort, PORT_COLOR, portOfHandle, templatesAccepting } from "./catalogue";
import { useCatalogue } from "./context";
import { TEMPLATE_MIME } from "./Palette";
import { QuickAdd } from "./QuickAdd";
import { StrategyNode, type StrategyNodeData } from "./StrategyNode";
import { newNodeId, useEditor } from "./store";
import type { FlowNode, PortType, Position, Problem, Template } from "./types";

// Defined once, outside any component, as React Flow asks.
const NODE_TYPES = { strategy: StrategyNode };

type Props = {
  readOnly: boolean;
  problems: Problem[];
  selection: { nodes: Set<string>; edges: Set<string> };
  onSelection: (selection: { nodes: Set<string>; edges: Set<string> }) => void;
  onNotice: (message: string) => void;
  sizes: React.MutableRefObject<Map<string, { width: number; height: number }>>;
  initialViewport: Viewport | undefined;
  onViewport: (viewport: Viewport) => void;
};

type Pending = {
  screen: Position;
  flow: Position;
  nodeId: string;
  handleId: string;
  side: "source" | "target";
  templates: Template[];
  hint: string;
};

/** React Flow's connection in the flow format's terms (handle ids are "in:<port>" / "out:<port>"). */
function asEdge(connection: Connection | Edge) {
  return {
    source: connection.source,
    source_port: portOfHandle(connection.sourceHandle),
    target: connection.target,
    target_port: portOfHandle(connection.targetHandle),
  };
}

export function makeNode(template: Template, nodes: FlowNode[], position: Position): FlowNode {
  return {
    id: newNodeId(template.name, nodes),
    template: template.name,
    version: template.version,
    params: {},
    position,
  };
}

export function Canvas({
  readOnly,
  problems,
  selection,
  onSelection,
  onNotice,
  sizes,
  initialViewport,
  onViewport,
}: Props) {
  const catalogue = useCatalogue();
  const nodes = useEditor((state) => state.nodes);
  const edges = useEditor((state) => state.edges);
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  // Sizes React Flow measured: kept beside the graph (they are not part of it) and handed back with each node.
  const [measuredCount, setMeasured] = useState(0);
  // Fit the view at start only when there is something to fit (a later first node must not move the view).
  const [fitAtStart] = useState(() => !initialViewport && useEditor.getState().nodes.length > 0);
  const dragStart = useRef<Map<string, Position> | null>(null);

  const problemNodes = useMemo(() => new Set(problems.map((p) => p.node_id).filter(Boolean)), [problems]);
  const problemEdges = useMemo(() => new Set(problems.map((p) => p.edge_id).filter(Boolean)), [problems]);

  // Each node's data object is reused while its node and problem flag are unchanged, so the memoised node
  // components of a 250-node flow do not all re-render on every frame of a drag.
  const dataCache = useRef(new WeakMap<FlowNode, StrategyNodeData>());
  const dataOf = useCallback(
    (node: FlowNode, problem: boolean): StrategyNodeData => {
      const cached = dataCache.current.get(node);
      if (cached && cached.problem === problem) return cached;
      const fresh = { node, template: catalogue.byName.get(node.template), problem };
      dataCache.current.set(node, fresh);
      return fresh;
    },
    [catalogue],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: measuredCount says the sizes changed
  const rfNodes: Node<StrategyNodeData>[] = useMemo(
    () =>
      nodes.map((node) => ({
        id: node.id,
        type: "strategy",
        position: node.position,
        data: dataOf(node, problemNodes.has(node.id)),
        selected: selection.nodes.has(node.id),
        measured: sizes.current.get(node.id),
      })),
    [nodes, dataOf, problemNodes, selection.nodes, sizes, measuredCount],
  );

  const byId = useMemo(() => new Map(nodes.map((node) => [node.id, node])), [nodes]);
  const rfEdges: Edge[] = useMemo(
    () =>
      edges.map((edge) => {
        const port = findPort(catalogue, byId.get(edge.source), "out", edge.source_port);
        const bad = problemEdges.has(edge.id);
        return {
          id: edge.id,
          source: edge.source,
          target: edge.target,
          sourceHandle: `out:${edge.source_port}`,
          targetHandle: `in:${edge.target_port}`,
          selected: selection.edges.has(edge.id),
          className: bad ? "edge-problem" : undefined,
          style: {
            stroke: bad ? "#dc2626" : port ? PORT_COLOR[port.type] : "#94a3b8",
            strokeWidth: bad ? 3 : 2,
          },
        };
      }),
    [edges, catalogue, byId, problemEdges, selection.edges],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      let nodesSelected: Set<string> | null = null;
      const moved = new Map<string, Position>();
      let measuredChanged = false;
      for (const change of changes) {
        if (change.type === "select") {
          nodesSelected ??= new Set(selection.nodes);
          if (change.selected) nodesSelected.add(change.id);
          else nodesSelected.delete(change.id);
        } else if (change.type === "position" && change.position && !readOnly) {
          moved.set(change.id, change.position);
        } else if (change.type === "dimensions" && change.dimensions) {
          sizes.current.set(change.id, change.dimensions);
          measuredChanged = true;
        }
      }
      if (moved.size > 0) useEditor.getState().dragPositions(moved);
      if (nodesSelected) onSelection({ nodes: nodesSelected, edges: selection.edges });
      if (measuredChanged) setMeasured((n) => n + 1);
    },
    [readOnly, selection, onSelection, sizes],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      let edgesSelected: Set<string> | null = null;
      for (const change of changes) {
        if (change.type === "select") {
          edgesSelected ??= new Set(selection.edges);
          if (change.selected) edgesSelected.add(change.id);
          else edgesSelected.delete(change.id);
        }
      }
      if (edgesSelected) onSelection({ nodes: selection.nodes, edges: edgesSelected });
    },
    [selection, onSelection],
  );

  const isValidConnection = useCallback(
    (connection: Connection | Edge) =>
      connectionProblem(catalogue, nodes, edges, asEdge(connection)) === null,
    [catalogue, nodes, edges],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      if (readOnly) return;
      const edge = asEdge(connection);
      if (connectionProblem(catalogue, nodes, edges, edge) === null) useEditor.getState().connect(edge);
    },
    [readOnly, catalogue, nodes, edges],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (readOnly || state.isValid || !state.fromHandle?.id || !state.fromNode) return;
      const fromId = state.fromNode.id;
      const fromSide = state.fromHandle.type;
      const portName = portOfHandle(state.fromHandle.id);
      if (state.toHandle?.id && state.toNode) {
        // Dropped on a port that refused it: say why.
        const edge =
          fromSide === "source"
            ? {
                source: fromId,
                source_port: portName,
                target: state.toNode.id,
                target_port: portOfHandle(state.toHandle.id),
              }
            : {
                source: state.toNode.id,
                source_port: portOfHandle(state.toHandle.id),
                target: fromId,
                target_port: portName,
              };
        const problem = connectionProblem(catalogue, nodes, edges, edge);
        if (problem) onNotice(problem);
        return;
      }
      if (state.toNode) return;
      const port = findPort(catalogue, byId.get(fromId), fromSide === "source" ? "out" : "in", portName);
      if (!port) return;
      const point = "changedTouches" in event ? event.changedTouches[0] : event;
      if (!point || !wrapper.current) return;
      const box = wrapper.current.getBoundingClientRect();
      setPending({
        screen: { x: point.clientX - box.left, y: point.clientY - box.top },
        flow: flow.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
        nodeId: fromId,
        handleId: portName,
        side: fromSide,
        templates: templatesAccepting(
          catalogue,
          port.type,
          fromSide === "source" ? "from-output" : "from-input",
        ),
        hint: `Nodes that can take this ${port.type} ${fromSide === "source" ? "output" : "input"}`,
      });
    },
    [readOnly, catalogue, nodes, edges, byId, flow, onNotice],
  );

  const pick = (template: Template) => {
    if (!pending) return;
    const state = useEditor.getState();
    const node = makeNode(template, state.nodes, pending.flow);
    const from = findPort(
      catalogue,
      byId.get(pending.nodeId),
      pending.side === "source" ? "out" : "in",
      pending.handleId,
    );
    let edge: { source: string; source_port: string; target: string; target_port: string } | undefined;
    if (from && pending.side === "source") {
      const input = template.input_ports.find((p) => catalogue.compatible.has(`${from.type}>${p.type}`));
      if (input)
        edge = {
          source: pending.nodeId,
          source_port: pending.handleId,
          target: node.id,
          target_port: input.name,
        };
    } else if (from) {
      const output = template.output_ports.find((p) => catalogue.compatible.has(`${p.type}>${from.type}`));
      if (output)
        edge = {
          source: node.id,
          source_port: output.name,
          target: pending.nodeId,
          target_port: pending.handleId,
        };
    }
    state.addNode(node, edge);
    onSelection({ nodes: new Set([node.id]), edges: new Set() });
    setPending(null);
  };

  const onDrop = (event: React.DragEvent) => {
    const name = event.dataTransfer.getData(TEMPLATE_MIME);
    const template = name ? catalogue.byName.get(name) : undefined;
    if (!template || readOnly) return;
    event.preventDefault();
    const state = useEditor.getState();
    const node = makeNode(
      template,
      state.nodes,
      flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }),
    );
    state.addNode(node);
    onSelection({ nodes: new Set([node.id]), edges: new Set() });
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the drop target of palette drags; the keyboard adds nodes from the palette (Enter)
    <div className="canvas" ref={wrapper} onDragOver={(event) => event.preventDefault()} onDrop={onDrop}>
      <ReactFlow
        nodes={rfNodes}
        edges={rfEdges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={(_, __, dragged) => {
          if (readOnly) return;
          useEditor.temporal.getState().pause();
          dragStart.current = new Map(dragged.map((n) => [n.id, byId.get(n.id)?.position ?? n.position]));
        }}
        onNodeDragStop={(_, __, dragged) => {
          if (readOnly || !dragStart.current) return;
          const end = new Map(dragged.map((n) => [n.id, n.position]));
          useEditor.getState().finishDrag(dragStart.current, end);
          dragStart.current = null;
        }}
        onBeforeDelete={async ({ nodes: goneNodes, edges: goneEdges }) => {
          if (!readOnly) {
            useEditor.getState().remove(
              goneNodes.map((n) => n.id),
              goneEdges.map((e) => e.id),
            );
            onSelection({ nodes: new Set(), edges: new Set() });
          }
          return false;
        }}
        onPaneClick={() => setPending(null)}
        onMoveEnd={(event, viewport) => event && onViewport(viewport)}
        defaultViewport={initialViewport}
        fitView={fitAtStart}
        fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
        minZoom={0.1}
        maxZoom={2.5}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Meta", "Control"]}
        proOptions={{ hideAttribution: false }}
      >
        <Background gap={20} size={1} />
        <Panel position="top-left" className="port-legend" aria-label="Port types">
          {(Object.keys(PORT_COLOR) as PortType[]).map((type) => (
            <span key={type} className="port-legend-item">
              <span className={`port-legend-mark port-${type}`} style={{ background: PORT_COLOR[type] }} />
              {type}
            </span>
          ))}
        </Panel>
        <Controls position="bottom-left" />
        <MiniMap
          position="bottom-right"
          pannable
          zoomable
          nodeColor={(node) => ((node.data as StrategyNodeData).problem ? "#dc2626" : "#cbd5e1")}
          nodeStrokeColor={(node) => ((node.data as StrategyNodeData).problem ? "#dc2626" : "#64748b")}
          nodeStrokeWidth={3}
        />
      </ReactFlow>
      {pending && (
        <QuickAdd
          at={pending.screen}
          templates={pending.templates}
          hint={pending.hint}
          onPick={pick}
          onClose={() => setPending(null)}
        />
      )}
    </div>
  );
}
