import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { components } from "../../api/schema";
import type { Task } from "../../api/types";

export type LinkedChange = components["schemas"]["LinkedChangeOut"];

const STATE_LABELS: Record<string, string> = { open: "Open", merged: "Merged", abandoned: "Abandoned" };

/** "Code-Review +2, Verified -1": per label, the lowest vote when one is negative, else the highest. */
export function votesSummary(votes: LinkedChange["votes"]): string {
  return Object.entries(votes)
    .map(([label, by]) => {
      const values = Object.values(by);
      if (values.length === 0) return null;
      const min = Math.min(...values);
      const shown = min < 0 ? min : Math.max(...values);
      return `${label} ${shown > 0 ? "+" : ""}${shown}`;
    })
    .filter((v): v is string => v !== null)
    .join(", ");
}

export function changeLabel(c: Pick<LinkedChange, "kind" | "repository" | "number" | "key">): string {
  if (c.number === null) return `${c.repository}@${c.key.slice(0, 10)}`;
  if (c.kind === "github") return `${c.repository}#${c.number}`;
  if (c.kind === "gitlab") return `${c.repository}!${c.number}`;
  return `${c.repository} ${c.number}`;
}

/** The code review changes linked to a story (preview API), under its tasks: state, branch, owner,
 * votes, CI result and link. Nothing is shown when no change refers to the story. */
export function LinkedChanges({ storyId, tasks }: { storyId: number; tasks: Task[] }) {
  const changes = useQuery({
    queryKey: ["story-changes", storyId],
    queryFn: () => get<LinkedChange[]>(`/preview/stories/${storyId}/changes`),
    staleTime: 30_000,
  });
  if (!changes.data || changes.data.length === 0) return null;
  const titles = new Map(tasks.map((t) => [t.id, t.title]));
  return (
    <section aria-labelledby="changes-title" className="linked-changes">
      <h3 id="changes-title">
        Code review <span className="badge">preview</span>
      </h3>
      <ul>
        {changes.data.map((c) => {
          const votes = votesSummary(c.votes);
          const task = c.task_id !== null ? titles.get(c.task_id) : undefined;
          return (
            <li key={c.id}>
              {c.url ? <a href={c.url}>{changeLabel(c)}</a> : changeLabel(c)} {c.title}{" "}
              <span className={`badge change-${c.state}`}>{STATE_LABELS[c.state] ?? c.state}</span>
              {c.wip && <span className="badge">WIP</span>}
              {c.ci && <span className={`badge ci-${c.ci}`}>CI {c.ci}</span>}
              <span className="muted">
                {c.branch && ` on ${c.branch}`}
                {(c.owner_name || c.owner_username) && ` by ${c.owner_name ?? c.owner_username}`}
                {votes && ` · ${votes}`}
                {task !== undefined && ` · task “${task}”`}
                {c.relation === "related" && " · related"}
                {c.relation === "partial" && " · partial fix"}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
