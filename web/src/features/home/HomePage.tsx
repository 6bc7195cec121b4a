import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link } from "react-router-dom";
import { get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { TimelineEvent } from "../../api/types";
import { ActivityItem } from "./ActivityItem";
import { hasTasks } from "../../lib/storylist";
import { useLiveList } from "../../lib/liveLists";
import { FollowedActivity, HomeSearch, homeStories, StoryCard } from "./Dashboard";
import { FirstRunGuide } from "./FirstRun";
import { PinnedViews } from "../search/PinnedViews";
import { UserTasks, userTasks } from "./UserTasks";

export function HomePage() {
  const self = useSelf();
  useEffect(() => {
    document.title = "Storyline";
  }, []);
  return (
    <div className="home">
      {!self.isPending && <HomeLive userId={self.data?.id ?? null} />}
      {self.data ? (
        <>
          <h1>Welcome, {self.data.full_name}</h1>
          <FirstRunGuide />
          <div className="dashboard">
            <UserTasks userId={self.data.id} title="My tasks" />
            <StoryCard title="Stories I follow" query={{ subscriber_id: self.data.id }} empty="You follow no story yet." />
            <StoryCard title="Stories I created" query={{ creator_id: self.data.id }} empty="You have created no story yet." />
            <PinnedViews />
          </div>
          <FollowedActivity />
        </>
      ) : (
        <>
          <h1>Storyline</h1>
          <p>
            A task tracker for large open-source communities. Search above (press <kbd>/</kbd>), or{" "}
            <Link to="/login">log in</Link> to see your tasks.
          </p>
          <FirstRunGuide />
          <HomeSearch />
        </>
      )}
      <RecentActivity />
    </div>
  );
}

const recentEvents = {
  queryKey: ["recent-events"],
  queryFn: () => get<TimelineEvent[]>("/events", { sort_field: "id", sort_dir: "desc", limit: 25 }),
};

/** Others' changes show in the home page's lists without a reload: one live stream for them all (every
 * project when there are few enough, and the stories shown), each notice burst read once. */
function HomeLive({ userId }: { userId: number | null }) {
  const mine = userId ?? 0;
  const tasks = useQuery({ ...userTasks(mine), enabled: userId !== null });
  const followed = useQuery({ ...homeStories({ subscriber_id: mine }), enabled: userId !== null });
  const created = useQuery({ ...homeStories({ creator_id: mine }), enabled: userId !== null });
  const recent = useQuery(recentEvents);
  const stories = [
    ...(tasks.data ?? []).map((t) => t.story_id),
    ...(followed.data ?? []).map((s) => s.id),
    ...(created.data ?? []).map((s) => s.id),
    ...(recent.data ?? []).flatMap((e) => (e.story_id !== null ? [e.story_id] : [])),
  ];
  const taskless = [...(followed.data ?? []), ...(created.data ?? [])].filter((s) => !hasTasks(s)).map((s) => s.id);
  // Its lists as a query, on a larger instance: "" (every story the reader may see), as the recent activity
  // shows any of them (the others are `assignee:@me`, `subscriber:@me`, `creator:@me`).
  useLiveList({ stories, taskless, bound: null, query: "" }, [["user-tasks"], ["home-stories"], ["recent-events"], ["subscription-events"]]);
  return null;
}

function RecentActivity() {
  const events = useQuery(recentEvents);
  return (
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent activity</h2>
      {events.isPending && <p className="muted">Loading…</p>}
      {events.isError && <p role="alert">{(events.error as Error).message}</p>}
      {events.data?.length === 0 && <p className="muted">Nothing yet.</p>}
      <ul className="plain activity">
        {events.data?.map((e) => (
          <ActivityItem key={e.id} event={e} story={e.story_id !== null ? { id: e.story_id, title: null } : null} />
        ))}
      </ul>
    </section>
  );
}
