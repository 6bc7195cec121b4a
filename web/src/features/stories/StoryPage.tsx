import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useParams, useSearchParams } from "react-router-dom";
import { api, ApiError, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Story, Task } from "../../api/types";
import { FeedLink } from "../../components/FeedLink";
import { errorFor, FieldError } from "../../components/FieldError";
import { MarkdownField } from "../../components/MarkdownField";
import { Markdown } from "../../components/Markdown";
import { StatusBadge } from "../../components/StatusBadge";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { Attachments } from "../attachments/Attachments";
import { LinkedChanges } from "../integrations/LinkedChanges";
import { SubscribeButton } from "../notifications/SubscribeButton";
import { STATUS_LABELS } from "../../lib/status";
import { StoryPriorities } from "../planning/PrioritiesPage";
import { AddTasks } from "./AddTasks";
import { DuplicateNote, MarkDuplicate } from "./DuplicateOf";
import { PrivacySummary } from "./PrivacySummary";
import "./story-page.css";
import { StoryCrumbs } from "./StoryCrumbs";
import { LiveNotice } from "./LiveNotice";
import { TaskList } from "./TaskList";
import { Timeline } from "./Timeline";

export function StoryPage() {
  const { id } = useParams();
  const storyId = Number(id);
  const self = useSelf();
  const loggedIn = !!self.data;
  const story = useQuery({ queryKey: ["story", storyId], queryFn: () => get<Story>(`/stories/${storyId}`) });
  const tasks = useQuery({
    queryKey: ["story-tasks", storyId],
    queryFn: () => get<Task[]>(`/stories/${storyId}/tasks`, { sort_field: "id" }),
  });
  useEffect(() => {
    if (story.data) document.title = `#${story.data.id} ${story.data.title} · Storyline`;
  }, [story.data]);

  if (!Number.isInteger(storyId) || storyId <= 0) return <NotFound />;
  if (story.isError) {
    return story.error instanceof ApiError && story.error.status === 404 ? (
      <NotFound />
    ) : (
      <p role="alert">{(story.error as Error).message}</p>
    );
  }
  return (
    <article className="story" aria-busy={story.isPending}>
      <div className="story-top">
        <StoryCrumbs storyId={storyId} tasks={tasks.data} />
        <LiveNotice storyId={storyId} />
      </div>
      {story.data ? <StoryHeader story={story.data} canEdit={loggedIn} /> : <h1 className="story-top">Story #{storyId}</h1>}
      <section aria-labelledby="tasks-title" className="tasks">
        <h2 id="tasks-title">Tasks</h2>
        {tasks.isPending && <p className="muted">Loading tasks…</p>}
        {tasks.isError && <p role="alert">{(tasks.error as Error).message}</p>}
        {tasks.data && <TaskList tasks={tasks.data} canEdit={loggedIn} />}
        {tasks.data && <LinkedChanges storyId={storyId} tasks={tasks.data} />}
        {loggedIn && <AddTasks storyId={storyId} />}
      </section>
      {story.data && <Attachments storyId={storyId} canUpload={loggedIn} />}
      <StoryPriorities storyId={storyId} />
      <Timeline storyId={storyId} canComment={loggedIn} />
    </article>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Story not found</h1>
      <p>It does not exist, or you are not allowed to see it.</p>
    </section>
  );
}

function StoryHeader({ story, canEdit }: { story: Story; canEdit: boolean }) {
  const [params, setParams] = useSearchParams();
  const editing = params.get("edit") === "1";
  const setEditing = (on: boolean) =>
    setParams(
      (p) => {
        if (on) p.set("edit", "1");
        else p.delete("edit");
        return p;
      },
      { replace: true },
    );
  return (
    <>
      <header className="story-header story-top">
        {editing && canEdit ? (
          <StoryEditor story={story} onDone={() => setEditing(false)} />
        ) : (
          <>
            <h1>
              <span className="muted">#{story.id}</span> {story.title}
            </h1>
            <PrivacySummary story={story} canEdit={canEdit} />
            <DuplicateNote story={story} canEdit={canEdit} />
            <p className="meta">
              <StatusBadge status={story.status} /> Created by{" "}
              <UserName id={story.creator_id} /> on <Time value={story.created_at} />
              {story.task_statuses && (
                <span className="counts">
                  {story.task_statuses
                    .filter((s) => s.count)
                    .map((s) => `${s.count} ${STATUS_LABELS[s.key] ?? s.key}`)
                    .join(" · ")}
                </span>
              )}
            </p>
            <div className="actions">
              {canEdit && (
                <button type="button" onClick={() => setEditing(true)}>
                  Edit story
                </button>
              )}
              {canEdit && <SubscribeButton targetType="story" targetId={story.id} />}
              <FeedLink path={`stories/${story.id}`} of={`story #${story.id}`} needsToken={story.private} />
              {canEdit && <MarkDuplicate story={story} />}
            </div>
          </>
        )}
      </header>
      {/* The description and tags: under the header on wide screens, after the tasks on phones (story-page.css). */}
      <div className="story-details">
        {!(editing && canEdit) && story.description ? <Markdown source={story.description} className="description" /> : null}
        <Tags story={story} canEdit={canEdit} />
      </div>
    </>
  );
}

function StoryEditor({ story, onDone }: { story: Story; onDone: () => void }) {
  const [title, setTitle] = useState(story.title);
  const [description, setDescription] = useState(story.description ?? "");
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => api<Story>("PUT", `/stories/${story.id}`, undefined, { title, description }),
    onSuccess: (saved) => {
      queryClient.setQueryData(["story", story.id], saved);
      void queryClient.invalidateQueries({ queryKey: ["story-events", story.id] });
      onDone();
    },
  });
  return (
    <form
      className="story-edit"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      onKeyDown={(e) => e.key === "Escape" && onDone()}
    >
      <label htmlFor="story-title">Title</label>
      <input
        id="story-title"
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        autoFocus
        aria-invalid={!!errorFor(save.error, "title")}
        aria-describedby="story-title-err"
      />
      <FieldError id="story-title-err" message={errorFor(save.error, "title")} />
      <label htmlFor="story-description">Description (markdown)</label>
      <MarkdownField
        id="story-description"
        rows={8}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        aria-describedby="story-description-err"
      />
      <FieldError id="story-description-err" message={errorFor(save.error, "description")} />
      <FieldError id="story-edit-err" message={errorFor(save.error, "*", ["title", "description"])} />
      <button type="submit" disabled={save.isPending}>
        Save
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

function Tags({ story, canEdit }: { story: Story; canEdit: boolean }) {
  const [name, setName] = useState("");
  const queryClient = useQueryClient();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["story", story.id] });
    void queryClient.invalidateQueries({ queryKey: ["story-events", story.id] });
  };
  const add = useMutation({
    mutationFn: (tag: string) => api("PUT", `/stories/${story.id}/tags`, { tags: tag }),
    onSuccess: () => {
      setName("");
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (tag: string) => api("DELETE", `/stories/${story.id}/tags`, { tags: tag }),
    onSuccess: refresh,
  });
  const tags = story.tags ?? [];
  return (
    <div className="tags">
      <ul className="chips" aria-label="Tags">
        {tags.map((tag) => (
          <li key={tag} className="chip">
            {tag}
            {canEdit && (
              <button type="button" aria-label={`Remove tag ${tag}`} onClick={() => remove.mutate(tag)}>
                ×
              </button>
            )}
          </li>
        ))}
        {tags.length === 0 && <li className="muted">No tags</li>}
      </ul>
      {canEdit && (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) add.mutate(name.trim());
          }}
        >
          <label htmlFor="new-tag" className="visually-hidden">
            Add a tag
          </label>
          <input id="new-tag" placeholder="Add a tag" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={add.isPending}>
            Add tag
          </button>
          <FieldError id="new-tag-err" message={errorFor(add.error, "*") ?? errorFor(remove.error, "*")} />
        </form>
      )}
    </div>
  );
}
