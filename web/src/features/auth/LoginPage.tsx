import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, buildUrl, parseError } from "../../api/client";
import type { User } from "../../api/types";
import { FieldError } from "../../components/FieldError";
import { setToken, startLogin } from "../../lib/auth";

/** Log in through the server, or paste a personal token (checked against /users/self first). */
export function LoginPage() {
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
      navigate("/");
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "This token was refused." : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>Log in</h1>
      <p>
        <button type="button" onClick={() => void startLogin("/").then((url) => window.location.assign(url))}>
          Log in with your account
        </button>
      </p>
      <form onSubmit={submit}>
        <h2>Or use an API token</h2>
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
          Create one with <code>storyline tokens create --user you@example.org</code>.
        </p>
        <button type="submit" disabled={busy}>
          Use this token
        </button>
      </form>
    </section>
  );
}
