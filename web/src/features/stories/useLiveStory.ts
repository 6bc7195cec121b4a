import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { get } from "../../api/client";
import type { TimelineEvent } from "../../api/types";

/** How often an open story page asks for events newer than the last one it has seen. */
export const LIVE_POLL_MS = 3000;

/** Live updates by polling: every LIVE_POLL_MS while the tab is visible, the story's events after the
 * newest one seen (`marker`, ascending); when there are some, the story, its tasks and its timeline are
 * read again. Returns the newest arrivals' events, for a polite announcement. */
export function useLiveStory(storyId: number): TimelineEvent[] {
  const queryClient = useQueryClient();
  const last = useRef<number | null>(null);
  const [arrived, setArrived] = useState<TimelineEvent[]>([]);
  useEffect(() => {
    last.current = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (document.visibilityState === "visible") {
        try {
          if (last.current === null) {
            const newest = await get<TimelineEvent[]>(`/stories/${storyId}/events`, { sort_field: "id", sort_dir: "desc", limit: 1 });
            last.current = newest[0]?.id ?? 0;
          } else {
            const fresh = await get<TimelineEvent[]>(`/stories/${storyId}/events`, {
              sort_field: "id",
              sort_dir: "asc",
              marker: last.current || undefined,
              limit: 50,
            });
            const newer = fresh.filter((e) => e.id > (last.current ?? 0));
            if (newer.length > 0 && !stopped) {
              last.current = Math.max(...newer.map((e) => e.id));
              setArrived(newer);
              void queryClient.invalidateQueries({ queryKey: ["story", storyId] });
              void queryClient.invalidateQueries({ queryKey: ["story-tasks", storyId] });
              void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
            }
          }
        } catch {
          // A failed poll (offline, the story turned private) is tried again at the next tick.
        }
      }
      if (!stopped) timer = setTimeout(() => void poll(), LIVE_POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [storyId, queryClient]);
  return arrived;
}
