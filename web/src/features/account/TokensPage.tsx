import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { api, ApiError, get } from "../../api/client";
import { useSelf, useUser } from "../../api/queries";
import type { User } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { UserSearch } from "../../components/Pickers";
import { Time } from "../../components/Time";
import { EXPIRY_CHOICES, expiresIn, isExpired, sortTokens, tokenLabel, type Token } from "./tokens";

/** Personal access tokens for bots and scripts: list, create (the secret shown once), revoke. */
export function TokensPage() {
  const self = useSelf();
  const [params, setParams] = useSearchParams();
  useEffect(() => {
    document.title = "Access tokens · Storyline";
  }, []);

  if (self.isPending) return <p className="muted">Loading…</p>;
  if (!self.data) {
    return (
      <section className="narrow">
        <h1>Access tokens</h1>
        <p>Log in to manage your access tokens.</p>
      </section>
    );
  }
  const me = self.data;
  const asked = Number(params.get("user"));
  // Only superusers may look at someone else's tokens (the API answers 403 to anyone else).
  const userId = me.is_superuser && Number.isInteger(asked) && asked > 0 ? asked : me.id;
  const showUser = (id: number | null) =>
    setParams(
      (p) => {
        if (id === null || id === me.id) p.delete("user");
        else p.set("user", String(id));
        return p;
      },
      { replace: false },
    );

  return (
    <section className="tokens-page">
      <h1>Access tokens</h1>
      <p>
        A personal access token lets a bot or a script use the API as {userId === me.id ? "you" : "this user"}: send it as{" "}
        <code>Authorization: Bearer &lt;token&gt;</code>. Web logins appear here too; revoking one logs that browser out.
        A feed token only reads the Atom feeds (the “Feed” links of stories, projects and groups), private stories included:
        add <code>?token=&lt;token&gt;</code> to a feed's address in your feed reader.
      </p>
      {me.is_superuser && <OwnerChooser me={me} userId={userId} onChoose={showUser} />}
      <CreateToken key={userId} userId={userId} />
      <TokenList userId={userId} />
    </section>
  );
}

function OwnerChooser({ me, userId, onChoose }: { me: User; userId: number; onChoose: (id: number | null) => void }) {
  const owner = useUser(userId === me.id ? null : userId);
  return (
    <div className="picker owner-chooser">
      {userId === me.id ? (
        <p>Showing your own tokens.</p>
      ) : (
        <p role="status">
          Showing the tokens of <strong>{owner.data?.full_name ?? (owner.isError ? `user ${userId}` : "…")}</strong>.{" "}
          <button type="button" className="link" onClick={() => onChoose(null)}>
            Back to my tokens
          </button>
        </p>
      )}
      <UserSearch
        label="Another user's tokens (superusers)"
        limit={8}
        optionText={(u) => `Show tokens of ${u.full_name}`}
        onChoose={(u, clear) => {
          onChoose(u.id);
          clear();
        }}
        listLabel="Matching users"
        noMatch="Nobody matches."
      />
    </div>
  );
}

function CreateToken({ userId }: { userId: number }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"personal" | "feed">("personal");
  const [choice, setChoice] = useState("90");
  const [date, setDate] = useState("");
  const [localError, setLocalError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<Token | null>(null);
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (seconds: number) =>
      api<Token>("POST", `/users/${userId}/tokens`, undefined, { user_id: userId, name: name.trim() || null, expires_in: seconds, kind }),
    onSuccess: (token) => {
      setCreated(token);
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["tokens", userId] });
    },
  });
  const error = localError ?? create.error;
  const fields = ["name", "kind", "expires_in", "expires_date"];

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const lifetime = expiresIn(choice, date);
    if (lifetime.error) {
      setLocalError(new ApiError(400, lifetime.error.message, lifetime.error.field));
      return;
    }
    setLocalError(null);
    create.mutate(lifetime.seconds);
  };

  return (
    <>
      {created?.access_token && <NewTokenSecret token={created} onDone={() => setCreated(null)} />}
      <form className="create-token" onSubmit={submit} aria-labelledby="create-token-title">
        <h2 id="create-token-title">Create a token</h2>
        <label htmlFor="token-name">Name</label>
        <input
          id="token-name"
          value={name}
          maxLength={100}
          placeholder="What uses it, e.g. “release bot”"
          onChange={(e) => setName(e.target.value)}
          aria-invalid={!!errorFor(error, "name")}
          aria-describedby="token-name-err"
        />
        <FieldError id="token-name-err" message={errorFor(error, "name")} />
        <label htmlFor="token-kind">Kind</label>
        <select id="token-kind" value={kind} onChange={(e) => setKind(e.target.value === "feed" ? "feed" : "personal")}>
          <option value="personal">Personal: the whole API</option>
          <option value="feed">Feed: reads the Atom feeds only</option>
        </select>
        <label htmlFor="token-expiry">Expires after</label>
        <select
          id="token-expiry"
          value={choice}
          onChange={(e) => setChoice(e.target.value)}
          aria-invalid={!!errorFor(error, "expires_in")}
          aria-describedby="token-expiry-err"
        >
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        <FieldError id="token-expiry-err" message={errorFor(error, "expires_in")} />
        {choice === "date" && (
          <>
            <label htmlFor="token-date">Last day it works</label>
            <input
              id="token-date"
              type="date"
              value={date}
              onChange={(e) => setDate(e.target.value)}
              aria-invalid={!!errorFor(error, "expires_date")}
              aria-describedby="token-date-err"
            />
            <FieldError id="token-date-err" message={errorFor(error, "expires_date")} />
          </>
        )}
        <FieldError id="create-token-err" message={errorFor(error, "*", fields)} />
        <p>
          <button type="submit" disabled={create.isPending}>
            Create token
          </button>
        </p>
      </form>
    </>
  );
}

