import { type ReactNode, type RefObject, useEffect, useRef } from "react";
import { FieldError } from "./FieldError";

/** A modal confirmation of a destructive action: the question, what it does, the action's error, and
 * the action's button beside Cancel (focused first). Closing it (Cancel, Escape) calls `onCancel` and
 * gives the focus back to `opener`. Rendered only while asking. */
export function ConfirmDialog({
  id,
  question,
  children,
  error,
  action,
  pending,
  onConfirm,
  onCancel,
  opener,
}: {
  id: string;
  question: ReactNode;
  children: ReactNode;
  error: string | null;
  action: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  opener: RefObject<HTMLElement | null>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal?.();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="dialog confirm-dialog"
      role="alertdialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-what`}
      onClose={() => {
        onCancel();
        opener.current?.focus();
      }}
    >
      <h2 id={`${id}-title`}>{question}</h2>
      <p id={`${id}-what`}>{children}</p>
      <FieldError id={`${id}-err`} message={error} />
      <div className="actions">
        <button type="button" className="danger" disabled={pending} onClick={onConfirm}>
          {action}
        </button>
        <button type="button" autoFocus onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
