import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { get } from "../../api/client";
import type { Story } from "../../api/types";
import type { components } from "../../api/schema";
import { StatusBadge } from "../../components/StatusBadge";
import { Time } from "../../components/Time";
import { ActivityItem } from "./ActivityItem";
import { storyOf } from "./inbox";

type InboxEvent = components["schemas"]["SubscriptionEventOut"];

/** The home page's short story lists (shared with the page's live updates, HomeLive). */
export const homeStories = (query: Record<string, number>) => ({
  queryKey: ["home-stories", query],
  queryFn: () => get<Story[]>("/stories", { ...query, sort_field: "updated_at", sort_dir: "desc", limit: 10 }),
});

/** A short list of stories (the newest changes first) under a heading. */
export function StoryCard({ title, query, empty }: { title: string; query: Record<string, number>; empty: string }) {
  const id = `card-${title.replace(/\W+/g, "-").toLowerCase()}`;
  const stories = useQuery(homeStories(query));
  return (
    <section aria-labelledby={id} className="card-section">
      <h2 id={id}>{title}</h2>
      {stories.isPending && <p className="muted">Loading…</p>}
      {stories.isError && <p role="alert">{(stories.error as Error).message}</p>}
      {stories.data?.length === 0 && <p className="muted">{empty}</p>}
      <ul className="plain">
        {stories.data?.map((s) => (
          <li key={s.id} data-nav-item tabIndex={-1}>
            <Link to={`/story/${s.id}`}>
              #{s.id} {s.title}
            </Link>{" "}
            <StatusBadge status={s.status} />{" "}
            <span className="muted">
              <Time value={s.updated_at ?? s.created_at} />
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Inbox entries about the reader's own account and access (docs/security.md), not about followed work. */
const ACCOUNT_NOTICES = new Set(["user_token_created", "team_member_added", "team_member_removed"]);

function noticeText(e: InboxEvent): string {
  let info: Record<string, unknown> = {};
  try {
    info = JSON.parse(e.event_info ?? "{}") as Record<string, unknown>;
  } catch {
    /* an unreadable entry still says what kind it is */
  }
  const by = info.created_by ?? info.changed_by;
  const who = by == null ? "An administrator (command line)" : `User #${String(by)}`;
  const opens = typeof info.private_stories === "number" && info.private_stories > 0
    ? ` It concerns ${info.private_stories} private ${info.private_stories === 1 ? "story" : "stories"}; their audit logs record it.`
    : "";
  if (e.event_type === "user_token_created") {
    return `${who} created an API token${info.name ? ` "${String(info.name)}"` : ""} for your account.${opens}`;
  }
  const team = info.team_name ? `team ${String(info.team_name)}` : "a team";
  return e.event_type === "team_member_added"
    ? `${who} added you to ${team}.${opens}`
    : `${who} removed you from ${team}.${opens}`;
}

/** The logged-in user's inbox: what happened lately on the stories, tasks and projects they follow,
 * and, apart, notices about their own account (a token made for them, a team joined or left). */
export function FollowedActivity() {
  const events = useQuery({
    queryKey: ["subscription-events"],
    queryFn: () => get<InboxEvent[]>("/subscription_events", { sort_field: "id", sort_dir: "desc", limit: 25 }),
  });
  const activity = events.data?.filter((e) => !ACCOUNT_NOTICES.has(e.event_type));
  const notices = events.data?.filter((e) => ACCOUNT_NOTICES.has(e.event_type));
  return (
    <>
      <section aria-labelledby="followed-title">
        <h2 id="followed-title">Activity on what I follow</h2>
        {events.isPending && <p className="muted">Loading…</p>}
        {events.isError && <p role="alert">{(events.error as Error).message}</p>}
        {activity?.length === 0 && (
          <p className="muted">Nothing yet. Subscribe to a story to hear about its changes here.</p>
        )}
        <ul className="plain activity">
          {activity?.map((e) => <ActivityItem key={e.id} event={e} story={storyOf(e.event_info)} />)}
        </ul>
      </section>
      {notices && notices.length > 0 && (
        <section aria-labelledby="notices-title">
          <h2 id="notices-title">Notices about my account</h2>
          <ul className="plain activity">
            {notices.map((e) => (
              <li key={e.id}>
                {noticeText(e)}{" "}
                <span className="muted">
                  <Time value={e.created_at} />
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** A search form for the home page (the header's box also searches as you type). */
export function HomeSearch() {
  const [q, setQ] = useState("");
  const navigate = useNavigate();
  return (
    <form
      className="inline home-search"
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
      }}
    >
      <label htmlFor="home-search" className="visually-hidden">
        Find stories, tasks, projects or people
      </label>
      <input
        id="home-search"
        type="search"
        placeholder="Find stories, tasks, projects or people"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <button type="submit">Search</button>
    </form>
  );
}
