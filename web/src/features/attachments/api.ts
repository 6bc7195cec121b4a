// Attachments over the public API: multipart uploads and authenticated downloads (the token is not a
// cookie, so a private story's file is fetched with it and handed to the browser as a blob).
import { send } from "../../api/client";
import type { Attachment } from "../../api/types";

export const attachmentsPath = (storyId: number) => `/stories/${storyId}/attachments`;

/** Upload one file to a story, optionally as part of a comment. */
export async function uploadAttachment(
  storyId: number,
  file: File,
  extra: { title?: string; commentId?: number } = {},
): Promise<Attachment> {
  const form = new FormData();
  form.append("file", file, file.name);
  if (extra.title) form.append("title", extra.title);
  if (extra.commentId !== undefined) form.append("comment_id", String(extra.commentId));
  const res = await send("POST", attachmentsPath(storyId), undefined, form);
  return (await res.json()) as Attachment;
}

/** Fetch a file with the reader's token and save it under its name. */
export async function downloadAttachment(a: Pick<Attachment, "story_id" | "id" | "name">): Promise<void> {
  const res = await send("GET", `${attachmentsPath(a.story_id)}/${a.id}/download`);
  const url = URL.createObjectURL(await res.blob());
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = a.name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** "1.2 MB" for a size in bytes. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
