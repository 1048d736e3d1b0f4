import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { TestsPage } from "../features/tests/TestsPage";
import "../features/strategies/strategies.css";
import "../features/report/report.css";
import "../features/tests/tests.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <TestsPage />
    </StrictMode>,
  );
}
