import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import { errorFor, FieldError } from "../../components/FieldError";
import type { Preferences } from "../preferences/prefs";
import { usePreferences } from "../preferences/usePreferences";
import { savedViews, viewChange } from "./savedViews";

/** The reader's saved views (open, delete) and a form to save the current query as one. */
export function SavedViews({ query, onOpen }: { query: string; onOpen: (q: string) => void }) {
  const prefs = usePreferences();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const views = savedViews(prefs.data);
  const change = useMutation({
    mutationFn: (body: Record<string, string | null>) => api<Preferences>("POST", `/users/${prefs.userId}/preferences`, undefined, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(["preferences", prefs.userId], saved);
      setName("");
    },
  });
  const send = (viewName: string, q: string | null) => {
    const body = viewChange(viewName, q);
    setProblem(typeof body === "string" ? body : null);
    if (typeof body !== "string") change.mutate(body);
  };
  return (
    <section aria-labelledby="saved-views-title" className="saved-views">
      <h2 id="saved-views-title" className="visually-hidden">
        Saved views
      </h2>
      {views.length > 0 && <ul className="chips" aria-label="Saved views">
        {views.map((v) => (
          <li key={v.name} className={`chip${v.query === query ? " current" : ""}`}>
            <button type="button" className="link" onClick={() => onOpen(v.query)} title={v.query} aria-current={v.query === query ? "true" : undefined}>
              {v.name}
            </button>
            <button type="button" aria-label={`Delete the view ${v.name}`} onClick={() => send(v.name, null)}>
              ×
            </button>
          </li>
        ))}
      </ul>}
      <form
        className="inline save-view"
        onSubmit={(e) => {
          e.preventDefault();
          send(name, query);
        }}
      >
        <label htmlFor="view-name" className="visually-hidden">
          Name of the view
        </label>
        <input id="view-name" placeholder="Name this view" value={name} onChange={(e) => setName(e.target.value)} aria-describedby="view-err" />
        <button type="submit" disabled={change.isPending || !query}>
          Save view
        </button>
        <FieldError id="view-err" message={problem ?? errorFor(change.error, "*")} />
      </form>
    </section>
  );
}
