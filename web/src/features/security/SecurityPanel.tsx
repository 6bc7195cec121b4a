import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, ApiError, get } from "../../api/client";
import { useSearch, useSelf } from "../../api/queries";
import type { Story, StoryUpdate, User } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import {
  auditValue,
  describeAudit,
  embargoState,
  fromLocalInput,
  INFORMATION_TYPES,
  isPrivateType,
  toLocalInput,
  typeLabel,
  type AuditEntry,
  type InformationType,
  type Team,
} from "./security";

interface Named {
  id: number;
  name: string;
}

/** Refresh what a change of visibility touches: the story, its audit log and its timeline. */
function useRefreshStory(storyId: number) {
  const queryClient = useQueryClient();
  return (saved?: Story) => {
    if (saved) queryClient.setQueryData(["story", storyId], saved);
    void queryClient.invalidateQueries({ queryKey: ["story", storyId] });
    void queryClient.invalidateQueries({ queryKey: ["story-audit", storyId] });
    void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
  };
}

function useStoryUpdate(storyId: number) {
  const refresh = useRefreshStory(storyId);
  return useMutation({
    mutationFn: (body: StoryUpdate) => api<Story>("PUT", `/stories/${storyId}`, undefined, body),
    onSuccess: (saved) => refresh(saved),
  });
}

/**
 * Who can see the story and why: public or private, the information type, the embargo, the access
 * list, scheduled disclosure and the audit log. People who can see a story may change all of it
 * (docs/security.md); anonymous visitors only read.
 */
export function SecurityPanel({ story, canEdit }: { story: Story; canEdit: boolean }) {
  const embargo = embargoState(story);
  const type = INFORMATION_TYPES.find((t) => t.value === story.information_type);
  return (
    <section className="security-panel" aria-labelledby="security-title">
      <h2 id="security-title">Privacy &amp; security</h2>
      <p className="security-state">
        <span className={`badge ${story.private ? "badge-private" : ""}`}>{story.private ? "Private" : "Public"}</span>{" "}
        Information type: <strong>{typeLabel(story.information_type)}</strong>
        {type && <span className="muted"> — {type.help}</span>}
      </p>
      {story.embargo_until && (
        <p className={embargo?.tone === "due" ? "embargo due" : "embargo"} role={embargo?.tone === "due" ? "alert" : undefined}>
          Embargo until <Time value={story.embargo_until} />. {embargo?.text}
        </p>
      )}
      {story.disclosure_at && (
        <p className="embargo">
          Scheduled to become public on <Time value={story.disclosure_at} /> at{" "}
          {new Date(story.disclosure_at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}.
        </p>
      )}
      {story.private && <AccessList story={story} canEdit={canEdit} />}
      {canEdit && <TypeEditor key={story.information_type} story={story} />}
      {canEdit && story.private && <EmbargoEditor key={`e${story.embargo_until}`} story={story} />}
      {canEdit && story.private && <DisclosureEditor key={`d${story.disclosure_at}`} story={story} />}
      <AuditLog storyId={story.id} />
    </section>
  );
}

function TypeEditor({ story }: { story: Story }) {
  const [value, setValue] = useState<InformationType>(story.information_type as InformationType);
  const save = useStoryUpdate(story.id);
  const becomesPrivate = !story.private && isPrivateType(value);
  const becomesPublic = story.private && !isPrivateType(value);
  const message = errorFor(save.error, "information_type") ?? errorFor(save.error, "*", ["information_type"]);
  return (
    <form
      className="security-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ information_type: value });
      }}
    >
      <fieldset aria-describedby="info-type-err">
        <legend>Information type</legend>
        {INFORMATION_TYPES.map((t) => (
          <div key={t.value} className="type-choice">
            <label className="check">
              <input type="radio" name="information_type" value={t.value} checked={value === t.value} onChange={() => setValue(t.value)} />{" "}
              {t.label}
            </label>
            <span className="muted">{t.help}</span>
          </div>
        ))}
      </fieldset>
      {becomesPrivate && (
        <p className="muted">Only the access list will see it; with nobody on the list, you are put on it.</p>
      )}
      {becomesPublic && (
        <p className="warning">Everyone will see this story, its tasks, comments and history.</p>
      )}
      <FieldError id="info-type-err" message={message} />
      <button type="submit" disabled={save.isPending || value === story.information_type}>
        Apply information type
      </button>
    </form>
  );
}

