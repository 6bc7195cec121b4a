import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import type { Project, Task } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { ProjectPicker } from "../../components/Pickers";

/** Add a task to one or several projects at once (one task per project, same title). */
export function AddTasks({ storyId }: { storyId: number }) {
  const [title, setTitle] = useState("");
  const [projects, setProjects] = useState<Project[]>([]);
  const [missing, setMissing] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const add = useMutation({
    mutationFn: async () => {
      const created: Task[] = [];
      for (const project of projects) {
        created.push(await api<Task>("POST", `/stories/${storyId}/tasks`, undefined, { title, project_id: project.id }));
        setProjects((left) => left.filter((p) => p.id !== project.id)); // a retry does not add it twice
      }
      return created;
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["story-tasks", storyId] });
      void queryClient.invalidateQueries({ queryKey: ["story", storyId] });
      void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
    },
    onSuccess: () => {
      setTitle("");
      setProjects([]);
    },
  });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (projects.length === 0) {
      setMissing("Choose at least one project.");
      return;
    }
    setMissing(null);
    add.mutate();
  };
  return (
    <form className="add-tasks" onSubmit={submit} aria-labelledby="add-tasks-title">
      <h3 id="add-tasks-title">Add a task</h3>
      <label htmlFor="new-task-title">Task title</label>
      <input id="new-task-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
      <FieldError id="new-task-title-err" message={errorFor(add.error, "title")} />
      <ProjectPicker
        value={projects}
        onChange={setProjects}
        label="Projects for the task"
        error={missing ?? errorFor(add.error, "project_id")}
      />
      <FieldError id="new-task-err" message={errorFor(add.error, "*", ["title", "project_id"])} />
      <button type="submit" disabled={add.isPending}>
        {projects.length > 1 ? `Add ${projects.length} tasks` : "Add task"}
      </button>
    </form>
  );
}
