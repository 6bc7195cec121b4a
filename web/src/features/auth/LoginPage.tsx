import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, buildUrl, parseError } from "../../api/client";
import type { User } from "../../api/types";
import { FieldError } from "../../components/FieldError";
import { setToken, startLogin } from "../../lib/auth";

/** Log in through the server, or paste a personal token (checked against /users/self first). */
export function LoginPage() {
  return (
    <section className="narrow">
      <h1>Log in</h1>
      <p>
        <button type="button" onClick={() => void startLogin("/").then((url) => window.location.assign(url))}>
          Log in with your account
        </button>
      </p>
      <TokenLogin heading="Or use an API token" />
    </section>
  );
}

/** The answer of a server without any identity provider (docs/login.md, "Configuration"). */
export function isLoginNotConfigured(description: string | null | undefined): boolean {
  return !!description && /not configured/i.test(description);
}

/** What an administrator does to turn login on: shown where "Log in" ends on a fresh install. */
export function LoginSetupHelp() {
  return (
    <div className="setup-help" aria-labelledby="setup-help-title">
      <h2 id="setup-help-title">Turning on login</h2>
      <p>
        Storyline logs people in through an OpenID Connect identity provider (Keycloak, OpenStackID, Ipsilon, …), and
        none is configured yet. An administrator adds one to the configuration file (or to the{" "}
        <code>STORYLINE_OIDC_PROVIDERS</code> variable, as JSON), registers Storyline at the provider with the redirect
        URI <code>https://&lt;this host&gt;/api/v1/openid/authorize_return</code>, and restarts Storyline:
      </p>
      <pre>
        {`[[oidc_providers]]
name = "main"
issuer = "https://id.example.org/realms/main"
client_id = "storyline"
client_secret = "…"`}
      </pre>
      <p>
        Every setting is described in <code>docs/login.md</code> (section “Configuration”) of Storyline’s source.
        Until then, log in with an API token: an administrator makes one for you with{" "}
        <code>storyline tokens create --user you@example.org</code> (<code>.venv/bin/storyline</code> in a source
        checkout).
      </p>
    </div>
  );
}

/** Paste a personal API token: checked against /users/self, then kept like a login's token. */
export function TokenLogin({ heading, returnTo = "/" }: { heading: string; returnTo?: string }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const token = value.trim();
    if (!token) {
      setError("Paste a token first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(buildUrl("/users/self"), {
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      });
      if (!res.ok) throw parseError(res.status, await res.json().catch(() => null));
      const user = (await res.json()) as User;
      setToken(token);
      queryClient.clear();
      queryClient.setQueryData(["self", token], user);
      navigate(returnTo);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "This token was refused." : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit}>
      <h2>{heading}</h2>
      <label htmlFor="token">API token</label>
      <input
        id="token"
        type="password"
        autoComplete="off"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-describedby={error ? "token-error" : undefined}
        aria-invalid={!!error}
      />
      <FieldError id="token-error" message={error} />
      <p className="muted">
        Create one with <code>storyline tokens create --user you@example.org</code>, or on the Access tokens page once
        logged in.
      </p>
      <button type="submit" disabled={busy}>
        Use this token
      </button>
    </form>
  );
}
