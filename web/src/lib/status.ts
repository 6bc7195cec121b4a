export const TASK_STATUSES = ["todo", "inprogress", "review", "merged", "invalid"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const STATUS_LABELS: Record<string, string> = {
  active: "Active",
  todo: "Todo",
  inprogress: "In progress",
  review: "Review",
  merged: "Merged",
  invalid: "Invalid",
};
export const PRIORITIES = ["low", "medium", "high"] as const;
export const STORY_STATUSES = ["active", "merged", "invalid"] as const;

interface HasStatus {
  status: string;
}

/** Tasks grouped by status in workflow order; unknown statuses come last; empty groups are left out. */
export function groupByStatus<T extends HasStatus>(items: T[]): { status: string; items: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(item.status);
    if (list) list.push(item);
    else groups.set(item.status, [item]);
  }
  const order = (s: string) => {
    const i = (TASK_STATUSES as readonly string[]).indexOf(s);
    return i < 0 ? TASK_STATUSES.length : i;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([status, list]) => ({ status, items: list }));
}

interface ProjectTask {
  id: number;
  project_id: number;
}

export type TaskRow<T> = { kind: "project"; projectId: number; count: number } | { kind: "task"; task: T };

/** Flat rows for a virtualized list: a header per project (in first-seen order), then its tasks by id. */
export function rowsByProject<T extends ProjectTask>(tasks: T[]): TaskRow<T>[] {
  const groups = new Map<number, T[]>();
  for (const task of tasks) {
    const list = groups.get(task.project_id);
    if (list) list.push(task);
    else groups.set(task.project_id, [task]);
  }
  const rows: TaskRow<T>[] = [];
  for (const [projectId, list] of groups) {
    rows.push({ kind: "project", projectId, count: list.length });
    list.sort((a, b) => a.id - b.id);
    for (const task of list) rows.push({ kind: "task", task });
  }
  return rows;
}
