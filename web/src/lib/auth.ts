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

function randomText(bytes: number): string {
  const data = new Uint8Array(bytes);
  crypto.getRandomValues(data);
  return base64url(data);
}

function base64url(data: Uint8Array): string {
  let text = "";
  data.forEach((b) => (text += String.fromCharCode(b)));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** PKCE (RFC 7636): the S256 challenge of a verifier. */
export async function pkceChallenge(verifier: string): Promise<string> {
  // A verifier is ASCII (RFC 7636's unreserved characters): its bytes are its character codes.
  const bytes = Uint8Array.from(verifier, (c) => c.charCodeAt(0));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return base64url(new Uint8Array(digest));
}

/** Where the "Log in" button sends the browser: the server's StoryBoard-compatible login flow, with PKCE. */
export function authorizeUrl(origin: string, hostname: string, state: string, challenge: string): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: hostname,
    redirect_uri: `${origin}/auth/callback`,
    scope: "user",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return `/api/v1/openid/authorize?${params.toString()}`;
}

/** Start a login: the state and the PKCE verifier stay in this tab until the callback. */
export async function startLogin(returnTo: string): Promise<string> {
  const state = randomText(24);
  const verifier = randomText(32);
  sessionStorage.setItem(STATE_KEY, JSON.stringify({ state, returnTo, verifier }));
  return authorizeUrl(window.location.origin, window.location.hostname, state, await pkceChallenge(verifier));
}

/** The state saved by startLogin, consumed once: null when it does not match (a forged return). */
export function takeLoginState(state: string | null): { returnTo: string; verifier: string } | null {
  const saved = sessionStorage.getItem(STATE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  if (!saved || !state) return null;
  try {
    const parsed = JSON.parse(saved) as { state: string; returnTo: string; verifier?: string };
    return parsed.state === state ? { returnTo: parsed.returnTo || "/", verifier: parsed.verifier ?? "" } : null;
  } catch {
    return null;
  }
}
