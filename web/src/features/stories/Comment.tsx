import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, get } from "../../api/client";
import type { Comment as CommentData, TimelineEvent } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { MarkdownField } from "../../components/MarkdownField";
import { Markdown } from "../../components/Markdown";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { CommentAttachments, useAttachmentsChanged } from "../attachments/Attachments";
import { uploadAttachment } from "../attachments/api";

/** A comment in the timeline: what it answers, its text, and for a logged-in reader reply, edit
 * (own comments) and the earlier versions of an edited comment. */
export function CommentBody({
  storyId,
  event,
  comment,
  repliedAuthor,
  selfId,
}: {
  storyId: number;
  event: TimelineEvent;
  comment: CommentData;
  repliedAuthor: number | null | undefined;
  selfId: number | null;
}) {
  const [mode, setMode] = useState<"read" | "reply" | "edit">("read");
  const [showHistory, setShowHistory] = useState(false);
  // Only an edit (or a deletion) sets a comment's updated_at; timestamps have whole seconds, so an
  // edit within the comment's first second shows the same time as its creation.
  const edited = comment.updated_at !== null;
  const own = selfId !== null && event.author_id === selfId;
  return (
    <>
      {comment.in_reply_to !== null && (
        <p className="reply-to muted">
          In reply to <a href={`#comment-${comment.in_reply_to}`}>
            {repliedAuthor !== undefined ? <>a comment by <UserName id={repliedAuthor} link={false} /></> : "an earlier comment"}
          </a>
        </p>
      )}
      {!comment.is_active ? (
        <p className="muted">This comment was deleted.</p>
      ) : mode === "edit" ? (
        <CommentEditor storyId={storyId} comment={comment} onDone={() => setMode("read")} />
      ) : (
        <Markdown source={comment.content} />
      )}
      {comment.is_active && <CommentAttachments storyId={storyId} commentId={comment.id} />}
      <div className="comment-actions">
        {edited && (
          <button
            type="button"
            className="link"
            aria-expanded={showHistory}
            onClick={() => setShowHistory(!showHistory)}
          >
            Edited <Time value={comment.updated_at} /> · {showHistory ? "hide" : "show"} earlier versions
          </button>
        )}
        {selfId !== null && comment.is_active && mode === "read" && (
          <button type="button" className="link" onClick={() => setMode("reply")}>
            Reply
          </button>
        )}
        {own && comment.is_active && mode === "read" && (
          <button type="button" className="link" data-nav-edit onClick={() => setMode("edit")}>
            Edit comment
          </button>
        )}
      </div>
      {showHistory && <CommentHistory storyId={storyId} commentId={comment.id} />}
      {mode === "reply" && (
        <CommentForm storyId={storyId} replyTo={comment.id} onDone={() => setMode("read")} />
      )}
    </>
  );
}

function CommentEditor({ storyId, comment, onDone }: { storyId: number; comment: CommentData; onDone: () => void }) {
  const [content, setContent] = useState(comment.content);
  const queryClient = useQueryClient();
  const fid = `comment-${comment.id}-edit`;
  const save = useMutation({
    mutationFn: () => api<CommentData>("PUT", `/stories/${storyId}/comments/${comment.id}`, undefined, { content }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
      void queryClient.invalidateQueries({ queryKey: ["comment-history", storyId, comment.id] });
      onDone();
    },
  });
  return (
    <form
      className="comment-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      onKeyDown={(e) => e.key === "Escape" && onDone()}
    >
      <label htmlFor={fid}>Edit your comment</label>
      <MarkdownField
        id={fid}
        rows={4}
        value={content}
        autoFocus
        onChange={(e) => setContent(e.target.value)}
        aria-invalid={!!save.error}
        aria-describedby={`${fid}-err`}
      />
      <FieldError id={`${fid}-err`} message={errorFor(save.error, "content") ?? errorFor(save.error, "*", ["content"])} />
      <button type="submit" disabled={save.isPending}>
        Save comment
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

function CommentHistory({ storyId, commentId }: { storyId: number; commentId: number }) {
  const history = useQuery({
    queryKey: ["comment-history", storyId, commentId],
    queryFn: () => get<CommentData[]>(`/stories/${storyId}/comments/${commentId}/history`),
  });
  return (
    <section className="comment-history" aria-label="Earlier versions">
      {history.isPending && <p className="muted">Loading…</p>}
      {history.isError && <p role="alert">{(history.error as Error).message}</p>}
      {history.data?.length === 0 && <p className="muted">No earlier version was recorded.</p>}
      <ol className="plain">
        {history.data
          ?.slice()
          .reverse()
          .map((h) => (
            <li key={h.id}>
              <p className="muted">
                Version of <Time value={h.created_at} />
              </p>
              <Markdown source={h.content} />
            </li>
          ))}
      </ol>
    </section>
  );
}

/** A new comment, or a reply to one (`replyTo`); the text stays when the server refuses it. */
export function CommentForm({ storyId, replyTo, onDone }: { storyId: number; replyTo?: number; onDone?: () => void }) {
  const [content, setContent] = useState("");
  // A file sent with the comment: uploaded once the comment exists, as one of its attachments.
  const [file, setFile] = useState<File | null>(null);
  const [fileKey, setFileKey] = useState(0);
  const queryClient = useQueryClient();
  const attachmentsChanged = useAttachmentsChanged(storyId);
  const fid = replyTo === undefined ? "comment" : `reply-${replyTo}`;
  const post = useMutation({
    mutationFn: async () => {
      const event = await api<TimelineEvent>("POST", `/stories/${storyId}/comments`, undefined, {
        content,
        in_reply_to: replyTo ?? null,
      });
      setContent("");
      if (file && event.comment_id !== null && event.comment_id !== undefined) {
        await uploadAttachment(storyId, file, { commentId: event.comment_id });
        setFile(null);
        setFileKey((k) => k + 1);
        attachmentsChanged();
      }
      return event;
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] }),
    onSuccess: () => onDone?.(),
  });
  return (
    <form
      className="comment-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (content.trim()) post.mutate();
      }}
      onKeyDown={(e) => replyTo !== undefined && e.key === "Escape" && onDone?.()}
    >
      <label htmlFor={fid}>
        {replyTo === undefined ? "Add a comment (markdown; indent or fence pasted logs with ```)" : "Your reply (markdown)"}
      </label>
      <MarkdownField
        id={fid}
        rows={4}
        value={content}
        autoFocus={replyTo !== undefined}
        onChange={(e) => setContent(e.target.value)}
        aria-describedby={post.error ? `${fid}-err` : undefined}
      />
      <label className="comment-file">
        Attach a file{" "}
        <input key={fileKey} type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      <FieldError id={`${fid}-err`} message={errorFor(post.error, "content") ?? errorFor(post.error, "*", ["content"])} />
      <button type="submit" disabled={post.isPending || !content.trim()}>
        {replyTo === undefined ? "Comment" : "Post reply"}
      </button>
      {replyTo !== undefined && (
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      )}
    </form>
  );
}
