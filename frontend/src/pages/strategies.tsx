import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { StrategiesPage } from "../features/strategies/StrategiesPage";
import "../features/strategies/strategies.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <StrategiesPage apiRoot={root.dataset.apiRoot ?? "/api/v1/strategy-instances/"} />
    </StrictMode>,
  );
}
