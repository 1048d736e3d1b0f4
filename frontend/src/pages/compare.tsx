import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ComparePage } from "../features/compare/ComparePage";
import "../features/strategies/strategies.css";
import "../features/report/report.css";
import "../features/compare/compare.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ComparePage ids={root.dataset.ids ?? ""} />
    </StrictMode>,
  );
}
