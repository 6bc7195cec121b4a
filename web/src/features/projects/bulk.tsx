import { useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, useRef, useState } from "react";
import { api, ApiError } from "../../api/client";
import type { BulkChange, BulkIn, BulkItem, BulkOut, Task, User } from "../../api/types";
import { UserPicker } from "../../components/Pickers";
import { PRIORITIES, STATUS_LABELS, TASK_STATUSES } from "../../lib/status";
import { toggleSelection } from "../../lib/storylist";
import { BulkPlace } from "./BulkPlace";

/** Rows chosen on a list page: click, shift-click for a range, x on the focused row, all of the page. */
export function useSelection(ids: number[]) {
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const anchor = useRef<number | null>(null);
  const shown = new Set([...selected].filter((id) => ids.includes(id)));
  const pick = (index: number, shift: boolean) => {
    setSelected(toggleSelection(shown, ids, index, anchor.current, shift));
    anchor.current = index;
  };
  const all = ids.length > 0 && shown.size === ids.length;
  return {
    shown,
    pick,
    all,
    toggleAll: () => setSelected(all ? new Set() : new Set(ids)),
    clear: () => setSelected(new Set()),
    /** A row's keydown: x (or Shift x) toggles it. */
    onRowKey: (index: number) => (e: KeyboardEvent<HTMLElement>) => {
      if (e.key.toLowerCase() === "x" && !e.ctrlKey && !e.metaKey && !e.altKey && e.target === e.currentTarget) {
        e.preventDefault();
        pick(index, e.shiftKey);
      }
    },
  };
}

/** What one bulk change came to: written (every item's new state) or refused as a whole (each item's own outcome). */
export interface BulkOutcome {
  written: boolean;
  items: BulkItem[];
  /** A refusal of the request itself (too many items, an empty change), not of an item. */
  message?: string;
}

/** One POST /preview/bulk: all the items change in one transaction, or none does. */
export async function runBulk(body: BulkIn): Promise<BulkOutcome> {
  try {
    const answer = await api<BulkOut>("POST", "/preview/bulk", undefined, body);
    return { written: true, items: answer.items };
  } catch (err) {
    const items = err instanceof ApiError ? (err.body as { items?: BulkItem[] } | null)?.items : undefined;
    if (items) return { written: false, items };
    return { written: false, items: [], message: err instanceof Error ? err.message : String(err) };
  }
}

/** "3 tasks changed." / "Nothing was changed: 1 of 4 items refused." */
export function describeBulk(outcome: BulkOutcome): string {
  if (outcome.message) return `Nothing was changed: ${outcome.message}`;
  const word = (n: number, type: string) => `${n} ${type === "story" ? (n === 1 ? "story" : "stories") : n === 1 ? "task" : "tasks"}`;
  if (outcome.written) {
    const changed = outcome.items.filter((i) => i.changed);
    if (changed.length === 0) return "Nothing to change: every item already had that.";
    const stories = changed.filter((i) => i.type === "story").length;
    const tasks = changed.length - stories;
    return `${[stories ? word(stories, "story") : "", tasks ? word(tasks, "task") : ""].filter(Boolean).join(" and ")} changed.`;
  }
  const refused = outcome.items.filter((i) => !i.ok).length;
  return `Nothing was changed: ${refused} of ${outcome.items.length} ${outcome.items.length === 1 ? "item" : "items"} refused.`;
}

export const itemLabel = (item: Pick<BulkItem, "type" | "id">) => (item.type === "story" ? `#${item.id}` : `Task T${item.id}`);

