import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, apiPage } from "../../api/client";
import type { TimelineEvent } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { Markdown } from "../../components/Markdown";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { describeEvent } from "./describeEvent";

const PAGE = 50;

/** Comments and events, newest first, a page at a time (a huge story has thousands). */
export function Timeline({ storyId, canComment }: { storyId: number; canComment: boolean }) {
  const events = useInfiniteQuery({
    queryKey: ["story-events", storyId],
    queryFn: ({ pageParam }) =>
      apiPage<TimelineEvent>(`/stories/${storyId}/events`, {
        sort_field: "id",
        sort_dir: "desc",
        limit: PAGE,
        offset: pageParam,
      }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const seen = pages.reduce((n, p) => n + p.items.length, 0);
      return last.items.length === PAGE && (last.total === null || seen < last.total) ? seen : undefined;
    },
  });
  const list = events.data?.pages.flatMap((p) => p.items) ?? [];
  const total = events.data?.pages[0]?.total;
  return (
    <section aria-labelledby="timeline-title" className="timeline">
      <h2 id="timeline-title">Timeline{total ? ` (${total})` : ""}</h2>
      {canComment ? <CommentForm storyId={storyId} /> : <p className="muted">Log in to comment.</p>}
      {events.isError && <p role="alert" className="field-error">{(events.error as Error).message}</p>}
      <ol className="events">
        {list.map((event) => (
          <li key={event.id} className={event.comment ? "event comment" : "event"} data-nav-item tabIndex={-1}>
            <p className="event-head">
              <UserName id={event.author_id} /> {event.comment ? "commented" : describeEvent(event)}{" "}
              <span className="muted">
                <Time value={event.created_at} />
              </span>
            </p>
            {event.comment && <Markdown source={event.comment.content} />}
          </li>
        ))}
      </ol>
      {events.hasNextPage && (
        <button type="button" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
          Show earlier events
        </button>
      )}
    </section>
  );
}

function CommentForm({ storyId }: { storyId: number }) {
  const [content, setContent] = useState("");
  const queryClient = useQueryClient();
  const post = useMutation({
    mutationFn: () => api<TimelineEvent>("POST", `/stories/${storyId}/comments`, undefined, { content }),
    onSuccess: () => {
      setContent("");
      void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
    },
  });
  return (
    <form
      className="comment-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (content.trim()) post.mutate();
      }}
    >
      <label htmlFor="comment">Add a comment (markdown; indent or fence pasted logs with ```)</label>
      <textarea
        id="comment"
        rows={4}
        value={content}
        onChange={(e) => setContent(e.target.value)}
        aria-describedby={post.error ? "comment-err" : undefined}
      />
      <FieldError id="comment-err" message={errorFor(post.error, "content") ?? errorFor(post.error, "*", ["content"])} />
      <button type="submit" disabled={post.isPending || !content.trim()}>
        Comment
      </button>
    </form>
  );
}
