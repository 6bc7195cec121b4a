import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { get } from "../../api/client";
import type { BulkChange, Story, Task } from "../../api/types";
import { ProjectName } from "../../components/ProjectName";
import { StatusBadge } from "../../components/StatusBadge";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { assigneesByStory, taskProgress } from "../../lib/storylist";
import { COLUMN_HEADINGS, shownColumns } from "../search/columns";
import type { ViewColumn } from "../search/savedViews";
import { ProjectOption } from "./BulkPlace";
import { ApplyChoice, type Bulk, BulkTable, SelectableRow, STATUS_OPTIONS, TaskChanges, useBulkList } from "./bulk";

/** The tasks of the stories on screen, in one request (v1 /tasks with several story_id). */
function usePageTasks(ids: number[]) {
  return useQuery({
    queryKey: ["story-list-tasks", ids],
    queryFn: () => get<Task[]>("/tasks", { story_id: ids, limit: 1000, sort_field: "id" }),
    enabled: ids.length > 0,
    placeholderData: (previous) => previous,
  });
}

/** A dense story list: number, title with privacy markers, status, task progress, assignees, tags,
 * last update (or the columns of a saved view). With `selectable`, rows have checkboxes (click,
 * shift-click, x on the focused row) and a bar changes the selected stories' tags, their tasks' status,
 * assignee, project, branch or milestone. */
export function StoryTable({
  stories,
  busy,
  selectable = false,
  columns,
}: {
  stories: Story[];
  busy: boolean;
  selectable?: boolean;
  columns?: ViewColumn[] | null;
}) {
  const navigate = useNavigate();
  const ids = useMemo(() => stories.map((s) => s.id), [stories]);
  const tasks = usePageTasks(ids);
  const assignees = useMemo(() => assigneesByStory(tasks.data ?? []), [tasks.data]);
  const projects = useMemo(() => {
    const byStory = new Map<number, number[]>();
    for (const t of tasks.data ?? []) {
      const list = byStory.get(t.story_id) ?? [];
      if (!list.includes(t.project_id)) list.push(t.project_id);
      byStory.set(t.story_id, list);
    }
    return byStory;
  }, [tasks.data]);
  const list = useBulkList(ids, ["story-search", "listing", "story-list-tasks"]);
  const cols = shownColumns(columns);
  const cell = (s: Story, col: ViewColumn) => {
    switch (col) {
      case "id":
        return <td key={col}>{s.id}</td>;
      case "title":
        return (
          <td key={col}>
            <Link to={`/story/${s.id}`}>{s.title}</Link>
            {s.security && <span className="badge badge-private" title="Security issue">security</span>}
            {s.private && <span className="badge badge-private" title="Only the people and teams on its access list see it">private</span>}
            <button type="button" className="visually-hidden" data-nav-edit tabIndex={-1} onClick={() => navigate(`/story/${s.id}?edit=1`)}>
              Edit {s.title}
            </button>
          </td>
        );
      case "status":
        return (
          <td key={col}>
            <StatusBadge status={s.status} />
          </td>
        );
      case "progress": {
        const progress = taskProgress(s.task_statuses);
        return (
          <td key={col} className="progress-cell">
            {progress.total > 0 ? (
              <span className="progress" role="img" aria-label={`Tasks done: ${progress.done} of ${progress.total}`}>
                <span className="progress-bar">
                  <span style={{ width: `${(100 * progress.done) / progress.total}%` }} />
                </span>
                {progress.done}/{progress.total}
              </span>
            ) : (
              <span className="muted">—</span>
            )}
          </td>
        );
      }
      case "assignees": {
        const people = assignees.get(s.id) ?? [];
        return (
          <td key={col} className="assignees">
            {people.length === 0 ? (
              <span className="muted">{tasks.data ? "—" : ""}</span>
            ) : (
              <>
                {people.slice(0, 2).map((id, i) => (
                  <span key={id}>
                    {i > 0 && ", "}
                    <UserName id={id} />
                  </span>
                ))}
                {people.length > 2 && <span className="muted"> +{people.length - 2}</span>}
              </>
            )}
          </td>
        );
      }
      case "tags":
        return (
          <td key={col} className="tag-cell">
            {(s.tags ?? []).map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))}
          </td>
        );
      case "updated":
        return (
          <td key={col}>
            <Time value={s.updated_at ?? s.created_at} />
          </td>
        );
      case "created":
        return (
          <td key={col}>
            <Time value={s.created_at} />
          </td>
        );
      case "project": {
        const ps = projects.get(s.id) ?? [];
        return (
          <td key={col} className="project-cell">
            {ps.length === 0 ? (
              <span className="muted">{tasks.data ? "—" : ""}</span>
            ) : (
              ps.slice(0, 3).map((p, i) => (
                <span key={p}>
                  {i > 0 && ", "}
                  <ProjectName id={p} />
                </span>
              ))
            )}
            {ps.length > 3 && <span className="muted"> +{ps.length - 3}</span>}
          </td>
        );
      }
      case "creator":
        return (
          <td key={col}>
            <UserName id={s.creator_id} />
          </td>
        );
    }
  };
  return (
    <BulkTable
      list={list}
      selectable={selectable}
      bar={() => <BulkBar stories={stories.filter((s) => list.shown.has(s.id))} tasks={tasks.data ?? []} onClear={list.clear} bulk={list.bulk} />}
      className={columns && columns.length > 0 ? "stories dense chosen-columns" : "stories dense"}
      busy={busy}
      allLabel="Select every story on this page"
      headings={cols.map((c) => (
        <th key={c} scope="col">
          {COLUMN_HEADINGS[c]}
        </th>
      ))}
    >
      {stories.map((s, index) => (
        <SelectableRow key={s.id} list={list} selectable={selectable} index={index} id={s.id} label={s.title} selectLabel={`Select #${s.id} ${s.title}`}>
          {cols.map((c) => cell(s, c))}
        </SelectableRow>
      ))}
    </BulkTable>
  );
}