function AccessList({ story, canEdit }: { story: Story; canEdit: boolean }) {
  const refresh = useRefreshStory(story.id);
  const self = useSelf();
  const [leaving, setLeaving] = useState(false);
  const change = useMutation({
    mutationFn: ({ kind, id, add }: { kind: "users" | "teams"; id: number; add: boolean }) =>
      api(add ? "PUT" : "DELETE", `/stories/${story.id}/${kind}/${id}`),
    onSuccess: () => refresh(),
    onSettled: () => setLeaving(false),
  });
  const users = (story.users ?? []) as unknown as User[];
  const teams = (story.teams ?? []) as unknown as Named[];
  const message = errorFor(change.error, "users") ?? errorFor(change.error, "teams") ?? errorFor(change.error, "*", ["users", "teams"]);
  return (
    <div className="access-list">
      <h3>Who can see it</h3>
      <ul className="chips" aria-label="People on the access list">
        {users.map((u) => (
          <li key={u.id} className="chip">
            {u.full_name}
            {canEdit && (
              <button
                type="button"
                aria-label={`Remove ${u.full_name} from the access list`}
                disabled={change.isPending}
                onClick={() => {
                  change.reset();
                  // Taking yourself off may cut your own access: ask first.
                  if (u.id === self.data?.id) setLeaving(true);
                  else change.mutate({ kind: "users", id: u.id, add: false });
                }}
              >
                ×
              </button>
            )}
          </li>
        ))}
        {users.length === 0 && <li className="muted">No people</li>}
      </ul>
      <ul className="chips" aria-label="Teams on the access list">
        {teams.map((t) => (
          <li key={t.id} className="chip">
            Team {t.name}
            {canEdit && (
              <button
                type="button"
                aria-label={`Remove team ${t.name} from the access list`}
                disabled={change.isPending}
                onClick={() => change.mutate({ kind: "teams", id: t.id, add: false })}
              >
                ×
              </button>
            )}
          </li>
        ))}
        {teams.length === 0 && <li className="muted">No teams</li>}
      </ul>
      {leaving && self.data && (
        <div className="confirm" role="group" aria-label="Confirm removing yourself">
          <p>Remove yourself? Unless a team you belong to is on the list, you will no longer see this story.</p>
          <button type="button" autoFocus disabled={change.isPending} onClick={() => self.data && change.mutate({ kind: "users", id: self.data.id, add: false })}>
            Yes, remove me
          </button>{" "}
          <button type="button" onClick={() => setLeaving(false)}>
            Cancel
          </button>
        </div>
      )}
      <FieldError id="access-list-err" message={message} />
      {canEdit && (
        <div className="access-pickers">
          <AddPicker<User>
            label="Add a person"
            placeholder="Type a name"
            kind="users"
            present={new Set(users.map((u) => u.id))}
            name={(u) => u.full_name}
            onAdd={(u) => change.mutate({ kind: "users", id: u.id, add: true })}
          />
          <AddPicker<Team>
            label="Add a team"
            placeholder="Type a team name"
            kind="teams"
            present={new Set(teams.map((t) => t.id))}
            name={(t) => `team ${t.name}`}
            onAdd={(t) => change.mutate({ kind: "teams", id: t.id, add: true })}
          />
        </div>
      )}
    </div>
  );
}

function useTeamSearch(q: string) {
  return useQuery({
    queryKey: ["team-search", q],
    queryFn: () => get<Team[]>("/teams", { name: q, limit: 8 }),
    enabled: q.length > 0,
    staleTime: 30_000,
    placeholderData: (previous) => previous,
  });
}

function AddPicker<T extends { id: number }>({
  label,
  placeholder,
  kind,
  present,
  name,
  onAdd,
}: {
  label: string;
  placeholder: string;
  kind: "users" | "teams";
  present: Set<number>;
  name: (item: T) => string;
  onAdd: (item: T) => void;
}) {
  const [q, setQ] = useState("");
  const id = useId();
  const users = useSearch<T>("users", kind === "users" ? q.trim() : "", 8);
  const teams = useTeamSearch(kind === "teams" ? q.trim() : "");
  const results = kind === "users" ? users.data : (teams.data as T[] | undefined);
  const offered = (results ?? []).filter((item) => !present.has(item.id));
  return (
    <div className="picker">
      <label htmlFor={`${id}-q`}>{label}</label>
      <input id={`${id}-q`} type="search" placeholder={placeholder} autoComplete="off" value={q} onChange={(e) => setQ(e.target.value)} />
      {q.trim() && (
        <ul className="options" aria-label={`Matching: ${label.toLowerCase()}`}>
          {offered.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                onClick={() => {
                  onAdd(item);
                  setQ("");
                }}
              >
                Add {name(item)}
              </button>
            </li>
          ))}
          {results && offered.length === 0 && <li className="muted">Nothing else matches.</li>}
        </ul>
      )}
    </div>
  );
}

