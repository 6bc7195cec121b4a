// An automatic worklist's query criterion (field "Query", docs/planning.md "A query as a filter"), changed by those
// who may edit the list: PUT /v1/worklists/{id}/filters/{fid} with `q` replaces that criterion only. A lane made
// from a saved view keeps its query; this is where it changes.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { errorFor, FieldError } from "../../components/FieldError";
import { type Filter, worklistKey } from "./api";
import { MAX_LANE_QUERY } from "./lanes";

export const QUERY_FIELD = "Query";

/** The query criterion of a filter, if it has one. */
export function queryOf(filter: Filter): string | null {
  return filter.filter_criteria.find((c) => c.field === QUERY_FIELD)?.value ?? null;
}

export function QueryFilterEdit({ listId, filter }: { listId: number; filter: Filter }) {
  const queryClient = useQueryClient();
  const current = queryOf(filter) ?? "";
  const [q, setQ] = useState(current);
  const [saved, setSaved] = useState(false);
  const id = `filter-${filter.id}-q`;
  const save = useMutation({
    mutationFn: () => {
      const clean = q.trim();
      if (!clean) return Promise.reject(new Error("A query is needed: an empty one would match every story."));
      if (clean.length > MAX_LANE_QUERY) return Promise.reject(new Error(`A list's query has at most ${MAX_LANE_QUERY} characters.`));
      return api<Filter>("PUT", `/worklists/${listId}/filters/${filter.id}`, undefined, { q: clean });
    },
    onSuccess: async () => {
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: worklistKey(listId) });
      await queryClient.invalidateQueries({ queryKey: ["planning", "board"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    save.mutate();
  };
  const error = errorFor(save.error, "*") ?? null;
  return (
    <form className="planning-form" onSubmit={submit} aria-label="Change the query">
      <label htmlFor={id}>Query ({filter.type === "Task" ? "tasks of the stories matching it" : "stories matching it"})</label>
      <input
        id={id}
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setSaved(false);
        }}
        aria-invalid={!!error}
        aria-describedby={error ? `${id}-err` : undefined}
        spellCheck={false}
      />
      <FieldError id={`${id}-err`} message={error} />
      <button type="submit" disabled={save.isPending || q.trim() === current}>
        Save query
      </button>
      {saved && !save.isPending && (
        <p role="status" className="muted">
          Saved: the items are those matching the new query.
        </p>
      )}
    </form>
  );
}
