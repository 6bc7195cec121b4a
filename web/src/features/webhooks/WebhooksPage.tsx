import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Project, ProjectGroup } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { ProjectPicker } from "../../components/Pickers";
import { Time } from "../../components/Time";
import { type Delivery, eventLabel, eventsLabel, HOOK_EVENT_TYPES, outcomeLabel, scopeLabel, type Webhook, type WebhookWithSecret } from "./webhooks";

const HOOKS = ["webhooks"];
const BODY_STYLE = { whiteSpace: "pre-wrap", overflowWrap: "anywhere", maxWidth: "48rem", maxHeight: "24rem", overflow: "auto" } as const;

/** The JSON body indented for reading (as it was sent when it is not JSON). */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** Outbound webhooks (preview): the caller's hooks (a superuser's: everyone's), adding one (its secret shown
 * once), turning one on or off, rotating its secret, deleting it, and its delivery log with redelivery. */
export function WebhooksPage() {
  const self = useSelf();
  useEffect(() => {
    document.title = "Webhooks · Storyline";
  }, []);
  if (self.isPending) return <p className="muted">Loading…</p>;
  if (!self.data) {
    return (
      <section className="narrow">
        <h1>Webhooks</h1>
        <p>Log in to manage your webhooks.</p>
      </section>
    );
  }
  return (
    <section className="webhooks-page">
      <h1>
        Webhooks <span className="badge">preview</span>
      </h1>
      <p>
        A webhook POSTs a JSON document to your URL for every story event of a project, a project group or (superusers)
        every project, signed with its secret in <code>X-Storyline-Signature-256</code>. It is sent only the stories you
        may see. Members of a team linked to a project may add its hooks.
      </p>
      <CreateHook superuser={self.data.is_superuser} />
      <HookList />
    </section>
  );
}

function CreateHook({ superuser }: { superuser: boolean }) {
  const [url, setUrl] = useState("");
  const [scope, setScope] = useState<"project" | "project_group" | "all">("project");
  const [projects, setProjects] = useState<Project[]>([]);
  const [groupId, setGroupId] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [description, setDescription] = useState("");
  const [created, setCreated] = useState<WebhookWithSecret | null>(null);
  const groups = useQuery({
    queryKey: ["project-groups-all"],
    queryFn: () => get<ProjectGroup[]>("/project_groups", { sort_field: "name" }),
    enabled: scope === "project_group",
  });
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () =>
      api<WebhookWithSecret>("POST", "/preview/webhooks", undefined, {
        url: url.trim(),
        project_id: scope === "project" ? (projects[0]?.id ?? null) : null,
        project_group_id: scope === "project_group" && groupId ? Number(groupId) : null,
        event_types: events.length ? events : null,
        description: description.trim() || null,
      }),
    onSuccess: (hook) => {
      setCreated(hook);
      setUrl("");
      setDescription("");
      void queryClient.invalidateQueries({ queryKey: HOOKS });
    },
  });
  const error = create.error;
  const fields = ["url", "project_id", "project_group_id", "event_types", "description"];
  const toggle = (t: string) => setEvents((list) => (list.includes(t) ? list.filter((x) => x !== t) : [...list, t]));

  return (
    <>
      {created && (
        <section className="token-secret" aria-labelledby="hook-secret-title">
          <h2 id="hook-secret-title">Webhook {created.id}: its secret</h2>
          <p>
            <strong>Copy it now: it is not shown again</strong> (rotate it to get a new one). Check each delivery's{" "}
            <code>X-Storyline-Signature-256</code>: <code>sha256=</code> and the HMAC-SHA256 of the body with this key.
          </p>
          <div className="inline">
            <label htmlFor="hook-secret" className="visually-hidden">
              The secret
            </label>
            <input id="hook-secret" readOnly value={created.secret} onFocus={(e) => e.target.select()} />
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </section>
      )}
      <form
        className="create-hook"
        aria-labelledby="create-hook-title"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <h2 id="create-hook-title">Add a webhook</h2>
        <label htmlFor="hook-url">URL</label>
        <input
          id="hook-url"
          type="url"
          value={url}
          placeholder="https://ci.example.org/storyline"
          onChange={(e) => setUrl(e.target.value)}
          aria-invalid={!!errorFor(error, "url")}
          aria-describedby="hook-url-err"
          required
        />
        <FieldError id="hook-url-err" message={errorFor(error, "url")} />
        <label htmlFor="hook-scope">Events of</label>
        <select id="hook-scope" value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
          <option value="project">a project</option>
          <option value="project_group">a project group</option>
          {superuser && <option value="all">every project (superusers)</option>}
        </select>
        {scope === "project" && (
          <ProjectPicker
            label="Project"
            value={projects}
            onChange={(list) => setProjects(list.slice(-1))}
            error={errorFor(error, "project_id")}
          />
        )}
        {scope === "project_group" && (
          <>
            <label htmlFor="hook-group">Project group</label>
            <select id="hook-group" value={groupId} onChange={(e) => setGroupId(e.target.value)} aria-describedby="hook-group-err">
              <option value="">Choose a group</option>
              {(groups.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.title || g.name}
                </option>
              ))}
            </select>
            <FieldError id="hook-group-err" message={errorFor(error, "project_group_id")} />
          </>
        )}
        <fieldset style={{ columns: "15rem" }}>
          <legend>Event types (none chosen: every story event)</legend>
          {HOOK_EVENT_TYPES.map((t) => (
            <label key={t} className="checkbox">
              <input type="checkbox" checked={events.includes(t)} onChange={() => toggle(t)} /> {eventLabel(t)}
            </label>
          ))}
        </fieldset>
        <FieldError id="hook-events-err" message={errorFor(error, "event_types")} />
        <label htmlFor="hook-description">Description</label>
        <input id="hook-description" value={description} maxLength={255} onChange={(e) => setDescription(e.target.value)} />
        <FieldError id="create-hook-err" message={errorFor(error, "*", fields)} />
        <p>
          <button type="submit" disabled={create.isPending}>
            Add webhook
          </button>
        </p>
      </form>
    </>
  );
}

