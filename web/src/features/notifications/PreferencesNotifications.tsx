import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useLocation } from "react-router-dom";
import { api, apiPage, get } from "../../api/client";
import type { Subscription } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import {
  EMAIL_MODE_KEY,
  EMAIL_MODES,
  EMAIL_MUTED_KEY,
  type EmailMode,
  emailMode,
  emailPreferences,
  MAILED_EVENT_TYPES,
  mutedTypes,
  subscriptionTarget,
} from "../../lib/NotificationPreferences";
import type { Preferences } from "../preferences/prefs";
import { subscriptionKey } from "./SubscribeButton";
import "./NotificationStyles.css";

/** The notification part of the preferences page (#notifications, where e-mails link to): how and
 * which e-mails come, and everything the reader follows. */
export function PreferencesNotifications({ userId, stored }: { userId: number; stored: Preferences }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const { hash } = useLocation();
  useEffect(() => {
    if (hash === "#notifications") heading.current?.scrollIntoView();
  }, [hash]);
  return (
    <section aria-labelledby="notifications" className="notification-prefs">
      <h2 id="notifications" ref={heading} tabIndex={-1}>
        Notifications
      </h2>
      <p className="muted">
        Everything you follow reaches your <Link to="/inbox">inbox</Link>; these choices are about e-mail.
      </p>
      <EmailForm userId={userId} stored={stored} />
      <Subscriptions />
    </section>
  );
}

function EmailForm({ userId, stored }: { userId: number; stored: Preferences }) {
  const [mode, setMode] = useState<EmailMode>(() => emailMode(stored));
  const [muted, setMuted] = useState<string[]>(() => mutedTypes(stored));
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => api<Preferences>("POST", `/users/${userId}/preferences`, undefined, emailPreferences(mode, muted)),
    onSuccess: (saved) => queryClient.setQueryData(["preferences", userId], saved),
  });
  const modeError = errorFor(save.error, EMAIL_MODE_KEY);
  const mutedError = errorFor(save.error, EMAIL_MUTED_KEY);
  // Types muted before that this page does not offer (worklist events, say) are kept as they are.
  const offered = new Set(MAILED_EVENT_TYPES.map((t) => t.type));
  return (
    <form
      aria-label="E-mail notifications"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      noValidate
    >
      <fieldset aria-describedby={modeError ? "pref-email-mode-err" : undefined}>
        <legend>E-mail me about changes by others</legend>
        <div className="email-modes">
          {EMAIL_MODES.map((m) => (
            <label key={m.value} className="check">
              <input
                type="radio"
                name="notifications_email"
                value={m.value}
                checked={mode === m.value}
                onChange={() => setMode(m.value)}
              />{" "}
              {m.label} <span className="muted">({m.help})</span>
            </label>
          ))}
        </div>
        <FieldError id="pref-email-mode-err" message={modeError} />
      </fieldset>
      <fieldset aria-describedby={mutedError ? "pref-email-muted-err" : undefined} disabled={mode === "never"}>
        <legend>Never e-mail me about</legend>
        <div className="muted-types">
          {MAILED_EVENT_TYPES.map((t) => (
            <label key={t.type} className="check">
              <input
                type="checkbox"
                name="notifications_email_muted"
                value={t.type}
                checked={muted.includes(t.type)}
                onChange={(e) => setMuted(e.target.checked ? [...muted, t.type] : muted.filter((x) => x !== t.type))}
              />{" "}
              {t.label}
            </label>
          ))}
        </div>
        {muted.some((t) => !offered.has(t)) && (
          <p className="muted">Also kept: {muted.filter((t) => !offered.has(t)).join(", ")}.</p>
        )}
        <FieldError id="pref-email-muted-err" message={mutedError} />
      </fieldset>
      <FieldError id="pref-email-err" message={errorFor(save.error, "*", [EMAIL_MODE_KEY, EMAIL_MUTED_KEY])} />
      <p className="actions">
        <button type="submit" disabled={save.isPending}>
          Save e-mail choices
        </button>
        <span role="status">{save.isSuccess && !save.isPending ? "Saved." : ""}</span>
      </p>
    </form>
  );
}

