// The story an inbox row (subscription event) is about, read from its JSON event_info.
export interface InboxStory {
  id: number;
  title: string | null;
}

export function storyOf(eventInfo: string | null | undefined): InboxStory | null {
  try {
    const info = JSON.parse(eventInfo ?? "null") as unknown;
    if (info && typeof info === "object") {
      const i = info as Record<string, unknown>;
      if (typeof i.story_id === "number") {
        return { id: i.story_id, title: typeof i.story_title === "string" ? i.story_title : null };
      }
    }
  } catch {
    // not JSON: no story to link
  }
  return null;
}
