// Never lose work: the draft lives in a builder session and every change is saved to it (debounced) with
// If-Match, so a save based on a stale version is refused (412) instead of overwriting someone's work.
import { create } from "zustand";
import { ApiError, api } from "../../api/client";
import type { components } from "../../api/schema";
import { type Graph, graphOf, useEditor } from "./store";
import type { Flow, Parameters, Problem } from "./types";

export type Session = components["schemas"]["BuilderSession"];
type SessionSummary = components["schemas"]["BuilderSessionList"];

export const SAVE_DEBOUNCE_MS = 1000;
const HEARTBEAT_MS = 60_000;
const SESSIONS = "/api/v1/builder-sessions/";

export type SaveStatus = "saved" | "saving" | "unsaved" | "offline" | "error";
export type Conflict =
  | { kind: "stale"; theirs: Session | null } // 412: the draft changed elsewhere
  | { kind: "locked"; holder: string; until: string } // 423: someone else edits it now
  | { kind: "closed"; message: string } // 409: the session ended (expired, closed)
  | { kind: "other-tab" }; // this draft is open in another tab of this browser

type State = {
  session: Session | null;
  status: SaveStatus;
  message: string | null;
  problems: Problem[];
  conflict: Conflict | null;
  readOnly: boolean;
  committedVersion: number | null;
};

export const useSession = create<State>()(() => ({
  session: null,
  status: "saved",
  message: null,
  problems: [],
  conflict: null,
  readOnly: false,
  committedVersion: null,
}));

export function flowOf(graph: Graph): Flow {
  return { schema_version: 1, nodes: graph.nodes, edges: graph.edges };
}

function graphFromSession(session: Session): Graph {
  const flow = (session.draft_logic_flow ?? {}) as Partial<Flow>;
  return {
    nodes: (flow.nodes ?? []).map((node) => ({
      ...node,
      params: node.params ?? {},
      position: node.position ?? { x: 0, y: 0 },
    })),
    edges: (flow.edges ?? []).map((edge, index) => ({ ...edge, id: edge.id ?? `e${index}` })),
    parameters: (session.draft_parameters ?? {}) as Parameters,
  };
}

/** Open the user's active draft of this strategy, or start one from the strategy as saved. */
async function openSession(instanceId: string): Promise<Session> {
  const mine = await api<{ results: SessionSummary[] }>("GET", SESSIONS, {
    query: { instance: instanceId, is_active: true, page_size: 1 },
  });
  const latest = mine.results[0];
  if (latest) return api<Session>("GET", `${SESSIONS}${latest.id}/`);
  return api<Session>("POST", SESSIONS, { body: { instance: instanceId, session_type: "DRAFT" } });
}

export class Autosave {
  private timer: number | undefined;
  private retryDelay = 2000;
  private inFlight: Promise<void> | null = null;
  private savedGraph: Graph | null = null;
  private metadata: Record<string, unknown> = {};
  private metadataDirty = false;
  private heartbeat: number | undefined;
  private unsubscribe: (() => void) | null = null;
  private tabLock: TabLock | null = null;

  constructor(private readonly instanceId: string) {}

  async start(): Promise<Session> {
    const session = await openSession(this.instanceId);
    this.adopt(session, true);
    this.unsubscribe = useEditor.subscribe((state) => {
      if (!this.savedGraph) return;
      const graph = graphOf(state);
      if (sameGraph(graph, this.savedGraph) && !this.metadataDirty) return;
      this.changed();
    });
    this.heartbeat = window.setInterval(() => void this.keepAlive(), HEARTBEAT_MS);
    window.addEventListener("beforeunload", this.onBeforeUnload);
    window.addEventListener("pagehide", this.onPageHide);
    this.tabLock = new TabLock(session.id, {
      onLost: () => this.toReadOnly({ kind: "other-tab" }),
      onFlushRequest: () => this.flush(),
    });
    const first = await this.tabLock.acquire();
    if (!first) this.toReadOnly({ kind: "other-tab" });
    else await this.takeServerLock();
    return session;
  }

  stop(): void {
    this.unsubscribe?.();
    window.clearTimeout(this.timer);
    window.clearInterval(this.heartbeat);
    window.removeEventListener("beforeunload", this.onBeforeUnload);
    window.removeEventListener("pagehide", this.onPageHide);
    this.tabLock?.release();
  }

  /** UI state (viewport …) kept in draft_metadata; saved with the next save, never an undo step. */
  setMetadata(metadata: Record<string, unknown>): void {
    this.metadata = { ...this.metadata, ...metadata };
    this.metadataDirty = true;
    if (!useSession.getState().readOnly) this.changed();
  }

  metadataOf(session: Session): Record<string, unknown> {
    return (session.draft_metadata ?? {}) as Record<string, unknown>;
  }

