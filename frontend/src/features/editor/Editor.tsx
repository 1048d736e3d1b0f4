import { ReactFlowProvider, useReactFlow, type Viewport } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import { ApiError, describeError } from "../../api/client";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Canvas, makeNode } from "./Canvas";
import { CodeDialog } from "./CodeDialog";
import { type Catalogue, loadCatalogue } from "./catalogue";
import { CatalogueContext } from "./context";
import { Inspector } from "./Inspector";
import { tidyLayout } from "./layout";
import { OptimiseDialog } from "./OptimiseDialog";
import { Palette } from "./Palette";
import { PreviewPane } from "./PreviewPane";
import { RunDialog } from "./RunDialog";
import { Autosave, type SaveStatus, useSession } from "./session";
import { newEdgeId, newNodeId, useEditor } from "./store";
import type { FlowEdge, FlowNode, Problem, Template } from "./types";

type Props = { instanceId: string; strategyName: string; strategiesUrl: string; sweepLimit: number };

const STATUS_TEXT: Record<SaveStatus, string> = {
  saved: "Saved",
  saving: "Saving…",
  unsaved: "Unsaved changes",
  offline: "Offline — retrying",
  error: "Not saved",
};

export const SHORTCUTS: [string, string][] = [
  ["Ctrl/⌘ Z", "Undo"],
  ["Ctrl/⌘ Shift Z, Ctrl Y", "Redo"],
  ["Delete, Backspace", "Delete the selection"],
  ["Ctrl/⌘ C, Ctrl/⌘ V", "Copy and paste the selection (with its internal wires)"],
  ["Ctrl/⌘ A", "Select every node"],
  ["Shift + drag", "Box-select"],
  ["Ctrl/⌘ click", "Add to the selection"],
  ["F", "Fit the whole strategy in view"],
  ["L", "Tidy up (automatic layout)"],
  ["Drag a wire onto empty canvas", "Add a node that takes it, already wired"],
  ["Double-click a palette item", "Add it in the middle of the view"],
  ["?", "This cheat sheet"],
];

