import { useId, useState } from "react";
import { useSearch, useSelf } from "../api/queries";
import type { Project, User } from "../api/types";

/** Choose one or several projects by typing part of their name. */
export function ProjectPicker({
  value,
  onChange,
  label = "Projects",
  error,
}: {
  value: Project[];
  onChange: (projects: Project[]) => void;
  label?: string;
  error?: string | null;
}) {
  const [q, setQ] = useState("");
  const id = useId();
  const results = useSearch<Project>("projects", q.trim(), 8);
  const chosen = new Set(value.map((p) => p.id));
  const offered = (results.data ?? []).filter((p) => !chosen.has(p.id));
  return (
    <div className="picker">
      <label htmlFor={`${id}-q`}>{label}</label>
      {value.length > 0 && (
        <ul className="chips" aria-label={`Chosen ${label.toLowerCase()}`}>
          {value.map((p) => (
            <li key={p.id} className="chip">
              {p.name}
              <button type="button" aria-label={`Remove ${p.name}`} onClick={() => onChange(value.filter((x) => x.id !== p.id))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={`${id}-q`}
        type="search"
        placeholder="Type to find a project"
        autoComplete="off"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={error ? `${id}-err` : undefined}
      />
      {q.trim() && (
        <ul className="options" aria-label={`Matching ${label.toLowerCase()}`}>
          {offered.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                onClick={() => {
                  onChange([...value, p]);
                  setQ("");
                }}
              >
                Add {p.name}
              </button>
            </li>
          ))}
          {results.data && offered.length === 0 && <li className="muted">No other project matches.</li>}
        </ul>
      )}
      {error && (
        <p id={`${id}-err`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Choose an assignee: search users, assign yourself, or nobody. */
export function UserPicker({ onPick, label = "Assignee" }: { onPick: (user: User | null) => void; label?: string }) {
  const [q, setQ] = useState("");
  const id = useId();
  const self = useSelf();
  const results = useSearch<User>("users", q.trim(), 8);
  return (
    <div className="picker">
      <label htmlFor={`${id}-q`}>{label}</label>
      <input
        id={`${id}-q`}
        type="search"
        placeholder="Type a name"
        autoComplete="off"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <ul className="options">
        {self.data && (
          <li>
            <button type="button" onClick={() => onPick(self.data ?? null)}>
              Assign to me
            </button>
          </li>
        )}
        <li>
          <button type="button" onClick={() => onPick(null)}>
            Unassign
          </button>
        </li>
        {q.trim() &&
          (results.data ?? []).map((u) => (
            <li key={u.id}>
              <button type="button" onClick={() => onPick(u)}>
                Assign to {u.full_name}
              </button>
            </li>
          ))}
      </ul>
    </div>
  );
}
