import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { get } from "../../api/client";
import type { Task } from "../../api/types";
import { groupByStatus, STATUS_LABELS } from "../../lib/status";

/** A user's assigned tasks (shared with the home page's live updates, HomeLive). */
export const userTasks = (userId: number) => ({
  queryKey: ["user-tasks", userId],
  queryFn: () => get<Task[]>("/tasks", { assignee_id: userId, sort_field: "updated_at", sort_dir: "desc", limit: 500 }),
});

/** A user's assigned tasks grouped by status (done ones last). */
export function UserTasks({ userId, title }: { userId: number; title: string }) {
  const tasks = useQuery(userTasks(userId));
  return (
    <section aria-labelledby={`tasks-${userId}`}>
      <h2 id={`tasks-${userId}`}>{title}</h2>
      {tasks.isPending && <p className="muted">Loading…</p>}
      {tasks.isError && <p role="alert">{(tasks.error as Error).message}</p>}
      {tasks.data?.length === 0 && <p className="muted">No tasks assigned.</p>}
      {tasks.data &&
        groupByStatus(tasks.data).map((group) => (
          <section key={group.status} aria-label={STATUS_LABELS[group.status] ?? group.status} className="status-group">
            <h3>
              {STATUS_LABELS[group.status] ?? group.status} <span className="muted">({group.items.length})</span>
            </h3>
            <ul className="plain">
              {group.items.map((t) => (
                <li key={t.id} data-nav-item tabIndex={-1}>
                  <Link to={`/story/${t.story_id}`}>{t.title}</Link> <span className="muted">story #{t.story_id}</span>
                </li>
              ))}
            </ul>
          </section>
        ))}
    </section>
  );
}
