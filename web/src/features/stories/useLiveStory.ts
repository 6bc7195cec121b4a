import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { get } from "../../api/client";
import type { TimelineEvent } from "../../api/types";
import { LIVE_POLL_MS, useLive } from "../../lib/live";

/** Live updates of an open story page. The server's stream (lib/live.ts) says when the story changed; the
 * page then reads the story's events after the newest one seen (`marker`, ascending) and, when there are
 * some, the story, its tasks and its timeline again. When the stream is not available it polls every
 * LIVE_POLL_MS while the tab is visible. Returns the newest arrivals' events, for a polite announcement. */
export function useLiveStory(storyId: number): TimelineEvent[] {
  const queryClient = useQueryClient();
  const last = useRef<number | null>(null);
  const running = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  const [arrived, setArrived] = useState<TimelineEvent[]>([]);

  const invalidate = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: ["story", storyId] });
    void queryClient.invalidateQueries({ queryKey: ["story-tasks", storyId] });
    void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
  }, [queryClient, storyId]);

  /** The events after the newest seen; one read at a time (a change arriving meanwhile reads once more). */
  const catchUp = useCallback((): Promise<void> => {
    if (running.current) {
      again.current = true;
      return running.current;
    }
    const run = async () => {
      try {
        if (last.current === null) {
          const newest = await get<TimelineEvent[]>(`/stories/${storyId}/events`, { sort_field: "id", sort_dir: "desc", limit: 1 });
          last.current = newest[0]?.id ?? 0;
          return;
        }
        const fresh = await get<TimelineEvent[]>(`/stories/${storyId}/events`, {
          sort_field: "id",
          sort_dir: "asc",
          marker: last.current || undefined,
          limit: 50,
        });
        const newer = fresh.filter((e) => e.id > (last.current ?? 0));
        if (newer.length > 0) {
          last.current = Math.max(...newer.map((e) => e.id));
          setArrived(newer);
          invalidate();
        }
      } catch {
        // A failed read (offline, the story turned private) is tried again at the next change or tick.
      }
    };
    running.current = (async () => {
      do {
        again.current = false;
        await run();
      } while (again.current && last.current !== null);
      running.current = null;
    })();
    return running.current;
  }, [storyId, invalidate]);

  useEffect(() => {
    last.current = null;
    setArrived([]);
    void catchUp();
  }, [storyId, catchUp]);

  // A change: the page reads the story again at once, and the new events (for the announcement) beside it.
  const onChange = useCallback(() => {
    invalidate();
    void catchUp();
  }, [invalidate, catchUp]);
  const mode = useLive({ story: [storyId] }, onChange, invalidate, storyId > 0);

  useEffect(() => {
    if (mode !== "polling") return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void catchUp();
    }, LIVE_POLL_MS);
    return () => clearInterval(timer);
  }, [mode, catchUp]);
  return arrived;
}