const PAGE = 50;
const TYPES = [
  { value: "", label: "Everything" },
  { value: "story", label: "Stories" },
  { value: "project", label: "Projects" },
  { value: "project_group", label: "Project groups" },
  { value: "worklist", label: "Worklists" },
  { value: "board", label: "Boards" },
  { value: "task", label: "Tasks" },
];

/** What the reader follows, with a button to stop each. */
function Subscriptions() {
  const [type, setType] = useState("");
  const subs = useInfiniteQuery({
    queryKey: ["subscriptions", type],
    queryFn: ({ pageParam }) =>
      apiPage<Subscription>("/subscriptions", { target_type: type || undefined, sort_field: "id", sort_dir: "desc", limit: PAGE, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => (last.items.length < PAGE ? undefined : pages.length * PAGE),
  });
  const rows = subs.data?.pages.flatMap((p) => p.items) ?? [];
  const total = subs.data?.pages[0]?.total;
  return (
    <section aria-labelledby="subscriptions-title">
      <h3 id="subscriptions-title">What I follow{total !== undefined && total !== null ? ` (${total})` : ""}</h3>
      <p className="muted">
        Commenting on a story, reporting it, being assigned one of its tasks or being mentioned in it subscribes you; unsubscribe
        here or on its page.
      </p>
      <label htmlFor="subscriptions-type">Show</label>{" "}
      <select id="subscriptions-type" value={type} onChange={(e) => setType(e.target.value)} className="short">
        {TYPES.map((t) => (
          <option key={t.value} value={t.value}>
            {t.label}
          </option>
        ))}
      </select>
      {subs.isPending && <p className="muted">Loading…</p>}
      {subs.isError && <p role="alert">{(subs.error as Error).message}</p>}
      {subs.data && rows.length === 0 && <p className="muted">Nothing{type ? " of this kind" : ""} yet.</p>}
      <ul className="subscriptions-list">
        {rows.map((s) => (
          <SubscriptionRow key={s.id} sub={s} />
        ))}
      </ul>
      {subs.hasNextPage && (
        <button type="button" onClick={() => void subs.fetchNextPage()} disabled={subs.isFetchingNextPage}>
          Show more
        </button>
      )}
    </section>
  );
}

interface Named {
  title?: string | null;
  name?: string | null;
  story_id?: number | null;
}

const PATHS: Record<string, string> = {
  story: "stories",
  project: "projects",
  project_group: "project_groups",
  worklist: "worklists",
  task: "tasks",
};

function SubscriptionRow({ sub }: { sub: Subscription }) {
  const queryClient = useQueryClient();
  const base = subscriptionTarget(sub.target_type, sub.target_id);
  const path = PATHS[sub.target_type];
  const target = useQuery({
    queryKey: ["subscription-target", sub.target_type, sub.target_id],
    queryFn: () => get<Named>(`/${path}/${sub.target_id}`),
    enabled: path !== undefined,
    staleTime: 5 * 60_000,
  });
  const stop = useMutation({
    mutationFn: () => api("DELETE", `/subscriptions/${sub.id}`),
    onSuccess: () => {
      queryClient.setQueryData(subscriptionKey(sub.target_type, sub.target_id), null);
      void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
    },
  });
  const name = target.data?.title ?? target.data?.name;
  const label = name ? `${base.label}: ${name}` : base.label;
  const to = sub.target_type === "task" && target.data?.story_id ? `/story/${target.data.story_id}` : base.to;
  const errId = `subscription-${sub.id}-err`;
  return (
    <li>
      <span>{to ? <Link to={to}>{label}</Link> : label}</span>
      <button type="button" onClick={() => stop.mutate()} disabled={stop.isPending} aria-label={`Unsubscribe from ${label}`}
        aria-describedby={stop.error ? errId : undefined}>
        Unsubscribe
      </button>
      <FieldError id={errId} message={stop.error ? (stop.error as Error).message : null} />
    </li>
  );
}
