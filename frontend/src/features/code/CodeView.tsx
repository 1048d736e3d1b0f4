import hljs from "highlight.js/lib/core";
import python from "highlight.js/lib/languages/python";
import { useMemo } from "react";

// Only Python is registered, so the bundle carries one grammar instead of highlight.js's ~190.
hljs.registerLanguage("python", python);

function lineCount(text: string): number {
  const lines = text.split("\n").length;
  return text.endsWith("\n") ? lines - 1 : lines;
}

/** The module, highlighted as Python, with line numbers that stay put while the code scrolls sideways. */
export function CodeView({ code }: { code: string }) {
  const html = useMemo(
    () => hljs.highlight(code, { language: "python", ignoreIllegals: true }).value,
    [code],
  );
  const numbers = useMemo(
    () => Array.from({ length: lineCount(code) }, (_, i) => String(i + 1)).join("\n"),
    [code],
  );
  return (
    <div className="code-scroll" data-testid="module">
      <pre className="code-gutter" aria-hidden="true">
        {numbers}
      </pre>
      <pre className="code-body">
        <code
          className="hljs language-python"
          // biome-ignore lint/security/noDangerouslySetInnerHtml: highlight.js escapes the source and adds only <span class="hljs-…"> tags
          dangerouslySetInnerHTML={{ __html: html }}
        />
      </pre>
    </div>
  );
}

function diffClass(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return "diff-file";
  if (line.startsWith("@@")) return "diff-hunk";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  return "diff-context";
}

/** The server's unified diff, a line per row, added and removed lines coloured (and marked + / −). */
export function DiffView({ diff, caption }: { diff: string; caption: string }) {
  const lines = diff.endsWith("\n") ? diff.slice(0, -1).split("\n") : diff.split("\n");
  const added = lines.filter((l) => diffClass(l) === "diff-add").length;
  const removed = lines.filter((l) => diffClass(l) === "diff-del").length;
  return (
    <>
      <p className="small" data-testid="diff-summary">
        {caption} · <span className="diff-count-add">+{added}</span>{" "}
        <span className="diff-count-del">−{removed}</span> lines
      </p>
      <div className="code-scroll" data-testid="diff">
        <pre className="code-body diff">
          <code>
            {lines.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines have no identity but their place
              <span key={i} className={`diff-line ${diffClass(line)}`}>
                {line}
                {"\n"}
              </span>
            ))}
          </code>
        </pre>
      </div>
    </>
  );
}
