// The logic-flow format v1 as the editor holds it (see the API docs' flow schema), and the catalogue.
import type { components } from "../../api/schema";

export type PortType = "series" | "bool" | "number";
export type Port = { name: string; type: PortType; required?: boolean; label?: string; description?: string };
export type ParamBinding = { $param: string };
export type Scalar = number | string | boolean;
export type ParamValue = Scalar | ParamBinding;
export type Position = { x: number; y: number };

export type FlowNode = {
  id: string;
  template: string;
  version?: string;
  label?: string;
  params: Record<string, ParamValue>;
  position: Position;
};
export type FlowEdge = {
  id: string;
  source: string;
  source_port: string;
  target: string;
  target_port: string;
};
export type Flow = { schema_version: 1; nodes: FlowNode[]; edges: FlowEdge[] };
export type Parameters = Record<string, Scalar>;

export type ParamSchema = {
  type?: "integer" | "number" | "boolean" | "string";
  enum?: Scalar[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: Scalar;
  title?: string;
  description?: string;
};
export type TemplateSchema = {
  type: "object";
  properties?: Record<string, ParamSchema>;
  required?: string[];
};

type ApiTemplate = components["schemas"]["CatalogueTemplate"];
export type NodeType = ApiTemplate["node_type"];
export type Template = Omit<
  ApiTemplate,
  "input_ports" | "output_ports" | "parameter_schema" | "default_parameters"
> & {
  input_ports: Port[];
  output_ports: Port[];
  parameter_schema: TemplateSchema;
  default_parameters: Record<string, Scalar>;
};

export type Problem = components["schemas"]["Problem"];

export function isBinding(value: unknown): value is ParamBinding {
  return typeof value === "object" && value !== null && typeof (value as ParamBinding).$param === "string";
}
