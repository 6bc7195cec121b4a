import { useState } from "react";
import type { Task } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { Markdown } from "../../components/Markdown";
import { MarkdownField } from "../../components/MarkdownField";
import { UserPicker } from "../../components/Pickers";
import { StatusBadge } from "../../components/StatusBadge";
import { UserName } from "../../components/UserName";
import { PRIORITIES, STATUS_LABELS, TASK_STATUSES } from "../../lib/status";
import { DeleteTask } from "./DeleteTask";
import { BranchFields, BranchLabel } from "./TaskBranch";
import { useTaskUpdate } from "./useTaskUpdate";

/** One task: status and priority change inline; "Edit" (or e) opens title, assignee and notes. */
export function TaskRow({ task, canEdit }: { task: Task; canEdit: boolean }) {
  const update = useTaskUpdate(task.story_id, task.id);
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(task.title);
  const [notes, setNotes] = useState(task.link ?? "");
  const [assigning, setAssigning] = useState(false);
  const [branch, setBranch] = useState(task.branch_id);
  const [milestone, setMilestone] = useState(task.milestone_id);
  const fid = `task-${task.id}`;
  const fields = ["title", "link", "status", "priority", "assignee_id", "branch_id", "milestone_id"];

  const save = (e: React.FormEvent) => {
    e.preventDefault();
    const where = branch !== task.branch_id || milestone !== task.milestone_id ? { branch_id: branch, milestone_id: milestone } : {};
    update.mutate({ title, link: notes || null, ...where }, { onSuccess: () => setEditing(false) });
  };

  return (
    <div className="task-row" data-nav-item tabIndex={0} aria-label={`Task ${task.title}`} data-task-id={task.id}>
      <div className="task-line">
        <span className="task-title">
          {task.title} <BranchLabel task={task} />
        </span>
        {!canEdit && (
          <>
            <StatusBadge status={task.status} /> <span className="badge">{task.priority}</span>
          </>
        )}
        {canEdit && <select
          aria-label={`Status of ${task.title}`}
          value={task.status}
          onChange={(e) => update.mutate({ status: e.target.value as TaskStatusValue })}
          className={`status-${task.status}`}
        >
          {TASK_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>}
        {canEdit && <select
          aria-label={`Priority of ${task.title}`}
          value={task.priority}
          onChange={(e) => update.mutate({ priority: e.target.value as PriorityValue })}
        >
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>}
        <span className="assignee">
          <UserName id={task.assignee_id} />
          {canEdit && (
            <button
              type="button"
              className="link"
              aria-expanded={assigning}
              aria-label={`Change assignee of ${task.title}`}
              onClick={() => setAssigning(!assigning)}
            >
              change
            </button>
          )}
        </span>
        {canEdit && (
          <button type="button" data-nav-edit onClick={() => setEditing(!editing)} aria-expanded={editing}>
            Edit<span className="visually-hidden"> {task.title}</span>
          </button>
        )}
        {canEdit && <DeleteTask task={task} />}
      </div>
      {assigning && (
        <UserPicker
          label={`Assignee of ${task.title}`}
          onPick={(user) => {
            update.mutate({ assignee_id: user ? user.id : null });
            setAssigning(false);
          }}
        />
      )}
      {!editing && task.link && <Markdown source={task.link} className="task-notes" />}
      {editing && (
        <form className="task-edit" onSubmit={save} onKeyDown={(e) => e.key === "Escape" && setEditing(false)}>
          <label htmlFor={`${fid}-title`}>Title</label>
          <input id={`${fid}-title`} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
          <FieldError id={`${fid}-title-err`} message={errorFor(update.error, "title")} />
          <label htmlFor={`${fid}-notes`}>Notes (markdown)</label>
          <MarkdownField id={`${fid}-notes`} value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} />
          <FieldError id={`${fid}-notes-err`} message={errorFor(update.error, "link")} />
          <BranchFields
            task={task}
            status={task.status}
            branchId={branch}
            milestoneId={milestone}
            onChange={(b, m) => {
              setBranch(b);
              setMilestone(m);
            }}
            errors={{ branch: errorFor(update.error, "branch_id"), milestone: errorFor(update.error, "milestone_id") }}
          />
          <button type="submit" disabled={update.isPending}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
      {!editing && update.error && (
        <p className="field-error" role="alert">
          {errorFor(update.error, "*", []) ?? ""} The change was undone.
        </p>
      )}
      {editing && <FieldError id={`${fid}-err`} message={errorFor(update.error, "*", fields)} />}
    </div>
  );
}

type TaskStatusValue = "todo" | "inprogress" | "review" | "merged" | "invalid";
type PriorityValue = "low" | "medium" | "high";