/** The clear token, shown once: the server keeps only a hash. */
function NewTokenSecret({ token, onDone }: { token: Token; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const value = token.access_token ?? "";
  useEffect(() => heading.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      // No clipboard permission: select the text and fall back to the old copy command.
      input.current?.select();
      setCopied(document.execCommand("copy") ? "yes" : "failed");
    }
  };

  return (
    <section className="token-secret" aria-labelledby="new-token-title">
      <h2 id="new-token-title" tabIndex={-1} ref={heading}>
        New token “{tokenLabel(token)}”
      </h2>
      <p>
        <strong>Copy it now: you won't see it again.</strong> Storyline keeps only a hash of it; if you lose it, revoke it and
        create another.
      </p>
      {token.kind === "feed" && (
        <p>
          In a feed reader: a feed's address followed by <code>?token=</code> and this token, e.g.{" "}
          <code>{`${window.location.origin}/api/v1/feeds/users/${token.user_id}.atom?token=…`}</code>.
        </p>
      )}
      <div className="inline">
        <label htmlFor="new-token-value" className="visually-hidden">
          The new token
        </label>
        <input id="new-token-value" ref={input} readOnly value={value} onFocus={(e) => e.target.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p aria-live="polite" className="muted">
        {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "Copying failed: select the token and copy it by hand." : ""}
      </p>
    </section>
  );
}

function TokenList({ userId }: { userId: number }) {
  const tokens = useQuery({
    queryKey: ["tokens", userId],
    queryFn: () => get<Token[]>(`/users/${userId}/tokens`, { sort_field: "id", sort_dir: "desc" }),
  });
  const [confirming, setConfirming] = useState<number | null>(null);
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: (id: number) => api("DELETE", `/users/${userId}/tokens/${id}`),
    onSuccess: (_, id) => {
      setConfirming(null);
      queryClient.setQueryData<Token[]>(["tokens", userId], (list) => list?.filter((t) => t.id !== id));
      void queryClient.invalidateQueries({ queryKey: ["tokens", userId] });
    },
  });

  return (
    <section aria-labelledby="token-list-title">
      <h2 id="token-list-title">Tokens</h2>
      {tokens.isPending && <p className="muted">Loading tokens…</p>}
      {tokens.isError && <p role="alert">{(tokens.error as Error).message}</p>}
      {tokens.data && tokens.data.length === 0 && <p className="muted">No tokens.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <div className="tokens-scroll">
          <table className="tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sortTokens(tokens.data).map((t) => {
                const label = tokenLabel(t);
                return (
                  <tr key={t.id} aria-label={label}>
                    <th scope="row">{label}</th>
                    <td>{t.kind === "session" ? "Web login" : t.kind === "feed" ? "Feed" : "Personal"}</td>
                    <td>
                      <Time value={t.created_at} />
                    </td>
                    <td>
                      <Time value={t.expires_at} /> {isExpired(t) && <span className="badge">Expired</span>}
                    </td>
                    <td>{t.last_used_at ? <Time value={t.last_used_at} /> : <span className="muted">Never</span>}</td>
                    <td>
                      {confirming === t.id ? (
                        <div className="confirm" role="group" aria-label={`Confirm revoking ${label}`}>
                          <span>Revoke it? Whatever uses it stops working at once.</span>{" "}
                          <button type="button" autoFocus onClick={() => revoke.mutate(t.id)} disabled={revoke.isPending}>
                            Yes, revoke
                          </button>{" "}
                          <button type="button" onClick={() => setConfirming(null)}>
                            Cancel
                          </button>
                          <FieldError id={`revoke-${t.id}-err`} message={errorFor(revoke.error, "*")} />
                        </div>
                      ) : (
                        <button
                          type="button"
                          aria-label={`Revoke ${label}`}
                          onClick={() => {
                            revoke.reset();
                            setConfirming(t.id);
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
