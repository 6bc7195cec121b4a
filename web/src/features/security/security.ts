// Story privacy and security: information types, embargo reminders, dates, the audit log's wording,
// and the text of a bug report.
import type { components } from "../../api/schema";
import type { Story } from "../../api/types";

export type AuditEntry = components["schemas"]["AuditOut"];
export type { Team } from "../../api/types";

/** The four information types, as the OpenAPI document declares them on a story. */
export type InformationType = NonNullable<components["schemas"]["StoryIn"]["information_type"]>;

/** The four information types (docs/security.md), with what each means for readers. */
export const INFORMATION_TYPES: { value: InformationType; label: string; help: string }[] = [
  { value: "public", label: "Public", help: "Everyone can see it." },
  { value: "public_security", label: "Public security", help: "Everyone can see it; it is about security (hardening, a disclosed issue)." },
  { value: "private_security", label: "Private security", help: "An embargoed vulnerability: only the people and teams on the access list see it." },
  { value: "private", label: "Private", help: "Only the people and teams on the access list see it." },
];

export function typeLabel(value: string): string {
  return INFORMATION_TYPES.find((t) => t.value === value)?.label ?? value;
}

export function isPrivateType(value: string): boolean {
  return value === "private" || value === "private_security";
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An API time (UTC, ISO) as the value of a `datetime-local` input, in the browser's time zone. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (local time) as the UTC ISO time the API takes; null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

type EmbargoFields = Pick<Story, "private" | "embargo_until" | "embargo_days_left" | "embargo_expired" | "disclosure_at">;

/** The reminder the story page shows about an embargo: null when there is nothing to say. */
export function embargoState(story: EmbargoFields): { tone: "due" | "running"; text: string } | null {
  if (story.embargo_expired) {
    return { tone: "due", text: "The embargo has expired: this story is due for disclosure." };
  }
  if (story.embargo_until && story.embargo_days_left !== null && story.embargo_days_left !== undefined) {
    const days = story.embargo_days_left;
    const left = days === 0 ? "less than a day left" : days === 1 ? "1 day left" : `${days} days left`;
    return { tone: "running", text: `Embargoed (${left}).` };
  }
  return null;
}

const FIELD_LABELS: Record<string, string> = {
  information_type: "information type",
  users: "people on the access list",
  teams: "teams on the access list",
  embargo_until: "embargo",
  disclosure_at: "scheduled disclosure",
};

const ACTION_LABELS: Record<string, string> = {
  created: "Set at creation",
  changed: "Changed",
  security_team_added: "Security team added for a task",
  disclosed: "Disclosed",
  embargo_expired: "Embargo expired",
};

/** "Changed information type" and the like: what an audit entry records, in words. */
export function describeAudit(entry: Pick<AuditEntry, "action" | "field">): string {
  const action = ACTION_LABELS[entry.action] ?? entry.action.replace(/_/g, " ");
  const field = entry.field ? (FIELD_LABELS[entry.field] ?? entry.field.replace(/_/g, " ")) : null;
  if (!field || (entry.action !== "created" && entry.action !== "changed")) return action;
  return `${action}: ${field}`;
}

/** A UTC time as the audit log stores it ("2026-12-24 18:30:00", no zone) or as ISO with a zone. */
function utcTime(value: string): Date {
  let s = value.trim().replace(" ", "T");
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) s += "Z";
  return new Date(s);
}

/** How an audit value reads: ids stay ids (the panel names them), types get their label. */
export function auditValue(field: string | null | undefined, value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (field === "information_type" && typeof value === "string") return typeLabel(value);
  if ((field === "embargo_until" || field === "disclosure_at") && typeof value === "string") {
    const d = utcTime(value);
    return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
  }
  if (typeof value === "object" && !Array.isArray(value) && "to" in value) {
    // A disclosure: {from, to, scheduled_for?, delay_seconds?}.
    const d = value as { to: unknown; scheduled_for?: unknown; delay_seconds?: unknown };
    const to = typeof d.to === "string" ? typeLabel(d.to) : String(d.to);
    if (typeof d.scheduled_for !== "string") return to;
    const late = typeof d.delay_seconds === "number" && d.delay_seconds >= 60 ? `, ${Math.round(d.delay_seconds / 60)} min late` : "";
    return `${to} (scheduled for ${utcTime(d.scheduled_for).toLocaleString()}${late})`;
  }
  if (Array.isArray(value)) return value.length ? value.join(", ") : "empty";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export interface BugReport {
  happened: string;
  steps: string;
  expected: string;
}

/** The story description of a bug report: the symptom first, then how to see it, then what was expected. */
export function reportDescription(report: BugReport): string {
  const parts: string[] = [];
  const add = (heading: string, text: string) => {
    if (text.trim()) parts.push(`### ${heading}\n\n${text.trim()}`);
  };
  add("What happened", report.happened);
  add("Steps to reproduce", report.steps);
  add("What I expected", report.expected);
  return parts.join("\n\n");
}
