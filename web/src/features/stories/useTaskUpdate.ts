import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Task, TaskUpdate } from "../../api/types";

/** Update a task optimistically: the list shows the change at once and rolls back on failure. */
export function useTaskUpdate(storyId: number, taskId: number) {
  const queryClient = useQueryClient();
  const key = ["story-tasks", storyId];
  return useMutation({
    mutationFn: (change: TaskUpdate) => api<Task>("PUT", `/tasks/${taskId}`, undefined, change),
    onMutate: async (change: TaskUpdate) => {
      await queryClient.cancelQueries({ queryKey: key });
      const before = queryClient.getQueryData<Task[]>(key);
      queryClient.setQueryData<Task[]>(key, (tasks) =>
        tasks?.map((t) => (t.id === taskId ? ({ ...t, ...change } as Task) : t)),
      );
      return { before };
    },
    onError: (_error, _change, context) => {
      if (context?.before) queryClient.setQueryData(key, context.before);
    },
    onSuccess: (saved) => {
      queryClient.setQueryData<Task[]>(key, (tasks) => tasks?.map((t) => (t.id === taskId ? saved : t)));
      void queryClient.invalidateQueries({ queryKey: ["story", storyId] });
      void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
    },
  });
}
