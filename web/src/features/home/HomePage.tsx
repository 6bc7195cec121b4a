import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link } from "react-router-dom";
import { get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { TimelineEvent } from "../../api/types";
import { ActivityItem } from "./ActivityItem";
import { FollowedActivity, HomeSearch, StoryCard } from "./Dashboard";
import { FirstRunGuide } from "./FirstRun";
import { PinnedViews } from "../search/PinnedViews";
import { UserTasks } from "./UserTasks";

export function HomePage() {
  const self = useSelf();
  useEffect(() => {
    document.title = "Storyline";
  }, []);
  return (
    <div className="home">
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

function RecentActivity() {
  const events = useQuery({
    queryKey: ["recent-events"],
    queryFn: () => get<TimelineEvent[]>("/events", { sort_field: "id", sort_dir: "desc", limit: 25 }),
  });
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
