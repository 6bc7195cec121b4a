import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { parseError } from "../../api/client";
import { setToken, takeLoginState } from "../../lib/auth";
import { isLoginNotConfigured, LoginSetupHelp, TokenLogin } from "./LoginPage";

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
}

/** The end of the login flow: check the state, exchange the code for a token, go back. */
export function CallbackPage() {
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const started = useRef(false);
  const [returnTo, setReturnTo] = useState("/");

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const saved = takeLoginState(params.get("state"));
    if (saved) setReturnTo(saved.returnTo);
    const code = params.get("code");
    if (params.get("error")) {
      setError(params.get("error_description") ?? params.get("error"));
      return;
    }
    if (!saved) {
      setError("This login did not start here (the state does not match). Please log in again.");
      return;
    }
    if (!code) {
      setError("The login answer carries no code. Please log in again.");
      return;
    }
    const query = new URLSearchParams({ grant_type: "authorization_code", code });
    if (saved.verifier) query.set("code_verifier", saved.verifier);
    fetch(`/api/v1/openid/token?${query.toString()}`, { method: "POST", headers: { Accept: "application/json" } })
      .then(async (res) => {
        const body: unknown = await res.json().catch(() => null);
        if (!res.ok) throw parseError(res.status, body);
        const answer = body as TokenAnswer;
        setToken(answer.access_token, answer.refresh_token ?? null);
        queryClient.clear();
        navigate(saved.returnTo, { replace: true });
      })
      .catch((err: Error) => setError(err.message));
  }, [params, navigate, queryClient]);

  const unconfigured = isLoginNotConfigured(error);
  return (
    <section className="narrow">
      <h1>{unconfigured ? "Login is not set up yet" : "Logging in"}</h1>
      {error ? (
        <>
          <p role="alert" className="field-error">
            {error}
          </p>
          {unconfigured && <LoginSetupHelp />}
          {/* Another way in, right here: the login flow may fail for reasons a token does not share. */}
          <TokenLogin heading="Log in with an API token" returnTo={returnTo} />
          <p>
            <Link to="/login">Back to log in</Link>
          </p>
        </>
      ) : (
        <p>One moment…</p>
      )}
    </section>
  );
}
