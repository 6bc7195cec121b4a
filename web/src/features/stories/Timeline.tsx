import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link } from "react-router-dom";
import { apiPage } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { TimelineEvent } from "../../api/types";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { nextEventsOffset, shownEventTypes, timelinePageSize } from "../preferences/prefs";
import { usePreferences } from "../preferences/usePreferences";
import { CommentBody, CommentForm } from "./Comment";
import { describeEvent } from "./describeEvent";

/** Comments and events, newest first, a page at a time (a huge story has thousands); the page size is
 * the reader's `story_detail_page_size` preference. */
export function Timeline({ storyId, canComment }: { storyId: number; canComment: boolean }) {
  // The reader's preferences may hide some event types; everything is asked for otherwise.
  const prefs = usePreferences();
  const shown = shownEventTypes(prefs.data);
  const size = timelinePageSize(prefs.data);
  const events = useInfiniteQuery({
    queryKey: ["story-events", storyId, shown, size],
    queryFn: ({ pageParam }) =>
      apiPage<TimelineEvent>(`/stories/${storyId}/events`, {
        sort_field: "id",
        sort_dir: "desc",
        limit: size,
        offset: pageParam,
        event_type: shown,
      }),
    enabled: prefs.settled && shown?.length !== 0,
    initialPageParam: 0,
    getNextPageParam: (_last, pages) => nextEventsOffset(pages, size),
  });
  const list = useMemo(() => events.data?.pages.flatMap((p) => p.items) ?? [], [events.data]);
  const total = events.data?.pages[0]?.total;
  const self = useSelf();
  const selfId = canComment ? (self.data?.id ?? null) : null;
  // Who wrote each loaded comment, to say whose comment a reply answers.
  const authors = useMemo(
    () => new Map(list.filter((e) => e.comment).map((e) => [e.comment?.id ?? 0, e.author_id])),
    [list],
  );
  return (
    <section aria-labelledby="timeline-title" className="timeline">
      <h2 id="timeline-title">Timeline{total ? ` (${total})` : ""}</h2>
      {canComment ? <CommentForm storyId={storyId} /> : <p className="muted">Log in to comment.</p>}
      {events.isError && <p role="alert" className="field-error">{(events.error as Error).message}</p>}
      {shown !== null && (
        <p className="muted">
          {shown.length === 0
            ? "Your preferences hide every event type."
            : "Some event types are hidden by your preferences."}{" "}
          <Link to="/preferences">Change</Link>
        </p>
      )}
      <ol className="events">
        {list.map((event) => (
          <li
            key={event.id}
            id={event.comment ? `comment-${event.comment.id}` : undefined}
            className={event.comment ? "event comment" : "event"}
            data-nav-item
            tabIndex={-1}
          >
            <p className="event-head">
              <UserName id={event.author_id} /> {event.comment ? "commented" : describeEvent(event)}{" "}
              <span className="muted">
                <Time value={event.created_at} />
              </span>
            </p>
            {event.comment && (
              <CommentBody
                storyId={storyId}
                event={event}
                comment={event.comment}
                repliedAuthor={event.comment.in_reply_to === null ? undefined : authors.get(event.comment.in_reply_to)}
                selfId={selfId}
              />
            )}
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
