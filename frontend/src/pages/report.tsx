import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ReportPage } from "../features/report/ReportPage";
// The tables, the toolbar and the badges look as on the tests list; report.css adds the report's own.
import "../features/strategies/strategies.css";
import "../features/report/report.css";
import "../features/sweep/sweep.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ReportPage quicktestId={root.dataset.quicktestId ?? ""} />
    </StrictMode>,
  );
}
