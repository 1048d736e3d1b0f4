import { useMemo, useState } from "react";
import { matchesSearch, nodeColor } from "./catalogue";
import { useCatalogue } from "./context";
import type { Template } from "./types";

export const TEMPLATE_MIME = "application/x-strategy-builder-template";

type Props = { onAdd: (template: Template) => void; readOnly: boolean };

/** The node library from the catalogue: grouped by node type (indicators by category), searchable. */
export function Palette({ onAdd, readOnly }: Props) {
  const catalogue = useCatalogue();
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState<Record<string, boolean>>({ DATA: true, CONDITION: true, SIGNAL: true });
  const searching = query.trim().length > 0;

  const sections = useMemo(
    () =>
      catalogue.groups.map((group) => {
        const templates = group.templates.filter((template) => matchesSearch(template, query));
        const byCategory = new Map<string, Template[]>();
        for (const template of templates) {
          const key = group.nodeType === "INDICATOR" ? (template.category ?? "OTHER") : "";
          byCategory.set(key, [...(byCategory.get(key) ?? []), template]);
        }
        return { ...group, count: templates.length, byCategory: [...byCategory.entries()] };
      }),
    [catalogue, query],
  );

  return (
    <aside className="palette" aria-label="Node library">
      <input
        type="search"
        className="palette-search"
        placeholder="Search nodes…"
        aria-label="Search nodes"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      <div className="palette-groups">
        {sections.map((section) =>
          section.count === 0 && searching ? null : (
            <section key={section.nodeType} className="palette-group">
              <button
                type="button"
                className="palette-group-head"
                aria-expanded={searching || !!open[section.nodeType]}
                onClick={() => setOpen({ ...open, [section.nodeType]: !open[section.nodeType] })}
              >
                <span>{section.label}</span>
                <span className="muted">{section.count}</span>
              </button>
              {(searching || open[section.nodeType]) &&
                section.byCategory.map(([category, templates]) => (
                  <div key={category} className="palette-category">
                    {category && <div className="palette-category-name">{category.toLowerCase()}</div>}
                    <ul>
                      {templates.map((template) => (
                        <li key={template.id}>
                          <button
                            type="button"
                            className="palette-item"
                            draggable={!readOnly}
                            disabled={readOnly}
                            data-testid={`palette-${template.name}`}
                            title={`${template.description ?? ""}\nDrag onto the canvas, or double-click to add.`}
                            onDragStart={(event) => {
                              event.dataTransfer.setData(TEMPLATE_MIME, template.name);
                              event.dataTransfer.effectAllowed = "copy";
                            }}
                            onDoubleClick={() => onAdd(template)}
                            onKeyDown={(event) => {
                              if (event.key === "Enter") onAdd(template);
                            }}
                          >
                            <span className="palette-swatch" style={{ background: nodeColor(template) }} />
                            <span className="palette-name">{template.display_name}</span>
                            {!template.is_system_template && <span className="palette-mine">mine</span>}
                          </button>
                        </li>
                      ))}
                    </ul>
                  </div>
                ))}
            </section>
          ),
        )}
        {searching && sections.every((section) => section.count === 0) && (
          <p className="muted palette-empty">No node matches “{query}”.</p>
        )}
      </div>
    </aside>
  );
}
