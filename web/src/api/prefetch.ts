// Answers started by index.html's inline script before the app loaded (story pages only).
interface Pending {
  token: string | null;
  response: Promise<Response>;
}

declare global {
  interface Window {
    __storylinePrefetch?: Record<string, Pending | undefined>;
  }
}

/** The prefetched answer for a GET of `url` with `token`, taken at most once; null when there is none. */
export function takePrefetched(url: string, token: string | null): Promise<Response> | null {
  const pending = typeof window === "undefined" ? undefined : window.__storylinePrefetch;
  const entry = pending?.[url];
  if (!pending || !entry) return null;
  Reflect.deleteProperty(pending, url);
  return entry.token === token ? entry.response : null;
}
