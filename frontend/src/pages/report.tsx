import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ReportPage } from "../features/report/ReportPage";
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
