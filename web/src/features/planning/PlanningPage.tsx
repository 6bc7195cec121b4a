import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import { errorFor, FieldError, TextField } from "../../components/FieldError";
import { ProjectPicker } from "../../components/Pickers";
import type { Project } from "../../api/types";
import { STATUS_LABELS, STORY_STATUSES, TASK_STATUSES } from "../../lib/status";
import { type Board, useProjectGroups, useTeams, type Worklist } from "./api";

/** Boards and worklists the caller may see, and the forms that create them. */
export function PlanningPage() {
  const self = useSelf();
  const loggedIn = !!self.data;
  useEffect(() => {
    document.title = "Planning · Storyline";
  }, []);
  const boards = useQuery({ queryKey: ["planning", "boards"], queryFn: () => get<Board[]>("/boards", { limit: 100 }) });
  const worklists = useQuery({
    queryKey: ["planning", "worklists"],
    queryFn: () => get<Worklist[]>("/worklists", { limit: 100 }),
  });
  return (
    <section className="planning">
      <h1>Planning</h1>
      <div className="planning-grid">
        <section aria-labelledby="boards-title">
          <h2 id="boards-title">Boards</h2>
          {boards.isError && <p role="alert">{(boards.error as Error).message}</p>}
          {boards.data?.length === 0 && <p className="muted">No boards yet.</p>}
          <ul className="plain">
            {boards.data?.map((b) => (
              <li key={b.id}>
                <Link to={`/board/${b.id}`}>{b.title}</Link> {b.private && <span className="badge">private</span>}
              </li>
            ))}
          </ul>
          {loggedIn && <CreateBoard />}
        </section>
        <section aria-labelledby="worklists-title">
          <h2 id="worklists-title">Worklists</h2>
          {worklists.isError && <p role="alert">{(worklists.error as Error).message}</p>}
          {worklists.data?.length === 0 && <p className="muted">No worklists yet.</p>}
          <ul className="plain">
            {worklists.data?.map((w) => (
              <li key={w.id}>
                <Link to={`/worklist/${w.id}`}>{w.title}</Link>{" "}
                <span className="muted">{w.automatic ? "automatic" : "manual"}</span>
              </li>
            ))}
          </ul>
          {loggedIn && <CreateWorklist />}
        </section>
        {loggedIn && <CreateDashboard />}
        <PriorityListsLinks />
      </div>
    </section>
  );
}

function CreateBoard() {
  const navigate = useNavigate();
  const [title, setTitle] = useState("");
  const [lanes, setLanes] = useState("To do\nIn progress\nDone");
  const [isPrivate, setPrivate] = useState(false);
  const create = useMutation({
    mutationFn: async () => {
      const names = lanes.split("\n").map((l) => l.trim()).filter(Boolean);
      const bad = names.find((n) => n.length > 100);
      if (bad) throw new Error(`Lane titles have at most 100 characters: "${bad.slice(0, 20)}…" is longer.`);
      // The board first: when its title is refused, nothing has been created.
      const board = await api<Board>("POST", "/boards", undefined, { title, private: isPrivate });
      const lists = [];
      for (const name of names) {
        lists.push(await api<Worklist>("POST", "/worklists", undefined, { title: name, private: isPrivate }));
      }
      if (lists.length > 0) {
        await api<Board>("PUT", `/boards/${board.id}`, undefined, {
          lanes: lists.map((l, position) => ({ list_id: l.id, position })),
        });
      }
      return board;
    },
    onSuccess: (board) => navigate(`/board/${board.id}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const titleError = errorFor(create.error, "title");
  return (
    <form onSubmit={submit} aria-labelledby="create-board-title" className="planning-form">
      <h3 id="create-board-title">Create a board</h3>
      <TextField id="board-title" label="Board title" value={title} onChange={setTitle} error={titleError} />
      <label htmlFor="board-lanes">Lanes, one per line</label>
      <textarea id="board-lanes" rows={3} value={lanes} onChange={(e) => setLanes(e.target.value)} />
      <label className="check">
        <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate(e.target.checked)} /> Private
      </label>
      <FieldError id="board-err" message={errorFor(create.error, "*", ["title"])} />
      <button type="submit" disabled={create.isPending}>
        Create board
      </button>
    </form>
  );
}

function CreateWorklist() {
  const navigate = useNavigate();
  const [title, setTitle] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const [automatic, setAutomatic] = useState(false);
  const [kind, setKind] = useState<"Story" | "Task">("Task");
  const [projects, setProjects] = useState<Project[]>([]);
  const [statuses, setStatuses] = useState<string[]>([]);
  const [tags, setTags] = useState("");
  const [text, setText] = useState("");
  const create = useMutation({
    mutationFn: () => {
      if (!automatic) return api<Worklist>("POST", "/worklists", undefined, { title, private: isPrivate });
      return api<Worklist>("POST", "/preview/worklists/from_search", undefined, {
        title,
        private: isPrivate,
        type: kind,
        project_id: projects[0]?.id ?? null,
        [kind === "Task" ? "task_status" : "story_status"]: statuses,
        tags: tags.split(",").map((t) => t.trim()).filter(Boolean),
        text: text.trim() || null,
      });
    },
    onSuccess: (wl) => navigate(`/worklist/${wl.id}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const fields = ["title", "project_id", "tags", "text"];
  const titleError = errorFor(create.error, "title");
  const statusChoices: readonly string[] = kind === "Task" ? TASK_STATUSES : STORY_STATUSES;
  return (
    <form onSubmit={submit} aria-labelledby="create-worklist-title" className="planning-form">
      <h3 id="create-worklist-title">Create a worklist</h3>
      <TextField id="worklist-title" label="Worklist title" value={title} onChange={setTitle} error={titleError} />
      <label className="check">
        <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate(e.target.checked)} /> Private
      </label>
      <label className="check">
        <input type="checkbox" checked={automatic} onChange={(e) => setAutomatic(e.target.checked)} /> Automatic: the
        results of a search <span className="badge">preview</span>
      </label>
      {automatic && (
        <fieldset>
          <legend>Search</legend>
          <label htmlFor="search-kind">Holds</label>
          <select
            id="search-kind"
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as "Story" | "Task");
              setStatuses([]);
            }}
          >
            <option value="Task">Tasks</option>
            <option value="Story">Stories</option>
          </select>
          <ProjectPicker
            label="In project"
            value={projects}
            onChange={(p) => setProjects(p.slice(-1))}
            error={errorFor(create.error, "project_id")}
          />
          <fieldset>
            <legend>{kind === "Task" ? "Task status, any of" : "Story status, any of"}</legend>
            {statusChoices.map((st) => (
              <label key={st} className="check">
                <input
                  type="checkbox"
                  checked={statuses.includes(st)}
                  onChange={(e) => setStatuses(e.target.checked ? [...statuses, st] : statuses.filter((x) => x !== st))}
                />{" "}
                {STATUS_LABELS[st] ?? st}
              </label>
            ))}
          </fieldset>
          <label htmlFor="search-tags">Tags, all of (comma separated)</label>
          <input id="search-tags" value={tags} onChange={(e) => setTags(e.target.value)} aria-invalid={!!errorFor(create.error, "tags")} />
          <FieldError id="search-tags-err" message={errorFor(create.error, "tags")} />
          <label htmlFor="search-text">Title contains</label>
          <input id="search-text" value={text} onChange={(e) => setText(e.target.value)} aria-invalid={!!errorFor(create.error, "text")} />
          <FieldError id="search-text-err" message={errorFor(create.error, "text")} />
        </fieldset>
      )}
      <FieldError id="worklist-err" message={errorFor(create.error, "*", fields)} />
      <button type="submit" disabled={create.isPending}>
        Create worklist
      </button>
    </form>
  );
}

