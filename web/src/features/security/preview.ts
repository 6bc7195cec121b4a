// The preview API (/preview/..., not yet stable): same token, same error shapes as /api/v1.
import { ApiError, parseError, refreshLogin, type Query } from "../../api/client";
import { getToken } from "../../lib/auth";

export function previewUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return `/preview${path}${qs ? `?${qs}` : ""}`;
}

export async function preview<T>(method: string, path: string, query?: Query, body?: unknown, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(previewUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "The server cannot be reached. Check your connection and try again.");
  }
  if (res.status === 401 && token && !retried && (await refreshLogin())) {
    return preview<T>(method, path, query, body, true);
  }
  if (!res.ok) {
    let parsed: unknown = null;
    try {
      parsed = await res.json();
    } catch {
      parsed = null;
    }
    throw parseError(res.status, parsed);
  }
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