export function Editor(props: Props) {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [error, setError] = useState<unknown>(null);
  const autosave = useMemo(() => new Autosave(props.instanceId), [props.instanceId]);
  const [viewport, setViewport] = useState<Viewport | undefined | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([loadCatalogue(), autosave.start()])
      .then(([loaded, session]) => {
        if (!live) return;
        setCatalogue(loaded);
        const saved = autosave.metadataOf(session).viewport as Viewport | undefined;
        setViewport(saved && typeof saved.zoom === "number" ? saved : undefined);
      })
      .catch((caught) => live && setError(caught));
    return () => {
      live = false;
      autosave.stop();
    };
  }, [autosave]);

  if (error) {
    return (
      <div className="editor-loading">
        <ErrorAlert error={error} />
        <p>
          <a href={props.strategiesUrl}>Back to my strategies</a> ·{" "}
          <button type="button" className="link-button-dark" onClick={() => window.location.reload()}>
            Try again
          </button>
        </p>
      </div>
    );
  }
  if (!catalogue || viewport === null) return <div className="editor-loading muted">Loading the editor…</div>;
  return (
    <CatalogueContext.Provider value={catalogue}>
      <ReactFlowProvider>
        <EditorShell {...props} autosave={autosave} initialViewport={viewport} />
      </ReactFlowProvider>
    </CatalogueContext.Provider>
  );
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return (
    !!element && (["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName) || element.isContentEditable)
  );
}

let clipboard: { nodes: FlowNode[]; edges: FlowEdge[] } | null = null;

function EditorShell({
  strategyName,
  strategiesUrl,
  autosave,
  instanceId,
  sweepLimit,
  initialViewport,
}: Props & { autosave: Autosave; initialViewport: Viewport | undefined }) {
  const flow = useReactFlow();
  const nodes = useEditor((state) => state.nodes);
  const { status, message, problems, readOnly, session } = useSession();
  const canUndo = useStore(useEditor.temporal, (history) => history.pastStates.length > 0);
  const canRedo = useStore(useEditor.temporal, (history) => history.futureStates.length > 0);
  const [selection, setSelection] = useState({ nodes: new Set<string>(), edges: new Set<string>() });
  const [notice, setNotice] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const [running, setRunning] = useState(false);
  const [coding, setCoding] = useState(false);
  const [optimising, setOptimising] = useState(false);
  const [commitState, setCommitState] = useState<{ busy: boolean; error: unknown; changed: boolean }>({
    busy: false,
    error: null,
    changed: false,
  });
  // On a narrow screen the canvas gets the room; the palette and the inspector open over it on demand.
  const [panels, setPanels] = useState(() => {
    const wide = !window.matchMedia("(max-width: 900px)").matches;
    return { palette: wide, inspector: wide, preview: wide };
  });
  const sizes = useRef(new Map<string, { width: number; height: number }>());

  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), 5000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  const selectedNode =
    selection.nodes.size === 1 ? (nodes.find((n) => selection.nodes.has(n.id)) ?? null) : null;

  const addAtCenter = useCallback(
    (template: Template) => {
      if (readOnly) return;
      const box = document.querySelector(".canvas")?.getBoundingClientRect();
      const center = box
        ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 })
        : { x: 0, y: 0 };
      const state = useEditor.getState();
      const offset = (state.nodes.length % 5) * 24;
      const node = makeNode(template, state.nodes, { x: center.x - 90 + offset, y: center.y - 40 + offset });
      state.addNode(node);
      setSelection({ nodes: new Set([node.id]), edges: new Set() });
    },
    [flow, readOnly],
  );

  const showProblem = useCallback(
    (problem: Problem) => {
      const node = nodes.find((n) => n.id === problem.node_id);
      const edge = useEditor.getState().edges.find((e) => e.id === problem.edge_id);
      const target = node ?? nodes.find((n) => n.id === edge?.target);
      if (!target) return;
      const size = sizes.current.get(target.id) ?? { width: 180, height: 80 };
      void flow.setCenter(target.position.x + size.width / 2, target.position.y + size.height / 2, {
        zoom: Math.max(flow.getZoom(), 1),
        duration: 300,
      });
      setSelection({
        nodes: node ? new Set([node.id]) : new Set(),
        edges: edge ? new Set([edge.id]) : new Set(),
      });
    },
    [nodes, flow],
  );

  const tidy = useCallback(() => {
    if (readOnly) return;
    const state = useEditor.getState();
    state.movePositions(tidyLayout(state.nodes, state.edges, sizes.current));
    window.setTimeout(() => void flow.fitView({ padding: 0.2, duration: 300 }), 50);
  }, [flow, readOnly]);

  const copy = useCallback(() => {
    const state = useEditor.getState();
    const chosen = state.nodes.filter((n) => selection.nodes.has(n.id));
    if (chosen.length === 0) return;
    const ids = new Set(chosen.map((n) => n.id));
    clipboard = { nodes: chosen, edges: state.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
    setNotice(`Copied ${chosen.length} node${chosen.length === 1 ? "" : "s"}.`);
  }, [selection]);

  const paste = useCallback(() => {
    if (!clipboard || readOnly) return;
    const state = useEditor.getState();
    const renamed = new Map<string, string>();
    const all = [...state.nodes];
    const pasted = clipboard.nodes.map((node) => {
      const id = newNodeId(node.template, all);
      renamed.set(node.id, id);
      const copy = { ...node, id, position: { x: node.position.x + 40, y: node.position.y + 40 } };
      all.push(copy);
      return copy;
    });
    const edges = [...state.edges];
    const pastedEdges = clipboard.edges.map((edge) => {
      const copy = {
        ...edge,
        id: newEdgeId(edges),
        source: renamed.get(edge.source) as string,
        target: renamed.get(edge.target) as string,
      };
      edges.push(copy);
      return copy;
    });
    state.paste(pasted, pastedEdges);
    setSelection({ nodes: new Set(pasted.map((n) => n.id)), edges: new Set(pastedEdges.map((e) => e.id)) });
  }, [readOnly]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event.target)) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const history = useEditor.temporal.getState();
      if (mod && key === "z" && !event.shiftKey) {
        if (!readOnly) history.undo();
      } else if ((mod && key === "z" && event.shiftKey) || (mod && key === "y")) {
        if (!readOnly) history.redo();
      } else if (mod && key === "c") copy();
      else if (mod && key === "v") paste();
      else if (mod && key === "a") {
        setSelection({ nodes: new Set(useEditor.getState().nodes.map((n) => n.id)), edges: new Set() });
      } else if (event.key === "?") setHelp(true);
      else if (!mod && key === "f") void flow.fitView({ padding: 0.2, duration: 300 });
      else if (!mod && key === "l") tidy();
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [copy, paste, tidy, flow, readOnly]);

  const commit = useCallback(
    async (overwrite = false) => {
      setCommitState({ busy: true, error: null, changed: false });
      try {
        await autosave.commit(overwrite);
        setCommitState({ busy: false, error: null, changed: false });
        setNotice("Saved to the strategy.");
        return true;
      } catch (caught) {
        const changed =
          caught instanceof ApiError && caught.status === 409 && caught.code === "instance_changed";
        setCommitState({ busy: false, error: changed ? null : caught, changed });
        if (caught instanceof ApiError && caught.problems.length > 0 && caught.status === 400) {
          useSession.setState({ problems: caught.problems });
        }
        return false;
      }
    },
    [autosave],
  );

  /** Runs and code generation read the strategy as saved: commit the draft first, or say why not. */
  const prepare = useCallback(async () => {
    await autosave.flush();
    const { session: current, committedVersion } = useSession.getState();
    if (current && committedVersion === current.version) return;
    await autosave.commit(false);
  }, [autosave]);

  return (
    <div className={`editor${readOnly ? " editor-readonly" : ""}`}>
      <header className="editor-bar">
        <a href={strategiesUrl} className="editor-back">
          ◂ Strategies
        </a>
        <h1 className="editor-title" title={strategyName}>
          {strategyName}
        </h1>
        <span
          className={`save-status save-${status}`}
          data-testid="save-status"
          role="status"
          aria-live="polite"
        >
          <span className="save-dot" aria-hidden="true" />
          {message && status !== "saved" ? message : STATUS_TEXT[status]}
          {session && <span className="muted"> · v{session.version}</span>}
        </span>
        <div className="editor-actions">
          <button
            type="button"
            className="button button-small panel-toggle"
            onClick={() => setPanels({ ...panels, palette: !panels.palette })}
          >
            Nodes
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={!canUndo || readOnly}
            onClick={() => useEditor.temporal.getState().undo()}
            title="Undo (Ctrl+Z)"
          >
            Undo
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={!canRedo || readOnly}
            onClick={() => useEditor.temporal.getState().redo()}
            title="Redo (Ctrl+Shift+Z)"
          >
            Redo
          </button>
          <button
            type="button"
            className="button button-small"
            aria-pressed={panels.preview}
            onClick={() => setPanels({ ...panels, preview: !panels.preview })}
          >
            Preview
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={readOnly}
            onClick={tidy}
            title="Tidy up (L)"
          >
            Tidy up
          </button>
          <span
            className={`validity ${problems.length ? "validity-bad" : "validity-ok"}`}
            data-testid="validity"
          >
            {problems.length ? `${problems.length} problem${problems.length === 1 ? "" : "s"}` : "Valid ✓"}
          </span>
          <button
            type="button"
            className="button button-small"
            disabled={commitState.busy || readOnly}
            onClick={() => void commit()}
          >
            Save to strategy
          </button>
          <button type="button" className="button button-small" onClick={() => setCoding(true)}>
            Code
          </button>
          <button
            type="button"
            className="button button-small button-primary"
            onClick={() => setRunning(true)}
          >
            Run ▸
          </button>
          <button type="button" className="button button-small" onClick={() => setOptimising(true)}>
            Optimise
          </button>
          <button
            type="button"
            className="button button-small panel-toggle"
            onClick={() => setPanels({ ...panels, inspector: !panels.inspector })}
          >
            Inspect
          </button>
          <button
            type="button"
            className="button button-small"
            aria-label="Keyboard shortcuts"
            onClick={() => setHelp(true)}
          >
            ?
          </button>
        </div>
      </header>

      <ConflictBanner autosave={autosave} />
      {commitState.error ? (
        <div className="editor-alert">
          <ErrorAlert
            error={commitState.error}
            onDismiss={() => setCommitState({ ...commitState, error: null })}
          />
        </div>
      ) : null}
      {status === "error" && message ? (
        <div className="editor-alert">
          <ErrorAlert
            error={new Error(`Your changes are kept in this page but were not saved: ${message}`)}
          />
        </div>
      ) : null}

      <div
        className={`editor-body${panels.palette ? "" : " no-palette"}${panels.inspector ? "" : " no-inspector"}`}
      >
        {panels.palette && <Palette onAdd={addAtCenter} readOnly={readOnly} />}
        <div className="canvas-column">
          <Canvas
            readOnly={readOnly}
            problems={problems}
            selection={selection}
            onSelection={setSelection}
            onNotice={setNotice}
            sizes={sizes}
            initialViewport={initialViewport}
            onViewport={(viewport) => autosave.setMetadata({ viewport })}
          />
          {panels.preview && <PreviewPane selectedNodeId={selectedNode?.id ?? null} />}
        </div>
        {panels.inspector && (
          <Inspector
            selected={selectedNode}
            problems={problems}
            readOnly={readOnly}
            onShowProblem={showProblem}
          />
        )}
      </div>

      {notice && (
        <div className="toast" role="alert" data-testid="toast">
          {notice}
        </div>
      )}

      <ConfirmDialog
        open={commitState.changed}
        title="The strategy changed since this draft started"
        confirmLabel="Overwrite with my draft"
        danger
        busy={commitState.busy}
        onCancel={() => setCommitState({ ...commitState, changed: false })}
        onConfirm={() => void commit(true)}
      >
        <p>
          Someone saved this strategy (another draft, or the API) after this draft was opened. Saving now
          replaces their version with this draft. Your draft is kept either way.
        </p>
      </ConfirmDialog>

      <ConfirmDialog
        open={help}
        title="Keyboard shortcuts"
        confirmLabel="Got it"
        onCancel={() => setHelp(false)}
        onConfirm={() => setHelp(false)}
      >
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <th scope="row">
                  <kbd>{keys}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ConfirmDialog>

      <RunDialog open={running} instanceId={instanceId} prepare={prepare} onClose={() => setRunning(false)} />
      <OptimiseDialog
        open={optimising}
        instanceId={instanceId}
        limit={sweepLimit}
        prepare={prepare}
        onClose={() => setOptimising(false)}
      />
      <CodeDialog open={coding} instanceId={instanceId} prepare={prepare} onClose={() => setCoding(false)} />
    </div>
  );
}

