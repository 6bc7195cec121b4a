import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import type { Task } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";

/** "Delete" on a task of the story page: a confirmation dialog, then DELETE /v1/tasks/{id}. */
export function DeleteTask({ task }: { task: Task }) {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const remove = useMutation({
    mutationFn: () => api("DELETE", `/tasks/${task.id}`),
    onSuccess: () => {
      setAsking(false);
      queryClient.setQueryData<Task[]>(["story-tasks", task.story_id], (tasks) => tasks?.filter((t) => t.id !== task.id));
      void queryClient.invalidateQueries({ queryKey: ["story-tasks", task.story_id] });
      void queryClient.invalidateQueries({ queryKey: ["story", task.story_id] });
      void queryClient.invalidateQueries({ queryKey: ["story-events", task.story_id] });
    },
  });
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (asking && !d.open) d.showModal?.();
    if (!asking && d.open) d.close();
  }, [asking]);
  const titleId = `delete-task-${task.id}-title`;
  return (
    <>
      <button type="button" className="link danger" ref={opener} onClick={() => setAsking(true)}>
        Delete<span className="visually-hidden"> {task.title}</span>
      </button>
      {asking && (
        <dialog
          ref={dialog}
          className="dialog confirm-dialog"
          role="alertdialog"
          aria-labelledby={titleId}
          onClose={() => {
            setAsking(false);
            opener.current?.focus();
          }}
        >
          <h2 id={titleId}>Delete the task “{task.title}”?</h2>
          <p>It goes from the story for everyone; the timeline keeps a line saying it was deleted.</p>
          <FieldError id={`delete-task-${task.id}-err`} message={errorFor(remove.error, "*")} />
          <div className="actions">
            <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
              Delete task
            </button>
            <button type="button" autoFocus onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </dialog>
      )}
    </>
  );
}
