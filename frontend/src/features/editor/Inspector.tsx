import { useState } from "react";
import { useCatalogue } from "./context";
import { ParamField } from "./ParamField";
import { useEditor } from "./store";
import type { FlowNode, Problem, Scalar } from "./types";

type Props = {
  selected: FlowNode | null;
  problems: Problem[];
  readOnly: boolean;
  onShowProblem: (problem: Problem) => void;
};

/** The selected node's parameters, the strategy's parameters, and every problem of the draft. */
export function Inspector({ selected, problems, readOnly, onShowProblem }: Props) {
  return (
    <aside className="inspector" aria-label="Inspector">
      {selected ? (
        <NodeInspector node={selected} readOnly={readOnly} />
      ) : (
        <p className="muted">Select a node to edit it.</p>
      )}
      <StrategyParameters readOnly={readOnly} />
      <ProblemsList problems={problems} onShow={onShowProblem} />
    </aside>
  );
}

function NodeInspector({ node, readOnly }: { node: FlowNode; readOnly: boolean }) {
  const catalogue = useCatalogue();
  const template = catalogue.byName.get(node.template);
  const parameters = useEditor((state) => state.parameters);
  const { setParam, setLabel, setParameter } = useEditor.getState();
  const properties = Object.entries(template?.parameter_schema.properties ?? {});

  return (
    <section className="inspector-section" aria-label="Selected node">
      <h2>{template?.display_name ?? node.template}</h2>
      {template?.description && <p className="muted small">{template.description}</p>}
      <label htmlFor="node-label">Label</label>
      <LabelInput
        key={node.id}
        value={node.label ?? ""}
        readOnly={readOnly}
        onCommit={(label) => setLabel(node.id, label)}
      />
      <p className="muted small">
        Node <code>{node.id}</code>
      </p>
      {properties.length === 0 ? (
        <p className="muted small">This node has no parameters.</p>
      ) : (
        properties.map(([key, schema]) => (
          <ParamField
            key={`${node.id}:${key}`}
            name={key}
            schema={schema}
            value={node.params[key]}
            parameters={parameters}
            readOnly={readOnly}
            onChange={(value) => setParam(node.id, key, value)}
            onCreateParameter={(name, value) => setParameter(name, value)}
          />
        ))
      )}
    </section>
  );
}

function LabelInput({
  value,
  readOnly,
  onCommit,
}: {
  value: string;
  readOnly: boolean;
  onCommit: (v: string) => void;
}) {
  const [text, setText] = useState(value);
  return (
    <input
      id="node-label"
      type="text"
      value={text}
      maxLength={200}
      disabled={readOnly}
      onChange={(event) => setText(event.target.value)}
      onBlur={() => text !== value && onCommit(text)}
      onKeyDown={(event) => {
        if (event.key === "Enter") (event.target as HTMLInputElement).blur();
      }}
    />
  );
}

function StrategyParameters({ readOnly }: { readOnly: boolean }) {
  const parameters = useEditor((state) => state.parameters);
  const nodes = useEditor((state) => state.nodes);
  const { setParameter } = useEditor.getState();
  const used = new Set(
    nodes.flatMap((node) =>
      Object.values(node.params).flatMap((v) => (typeof v === "object" && v !== null ? [v.$param] : [])),
    ),
  );
  const entries = Object.entries(parameters);
  return (
    <section className="inspector-section" aria-label="Strategy parameters">
      <h2>Strategy parameters</h2>
      {entries.length === 0 && (
        <p className="muted small">
          None yet. Bind a node's parameter to one (“new parameter…”) to vary it in tests.
        </p>
      )}
      {entries.map(([name, value]) => (
        <ParameterRow
          key={name}
          name={name}
          value={value}
          used={used.has(name)}
          readOnly={readOnly}
          onChange={setParameter}
        />
      ))}
    </section>
  );
}

function ParameterRow({
  name,
  value,
  used,
  readOnly,
  onChange,
}: {
  name: string;
  value: Scalar;
  used: boolean;
  readOnly: boolean;
  onChange: (name: string, value: Scalar | undefined, rename?: string) => void;
}) {
  const [newName, setNewName] = useState(name);
  const [text, setText] = useState(String(value));
  const numeric = typeof value === "number";
  const parsed: Scalar = numeric ? Number(text) : typeof value === "boolean" ? text === "true" : text;
  const invalid = numeric && (text.trim() === "" || Number.isNaN(parsed));
  const nameInvalid = !/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName);
  return (
    <div className="parameter-row" data-testid={`strategy-param-${name}`}>
      <input
        type="text"
        aria-label={`Name of parameter ${name}`}
        value={newName}
        disabled={readOnly}
        aria-invalid={nameInvalid || undefined}
        onChange={(event) => setNewName(event.target.value)}
        onBlur={() => !nameInvalid && newName !== name && onChange(name, value, newName)}
      />
      <input
        type="text"
        aria-label={`Value of parameter ${name}`}
        inputMode={numeric ? "decimal" : "text"}
        value={text}
        disabled={readOnly}
        aria-invalid={invalid || undefined}
        onChange={(event) => setText(event.target.value)}
        onBlur={() => !invalid && parsed !== value && onChange(name, parsed)}
        onKeyDown={(event) => {
          if (event.key === "Enter") (event.target as HTMLInputElement).blur();
        }}
      />
      <button
        type="button"
        className="button button-small"
        aria-label={`Remove parameter ${name}`}
        title={used ? "Still bound by a node: unbind it first." : "Remove"}
        disabled={readOnly || used}
        onClick={() => onChange(name, undefined)}
      >
        ×
      </button>
      {(invalid || nameInvalid) && (
        <p className="field-error">
          {nameInvalid ? "Letters, digits and _ only, not starting with a digit." : "A number."}
        </p>
      )}
    </div>
  );
}

function ProblemsList({ problems, onShow }: { problems: Problem[]; onShow: (problem: Problem) => void }) {
  return (
    <section className="inspector-section" aria-label="Problems">
      <h2>
        Problems{" "}
        <span className={problems.length ? "count count-bad" : "count count-ok"}>{problems.length}</span>
      </h2>
      {problems.length === 0 ? (
        <p className="ok small">The strategy is valid and can be run.</p>
      ) : (
        <ul className="problems" data-testid="problems">
          {problems.map((problem, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems have no id and are replaced whole
            <li key={index}>
              <button type="button" className="problem" onClick={() => onShow(problem)}>
                {problem.node_id ? (
                  <code>{problem.node_id}</code>
                ) : problem.edge_id ? (
                  <code>{problem.edge_id}</code>
                ) : null}{" "}
                {problem.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