/** The outcome of a bulk change: what changed, or each refused item with the field and the server's reason. */
export function BulkResult({ busy, outcome }: { busy: boolean; outcome: BulkOutcome | null }) {
  const failures = outcome?.items.filter((i) => !i.ok) ?? [];
  return (
    <div aria-live="polite" className="bulk-result">
      {busy && <p className="muted">Changing…</p>}
      {outcome && <p className={outcome.written ? undefined : "field-error"}>{describeBulk(outcome)}</p>}
      {failures.length > 0 && (
        <ul className="field-error" aria-label="Refused items">
          {failures.map((f) => (
            <li key={`${f.type}${f.id}`}>
              {itemLabel(f)}: {f.error?.message}
              {f.error?.field && !["stories", "tasks"].includes(f.error.field) ? ` (${f.error.field})` : ""}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A list's bulk changes: kept by the list, not its bar, so the outcome still shows when the change took
 * every selected row off the list (tasks moved to another project) and the bar is gone. */
export type Bulk = ReturnType<typeof useBulk>;

/** Run one bulk change with its busy state and outcome, then refresh the lists it touched. */
export function useBulk(keys: string[]) {
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<BulkOutcome | null>(null);
  const run = async (body: BulkIn) => {
    setBusy(true);
    setOutcome(null);
    const result = await runBulk(body);
    setOutcome(result);
    setBusy(false);
    if (result.written) for (const key of keys) void queryClient.invalidateQueries({ queryKey: [key] });
  };
  return { busy, outcome, run };
}

/** Status, priority, assignee, or project, branch and milestone for the selected tasks, in one
 * all-or-nothing request. */
export function TaskBulkBar({ tasks, onClear, heading, bulk }: { tasks: Task[]; onClear: () => void; heading: string; bulk: Bulk }) {
  const taskIds = tasks.map((t) => t.id);
  const [status, setStatus] = useState("");
  const [priority, setPriority] = useState("");
  const [assigning, setAssigning] = useState(false);
  const { busy, outcome, run: runBody } = bulk;
  const run = (change: BulkChange) => runBody({ tasks: taskIds, change });
  return (
    <section className="bulk-bar" aria-label="Change the selected tasks">
      <strong>{heading}</strong>
      <div className="inline">
        <label htmlFor="bulk-task-status" className="visually-hidden">
          Status of the selected tasks
        </label>
        <select id="bulk-task-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Status…</option>
          {TASK_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <button type="button" disabled={busy || !status} onClick={() => void run({ status: status as BulkChange["status"] })}>
          Apply status
        </button>
        <label htmlFor="bulk-task-priority" className="visually-hidden">
          Priority of the selected tasks
        </label>
        <select id="bulk-task-priority" value={priority} onChange={(e) => setPriority(e.target.value)}>
          <option value="">Priority…</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <button type="button" disabled={busy || !priority} onClick={() => void run({ priority: priority as BulkChange["priority"] })}>
          Apply priority
        </button>
        <button type="button" aria-expanded={assigning} disabled={busy} onClick={() => setAssigning(!assigning)}>
          Assign…
        </button>
        <button type="button" className="link" onClick={onClear}>
          Clear selection
        </button>
      </div>
      {assigning && (
        <UserPicker
          label="Assign the selected tasks to"
          onPick={(user: User | null) => {
            setAssigning(false);
            void run({ assignee_id: user ? user.id : null });
          }}
        />
      )}
      <BulkPlace tasks={tasks} busy={busy} run={(change) => void run(change)} />
      <BulkResult busy={busy} outcome={outcome} />
    </section>
  );
}

/** A row's checkbox cell: a click toggles the row, a shift-click a range. */
export function SelectCell({ label, checked, onPick }: { label: string; checked: boolean; onPick: (shift: boolean) => void }) {
  return (
    <td className="select">
      <input type="checkbox" aria-label={label} checked={checked} onChange={() => undefined} onClick={(e) => onPick(e.shiftKey)} />
    </td>
  );
}

/** The header's checkbox: every row of the page, or none. */
export function SelectAllCell({ label, checked, onToggle }: { label: string; checked: boolean; onToggle: () => void }) {
  return (
    <th scope="col" className="select">
      <input type="checkbox" aria-label={label} checked={checked} onChange={onToggle} />
    </th>
  );
}
