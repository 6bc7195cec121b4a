import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef } from "react";
import type { Task } from "../../api/types";
import { ProjectName } from "../../components/ProjectName";
import { rowsByProject } from "../../lib/status";
import { TaskRow } from "./TaskRow";

/** Tasks grouped by project. Only the rows on screen (plus a few) are in the document. */
export function TaskList({ tasks, canEdit }: { tasks: Task[]; canEdit: boolean }) {
  const rows = useMemo(() => rowsByProject(tasks), [tasks]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.kind === "project" ? 40 : 48),
    overscan: 8,
    getItemKey: (i) => {
      const row = rows[i];
      return row?.kind === "project" ? `p${row.projectId}` : `t${row?.task.id ?? i}`;
    },
  });
  if (tasks.length === 0) return <p className="muted">No tasks yet.</p>;
  return (
    <div ref={scroller} className="task-scroller" role="list" aria-label={`Tasks (${tasks.length})`}>
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
              {row.kind === "project" ? (
                <h3 className="project-header">
                  <ProjectName id={row.projectId} /> <span className="muted">({row.count})</span>
                </h3>
              ) : (
                <TaskRow task={row.task} canEdit={canEdit} />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
