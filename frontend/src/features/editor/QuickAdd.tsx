import { useEffect, useMemo, useRef, useState } from "react";
import { matchesSearch, nodeColor } from "./catalogue";
import type { Template } from "./types";

type Props = {
  at: { x: number; y: number };
  templates: Template[];
  hint: string;
  onPick: (template: Template) => void;
  onClose: () => void;
};

/** Search opened where a wire was dropped on empty canvas, offering only nodes that can take the wire. */
export function QuickAdd({ at, templates, hint, onPick, onClose }: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const shown = useMemo(
    () => templates.filter((t) => matchesSearch(t, query)).slice(0, 50),
    [templates, query],
  );
  useEffect(() => input.current?.focus(), []);
  const search = (text: string) => {
    setQuery(text);
    setActive(0);
  };

  return (
    <div
      className="quick-add"
      style={{ left: at.x, top: at.y }}
      role="dialog"
      aria-label="Add a connected node"
    >
      <input
        ref={input}
        type="search"
        placeholder="Add a node…"
        aria-label="Search nodes to connect"
        value={query}
        onChange={(event) => search(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") onClose();
          if (event.key === "ArrowDown") setActive(Math.min(active + 1, shown.length - 1));
          if (event.key === "ArrowUp") setActive(Math.max(active - 1, 0));
          if (event.key === "Enter" && shown[active]) onPick(shown[active]);
        }}
      />
      <p className="quick-add-hint">{hint}</p>
      <ul aria-label="Compatible nodes">
        {shown.map((template, index) => (
          <li key={template.id}>
            <button
              type="button"
              className={index === active ? "active" : ""}
              aria-current={index === active || undefined}
              onMouseEnter={() => setActive(index)}
              onClick={() => onPick(template)}
            >
              <span className="palette-swatch" style={{ background: nodeColor(template) }} />
              {template.display_name}
              <span className="muted small"> {template.node_type.toLowerCase()}</span>
            </button>
          </li>
        ))}
        {shown.length === 0 && <li className="muted">No compatible node matches.</li>}
      </ul>
    </div>
  );
}
