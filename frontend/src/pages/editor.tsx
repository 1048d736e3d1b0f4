import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import { Editor } from "../features/editor/Editor";
import "../features/editor/editor.css";

const root = document.getElementById("root");
if (root) {
  const {
    instanceId = "",
    strategyName = "",
    strategiesUrl = "/strategies/",
    sweepLimit = "",
  } = root.dataset;
  createRoot(root).render(
    <StrictMode>
      <Editor
        instanceId={instanceId}
        strategyName={strategyName}
        strategiesUrl={strategiesUrl}
        sweepLimit={Number(sweepLimit)}
      />
    </StrictMode>,
  );
}
