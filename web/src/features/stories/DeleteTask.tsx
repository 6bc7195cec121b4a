import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { api } from "../../api/client";
import type { Task } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { errorFor } from "../../components/FieldError";

/** "Delete" on a task of the story page: a confirmation dialog, then DELETE /v1/tasks/{id}. */
export function DeleteTask({ task }: { task: Task }) {
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState(false);
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
  return (
    <>
      <button type="button" className="link danger" ref={opener} onClick={() => setAsking(true)}>
        Delete<span className="visually-hidden"> {task.title}</span>
      </button>
      {asking && (
        <ConfirmDialog
          id={`delete-task-${task.id}`}
          question={<>Delete the task “{task.title}”?</>}
          error={errorFor(remove.error, "*")}
          action="Delete task"
          pending={remove.isPending}
          onConfirm={() => remove.mutate()}
          onCancel={() => setAsking(false)}
          opener={opener}
        >
          It goes from the story for everyone; the timeline keeps a line saying it was deleted.
        </ConfirmDialog>
      )}
    </>
  );
}
