import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import type { Timeframe } from "../features/datasets/api";
import { DatasetsPage } from "../features/datasets/DatasetsPage";
import "../features/strategies/strategies.css";
import "../features/report/report.css";
import "../features/datasets/datasets.css";

const root = document.getElementById("root");
if (root) {
  const timeframes = JSON.parse(document.getElementById("timeframes")?.textContent ?? "[]") as Timeframe[];
  createRoot(root).render(
    <StrictMode>
      <DatasetsPage timeframes={timeframes} maxUploadBytes={Number(root.dataset.maxUploadBytes)} />
    </StrictMode>,
  );
}