function ConflictBanner({ autosave }: { autosave: Autosave }) {
  const conflict = useSession((state) => state.conflict);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!conflict) return null;
  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const keepMine = (
    <button
      type="button"
      className="button button-small"
      disabled={busy}
      onClick={() => act(() => autosave.keepMineAsNewDraft())}
    >
      Keep mine as a new draft
    </button>
  );
  return (
    <div className="conflict" role="alertdialog" aria-label="Draft conflict" data-testid="conflict">
      {conflict.kind === "stale" && (
        <>
          <p>
            <strong>This draft changed elsewhere</strong>
            {conflict.theirs ? ` (now version ${conflict.theirs.version})` : ""}. Nothing was overwritten;
            your changes are still in this page.
          </p>
          <div className="conflict-actions">
            <button
              type="button"
              className="button button-small"
              disabled={busy}
              onClick={() => act(() => autosave.loadTheirs())}
            >
              Load theirs
            </button>
            {keepMine}
          </div>
        </>
      )}
      {conflict.kind === "locked" && (
        <>
          <p>
            <strong>Read-only:</strong> another user is editing this draft
            {conflict.until
              ? ` (their lock runs until ${new Date(conflict.until).toLocaleTimeString()})`
              : ""}
            .
          </p>
          <div className="conflict-actions">
            <button
              type="button"
              className="button button-small"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  if (!(await autosave.retakeLock()))
                    setError(new Error("Their lock is still live. Try again once it expires."));
                })
              }
            >
              Take over
            </button>
            {keepMine}
          </div>
        </>
      )}
      {conflict.kind === "closed" && (
        <>
          <p>
            <strong>This draft session has ended</strong> ({conflict.message}). Your work is still in this
            page.
          </p>
          <div className="conflict-actions">{keepMine}</div>
        </>
      )}
      {conflict.kind === "other-tab" && (
        <>
          <p>
            <strong>Read-only:</strong> this draft is open for editing in another tab of this browser.
          </p>
          <div className="conflict-actions">
            <button
              type="button"
              className="button button-small"
              disabled={busy}
              onClick={() => act(() => autosave.takeOverFromOtherTab())}
            >
              Edit here instead
            </button>
          </div>
        </>
      )}
      {error ? <p className="field-error">{describeError(error)}</p> : null}
    </div>
  );
}