function HookList() {
  const hooks = useQuery({ queryKey: HOOKS, queryFn: () => get<Webhook[]>("/preview/webhooks") });
  const projects = useQuery({ queryKey: ["projects-names"], queryFn: () => get<Project[]>("/projects"), staleTime: 60_000 });
  const groups = useQuery({ queryKey: ["project-groups-all"], queryFn: () => get<ProjectGroup[]>("/project_groups", { sort_field: "name" }) });
  const names = new Map<string, string>([
    ...(projects.data ?? []).map((p): [string, string] => [`p${p.id}`, p.name]),
    ...(groups.data ?? []).map((g): [string, string] => [`g${g.id}`, g.name]),
  ]);
  return (
    <section aria-labelledby="hook-list-title">
      <h2 id="hook-list-title">Your webhooks</h2>
      {hooks.isPending && <p className="muted">Loading webhooks…</p>}
      {hooks.isError && <p role="alert">{(hooks.error as Error).message}</p>}
      {hooks.data && hooks.data.length === 0 && <p className="muted">No webhooks yet.</p>}
      <ul className="hooks">
        {(hooks.data ?? []).map((h) => (
          <HookItem key={h.id} hook={h} names={names} />
        ))}
      </ul>
    </section>
  );
}

function HookItem({ hook, names }: { hook: Webhook; names: Map<string, string> }) {
  const [showLog, setShowLog] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: HOOKS });
  const toggle = useMutation({
    mutationFn: () => api<Webhook>("PUT", `/preview/webhooks/${hook.id}`, undefined, { active: !hook.active }),
    onSuccess: refresh,
  });
  const rotate = useMutation({
    mutationFn: () => api<WebhookWithSecret>("POST", `/preview/webhooks/${hook.id}/secret`),
    onSuccess: (h) => setSecret(h.secret),
  });
  const remove = useMutation({ mutationFn: () => api("DELETE", `/preview/webhooks/${hook.id}`), onSuccess: refresh });
  const error = toggle.error ?? rotate.error ?? remove.error;
  return (
    <li className="hook">
      <p>
        <strong>{hook.url}</strong> <span className={`badge ${hook.active ? "" : "hook-off"}`}>{hook.active ? "on" : "off"}</span>
        {hook.description && <span className="muted"> · {hook.description}</span>}
      </p>
      <p className="muted">
        {eventsLabel(hook.event_types)} of {scopeLabel(hook, names)} · added <Time value={hook.created_at} />
        {hook.failures > 0 && ` · ${hook.failures} failed request(s) in a row`}
      </p>
      {!hook.active && hook.disabled_reason && (
        <p role="status">
          Turned off <Time value={hook.disabled_at} />: {hook.disabled_reason}
        </p>
      )}
      {secret && (
        <p className="token-secret">
          New secret (copy it now): <code>{secret}</code>{" "}
          <button type="button" className="link" onClick={() => setSecret(null)}>
            Hide
          </button>
        </p>
      )}
      <p className="inline">
        <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
          {hook.active ? "Turn off" : "Turn on"}
        </button>
        <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
          Rotate secret
        </button>
        <button type="button" onClick={() => setShowLog((v) => !v)} aria-expanded={showLog}>
          {showLog ? "Hide deliveries" : "Deliveries"}
        </button>
        {confirming ? (
          <>
            <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending}>
              Delete it and its log
            </button>
            <button type="button" className="link" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Delete…
          </button>
        )}
      </p>
      <FieldError id={`hook-${hook.id}-err`} message={errorFor(error, "*")} />
      {showLog && <DeliveryLog hookId={hook.id} active={hook.active} />}
    </li>
  );
}

