import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, get } from "../../api/client";

/** A row of the outbox as /preview/outbox shows it to superusers (never a story's text). */
export interface OutboxRow {
  id: number;
  kind: string;
  created_at: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  parked_at: string | null;
  summary: Record<string, string | number | boolean | null>;
}

export interface OutboxListing {
  counts: Record<string, { pending: number; parked: number }>;
  rows: OutboxRow[];
}

/** "e-mail to user 12 about story 3 (user_comment)": what a row is for, from its summary. */
export function describeRow(row: OutboxRow): string {
  const s = row.summary;
  const what = row.kind === "email" ? (s.type === "digest" ? "digest e-mail" : "e-mail") : row.kind;
  const parts = [what];
  if (s.user_id != null) parts.push(`to user ${s.user_id}`);
  if (s.hook_id != null) parts.push(`to webhook ${s.hook_id}`);
  if (s.story_id != null) parts.push(`about story ${s.story_id}`);
  if (s.event_type != null) parts.push(`(${s.event_type})`);
  return parts.join(" ");
}

/** Deliveries (e-mail, webhooks) that failed for good: listed with their last error, sent again on demand. */
export function OutboxPanel() {
  const queryClient = useQueryClient();
  const listing = useQuery({
    queryKey: ["admin-outbox"],
    queryFn: () => get<OutboxListing>("/preview/outbox", { parked: true }),
  });
  const retry = useMutation({
    mutationFn: (ids: number[] | null) => api<{ retried: number }>("POST", "/preview/outbox/retry", undefined, { ids }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin-outbox"] }),
  });
  const kinds = Object.entries(listing.data?.counts ?? {});
  const rows = listing.data?.rows ?? [];
  return (
    <section aria-labelledby="outbox-title" className="admin-outbox">
      <h2 id="outbox-title">Deliveries (preview)</h2>
      <p className="muted">
        E-mail and webhook calls wait in the outbox until they are delivered; one that failed too often, or was refused
        for good, is parked here with its last error.
      </p>
      {listing.isPending && <p className="muted">Loading…</p>}
      {listing.isError && <p role="alert">{String(listing.error)}</p>}
      {listing.data && (
        <ul aria-label="Outbox by kind">
          {kinds.length === 0 && <li>Nothing waiting.</li>}
          {kinds.map(([kind, c]) => (
            <li key={kind}>
              {kind}: {c.pending} waiting, {c.parked} parked
            </li>
          ))}
        </ul>
      )}
      {rows.length > 0 && (
        <>
          <table aria-label="Parked deliveries">
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td>
                    #{row.id} {describeRow(row)}
                  </td>
                  <td>{row.attempts}</td>
                  <td>
                    <code>{row.last_error}</code>
                  </td>
                  <td>
                    <button type="button" onClick={() => retry.mutate([row.id])} disabled={retry.isPending}>
                      Send again
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={() => retry.mutate(null)} disabled={retry.isPending}>
            Send all again
          </button>
        </>
      )}
      {retry.data && <p role="status">{retry.data.retried} put back in line.</p>}
      {retry.isError && <p role="alert">{String(retry.error)}</p>}
    </section>
  );
}
