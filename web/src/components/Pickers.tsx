import { type ReactNode, useId, useState } from "react";
import { useSearch, useSelf } from "../api/queries";
import type { Project, User } from "../api/types";

/** An option offered before the matching items, such as "Assign to me". */
export type LeadingOption = { label: string; onChoose: () => void };

/** What a search picker takes, whatever it searches (projects, users). */
interface SearchProps<T> {
  label: string;
  labelClassName?: string;
  inputId?: string;
  inputClassName?: string;
  limit?: number;
  offer?: (item: T) => boolean;
  leading?: (query: string) => LeadingOption[];
  optionText: (item: T) => string;
  onChoose: (item: T, clear: () => void) => void;
  listLabel?: string;
  noMatch?: string;
  describedBy?: string;
  invalid?: boolean;
  disabled?: boolean;
  /** Shown between the label and the search box: what is chosen already. */
  chosen?: ReactNode;
  /** No search box (nor options) while true, as when the one choice is made. */
  closed?: boolean;
}

/**
 * Search projects or users by name and offer one button per match (those `offer` keeps).
 * Renders the label, `chosen`, the search box and the list of options (no wrapper), so callers place it in their
 * own markup. With `leading`, the list is always shown and starts with those options; otherwise it appears once a
 * name is typed. `onChoose` gets a `clear` callback that empties the search box, for the caller to call when the
 * choice is done.
 */
function NameSearch<T extends { id: number }>({
  kind,
  placeholder,
  label,
  labelClassName,
  inputId,
  inputClassName,
  limit = 8,
  offer,
  leading,
  optionText,
  onChoose,
  listLabel,
  noMatch,
  describedBy,
  invalid,
  disabled,
  chosen,
  closed = false,
}: SearchProps<T> & { kind: "projects" | "users"; placeholder: string }) {
  const [q, setQ] = useState("");
  const generated = useId();
  const id = inputId ?? `${generated}-q`;
  const query = q.trim();
  const results = useSearch<T>(kind, query, limit);
  const offered = offer ? (results.data ?? []).filter(offer) : (results.data ?? []);
  const clear = () => setQ("");
  return (
    <>
      <label htmlFor={id} className={labelClassName}>
        {label}
      </label>
      {chosen}
      {!closed && (
        <input
          id={id}
          type="search"
          className={inputClassName}
          placeholder={placeholder}
          autoComplete="off"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          aria-invalid={invalid}
          aria-describedby={describedBy}
        />
      )}
      {!closed && (leading || query) && (
        <ul className="options" aria-label={listLabel}>
          {leading?.(query).map((option) => (
            <li key={option.label}>
              <button type="button" onClick={option.onChoose}>
                {option.label}
              </button>
            </li>
          ))}
          {query &&
            offered.map((item) => (
              <li key={item.id}>
                <button type="button" onClick={() => onChoose(item, clear)} disabled={disabled}>
                  {optionText(item)}
                </button>
              </li>
            ))}
          {query && noMatch && results.data && offered.length === 0 && <li className="muted">{noMatch}</li>}
        </ul>
      )}
    </>
  );
}

/** Search projects by name: one button per matching project (see NameSearch). */
export function ProjectSearch(props: SearchProps<Project> & { placeholder?: string }) {
  return <NameSearch<Project> kind="projects" placeholder="Type to find a project" {...props} />;
}

/** Search users by name: one button per matching user (see NameSearch). */
export function UserSearch(props: SearchProps<User> & { limit: number }) {
  return <NameSearch<User> kind="users" placeholder="Type a name" {...props} />;
}

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
  const id = useId();
  const chosen = new Set(value.map((p) => p.id));
  return (
    <div className="picker">
      <ProjectSearch
        label={label}
        chosen={
          value.length > 0 && (
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
          )
        }
        offer={(p) => !chosen.has(p.id)}
        optionText={(p) => `Add ${p.name}`}
        onChoose={(p, clear) => {
          onChange([...value, p]);
          clear();
        }}
        listLabel={`Matching ${label.toLowerCase()}`}
        noMatch="No other project matches."
        invalid={!!error}
        describedBy={error ? `${id}-err` : undefined}
      />
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
