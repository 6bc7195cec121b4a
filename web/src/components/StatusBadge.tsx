import { STATUS_LABELS } from "../lib/status";

export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return null;
  return <span className={`badge status-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}
