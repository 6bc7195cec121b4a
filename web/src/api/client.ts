// The one way the client talks to the server: /api/v1 (StoryBoard's public path), bearer token.
import { getRefreshToken, getToken, setToken } from "../lib/auth";
import { takePrefetched } from "./prefetch";

/** An error answered by the API, with the field it concerns when the server names one. */
export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;
  /** The answer's JSON as it came (e.g. the per-item outcomes of a refused bulk change). */
  body: unknown = null;
  constructor(status: number, message: string, field: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
  }
}

/** Reads any of the server's error shapes: faultstring, {message, field}, {code, title, description}, OAuth. */
export function parseError(status: number, body: unknown): ApiError {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const field = typeof b.field === "string" ? b.field : null;
    if (typeof b.message === "string") return new ApiError(status, b.message, field);
    if (typeof b.faultstring === "string") return new ApiError(status, b.faultstring, field);
    if (typeof b.error_description === "string") return new ApiError(status, b.error_description, field);
    if (typeof b.description === "string") return new ApiError(status, b.description, field);
    if (typeof b.title === "string") return new ApiError(status, b.title, field);
    if (typeof b.error === "string") return new ApiError(status, b.error, field);
  }
  const fallback: Record<number, string> = {
    401: "Your token was refused: log in again.",
    403: "You are not allowed to do that.",
    404: "Not found.",
  };
  return new ApiError(status, fallback[status] ?? `The server answered ${status}.`);
}

export type Query = Record<string, string | number | boolean | (string | number)[] | null | undefined>;

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.append(key, String(value));
  }
  const qs = params.toString();
  // Paths of the preview API (/preview/...) are served at the root, not under /api/v1.
  const base = path.startsWith("/preview/") ? "" : "/api/v1";
  return `${base}${path}${qs ? `?${qs}` : ""}`;
}

export interface Page<T> {
  items: T;
  total: number | null;
}

let refreshing: Promise<boolean> | null = null;

/** Trade the refresh token for a new pair (the server rotates both); false when there is none or it is refused. */
export function refreshLogin(): Promise<boolean> {
  const refresh = getRefreshToken();
  if (!refresh) return Promise.resolve(false);
  refreshing ??= (async () => {
    try {
      const query = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refresh });
      const res = await fetch(`/api/v1/openid/token?${query.toString()}`, {
        method: "POST",
        headers: { Accept: "application/json" },
      });
      if (!res.ok) return false;
      const answer = (await res.json()) as { access_token: string; refresh_token?: string };
      setToken(answer.access_token, answer.refresh_token ?? null);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** One request with the reader's token (renewed once on a 401); a JSON body, or a FormData sent as it is
 * (multipart: the browser sets its Content-Type). Errors become ApiError. */
export async function send(method: string, path: string, query?: Query, body?: unknown, retried = false): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  const url = buildUrl(path, query);
  const early = method === "GET" ? takePrefetched(url, token) : null;
  let res: Response;
  try {
    res = await (early ?? fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    }));
  } catch {
    throw new ApiError(0, "The server cannot be reached. Check your connection and try again.");
  }
  // A 401 for a token another request has renewed meanwhile: try again with the new one (renewing it again
  // would rotate the pair for nothing).
  if (res.status === 401 && token && !retried && (getToken() !== token || (await refreshLogin()))) {
    return send(method, path, query, body, true);
  }
  if (!res.ok) {
    let parsed: unknown = null;
    try {
      parsed = await res.json();
    } catch {
      parsed = null;
    }
    const error = parseError(res.status, parsed);
    error.body = parsed;
    throw error;
  }
  return res;
}

export async function api<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
  const res = await send(method, path, query, body);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A list with its X-Total header (rows matching the filters, ignoring paging). */
export async function apiPage<T>(path: string, query?: Query): Promise<Page<T[]>> {
  const res = await send("GET", path, query);
  const total = res.headers.get("X-Total");
  return { items: (await res.json()) as T[], total: total === null ? null : Number(total) };
}

export const get = <T>(path: string, query?: Query) => api<T>("GET", path, query);
