import { useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, useRef, useState } from "react";
import { api } from "../../api/client";
import type { User } from "../../api/types";
import { UserPicker } from "../../components/Pickers";
import { PRIORITIES, STATUS_LABELS, TASK_STATUSES } from "../../lib/status";
import { type Outcome, runEach, summarize, toggleSelection } from "../../lib/storylist";

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

/** The outcome of a bulk change: how many changed, each refusal with its item and the server's reason. */
export function BulkResult({ busy, outcomes, noun, label }: { busy: boolean; outcomes: Outcome[] | null; noun: [string, string]; label: (id: number) => string }) {
  const failures = outcomes?.filter((o) => !o.ok) ?? [];
  return (
    <div aria-live="polite" className="bulk-result">
      {busy && <p className="muted">Changing…</p>}
      {outcomes && <p>{summarize(outcomes, noun)}</p>}
      {failures.length > 0 && (
        <ul className="field-error">
          {failures.map((f) => (
            <li key={f.id}>
              {label(f.id)}: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Status, priority or assignee for the selected tasks, one v1 request per task. */
export function TaskBulkBar({ taskIds, onClear, heading }: { taskIds: number[]; onClear: () => void; heading: string }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState("");
  const [priority, setPriority] = useState("");
  const [assigning, setAssigning] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[] | null>(null);
  const run = async (body: Record<string, string | number | null>) => {
    setBusy(true);
    setOutcomes(null);
    setOutcomes(await runEach(taskIds, (id) => api("PUT", `/tasks/${id}`, undefined, body)));
    setBusy(false);
    for (const key of ["listing", "story-search", "story-list-tasks"]) void queryClient.invalidateQueries({ queryKey: [key] });
  };
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
        <button type="button" disabled={busy || !status} onClick={() => void run({ status })}>
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
        <button type="button" disabled={busy || !priority} onClick={() => void run({ priority })}>
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
      <BulkResult busy={busy} outcomes={outcomes} noun={["task", "tasks"]} label={(id) => `Task T${id}`} />
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
