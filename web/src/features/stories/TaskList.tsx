import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import type { Task } from "../../api/types";
import { ProjectName } from "../../components/ProjectName";
import { rowsByProject, type TaskRow as ListRow } from "../../lib/status";
import { TaskRow } from "./TaskRow";

type TaskListRow = ListRow<Task>;

/** Above this many rows (tasks and project headers) the list is virtualized in a scroller of its own;
 * below it every row is in the page's flow, so a task opened for editing pushes the next ones down
 * instead of hiding them inside a box of fixed height. */
export const VIRTUALIZE_ABOVE = 100;

/** Tasks grouped by project. */
export function TaskList({ tasks, canEdit }: { tasks: Task[]; canEdit: boolean }) {
  const rows = useMemo(() => rowsByProject(tasks), [tasks]);
  if (tasks.length === 0) return <p className="muted">No tasks yet.</p>;
  if (rows.length <= VIRTUALIZE_ABOVE) {
    return (
      <div className="task-list" role="list" aria-label={`Tasks (${tasks.length})`}>
        {rows.map((row) => (
          <div key={rowKey(row)} role="listitem">
            <Row row={row} canEdit={canEdit} />
          </div>
        ))}
      </div>
    );
  }
  return <VirtualTaskList rows={rows} count={tasks.length} canEdit={canEdit} />;
}

function rowKey(row: TaskListRow): string {
  return row.kind === "project" ? `p${row.projectId}` : `t${row.task.id}`;
}

function Row({ row, canEdit }: { row: TaskListRow; canEdit: boolean }) {
  return row.kind === "project" ? (
    <h3 className="project-header">
      <ProjectName id={row.projectId} /> <span className="muted">({row.count})</span>
    </h3>
  ) : (
    <TaskRow task={row.task} canEdit={canEdit} />
  );
}

/** A long list: only the rows on screen (plus a few) are in the document. */
function VirtualTaskList({ rows, count, canEdit }: { rows: TaskListRow[]; count: number; canEdit: boolean }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.kind === "project" ? 40 : 48),
    overscan: 8,
    getItemKey: (i) => {
      const row = rows[i];
      return row ? rowKey(row) : i;
    },
  });
  return (
    <div ref={scroller} className="task-scroller" role="list" aria-label={`Tasks (${count})`}>
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <div
              key={item.key}
              role="listitem"
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="virtual-row"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <Row row={row} canEdit={canEdit} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
