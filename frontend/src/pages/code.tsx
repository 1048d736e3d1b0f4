import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { CodePage } from "../features/code/CodePage";
import "highlight.js/styles/github.css";
import "../features/strategies/strategies.css";
import "../features/report/report.css";
import "../features/code/code.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <CodePage
        instanceId={root.dataset.instanceId ?? ""}
        strategyName={root.dataset.strategyName ?? ""}
        editorUrl={root.dataset.editorUrl ?? ""}
      />
    </StrictMode>,
  );
}
