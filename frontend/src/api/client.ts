// The one way the browser talks to the API: same-origin fetch with the session cookie and Django's CSRF
// token, and every failure turned into one ApiError carrying the API's error shape.
import type { components } from "./schema";

export type Problem = {
  code: string;
  message: string;
  field?: string;
  node_id?: string;
  edge_id?: string;
  line?: number;
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: Problem[];
  readonly body: unknown;

  constructor(status: number, code: string, message: string, problems: Problem[] = [], body: unknown = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.problems = problems;
    this.body = body;
  }

  /** No answer at all: the network or the server is down. */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

export type StrategyInstance = components["schemas"]["StrategyInstanceOutput"];
export type StrategyTemplate = components["schemas"]["StrategyTemplateOutput"];
export type Paginated<T> = { count: number; next: string | null; previous: string | null; results: T[] };

function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match?.[1] ? decodeURIComponent(match[1]) : "";
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page, say): fall back to the status text below.
  }
  const error = (body as { error?: { code?: string; message?: string; problems?: Problem[] } } | null)?.error;
  if (error) {
    return new ApiError(
      response.status,
      error.code ?? "error",
      error.message ?? response.statusText,
      error.problems ?? [],
      body,
    );
  }
  const message =
    response.status >= 500
      ? `The server had a problem (HTTP ${response.status}). Your work is kept; try again in a moment.`
      : `The request was refused (HTTP ${response.status} ${response.statusText}).`;
  return new ApiError(response.status, `http_${response.status}`, message, [], body);
}

export async function api<T>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  options: { body?: unknown; query?: Query; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, "network", "No connection to the server. Check your network; nothing was lost.");
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/**
 * POST a multipart form (a file upload) and report how much of it has been sent, from 0 to 1: fetch cannot
 * tell upload progress, XMLHttpRequest can. Failures come back as the same ApiError as `api`'s.
 */
export function apiUpload<T>(path: string, form: FormData, onProgress?: (sent: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    request.onerror = () =>
      reject(new ApiError(0, "network", "No connection to the server. Check your network and try again."));
    request.onload = () => {
      const response = new Response(request.status === 204 ? null : request.responseText, {
        status: request.status,
        statusText: request.statusText,
      });
      if (!response.ok) errorFrom(response).then(reject, reject);
      else if (request.status === 204) resolve(undefined as T);
      else response.json().then(resolve, reject);
    };
    request.send(form);
  });
}

/** One line for the page: the message and, when there are several problems, the first few. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.problems.length === 0) return error.message;
  const shown = error.problems.slice(0, 3).map((p) => (p.field ? `${p.field}: ${p.message}` : p.message));
  const more = error.problems.length > 3 ? ` (and ${error.problems.length - 3} more)` : "";
  return `${shown.join("; ")}${more}`;
}
