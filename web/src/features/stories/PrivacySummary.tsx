import { useState } from "react";
import type { Story } from "../../api/types";
import { SecurityPanel } from "../security/SecurityPanel";
import { embargoState, typeLabel } from "../security/security";

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One line saying who can see the story, e.g. "Private · visible to 3 people, 1 team · Security". */
export function privacyLine(story: Pick<Story, "private" | "security" | "users" | "teams" | "information_type">): string {
  const parts: string[] = [story.private ? "Private" : "Public"];
  if (story.private) {
    const who = [count(story.users?.length ?? 0, "person", "people")];
    if (story.teams?.length) who.push(count(story.teams.length, "team", "teams"));
    parts.push(`visible to ${who.join(", ")}`);
  }
  if (story.security) parts.push("Security");
  else if (story.information_type !== "public" && story.information_type !== "private") parts.push(typeLabel(story.information_type));
  return parts.join(" · ");
}

/** The privacy panel folded into one line under the title; the whole panel (access list, information
 * type, embargo, disclosure, audit log) opens on demand. */
export function PrivacySummary({ story, canEdit }: { story: Story; canEdit: boolean }) {
  const [open, setOpen] = useState(false);
  const embargo = embargoState(story);
  return (
    <div className="privacy-summary">
      <p className="privacy-line">
        <span className={`badge ${story.private ? "badge-private" : ""}`}>{story.private ? "Private" : "Public"}</span>{" "}
        <span data-testid="privacy-line">{privacyLine(story)}</span>
        {embargo && <span className={embargo.tone === "due" ? "embargo due" : "muted"}> · {embargo.text}</span>}{" "}
        <button type="button" className="link" aria-expanded={open} aria-controls="privacy-details" onClick={() => setOpen(!open)}>
          {open ? "Hide privacy details" : canEdit ? "Privacy details and changes" : "Privacy details"}
        </button>
      </p>
      {open && (
        <div id="privacy-details">
          <SecurityPanel story={story} canEdit={canEdit} />
        </div>
      )}
    </div>
  );
}
