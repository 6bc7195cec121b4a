import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { apiPage } from "../../api/client";
import { useSelf } from "../../api/queries";
import { FieldError } from "../../components/FieldError";
import { UserName } from "../../components/UserName";
import {
  describeInboxEvent,
  inboxTarget,
  isRead,
  markAllRead,
  markOneRead,
  type ReadState,
  unreadCount,
  unreadLabel,
} from "../../lib/NotificationInbox";
import { type InboxEvent, useInboxRead } from "./InboxQueries";
import "./NotificationStyles.css";

const PAGE = 25;

/** /inbox: what happened on what the reader follows (`/v1/subscription_events`), newest first, the unread
 * entries marked; mark one or all read, jump to the story. */
export function InboxPage() {
  const self = useSelf();
  useEffect(() => {
    document.title = "Inbox · Storyline";
  }, []);
  if (self.isPending) return <p className="muted">Loading…</p>;
  if (!self.data) {
    return (
      <section className="narrow">
        <h1>Inbox</h1>
        <p>
          <Link to="/login">Log in</Link> to see what happened on the stories, projects and worklists you follow.
        </p>
      </section>
    );
  }
  return <Inbox />;
}

function Inbox() {
  const [unreadOnly, setUnreadOnly] = useState(false);
  const read = useInboxRead();
  const events = useInfiniteQuery({
    queryKey: ["inbox", "pages"],
    queryFn: ({ pageParam }) =>
      apiPage<InboxEvent>("/subscription_events", { sort_field: "id", sort_dir: "desc", limit: PAGE, marker: pageParam ?? undefined }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => (last.items.length < PAGE ? undefined : (last.items[last.items.length - 1]?.id ?? undefined)),
  });
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];
  const total = events.data?.pages[0]?.total ?? null;
  const ids = rows.map((e) => e.id);
  const complete = events.data !== undefined && !events.hasNextPage;
  const unread = unreadCount(read.state, ids, complete ? ids.length : total);
  const newest = ids[0];
  const save = (next: ReadState) => {
    if (next !== read.state) read.save.mutate(next);
  };
  const markOne = (id: number) => save(markOneRead(read.state, id, ids, complete));
  const shown = unreadOnly ? rows.filter((e) => !isRead(read.state, e.id)) : rows;

  return (
    <section className="inbox">
      <h1>Inbox</h1>
      <div className="inbox-toolbar">
        <p role="status" className="inbox-summary">
          {!events.data || !read.ready
            ? "Loading…"
            : unread.count === 0
              ? "Everything is read."
              : `${unreadLabel(unread)} unread of ${total ?? rows.length}.`}
        </p>
        <button
          type="button"
          onClick={() => newest !== undefined && save(markAllRead(read.state, newest))}
          disabled={!read.ready || unread.count === 0 || read.save.isPending}
        >
          Mark all read
        </button>
        <label className="check">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} /> Unread only
        </label>
        <Link to="/preferences#notifications">E-mail and subscriptions</Link>
      </div>
      <FieldError id="inbox-err" message={read.save.error ? `Not saved: ${(read.save.error as Error).message}` : null} />
      {events.isError && <p role="alert">{(events.error as Error).message}</p>}
      {events.data && rows.length === 0 && (
        <p className="muted">
          Nothing yet. Subscribe to a story, a project, a project group or a worklist, or be mentioned, assigned a task or
          comment on a story, to hear about its changes here.
        </p>
      )}
      {events.data && rows.length > 0 && shown.length === 0 && <p className="muted">No unread entries among those loaded.</p>}
      <ul className="inbox-list" aria-label="Inbox entries">
        {shown.map((e) => (
          <InboxRow key={e.id} event={e} unread={read.ready && !isRead(read.state, e.id)} onRead={() => markOne(e.id)} />
        ))}
      </ul>
      {events.hasNextPage && (
        <button type="button" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
          {events.isFetchingNextPage ? "Loading…" : "Show older entries"}
        </button>
      )}
    </section>
  );
}

function InboxRow({ event, unread, onRead }: { event: InboxEvent; unread: boolean; onRead: () => void }) {
  const what = describeInboxEvent(event);
  const target = inboxTarget(event);
  return (
    <li className={unread ? "unread" : undefined} data-nav-item tabIndex={-1}>
      {unread && <span className="unread-mark">Unread</span>}
      <span className="inbox-what">
        {!what.standalone && (event.author_id != null ? <UserName id={event.author_id} /> : "An administrator (command line)")}{" "}
        {what.text}{" "}
        {target && (
          // Following the link reads the entry.
          <Link to={target.to} onClick={() => unread && onRead()}>
            {target.label}
          </Link>
        )}
      </span>
      <span className="muted">
        <When value={event.created_at} />
      </span>
      {unread && (
        <button type="button" className="link" onClick={onRead}>
          Mark read
        </button>
      )}
    </li>
  );
}

/** The day and time of an entry (the inbox is read by the hour, not by the day). */
function When({ value }: { value: string }) {
  const d = new Date(value);
  return (
    <time dateTime={value} title={d.toLocaleString()}>
      {d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })}
    </time>
  );
}