  private adopt(session: Session, load: boolean): void {
    const graph = graphFromSession(session);
    if (load) {
      useEditor.getState().load(graph);
      this.metadata = { ...this.metadataOf(session) };
    }
    this.savedGraph = load ? graphOf(useEditor.getState()) : this.savedGraph;
    useSession.setState({
      session,
      problems: session.problems,
      committedVersion: session.committed_version,
    });
  }

  private changed(): void {
    if (useSession.getState().readOnly) {
      useSession.setState({ status: "unsaved" });
      return;
    }
    const { status } = useSession.getState();
    if (status !== "offline" && status !== "saving")
      useSession.setState({ status: "unsaved", message: null });
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.save(), SAVE_DEBOUNCE_MS);
  }

  hasUnsaved(): boolean {
    const graph = graphOf(useEditor.getState());
    return !this.savedGraph || !sameGraph(graph, this.savedGraph) || this.metadataDirty;
  }

  /** Save now (e.g. before a commit or a run); resolves once the draft on the server is this page's. */
  async flush(): Promise<void> {
    window.clearTimeout(this.timer);
    if (this.inFlight) await this.inFlight;
    if (this.hasUnsaved() && !useSession.getState().readOnly) await this.save();
    if (this.inFlight) await this.inFlight;
  }

  private async save(): Promise<void> {
    if (this.inFlight) {
      await this.inFlight;
      if (this.hasUnsaved()) this.changed();
      return;
    }
    const { session, readOnly } = useSession.getState();
    if (!session || readOnly || !this.hasUnsaved()) return;
    const graph = graphOf(useEditor.getState());
    const metadata = { ...this.metadata };
    useSession.setState({ status: "saving" });
    this.inFlight = (async () => {
      try {
        const saved = await api<Session>("PATCH", `${SESSIONS}${session.id}/`, {
          headers: { "If-Match": `"${session.version}"` },
          body: {
            draft_logic_flow: flowOf(graph),
            draft_parameters: graph.parameters,
            draft_metadata: metadata,
          },
        });
        this.savedGraph = graph;
        this.metadataDirty = !sameMetadata(metadata, this.metadata);
        this.retryDelay = 2000;
        this.adopt(saved, false);
        useSession.setState({ status: this.hasUnsaved() ? "unsaved" : "saved", message: null });
      } catch (error) {
        this.failed(error);
      } finally {
        this.inFlight = null;
      }
    })();
    await this.inFlight;
    if (useSession.getState().status === "unsaved") this.changed();
  }

  private failed(error: unknown): void {
    if (!(error instanceof ApiError)) throw error;
    if (error.isNetwork || error.status >= 500 || error.status === 429) {
      const retryAfter = error.status === 429 ? 5000 : this.retryDelay;
      this.retryDelay = Math.min(this.retryDelay * 2, 30_000);
      useSession.setState({
        status: "offline",
        message: error.isNetwork ? "Offline — retrying" : `${error.message} Retrying…`,
      });
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.save(), retryAfter);
      return;
    }
    if (error.status === 412) {
      // The refusal carries the draft as it now is, saved elsewhere.
      const theirs = (error.body as { current?: Session } | null)?.current ?? null;
      this.toReadOnly({ kind: "stale", theirs });
      return;
    }
    if (error.status === 423) {
      const lock = (error.body as { lock?: { holder: string; until: string } } | null)?.lock;
      this.toReadOnly({ kind: "locked", holder: lock?.holder ?? "someone else", until: lock?.until ?? "" });
      return;
    }
    if (error.status === 409) {
      this.toReadOnly({ kind: "closed", message: error.message });
      return;
    }
    useSession.setState({ status: "error", message: error.message, problems: error.problems });
  }

  private toReadOnly(conflict: Conflict): void {
    window.clearTimeout(this.timer);
    useSession.setState({
      readOnly: true,
      conflict,
      status: this.hasUnsaved() ? "unsaved" : "saved",
    });
  }

  /** 412: replace this page's draft by the one saved elsewhere. */
  async loadTheirs(): Promise<void> {
    const { session } = useSession.getState();
    if (!session) return;
    const theirs = await api<Session>("GET", `${SESSIONS}${session.id}/`);
    this.adopt(theirs, true);
    useSession.setState({ readOnly: false, conflict: null, status: "saved", message: null });
    await this.takeServerLock();
  }

  /** 412 / 423 / 409: keep this page's work as a new draft session of the same strategy. */
  async keepMineAsNewDraft(): Promise<void> {
    const graph = graphOf(useEditor.getState());
    const session = await api<Session>("POST", SESSIONS, {
      body: {
        instance: this.instanceId,
        session_type: "DRAFT",
        draft_logic_flow: flowOf(graph),
        draft_parameters: graph.parameters,
        draft_metadata: this.metadata,
      },
    });
    this.tabLock?.release();
    this.tabLock = new TabLock(session.id, {
      onLost: () => this.toReadOnly({ kind: "other-tab" }),
      onFlushRequest: () => this.flush(),
    });
    await this.tabLock.acquire();
    this.savedGraph = graph;
    this.metadataDirty = false;
    this.adopt(session, false);
    useSession.setState({ readOnly: false, conflict: null, status: "saved", message: null });
    await this.takeServerLock();
  }

  /** A second tab takes over: the first one saves what it has, then turns read-only. */
  async takeOverFromOtherTab(): Promise<void> {
    if (!this.tabLock) return;
    await this.tabLock.takeOver();
    await this.loadTheirs();
  }

  async retakeLock(): Promise<boolean> {
    const taken = await this.takeServerLock();
    if (taken) await this.loadTheirs();
    return taken;
  }

  private async takeServerLock(): Promise<boolean> {
    const { session } = useSession.getState();
    if (!session) return false;
    try {
      await api("POST", `${SESSIONS}${session.id}/lock/`);
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 423 || error.status === 409)) {
        this.failed(error);
        return false;
      }
      throw error;
    }
  }

  private async keepAlive(): Promise<void> {
    const { session, readOnly } = useSession.getState();
    if (!session || readOnly) return;
    try {
      await api("POST", `${SESSIONS}${session.id}/lock/`);
    } catch (error) {
      if (error instanceof ApiError && !error.isNetwork && error.status < 500) this.failed(error);
    }
  }

  /** The committed draft: write it into the strategy (after saving what is pending). */
  async commit(overwrite = false): Promise<Session> {
    await this.flush();
    const { session } = useSession.getState();
    if (!session) throw new Error("No session.");
    const committed = await api<Session>("POST", `${SESSIONS}${session.id}/commit/`, {
      headers: { "If-Match": `"${session.version}"` },
      body: overwrite ? { overwrite: true } : {},
    });
    this.adopt(committed, false);
    useSession.setState({ committedVersion: committed.committed_version ?? committed.version });
    return committed;
  }

  private onBeforeUnload = (event: BeforeUnloadEvent) => {
    if (this.hasUnsaved() || this.inFlight) {
      event.preventDefault();
    }
  };

  /** The tab is going away: send what is unsaved with a request that outlives the page. */
  private onPageHide = () => {
    const { session, readOnly } = useSession.getState();
    if (!session || readOnly || !this.hasUnsaved()) return;
    const graph = graphOf(useEditor.getState());
    const csrf = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)?.[1] ?? "";
    void fetch(`${SESSIONS}${session.id}/save/`, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
      body: JSON.stringify({
        base_version: session.version,
        draft_logic_flow: flowOf(graph),
        draft_parameters: graph.parameters,
        draft_metadata: this.metadata,
      }),
    });
  };
}