function CreateDashboard() {
  const navigate = useNavigate();
  const teams = useTeams();
  const groups = useProjectGroups();
  const [scope, setScope] = useState<"group" | "team">("group");
  const [target, setTarget] = useState("");
  const [staleDays, setStaleDays] = useState("7");
  const [recentDays, setRecentDays] = useState("14");
  const create = useMutation({
    mutationFn: () => {
      if (!target) return Promise.reject(new Error(`Choose a ${scope === "team" ? "team" : "project group"}.`));
      return api<Board>("POST", "/preview/review_dashboards", undefined, {
        [scope === "team" ? "team_id" : "project_group_id"]: Number(target),
        stale_days: Number(staleDays),
        recent_days: Number(recentDays),
      });
    },
    onSuccess: (board) => navigate(`/board/${board.id}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const options = scope === "team" ? (teams.data ?? []) : (groups.data ?? []);
  return (
    <section aria-labelledby="dashboard-title">
      <h2 id="dashboard-title">
        Review dashboard <span className="badge">preview</span>
      </h2>
      <p className="muted">
        One action makes a board with three automatic lanes: tasks needing review, tasks in progress without activity,
        and tasks merged recently.
      </p>
      <form onSubmit={submit} className="planning-form" aria-label="Create a review dashboard">
        <fieldset>
          <legend>For</legend>
          <label className="check">
            <input type="radio" name="dash-scope" checked={scope === "group"} onChange={() => { setScope("group"); setTarget(""); }} /> A
            project group
          </label>
          <label className="check">
            <input type="radio" name="dash-scope" checked={scope === "team"} onChange={() => { setScope("team"); setTarget(""); }} /> A
            team
          </label>
        </fieldset>
        <label htmlFor="dash-target">{scope === "team" ? "Team" : "Project group"}</label>
        <select id="dash-target" value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">Choose…</option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <label htmlFor="dash-stale">Days without activity before work counts as stale</label>
        <input id="dash-stale" type="number" min={1} max={3650} value={staleDays} onChange={(e) => setStaleDays(e.target.value)} aria-invalid={!!errorFor(create.error, "stale_days")} />
        <FieldError id="dash-stale-err" message={errorFor(create.error, "stale_days")} />
        <label htmlFor="dash-recent">Merged within the last (days)</label>
        <input id="dash-recent" type="number" min={1} max={3650} value={recentDays} onChange={(e) => setRecentDays(e.target.value)} aria-invalid={!!errorFor(create.error, "recent_days")} />
        <FieldError id="dash-recent-err" message={errorFor(create.error, "recent_days")} />
        <FieldError id="dash-err" message={errorFor(create.error, "*", ["stale_days", "recent_days"])} />
        <button type="submit" disabled={create.isPending}>
          Create review dashboard
        </button>
      </form>
    </section>
  );
}

function PriorityListsLinks() {
  const navigate = useNavigate();
  const teams = useTeams();
  return (
    <section aria-labelledby="priorities-title">
      <h2 id="priorities-title">
        Priority lists <span className="badge">preview</span>
      </h2>
      <p className="muted">Each project or team keeps an ordered list of priorities per cycle.</p>
      <ProjectPicker
        label="Priority lists of a project"
        value={[]}
        onChange={(projects) => projects[0] && navigate(`/priorities?project_id=${projects[0].id}`)}
      />
      {teams.data && teams.data.length > 0 && (
        <>
          <h3>Of a team</h3>
          <ul className="plain">
            {teams.data.map((t) => (
              <li key={t.id}>
                <Link to={`/priorities?team_id=${t.id}`}>{t.name}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
