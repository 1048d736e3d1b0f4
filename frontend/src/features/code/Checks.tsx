import type { Generation, ValidationResult } from "./api";

type Verdict = "pass" | "fail" | "skip";

function Check({ name, verdict, children }: { name: string; verdict: Verdict; children?: React.ReactNode }) {
  const word = { pass: "Passed", fail: "Failed", skip: "Not run" }[verdict];
  return (
    <li className={`check check-${verdict}`} data-testid={`check-${name.toLowerCase()}`}>
      <span className="check-mark" aria-hidden="true">
        {{ pass: "✓", fail: "✗", skip: "–" }[verdict]}
      </span>
      <div>
        <strong>{name}</strong> <span className="check-word">{word}</span>
        {children}
      </div>
    </li>
  );
}

function verdict(passed: boolean | null | undefined): Verdict {
  return passed === true ? "pass" : passed === false ? "fail" : "skip";
}

/** What the generation's checks found: a flow's problems (no code), or syntax, security and complexity. */
export function Checks({ generation, editorUrl }: { generation: Generation; editorUrl: string }) {
  const result = (generation.validation_result ?? {}) as ValidationResult;
  if (generation.validation_status === "FLOW_ERROR") {
    const problems = result.problems ?? [];
    return (
      <section className="checks" aria-label="Checks">
        <ul className="check-list">
          <Check name="Flow" verdict="fail">
            <p className="check-detail">
              The flow was not valid, so no code was generated. <a href={editorUrl}>Fix it in the editor</a>.
            </p>
            <ul className="check-messages">
              {problems.map((p, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: stored problems have no id and never change
                <li key={i}>
                  {(p.node_id ?? p.edge_id) && <code>{p.node_id ?? p.edge_id}</code>} {p.message}
                </li>
              ))}
            </ul>
          </Check>
        </ul>
      </section>
    );
  }
  const violations = result.security?.violations ?? [];
  return (
    <section className="checks" aria-label="Checks">
      <ul className="check-list">
        <Check name="Syntax" verdict={verdict(generation.syntax_check_passed)}>
          {result.syntax?.error && <p className="check-detail">{result.syntax.error}</p>}
        </Check>
        <Check name="Security" verdict={verdict(generation.security_check_passed)}>
          {generation.security_check_passed === null && (
            <p className="check-detail">Needs code that parses.</p>
          )}
          {violations.length > 0 && (
            <ul className="check-messages">
              {violations.map((v) => (
                <li key={`${v.line}-${v.message}`}>
                  line {v.line}: {v.message}
                </li>
              ))}
            </ul>
          )}
        </Check>
        {result.complexity && (
          <li className="check check-info" data-testid="check-complexity">
            <span className="check-mark" aria-hidden="true">
              ≈
            </span>
            <div>
              <strong>Complexity</strong> {result.complexity.strategy}
              <p className="check-detail">
                cyclomatic, of <code>generate_signals</code>
                {result.complexity.most_complex && (
                  <>
                    ; the most complex of the module's {result.complexity.functions} functions is{" "}
                    <code>{result.complexity.most_complex}</code> ({result.complexity.module_max})
                  </>
                )}
              </p>
            </div>
          </li>
        )}
      </ul>
    </section>
  );
}
