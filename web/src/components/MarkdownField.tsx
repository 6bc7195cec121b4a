import { type TextareaHTMLAttributes, useState } from "react";
import { NotificationMentionTextarea } from "../features/notifications/NotificationMentionTextarea";
import { Markdown } from "./Markdown";

const KEY = "storyline.markdown_preview";

function remembered(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

/** A markdown textarea with a live preview under it while writing (on or off, remembered in this
 * browser). Takes a textarea's props; `value` is the text. */
export function MarkdownField(props: TextareaHTMLAttributes<HTMLTextAreaElement> & { id: string; value: string }) {
  const [preview, setPreview] = useState(remembered);
  const toggle = () => {
    setPreview(!preview);
    try {
      localStorage.setItem(KEY, preview ? "0" : "1");
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  };
  return (
    <div className="markdown-field">
      <NotificationMentionTextarea {...props} />
      <div className="markdown-field-bar">
        <span className="muted">
          Markdown: **bold**, `code`, ```python fences, - [ ] tasks, #123 stories, @ + a name mentions someone
        </span>
        <button type="button" className="link" aria-pressed={preview} aria-controls={preview ? `${props.id}-preview` : undefined} onClick={toggle}>
          Preview
        </button>
      </div>
      {preview && (
        <section id={`${props.id}-preview`} className="markdown-preview" aria-label="Preview" aria-live="polite">
          {props.value.trim() ? <Markdown source={props.value} /> : <p className="muted">Nothing to preview yet.</p>}
        </section>
      )}
    </div>
  );
}
