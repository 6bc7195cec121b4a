import { useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, type ReactNode, useRef, useState } from "react";
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

/** A select of values and its button, which applies the value chosen. */
export function ApplyChoice({
  id,
  label,
  placeholder,
  options,
  button,
  disabled,
  onApply,
}: {
  id: string;
  label: string;
  placeholder: string;
  options: readonly (readonly [string, string])[];
  button: string;
  disabled: boolean;
  onApply: (value: string) => void;
}) {
  const [value, setValue] = useState("");
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => setValue(e.target.value)}>
        <option value="">{placeholder}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      <button type="button" disabled={disabled || !value} onClick={() => onApply(value)}>
        {button}
      </button>
    </>
  );
}

export const STATUS_OPTIONS = TASK_STATUSES.map((s) => [s, STATUS_LABELS[s] ?? s] as const);

/** The task changes of a bulk bar: the choices given (`children`: status…), assign, clear the selection; then
 * the assignee picker, project, branch and milestone, and the outcome. */
export function TaskChanges({
  tasks,
  bulk,
  run,
  onClear,
  assign,
  placeKey,
  children,
}: {
  tasks: Task[];
  bulk: Bulk;
  run: (change: BulkChange) => void;
  onClear: () => void;
  assign: { button: string; label: string; disabled: boolean };
  placeKey?: string | number;
  children: ReactNode;
}) {
  const [assigning, setAssigning] = useState(false);
  return (
    <>
      <div className="inline">
        {children}
        <button type="button" aria-expanded={assigning} disabled={bulk.busy || assign.disabled} onClick={() => setAssigning(!assigning)}>
          {assign.button}
        </button>
        <button type="button" className="link" onClick={onClear}>
          Clear selection
        </button>
      </div>
      {assigning && (
        <UserPicker
          label={assign.label}
          onPick={(user: User | null) => {
            setAssigning(false);
            run({ assignee_id: user ? user.id : null });
          }}
        />
      )}
      <BulkPlace key={placeKey} tasks={tasks} busy={bulk.busy} run={run} />
      <BulkResult busy={bulk.busy} outcome={bulk.outcome} />
    </>
  );
}

/** Status, priority, assignee, or project, branch and milestone for the selected tasks, in one
 * all-or-nothing request. */
export function TaskBulkBar({ tasks, onClear, heading, bulk }: { tasks: Task[]; onClear: () => void; heading: string; bulk: Bulk }) {
  const taskIds = tasks.map((t) => t.id);
  const run = (change: BulkChange) => void bulk.run({ tasks: taskIds, change });
  return (
    <section className="bulk-bar" aria-label="Change the selected tasks">
      <strong>{heading}</strong>
      <TaskChanges tasks={tasks} bulk={bulk} run={run} onClear={onClear} assign={{ button: "Assign…", label: "Assign the selected tasks to", disabled: false }}>
        <ApplyChoice
          id="bulk-task-status"
          label="Status of the selected tasks"
          placeholder="Status…"
          options={STATUS_OPTIONS}
          button="Apply status"
          disabled={bulk.busy}
          onApply={(v) => run({ status: v as BulkChange["status"] })}
        />
        <ApplyChoice
          id="bulk-task-priority"
          label="Priority of the selected tasks"
          placeholder="Priority…"
          options={PRIORITIES.map((p) => [p, p] as const)}
          button="Apply priority"
          disabled={bulk.busy}
          onApply={(v) => run({ priority: v as BulkChange["priority"] })}
        />
      </TaskChanges>
    </section>
  );
}

/** A selectable list's selection and bulk changes, kept together by the list. */
export function useBulkList(ids: number[], keys: string[]) {
  return { ...useSelection(ids), bulk: useBulk(keys) };
}

export type BulkList = ReturnType<typeof useBulkList>;

/** A list whose rows may be selected (`selectable`): the bar (`bar`, while rows are selected) or the last
 * change's outcome above it, the header's box for the whole page, then the rows (SelectableRow). */
export function BulkTable({
  list,
  selectable,
  bar,
  className,
  busy,
  allLabel,
  headings,
  children,
}: {
  list: BulkList;
  selectable: boolean;
  bar: () => ReactNode;
  className: string;
  busy: boolean;
  allLabel: string;
  headings: ReactNode;
  children: ReactNode;
}) {
  return (
    <>
      {selectable && list.shown.size === 0 && list.bulk.outcome && <BulkResult busy={false} outcome={list.bulk.outcome} />}
      {selectable && list.shown.size > 0 && bar()}
      <div className="table-scroll">
        <table className={className} aria-busy={busy}>
          <thead>
            <tr>
              {selectable && <SelectAllCell label={allLabel} checked={list.all} onToggle={list.toggleAll} />}
              {headings}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
    </>
  );
}

/** A row of a BulkTable: its checkbox (click, shift-click) and x when focused, on a selectable list. */
export function SelectableRow({
  list,
  selectable,
  index,
  id,
  label,
  selectLabel,
  children,
}: {
  list: BulkList;
  selectable: boolean;
  index: number;
  id: number;
  label: string;
  selectLabel: string;
  children: ReactNode;
}) {
  return (
    <tr data-nav-item tabIndex={-1} aria-label={label} aria-selected={selectable ? list.shown.has(id) : undefined} onKeyDown={selectable ? list.onRowKey(index) : undefined}>
      {selectable && <SelectCell label={selectLabel} checked={list.shown.has(id)} onPick={(shift) => list.pick(index, shift)} />}
      {children}
    </tr>
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
