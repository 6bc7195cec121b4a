// The API token lives in localStorage; logging out forgets it.
const KEY = "storyline.token";
const REFRESH_KEY = "storyline.refresh_token";
const STATE_KEY = "storyline.login_state";
const listeners = new Set<() => void>();

export function getToken(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Store the access token (and the refresh token that came with it); null forgets both (logout). */
export function setToken(token: string | null, refresh: string | null = null): void {
  if (token) localStorage.setItem(KEY, token);
  else localStorage.removeItem(KEY);
  if (refresh) localStorage.setItem(REFRESH_KEY, refresh);
  else localStorage.removeItem(REFRESH_KEY);
  listeners.forEach((fn) => fn());
}

export function getRefreshToken(): string | null {
  try {
    return localStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

export function onTokenChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function randomState(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Where the "Log in" button sends the browser: the server's StoryBoard-compatible login flow. */
export function authorizeUrl(origin: string, hostname: string, state: string): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: hostname,
    redirect_uri: `${origin}/auth/callback`,
    scope: "user",
    state,
  });
  return `/api/v1/openid/authorize?${params.toString()}`;
}

export function startLogin(returnTo: string): string {
  const state = randomState();
  sessionStorage.setItem(STATE_KEY, JSON.stringify({ state, returnTo }));
  return authorizeUrl(window.location.origin, window.location.hostname, state);
}

/** The state saved by startLogin, consumed once: null when it does not match (a forged return). */
export function takeLoginState(state: string | null): { returnTo: string } | null {
  const saved = sessionStorage.getItem(STATE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  if (!saved || !state) return null;
  try {
    const parsed = JSON.parse(saved) as { state: string; returnTo: string };
    return parsed.state === state ? { returnTo: parsed.returnTo || "/" } : null;
  } catch {
    return null;
  }
}
