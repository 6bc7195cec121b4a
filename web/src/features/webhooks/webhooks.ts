import type { components } from "../../api/schema";
import { EVENT_LABELS, EVENT_TYPES } from "../preferences/prefs";

export type Webhook = components["schemas"]["WebhookOut"];
export type WebhookWithSecret = components["schemas"]["WebhookSecretOut"];
export type Delivery = components["schemas"]["DeliveryOut"];

/** The story event types a hook may ask for (the server's HOOK_EVENT_TYPES): a story timeline's, and the
 * security and attachment events. */
export const HOOK_EVENT_TYPES = [...EVENT_TYPES, "story_disclosed", "attachment_added", "attachment_removed"] as const;

export function eventLabel(type: string): string {
  return EVENT_LABELS[type] ?? type.charAt(0).toUpperCase() + type.slice(1).replace(/_/g, " ");
}

/** "every story event" or "user comment, task created". */
export function eventsLabel(types: string[] | null | undefined): string {
  if (!types || types.length === 0) return "every story event";
  return types.map((t) => eventLabel(t).toLowerCase()).join(", ");
}

/** Where a hook listens: a project, a project group, or everything. */
export function scopeLabel(hook: Pick<Webhook, "scope" | "project_id" | "project_group_id">, names: Map<string, string>): string {
  if (hook.scope === "project") return `project ${names.get(`p${hook.project_id}`) ?? hook.project_id}`;
  if (hook.scope === "project_group") return `project group ${names.get(`g${hook.project_group_id}`) ?? hook.project_group_id}`;
  return "every project";
}

/** A delivery's outcome in a few words: "204 in 12 ms", "failed: HTTP 503 …", "pending (2 attempts)". */
export function outcomeLabel(d: Pick<Delivery, "status" | "response_code" | "duration_ms" | "error" | "attempts">): string {
  const tries = d.attempts === 1 ? "1 attempt" : `${d.attempts} attempts`;
  if (d.status === "delivered") return `${d.response_code ?? "?"} in ${d.duration_ms ?? "?"} ms`;
  if (d.status === "pending") return d.attempts === 0 ? "pending" : `retrying (${tries}): ${d.error ?? ""}`.trim();
  if (d.status === "cancelled") return "not sent: the hook was turned off";
  return `failed after ${tries}: ${d.error ?? ""}`.trim();
}