function sameGraph(a: Graph, b: Graph): boolean {
  return a.nodes === b.nodes && a.edges === b.edges && a.parameters === b.parameters;
}

function sameMetadata(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * One tab edits a draft at a time (the Web Locks API); another tab of the same browser opens it read-only
 * and may take over, after the first has saved what it has (a BroadcastChannel asks it to).
 */
class TabLock {
  private release_: (() => void) | null = null;
  private channel: BroadcastChannel;
  private readonly name: string;

  constructor(
    sessionId: string,
    private readonly handlers: { onLost: () => void; onFlushRequest: () => Promise<void> },
  ) {
    this.name = `strategy-builder-session-${sessionId}`;
    this.channel = new BroadcastChannel(this.name);
    this.channel.onmessage = async (event) => {
      if (event.data === "take-over" && this.release_) {
        await this.handlers.onFlushRequest();
        this.channel.postMessage("released");
        this.release();
        this.handlers.onLost();
      }
    };
  }

  acquire(steal = false): Promise<boolean> {
    if (!("locks" in navigator)) return Promise.resolve(true);
    return new Promise((resolve) => {
      navigator.locks
        .request(this.name, steal ? { steal: true } : { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          return new Promise<void>((release) => {
            this.release_ = release;
          });
        })
        .catch(() => {
          // Stolen by another tab.
          if (this.release_) {
            this.release_ = null;
            this.handlers.onLost();
          }
        });
    });
  }

  async takeOver(): Promise<void> {
    const released = new Promise<void>((resolve) => {
      const listener = (event: MessageEvent) => {
        if (event.data === "released") {
          this.channel.removeEventListener("message", listener);
          resolve();
        }
      };
      this.channel.addEventListener("message", listener);
      window.setTimeout(resolve, 3000);
    });
    this.channel.postMessage("take-over");
    await released;
    await this.acquire(true);
  }

  release(): void {
    this.release_?.();
    this.release_ = null;
  }
}
