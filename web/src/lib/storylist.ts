// What a dense story list shows and does: task progress, assignees per story, selection (click,
// shift-click, x) and the per-item outcome of a bulk change.

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

export interface Outcome {
  id: number;
  ok: boolean;
  message?: string;
}

/** Run `change` for every id, at most `parallel` at a time; every item's outcome, in the ids' order. */
export async function runEach(ids: readonly number[], change: (id: number) => Promise<unknown>, parallel = 4): Promise<Outcome[]> {
  const out: Outcome[] = new Array<Outcome>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const id = ids[i] as number;
      try {
        await change(id);
        out[i] = { id, ok: true };
      } catch (err) {
        out[i] = { id, ok: false, message: err instanceof Error ? err.message : String(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, ids.length) }, worker));
  return out;
}

/** "3 stories changed" / "2 changed, 1 refused". */
export function summarize(outcomes: Outcome[], noun: [string, string]): string {
  const ok = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.length - ok;
  const word = (n: number) => (n === 1 ? noun[0] : noun[1]);
  if (failed === 0) return `${ok} ${word(ok)} changed.`;
  return `${ok} ${word(ok)} changed, ${failed} refused.`;
}
