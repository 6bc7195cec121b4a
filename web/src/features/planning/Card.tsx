import type { DragEvent, KeyboardEvent, ReactNode } from "react";
import { Link } from "react-router-dom";
import { StatusBadge } from "../../components/StatusBadge";
import { Time } from "../../components/Time";
import { type DueDate, type Item, itemStory, itemStoryId, itemTask, itemTitle } from "./api";

/** A card of a lane or worklist: the story or task, its status and the due date it shows. */
export function Card({
  item,
  movable,
  dueDates,
  describedBy,
  onKeyDown,
  onDragStart,
  onDragEnd,
  onDueDate,
  children,
}: {
  item: Item;
  movable: boolean;
  dueDates?: DueDate[];
  describedBy?: string;
  onKeyDown?: (event: KeyboardEvent<HTMLLIElement>) => void;
  onDragStart?: (event: DragEvent<HTMLLIElement>) => void;
  onDragEnd?: () => void;
  onDueDate?: (dueDateId: number | null) => void;
  children?: ReactNode;
}) {
  const title = itemTitle(item) ?? `${item.item_type === "story" ? "Story" : "Task"} ${item.item_id}`;
  const storyId = itemStoryId(item);
  const status = item.item_type === "story" ? itemStory(item)?.status : itemTask(item)?.status;
  const due = item.resolved_due_date as DueDate | null | undefined;
  return (
    <li
      className="card"
      tabIndex={0}
      data-card-id={item.id ?? undefined}
      data-nav-item
      aria-label={title}
      aria-describedby={describedBy}
      draggable={movable}
      onKeyDown={onKeyDown}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
    >
      <span className="card-kind muted">{item.item_type === "story" ? "Story" : "Task"}</span>{" "}
      {storyId ? <Link to={`/story/${storyId}`}>{title}</Link> : <span>{title}</span>} <StatusBadge status={status} />
      {due && (
        <p className="card-due">
          Due: {due.name} <Time value={due.date} />
        </p>
      )}
      {movable && onDueDate && dueDates && dueDates.length > 0 && item.id !== null && (
        <label className="card-due-pick">
          <span className="visually-hidden">Due date of {title}</span>
          <select
            value={item.display_due_date ?? ""}
            onChange={(e) => onDueDate(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">No due date</option>
            {dueDates.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {children}
    </li>
  );
}
