import { Validator } from "@cfworker/json-schema";
import { useEffect, useId, useMemo, useState } from "react";
import type { Parameters, ParamSchema, ParamValue, Scalar } from "./types";
import { isBinding } from "./types";

type Props = {
  name: string;
  schema: ParamSchema;
  value: ParamValue | undefined;
  parameters: Parameters;
  readOnly: boolean;
  onChange: (value: ParamValue | undefined) => void;
  onCreateParameter: (name: string, value: Scalar) => void;
};

const COMMIT_AFTER_MS = 250;

/** The first error the template's own JSON Schema finds in a value, in words (null when it is valid). */
export function schemaError(schema: ParamSchema, value: unknown): string | null {
  const result = new Validator(schema as object, "2020-12", false).validate(value);
  if (result.valid) return null;
  const error = result.errors.find((e) => e.keyword !== "properties") ?? result.errors[0];
  if (!error) return "Not a valid value.";
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  switch (error.keyword) {
    case "minimum":
      return `At least ${minimum}.`;
    case "maximum":
      return `At most ${maximum}.`;
    case "exclusiveMinimum":
      return `Must be more than ${exclusiveMinimum}.`;
    case "exclusiveMaximum":
      return `Must be less than ${exclusiveMaximum}.`;
    case "type":
      return schema.type === "integer" ? "A whole number." : `Must be a ${schema.type}.`;
    case "enum":
      return `One of ${schema.enum?.join(", ")}.`;
    default:
      return error.error;
  }
}

function parse(schema: ParamSchema, text: string): Scalar | undefined {
  if (schema.type === "integer" || schema.type === "number") {
    if (text.trim() === "") return undefined;
    const number = Number(text);
    return Number.isNaN(number) ? text : number;
  }
  return text;
}

function bounds(schema: ParamSchema): string {
  const low = schema.minimum ?? schema.exclusiveMinimum;
  const high = schema.maximum ?? schema.exclusiveMaximum;
  if (low === undefined && high === undefined) return "";
  const left = low === undefined ? "" : `${schema.exclusiveMinimum !== undefined ? ">" : "≥"} ${low}`;
  const right = high === undefined ? "" : `${schema.exclusiveMaximum !== undefined ? "<" : "≤"} ${high}`;
  return [left, right].filter(Boolean).join(", ");
}

/** One parameter of a node: a form field generated from its JSON Schema, or a binding to a strategy parameter. */
export function ParamField({
  name,
  schema,
  value,
  parameters,
  readOnly,
  onChange,
  onCreateParameter,
}: Props) {
  const id = useId();
  const bound = isBinding(value);
  const shown = bound ? undefined : (value ?? schema.default);
  const [text, setText] = useState(shown === undefined ? "" : String(shown));
  useEffect(() => setText(shown === undefined ? "" : String(shown)), [shown]);
  const parsed = parse(schema, text);
  const error = useMemo(() => (parsed === undefined ? null : schemaError(schema, parsed)), [schema, parsed]);

  // Typing commits once the user pauses on a valid value: one undo step per change, not per key.
  useEffect(() => {
    if (bound || readOnly || error || parsed === undefined || parsed === shown) return;
    const timer = window.setTimeout(() => onChange(parsed), COMMIT_AFTER_MS);
    return () => window.clearTimeout(timer);
  }, [parsed, error, bound, readOnly, shown, onChange]);

  const label = schema.title ?? name;
  const isDefault = value === undefined;
  const names = Object.keys(parameters);

  return (
    <div className="param-field" data-testid={`param-${name}`}>
      <div className="param-label-row">
        <label htmlFor={id}>{label}</label>
        <div className="param-tools">
          {!bound && !isDefault && schema.default !== undefined && (
            <button
              type="button"
              className="link-small"
              disabled={readOnly}
              onClick={() => onChange(undefined)}
            >
              Reset to {String(schema.default)}
            </button>
          )}
          <select
            aria-label={`Bind ${label} to a strategy parameter`}
            className="param-bind"
            disabled={readOnly}
            value={bound ? value.$param : ""}
            onChange={(event) => {
              const choice = event.target.value;
              if (choice === "") onChange(parameters[bound ? value.$param : ""] ?? schema.default);
              else if (choice === "__new__") {
                // Named after this field (renamed in "Strategy parameters" if wanted), starting at its value.
                let fresh = name;
                for (let n = 2; fresh in parameters; n++) fresh = `${name}_${n}`;
                const start = (shown ?? schema.default ?? 0) as Scalar;
                onCreateParameter(fresh, start);
                onChange({ $param: fresh });
              } else onChange({ $param: choice });
            }}
          >
            <option value="">fixed value</option>
            {names.map((n) => (
              <option key={n} value={n}>
                ${n}
              </option>
            ))}
            <option value="__new__">new parameter…</option>
          </select>
        </div>
      </div>
      {bound ? (
        <p className="param-bound">
          Bound to <code>${value.$param}</code>
          {value.$param in parameters ? ` = ${String(parameters[value.$param])}` : " — not defined"}
        </p>
      ) : schema.enum ? (
        <select id={id} value={text} disabled={readOnly} onChange={(event) => onChange(event.target.value)}>
          {schema.enum.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      ) : schema.type === "boolean" ? (
        <input
          id={id}
          type="checkbox"
          checked={shown === true}
          disabled={readOnly}
          onChange={(event) => onChange(event.target.checked)}
        />
      ) : (
        <input
          id={id}
          type="text"
          inputMode={schema.type === "integer" ? "numeric" : schema.type === "number" ? "decimal" : "text"}
          value={text}
          disabled={readOnly}
          placeholder={schema.default === undefined ? "" : String(schema.default)}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-help`}
          onChange={(event) => setText(event.target.value)}
          onBlur={() => {
            if (!error && parsed !== undefined && parsed !== shown) onChange(parsed);
          }}
        />
      )}
      <p id={`${id}-help`} className={error ? "field-error" : "param-help"}>
        {error ?? [schema.description, bounds(schema)].filter(Boolean).join(" · ")}
      </p>
    </div>
  );
}
