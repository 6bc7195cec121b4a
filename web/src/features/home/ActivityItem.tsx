import { Link } from "react-router-dom";
import type { TimelineEvent } from "../../api/types";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { describeEvent } from "../stories/describeEvent";
import type { InboxStory } from "./inbox";

type ActivityEvent = Pick<TimelineEvent, "event_type" | "event_info" | "author_id" | "created_at">;

/** One line of an activity list: who did what, in which story (by title when known), when. */
export function ActivityItem({ event, story }: { event: ActivityEvent; story: Pick<InboxStory, "id" | "title"> | null }) {
  return (
    <li data-nav-item tabIndex={-1}>
      <UserName id={event.author_id} /> {describeEvent(event)}
      {story && (
        <>
          {" "}
          in <Link to={`/story/${story.id}`}>{story.title ? `#${story.id} ${story.title}` : `story #${story.id}`}</Link>
        </>
      )}{" "}
      <span className="muted">
        <Time value={event.created_at} />
      </span>
    </li>
  );
}