function DeliveryLog({ hookId, active }: { hookId: number; active: boolean }) {
  const key = ["webhook-deliveries", hookId];
  const log = useQuery({
    queryKey: key,
    queryFn: () => get<Delivery[]>(`/preview/webhooks/${hookId}/deliveries`, { sort_dir: "desc", limit: 50 }),
  });
  const [open, setOpen] = useState<number | null>(null);
  const queryClient = useQueryClient();
  const redeliver = useMutation({
    mutationFn: (id: number) => api<Delivery>("POST", `/preview/webhooks/${hookId}/deliveries/${id}/redeliver`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: key }),
  });
  if (log.isPending) return <p className="muted">Loading deliveries…</p>;
  if (log.isError) return <p role="alert">{(log.error as Error).message}</p>;
  if (log.data.length === 0) return <p className="muted">No deliveries yet.</p>;
  return (
    <div className="tokens-scroll">
      <table className="deliveries">
        <caption className="visually-hidden">The newest 50 deliveries</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Story</th>
            <th scope="col">Outcome</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {log.data.map((d) => (
            <tr key={d.id}>
              <td>
                <Time value={d.attempted_at ?? d.created_at} />
              </td>
              <td>{eventLabel(d.event_type)}</td>
              <td>{d.story_id !== null && <a href={`/story/${d.story_id}`}>{d.story_id}</a>}</td>
              <td className={`delivery-${d.status}`}>
                {outcomeLabel(d)}
                {open === d.id && (
                  <pre className="delivery-body" style={BODY_STYLE} aria-label={`Request body of delivery ${d.guid}`}>
                    {pretty(d.request_body)}
                  </pre>
                )}
              </td>
              <td className="inline">
                <button type="button" className="link" onClick={() => setOpen(open === d.id ? null : d.id)}>
                  {open === d.id ? "Hide body" : "Body"}
                </button>
                {d.status !== "pending" && active && (
                  <button type="button" onClick={() => redeliver.mutate(d.id)} disabled={redeliver.isPending}>
                    Redeliver
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FieldError id={`hook-${hookId}-log-err`} message={errorFor(redeliver.error, "*")} />
    </div>
  );
}
