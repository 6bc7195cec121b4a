import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api } from "../../api/client";
import { errorFor, FieldError } from "../../components/FieldError";
import {
  EVENT_LABELS,
  EVENT_TYPES,
  isOn,
  PAGE_SIZE_KEYS,
  type PageSizeKey,
  pageSizeError,
  type Preferences,
} from "./prefs";
import { usePreferences } from "./usePreferences";
import { PreferencesNotifications } from "../notifications/PreferencesNotifications";

const SIZE_KEYS = Object.keys(PAGE_SIZE_KEYS) as PageSizeKey[];

/** The logged-in user's list page sizes and the event types their story timelines show; then their
 * notification choices (e-mail, what they follow). */
export function PreferencesPage() {
  const prefs = usePreferences();
  useEffect(() => {
    document.title = "Preferences · Storyline";
  }, []);
  if (prefs.settled && prefs.userId === undefined) {
    return (
      <section className="narrow">
        <h1>Preferences</h1>
        <p>Log in to set your preferences.</p>
      </section>
    );
  }
  if (prefs.query.isError) {
    return (
      <section className="narrow">
        <h1>Preferences</h1>
        <p role="alert">{(prefs.query.error as Error).message}</p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Preferences</h1>
      {prefs.data && prefs.userId !== undefined ? (
        <>
          <PreferencesForm userId={prefs.userId} stored={prefs.data} />
          <PreferencesNotifications userId={prefs.userId} stored={prefs.data} />
        </>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}

function PreferencesForm({ userId, stored }: { userId: number; stored: Preferences }) {
  const [sizes, setSizes] = useState<Record<string, string>>(() =>
    Object.fromEntries(SIZE_KEYS.map((k) => [k, String(stored[k] ?? "")])),
  );
  const [events, setEvents] = useState<Record<string, boolean>>(() =>
    Object.fromEntries(EVENT_TYPES.map((t) => [t, stored[`display_events_${t}`] === undefined || isOn(stored[`display_events_${t}`])])),
  );
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (body: Preferences) => api<Preferences>("POST", `/users/${userId}/preferences`, undefined, body),
    onSuccess: (saved) => queryClient.setQueryData(["preferences", userId], saved),
  });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    for (const key of SIZE_KEYS) {
      const message = pageSizeError(PAGE_SIZE_KEYS[key], sizes[key] ?? "");
      if (message) errors[key] = message;
    }
    setInvalid(errors);
    if (Object.keys(errors).length > 0) return;
    const body: Preferences = {};
    for (const key of SIZE_KEYS) body[key] = Number(sizes[key]);
    for (const t of EVENT_TYPES) body[`display_events_${t}`] = events[t] ?? true;
    save.mutate(body);
  };
  return (
    <form onSubmit={submit} aria-label="Preferences" noValidate>
      <fieldset>
        <legend>List sizes</legend>
        {SIZE_KEYS.map((key) => (
          <div key={key}>
            <label htmlFor={`pref-${key}`}>{PAGE_SIZE_KEYS[key]}</label>
            <input
              id={`pref-${key}`}
              inputMode="numeric"
              className="short"
              value={sizes[key] ?? ""}
              onChange={(e) => setSizes({ ...sizes, [key]: e.target.value })}
              aria-invalid={!!(invalid[key] ?? errorFor(save.error, key))}
              aria-describedby={`pref-${key}-err`}
            />
            <FieldError id={`pref-${key}-err`} message={invalid[key] ?? errorFor(save.error, key)} />
          </div>
        ))}
      </fieldset>
      <fieldset>
        <legend>Events shown in a story's timeline</legend>
        {EVENT_TYPES.map((t) => (
          <label key={t} className="check">
            <input
              type="checkbox"
              checked={events[t] ?? true}
              onChange={(e) => setEvents({ ...events, [t]: e.target.checked })}
            />{" "}
            {EVENT_LABELS[t] ?? t}
          </label>
        ))}
      </fieldset>
      <FieldError id="pref-err" message={errorFor(save.error, "*", [...SIZE_KEYS])} />
      <p className="actions">
        <button type="submit" disabled={save.isPending}>
          Save preferences
        </button>
        <span role="status">{save.isSuccess && !save.isPending ? "Saved." : ""}</span>
      </p>
    </form>
  );
}
