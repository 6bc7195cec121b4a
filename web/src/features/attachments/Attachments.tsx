import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { api, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Attachment } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { attachmentsPath, downloadAttachment, formatSize, uploadAttachment } from "./api";

export const attachmentsKey = (storyId: number) => ["story-attachments", storyId];

export function useAttachments(storyId: number) {
  return useQuery({ queryKey: attachmentsKey(storyId), queryFn: () => get<Attachment[]>(attachmentsPath(storyId)) });
}

/** After an upload or a deletion: the list and the timeline (attachment_added / attachment_removed). */
export function useAttachmentsChanged(storyId: number): () => void {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: attachmentsKey(storyId) });
    void queryClient.invalidateQueries({ queryKey: ["story-events", storyId] });
  };
}

/** The story's files: listed with a download link; logged-in readers add files (drag and drop, or a
 * file picker); the uploader or a superuser deletes one. */
export function Attachments({ storyId, canUpload }: { storyId: number; canUpload: boolean }) {
  const list = useAttachments(storyId);
  const files = list.data ?? [];
  return (
    <section aria-labelledby="attachments-title" className="attachments">
      <h2 id="attachments-title">Attachments{files.length ? ` (${files.length})` : ""}</h2>
      {list.isError && <p role="alert">{(list.error as Error).message}</p>}
      {list.data && files.length === 0 && <p className="muted">No attachments.</p>}
      <AttachmentList storyId={storyId} files={files} label="Attachments" />
      {canUpload && <DropZone storyId={storyId} />}
    </section>
  );
}

/** The files attached with one comment (shown under the comment). */
export function CommentAttachments({ storyId, commentId }: { storyId: number; commentId: number }) {
  const list = useAttachments(storyId);
  const files = (list.data ?? []).filter((a) => a.comment_id === commentId);
  if (files.length === 0) return null;
  return <AttachmentList storyId={storyId} files={files} label="Files of this comment" />;
}

function AttachmentList({ storyId, files, label }: { storyId: number; files: Attachment[]; label: string }) {
  const self = useSelf();
  const changed = useAttachmentsChanged(storyId);
  const [failed, setFailed] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (a: Attachment) => api("DELETE", `${attachmentsPath(storyId)}/${a.id}`),
    onSuccess: changed,
  });
  if (files.length === 0) return null;
  const me = self.data;
  return (
    <>
      <ul className="attachment-list plain" aria-label={label}>
        {files.map((a) => (
          <li key={a.id} className="attachment">
            <a
              href={a.link}
              download={a.name}
              onClick={(e) => {
                e.preventDefault();
                setFailed(null);
                downloadAttachment(a).catch((err: unknown) => setFailed((err as Error).message));
              }}
            >
              {a.name}
            </a>
            {a.title && a.title !== a.name ? <span> — {a.title}</span> : null}{" "}
            <span className="muted">
              {formatSize(a.size)} · <UserName id={a.creator_id} /> · <Time value={a.created_at} />
            </span>
            {me && (me.id === a.creator_id || me.is_superuser) && (
              <button
                type="button"
                className="link"
                aria-label={`Delete attachment ${a.name}`}
                onClick={() => remove.mutate(a)}
                disabled={remove.isPending}
              >
                Delete
              </button>
            )}
          </li>
        ))}
      </ul>
      <FieldError id={`attachments-err-${label}`} message={failed ?? errorFor(remove.error, "*")} />
    </>
  );
}

function DropZone({ storyId }: { storyId: number }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const changed = useAttachmentsChanged(storyId);
  const upload = useMutation({
    mutationFn: async (chosen: File[]) => {
      for (const file of chosen) await uploadAttachment(storyId, file);
    },
    onSettled: changed,
  });
  const take = (list: FileList | null) => {
    const chosen = list ? Array.from(list) : [];
    if (chosen.length) upload.mutate(chosen);
    if (input.current) input.current.value = "";
  };
  return (
    <div
      className={over ? "drop-zone drop-target" : "drop-zone"}
      data-testid="attachment-drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        take(e.dataTransfer.files);
      }}
    >
      <label htmlFor="attachment-file">Drop files here, or choose files to attach</label>{" "}
      <input
        id="attachment-file"
        ref={input}
        type="file"
        multiple
        onChange={(e) => take(e.target.files)}
        disabled={upload.isPending}
        aria-describedby="attachment-upload-err"
      />
      {upload.isPending && <span className="muted"> Uploading…</span>}
      <FieldError id="attachment-upload-err" message={errorFor(upload.error, "*")} />
    </div>
  );
}
