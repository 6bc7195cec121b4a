import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Project, Story, Task } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { MarkdownField } from "../../components/MarkdownField";
import { ProjectPicker } from "../../components/Pickers";
import { get } from "../../api/client";

interface Draft {
  key: number;
  title: string;
  projects: Project[];
  error: unknown;
}

let nextKey = 1;
const emptyTask = (projects: Project[] = []): Draft => ({ key: nextKey++, title: "", projects, error: null });

/** A story with its first tasks, on one or several projects, in one go. */
export function CreateStoryPage() {
  const self = useSelf();
  const [params] = useSearchParams();
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [tasks, setTasks] = useState<Draft[]>(() => [emptyTask()]);
  const [storyError, setStoryError] = useState<unknown>(null);
  const [storyId, setStoryId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const preset = params.get("project");

  useEffect(() => {
    if (!preset) return;
    get<Project>(`/projects/${preset}`)
      .then((p) => setTasks((list) => list.map((t, i) => (i === 0 && t.projects.length === 0 ? { ...t, projects: [p] } : t))))
      .catch(() => undefined);
  }, [preset]);

  if (self.isSuccess && !self.data) {
    return (
      <section className="narrow">
        <h1>New story</h1>
        <p>Log in to create a story.</p>
      </section>
    );
  }

  const change = (key: number, patch: Partial<Draft>) =>
    setTasks((list) => list.map((t) => (t.key === key ? { ...t, ...patch } : t)));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setStoryError(null);
    let id = storyId;
    try {
      if (id === null) {
        const story = await api<Story>("POST", "/stories", undefined, { title, description: description || null });
        id = story.id;
        setStoryId(id);
      }
    } catch (err) {
      setStoryError(err);
      setBusy(false);
      return;
    }
    // Tasks already created on an earlier try are gone from the form; only the rest are sent.
    let failed = false;
    for (const draft of tasks) {
      if (!draft.title.trim() && draft.projects.length === 0) continue;
      if (draft.projects.length === 0) {
        change(draft.key, { error: new ApiError(400, "Choose at least one project.", "project_id") });
        failed = true;
        continue;
      }
      let left = draft.projects;
      try {
        for (const project of draft.projects) {
          await api<Task>("POST", "/tasks", undefined, { title: draft.title, story_id: id, project_id: project.id });
          left = left.filter((p) => p.id !== project.id);
        }
        setTasks((list) => list.filter((t) => t.key !== draft.key));
      } catch (err) {
        change(draft.key, { projects: left, error: err });
        failed = true;
      }
    }
    setBusy(false);
    void queryClient.invalidateQueries();
    if (!failed) navigate(`/story/${id}`);
  };

  return (
    <section className="narrow">
      <h1>New story</h1>
      {storyId !== null && (
        <p role="status">
          Story #{storyId} was created; fix the tasks below and save again, or{" "}
          <a href={`/story/${storyId}`}>open the story</a>.
        </p>
      )}
      <form onSubmit={submit}>
        <label htmlFor="title">Title</label>
        <input
          id="title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          disabled={storyId !== null}
          aria-invalid={!!errorFor(storyError, "title")}
          aria-describedby="title-err"
        />
        <FieldError id="title-err" message={errorFor(storyError, "title")} />
        <label htmlFor="description">Description (markdown)</label>
        <MarkdownField
          id="description"
          rows={6}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          disabled={storyId !== null}
        />
        <FieldError id="description-err" message={errorFor(storyError, "description")} />
        <FieldError id="story-err" message={errorFor(storyError, "*", ["title", "description"])} />
        <fieldset>
          <legend>First tasks</legend>
          {tasks.map((draft, i) => (
            <div key={draft.key} className="draft-task">
              <label htmlFor={`task-${draft.key}`}>Task {i + 1} title</label>
              <input id={`task-${draft.key}`} value={draft.title} onChange={(e) => change(draft.key, { title: e.target.value })} />
              <FieldError id={`task-${draft.key}-err`} message={errorFor(draft.error, "title")} />
              <ProjectPicker
                label={`Projects for task ${i + 1}`}
                value={draft.projects}
                onChange={(projects) => change(draft.key, { projects })}
                error={errorFor(draft.error, "project_id")}
              />
              <FieldError id={`task-${draft.key}-other`} message={errorFor(draft.error, "*", ["title", "project_id"])} />
              {tasks.length > 1 && (
                <button type="button" onClick={() => setTasks((l) => l.filter((t) => t.key !== draft.key))}>
                  Remove task {i + 1}
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setTasks((l) => [...l, emptyTask()])}>
            Add another task
          </button>
        </fieldset>
        <button type="submit" disabled={busy}>
          {storyId === null ? "Create story" : "Save the remaining tasks"}
        </button>
      </form>
    </section>
  );
}