/** A date and time field with Save and Clear, for `embargo_until` and `disclosure_at`. */
function DateField({
  story,
  field,
  label,
  saveLabel,
  clearLabel,
  help,
}: {
  story: Story;
  field: "embargo_until" | "disclosure_at";
  label: string;
  saveLabel: string;
  clearLabel: string;
  help: string;
}) {
  const [value, setValue] = useState(() => toLocalInput(story[field]));
  const [localError, setLocalError] = useState<ApiError | null>(null);
  const save = useStoryUpdate(story.id);
  const error = localError ?? save.error;
  const inputId = `${field}-input`;
  return (
    <form
      className="security-form"
      onSubmit={(e) => {
        e.preventDefault();
        const iso = fromLocalInput(value);
        if (!iso) {
          setLocalError(new ApiError(400, `Give a date and time, or use “${clearLabel}”.`, field));
          return;
        }
        setLocalError(null);
        save.mutate({ [field]: iso });
      }}
    >
      <label htmlFor={inputId}>{label}</label>
      <p className="muted" id={`${field}-help`}>
        {help}
      </p>
      <div className="inline">
        <input
          id={inputId}
          type="datetime-local"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={!!errorFor(error, field)}
          aria-describedby={`${field}-help ${field}-err`}
        />
        <button type="submit" disabled={save.isPending}>
          {saveLabel}
        </button>
        {story[field] && (
          <button
            type="button"
            disabled={save.isPending}
            onClick={() => {
              setLocalError(null);
              save.mutate({ [field]: null });
            }}
          >
            {clearLabel}
          </button>
        )}
      </div>
      <FieldError id={`${field}-err`} message={errorFor(error, field) ?? errorFor(error, "*", [field])} />
    </form>
  );
}

function EmbargoEditor({ story }: { story: Story }) {
  return (
    <DateField
      story={story}
      field="embargo_until"
      label="Embargo until"
      saveLabel="Set embargo"
      clearLabel="Clear embargo"
      help="Storyline reminds the vulnerability team when it passes; it does not publish the story by itself."
    />
  );
}

function DisclosureEditor({ story }: { story: Story }) {
  const [confirming, setConfirming] = useState(false);
  const refresh = useRefreshStory(story.id);
  const disclose = useMutation({
    mutationFn: () => api<Story>("POST", `/preview/stories/${story.id}/disclose`),
    onSuccess: (saved) => {
      setConfirming(false);
      refresh(saved);
    },
  });
  return (
    <div className="disclosure">
      <DateField
        story={story}
        field="disclosure_at"
        label="Make public at"
        saveLabel="Schedule disclosure"
        clearLabel="Cancel scheduled disclosure"
        help="At that time the story becomes public and the subscribers of its projects are told."
      />
      {confirming ? (
        <div className="confirm" role="group" aria-label="Confirm disclosure">
          <p>Make this story public now? Everyone will see it, with its tasks, comments and history.</p>
          <button type="button" autoFocus disabled={disclose.isPending} onClick={() => disclose.mutate()}>
            Yes, make it public now
          </button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Disclose now…
        </button>
      )}
      <FieldError id="disclose-err" message={errorFor(disclose.error, "*")} />
    </div>
  );
}

function TeamName({ id }: { id: number }) {
  const team = useQuery({ queryKey: ["team", id], queryFn: () => get<Team>(`/teams/${id}`), staleTime: 10 * 60_000 });
  return <span>team {team.data?.name ?? id}</span>;
}

function AuditValue({ field, value }: { field: string | null | undefined; value: unknown }) {
  const ids = Array.isArray(value) ? value : typeof value === "number" ? [value] : null;
  if (ids && ids.length > 0 && (field === "users" || field === "teams")) {
    return (
      <>
        {ids.map((id, i) => (
          <span key={String(id)}>
            {i > 0 && ", "}
            {field === "users" ? <UserName id={Number(id)} link={false} /> : <TeamName id={Number(id)} />}
          </span>
        ))}
      </>
    );
  }
  return <>{auditValue(field, value)}</>;
}

function AuditLog({ storyId }: { storyId: number }) {
  const [open, setOpen] = useState(false);
  const entries = useQuery({
    queryKey: ["story-audit", storyId],
    queryFn: () => api<AuditEntry[]>("GET", `/preview/stories/${storyId}/audit`, { sort_field: "id", sort_dir: "desc", limit: 100 }),
    enabled: open,
  });
  return (
    <details className="audit-log" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Audit log (preview)</summary>
      {entries.isPending && open && <p className="muted">Loading the audit log…</p>}
      {entries.isError && <p role="alert">{(entries.error as Error).message}</p>}
      {entries.data && entries.data.length === 0 && <p className="muted">No visibility change recorded.</p>}
      {entries.data && entries.data.length > 0 && (
        <ol className="events audit-entries" aria-label="Audit log entries">
          {entries.data.map((a) => (
            <li key={a.id} className="event">
              <p className="event-head">
                <strong>{describeAudit(a)}</strong> by{" "}
                {a.actor_id === null ? <span>Storyline</span> : <UserName id={a.actor_id} />} on{" "}
                <time dateTime={a.created_at} title={new Date(a.created_at).toLocaleString()}>
                  {new Date(a.created_at).toLocaleString()}
                </time>
              </p>
              {a.action !== "security_team_added" && (a.old_value !== null || a.new_value !== null) ? (
                <p className="muted">
                  <AuditValue field={a.field} value={a.old_value} /> → <AuditValue field={a.field} value={a.new_value} />
                </p>
              ) : (
                a.new_value !== null && (
                  <p className="muted">
                    <AuditValue field={a.field} value={a.new_value} />
                  </p>
                )
              )}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
