import { Handle, type NodeProps, Position, useConnection } from "@xyflow/react";
import { memo } from "react";
import { nodeColor, PORT_COLOR, portOfHandle, portsCompatible } from "./catalogue";
import { useCatalogue } from "./context";
import { type FlowNode, isBinding, type Port, type PortType, type Template } from "./types";

export type StrategyNodeData = { node: FlowNode; template: Template | undefined; problem: boolean };

/** "SMA · 30", "RSI · $rsi_period": what a node computes, readable at a glance. */
export function nodeSummary(node: FlowNode, template: Template | undefined): string {
  const name = template
    ? template.name.length <= 6
      ? template.name.toUpperCase()
      : template.display_name
    : node.template;
  const properties = Object.keys(template?.parameter_schema.properties ?? {});
  const values = properties
    .map((key) => {
      const value = key in node.params ? node.params[key] : template?.default_parameters[key];
      if (value === undefined) return null;
      return isBinding(value) ? `$${value.$param}` : String(value);
    })
    .filter((value): value is string => value !== null);
  return [name, ...values].join(" · ");
}

type Dragging = { from: "source" | "target"; type: PortType; nodeId: string } | null;

function portClass(
  port: Port,
  side: "in" | "out",
  dragging: Dragging,
  compatible: (a: PortType, b: PortType) => boolean,
) {
  const base = `port port-${port.type}`;
  if (!dragging) return base;
  const fits =
    dragging.from === "source"
      ? side === "in" && compatible(dragging.type, port.type)
      : side === "out" && compatible(port.type, dragging.type);
  return `${base} ${fits ? "port-compatible" : "port-dim"}`;
}

function StrategyNodeView({ id, data, selected }: NodeProps & { data: StrategyNodeData }) {
  const catalogue = useCatalogue();
  const { node, template, problem } = data;
  // A string key, so a node re-renders when a wire starts or ends, not on every pointer move.
  const draggingKey = useConnection((connection) => {
    if (!connection.inProgress || !connection.fromHandle?.id) return null;
    const fromData = connection.fromNode.data as StrategyNodeData;
    const name = portOfHandle(connection.fromHandle.id);
    const ports =
      connection.fromHandle.type === "source"
        ? fromData.template?.output_ports
        : fromData.template?.input_ports;
    const port = ports?.find((p) => p.name === name);
    return port ? `${connection.fromHandle.type}|${port.type}|${connection.fromNode.id}` : null;
  });
  const dragging: Dragging = draggingKey
    ? (() => {
        const [from, type, nodeId] = draggingKey.split("|") as ["source" | "target", PortType, string];
        return { from, type, nodeId };
      })()
    : null;
  const compatible = (a: PortType, b: PortType) => portsCompatible(catalogue, a, b);
  const inputs = template?.input_ports ?? [];
  const outputs = template?.output_ports ?? [];
  const rows = Math.max(inputs.length, outputs.length);
  const color = nodeColor(template);

  return (
    <div
      className={`sb-node${problem ? " sb-node-problem" : ""}${selected ? " sb-node-selected" : ""}`}
      data-testid="flow-node"
      data-node-id={id}
      data-template={node.template}
      style={{ borderTopColor: color }}
    >
      <div className="sb-node-head">
        <span className="sb-node-type" style={{ color }}>
          {template?.node_type ?? "UNKNOWN"}
        </span>
        <span className="sb-node-title">{node.label || template?.display_name || node.template}</span>
      </div>
      <div className="sb-node-summary" data-testid="node-summary">
        {template ? nodeSummary(node, template) : `Unknown template “${node.template}”`}
      </div>
      {rows > 0 && (
        <div className="sb-node-ports">
          {Array.from({ length: rows }, (_, row) => {
            const input = inputs[row];
            const output = outputs[row];
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
              <div className="sb-node-row" key={row}>
                <span className="sb-port-label sb-port-in">
                  {input && (
                    <>
                      <Handle
                        type="target"
                        position={Position.Left}
                        id={`in:${input.name}`}
                        className={portClass(input, "in", dragging, compatible)}
                        style={{ background: PORT_COLOR[input.type], top: "auto" }}
                        title={`${input.label ?? input.name}: ${input.type}${input.required === false ? " (optional)" : ""}`}
                        data-testid={`port-in-${input.name}`}
                      />
                      {input.label ?? input.name}
                      {input.required === false && <span className="sb-optional">?</span>}
                    </>
                  )}
                </span>
                <span className="sb-port-label sb-port-out">
                  {output && (
                    <>
                      {output.label ?? output.name}
                      <Handle
                        type="source"
                        position={Position.Right}
                        id={`out:${output.name}`}
                        className={portClass(output, "out", dragging, compatible)}
                        style={{ background: PORT_COLOR[output.type], top: "auto" }}
                        title={`${output.label ?? output.name}: ${output.type}`}
                        data-testid={`port-out-${output.name}`}
                      />
                    </>
                  )}
                </span>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

export const StrategyNode = memo(StrategyNodeView);
