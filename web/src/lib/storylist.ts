// What a dense story list shows and does: task progress, assignees per story, selection (click,
// shift-click, x). A bulk change and its per-item outcome: features/projects/bulk.tsx (POST /preview/bulk).

export interface StatusCount {
  key: string;
  count: number;
}

/** Tasks done (merged) out of those that count (invalid ones do not). */
export function taskProgress(counts: StatusCount[] | null | undefined): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const c of counts ?? []) {
    if (c.key === "invalid") continue;
    total += c.count;
    if (c.key === "merged") done += c.count;
  }
  return { done, total };
}

/** Whether a story has tasks (of any status), by its task counts. */
export function hasTasks(story: { task_statuses?: StatusCount[] | null }): boolean {
  return (story.task_statuses ?? []).some((c) => c.count > 0);
}

/** The assignees of each story's tasks, in order of first appearance, without repeats. */
export function assigneesByStory(tasks: { story_id: number; assignee_id?: number | null }[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const t of tasks) {
    if (t.assignee_id === null || t.assignee_id === undefined) continue;
    const list = out.get(t.story_id) ?? [];
    if (!list.includes(t.assignee_id)) list.push(t.assignee_id);
    out.set(t.story_id, list);
  }
  return out;
}

/** A click on row `index`: toggles it, or with shift sets every row from the last clicked one to it. */
export function toggleSelection(
  selected: ReadonlySet<number>,
  ids: readonly number[],
  index: number,
  anchor: number | null,
  shift: boolean,
): Set<number> {
  const next = new Set(selected);
  const id = ids[index];
  if (id === undefined) return next;
  if (shift && anchor !== null && ids[anchor] !== undefined) {
    const on = !selected.has(id);
    const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
    for (const i of ids.slice(from, to + 1)) {
      if (on) next.add(i);
      else next.delete(i);
    }
    return next;
  }
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}