/** One change to the selected stories (their tags) or to their tasks (status, assignee, project, branch,
 * milestone; of every project, or of the one chosen under "Their tasks on"), in one all-or-nothing request
 * (POST /preview/bulk); each refused item is reported with its reason. */
function BulkBar({ stories, tasks, onClear, bulk }: { stories: Story[]; tasks: Task[]; onClear: () => void; bulk: Bulk }) {
  const [tag, setTag] = useState("");
  const [onProject, setOnProject] = useState("");
  const busy = bulk.busy;
  const storyIds = stories.map((s) => s.id);
  const theirs = tasks.filter((t) => storyIds.includes(t.story_id));
  const projects = [...new Set(theirs.map((t) => t.project_id))];
  const projectId = onProject && projects.includes(Number(onProject)) ? Number(onProject) : null;
  const chosen = projectId === null ? theirs : theirs.filter((t) => t.project_id === projectId);
  const run = (change: BulkChange) =>
    void bulk.run({ stories: storyIds, change, ...(projectId !== null && !("add_tags" in change || "remove_tags" in change) ? { project_id: projectId } : {}) });

  return (
    <section className="bulk-bar" aria-label="Change the selected stories">
      <strong>
        {stories.length} selected {stories.length === 1 ? "story" : "stories"}
      </strong>{" "}
      <span className="muted">({chosen.length} tasks)</span>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (tag.trim()) run({ add_tags: [tag.trim()] });
        }}
      >
        <label htmlFor="bulk-tag" className="visually-hidden">
          Tag
        </label>
        <input id="bulk-tag" placeholder="Tag" value={tag} onChange={(e) => setTag(e.target.value)} className="short" />
        <button type="submit" disabled={busy || !tag.trim()}>
          Add tag
        </button>
        <button type="button" disabled={busy || !tag.trim()} onClick={() => run({ remove_tags: [tag.trim()] })}>
          Remove tag
        </button>
      </form>
      {projects.length > 1 && (
        <div className="inline">
          <label htmlFor="bulk-on-project">Their tasks on</label>
          <select id="bulk-on-project" value={projectId ?? ""} onChange={(e) => setOnProject(e.target.value)}>
            <option value="">every project</option>
            {projects.map((p) => (
              <ProjectOption key={p} id={p} />
            ))}
          </select>
        </div>
      )}
      <TaskChanges
        tasks={chosen}
        bulk={bulk}
        run={run}
        onClear={onClear}
        assign={{ button: "Assign their tasks…", label: "Assign the selected stories' tasks to", disabled: chosen.length === 0 }}
        placeKey={projectId ?? "all"}
      >
        <ApplyChoice
          id="bulk-status"
          label="Status of their tasks"
          placeholder="Set their tasks to…"
          options={STATUS_OPTIONS}
          button="Apply status"
          disabled={busy || chosen.length === 0}
          onApply={(v) => run({ status: v as BulkChange["status"] })}
        />
      </TaskChanges>
    </section>
  );
}
