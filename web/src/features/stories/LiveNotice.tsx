import { UserName } from "../../components/UserName";
import { describeEvent } from "./describeEvent";
import { useLiveStory } from "./useLiveStory";

/** Keeps the story page up to date (useLiveStory) and says politely what just arrived. */
export function LiveNotice({ storyId }: { storyId: number }) {
  const arrived = useLiveStory(storyId);
  const latest = arrived[arrived.length - 1];
  return (
    <p className="live-notice muted" aria-live="polite">
      {latest && (
        <>
          Just now: <UserName id={latest.author_id} link={false} /> {latest.comment ? "commented" : describeEvent(latest)}
          {arrived.length > 1 ? ` (and ${arrived.length - 1} more)` : ""}
        </>
      )}
    </p>
  );
}
