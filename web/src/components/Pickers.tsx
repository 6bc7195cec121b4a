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

/** An option offered before the matching users, such as "Assign to me". */
export type LeadingOption = { label: string; onChoose: () => void };

/**
 * Search users by name and offer one button per matching user.
 * Renders the label, the search box and the list of options (no wrapper), so callers place it in their own markup.
 * With `leading`, the list is always shown and starts with those options; otherwise it appears once a name is typed.
 * `onChoose` gets a `clear` callback that empties the search box, for the caller to call when the choice is done.
 */
export function UserSearch({
  label,
  labelClassName,
  inputId,
  limit,
  offer,
  leading,
  optionText,
  onChoose,
  listLabel,
  noMatch,
  describedBy,
  disabled,
}: {
  label: string;
  labelClassName?: string;
  inputId?: string;
  limit: number;
  offer?: (user: User) => boolean;
  leading?: (query: string) => LeadingOption[];
  optionText: (user: User) => string;
  onChoose: (user: User, clear: () => void) => void;
  listLabel?: string;
  noMatch?: string;
  describedBy?: string;
  disabled?: boolean;
}) {
  const [q, setQ] = useState("");
  const generated = useId();
  const id = inputId ?? `${generated}-q`;
  const query = q.trim();
  const results = useSearch<User>("users", query, limit);
  const offered = offer ? (results.data ?? []).filter(offer) : (results.data ?? []);
  const clear = () => setQ("");
  return (
    <>
      <label htmlFor={id} className={labelClassName}>
        {label}
      </label>
      <input
        id={id}
        type="search"
        placeholder="Type a name"
        autoComplete="off"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        aria-describedby={describedBy}
      />
      {(leading || query) && (
        <ul className="options" aria-label={listLabel}>
          {leading?.(query).map((option) => (
            <li key={option.label}>
              <button type="button" onClick={option.onChoose}>
                {option.label}
              </button>
            </li>
          ))}
          {query &&
            offered.map((u) => (
              <li key={u.id}>
                <button type="button" onClick={() => onChoose(u, clear)} disabled={disabled}>
                  {optionText(u)}
                </button>
              </li>
            ))}
          {query && noMatch && results.data && offered.length === 0 && <li className="muted">{noMatch}</li>}
        </ul>
      )}
    </>
  );
}

/** Choose an assignee: search users, assign yourself, or nobody. */
export function UserPicker({ onPick, label = "Assignee" }: { onPick: (user: User | null) => void; label?: string }) {
  const self = useSelf();
  return (
    <div className="picker">
      <UserSearch
        label={label}
        limit={8}
        leading={() => [
          ...(self.data ? [{ label: "Assign to me", onChoose: () => onPick(self.data ?? null) }] : []),
          { label: "Unassign", onChoose: () => onPick(null) },
        ]}
        optionText={(u) => `Assign to ${u.full_name}`}
        onChoose={(u) => onPick(u)}
      />
    </div>
  );
}
