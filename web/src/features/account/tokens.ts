// Personal access tokens: lifetimes offered by the token page and how a token's state reads.
import type { components } from "../../api/schema";

export type Token = components["schemas"]["storyline__users__schemas__TokenOut"];

const DAY = 86_400;
/** The longest lifetime the API takes (a 32-bit signed number of seconds). */
export const MAX_EXPIRES_IN = 2 ** 31 - 1;

export const EXPIRY_CHOICES: { value: string; label: string; seconds: number | null }[] = [
  { value: "1", label: "1 day", seconds: DAY },
  { value: "7", label: "7 days", seconds: 7 * DAY },
  { value: "30", label: "30 days", seconds: 30 * DAY },
  { value: "90", label: "90 days", seconds: 90 * DAY },
  { value: "365", label: "1 year", seconds: 365 * DAY },
  { value: "date", label: "Until a date…", seconds: null },
];

/**
 * The `expires_in` to send for a choice; a date choice lasts until the end of that (local) day.
 * An error names the field it concerns, like the API's.
 */
export function expiresIn(
  choice: string,
  date: string,
  now: Date = new Date(),
): { seconds: number; error?: undefined } | { seconds?: undefined; error: { field: string; message: string } } {
  const fixed = EXPIRY_CHOICES.find((c) => c.value === choice);
  if (!fixed) return { error: { field: "expires_in", message: "Choose how long the token lasts." } };
  if (fixed.seconds !== null) return { seconds: fixed.seconds };
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return { error: { field: "expires_date", message: "Give the date the token stops working." } };
  const end = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59);
  const seconds = Math.floor((end.getTime() - now.getTime()) / 1000);
  if (Number.isNaN(seconds) || seconds <= 0) {
    return { error: { field: "expires_date", message: "The date must be today or later." } };
  }
  if (seconds > MAX_EXPIRES_IN) {
    return { error: { field: "expires_date", message: "The date is too far away (at most 68 years)." } };
  }
  return { seconds };
}

export function isExpired(token: Pick<Token, "expires_at">, now: Date = new Date()): boolean {
  return new Date(token.expires_at).getTime() <= now.getTime();
}

/** Personal tokens first, then newest first. */
export function sortTokens<T extends Pick<Token, "id" | "kind">>(tokens: T[]): T[] {
  return [...tokens].sort((a, b) => {
    const pa = a.kind === "personal" ? 0 : 1;
    const pb = b.kind === "personal" ? 0 : 1;
    return pa - pb || b.id - a.id;
  });
}

/** What a token is called on the page: its name, or what it is when it has none. */
export function tokenLabel(token: Pick<Token, "id" | "name" | "kind">): string {
  if (token.name) return token.name;
  if (token.kind === "feed") return `Feed token #${token.id}`;
  return token.kind === "session" ? `Web login #${token.id}` : `Unnamed token #${token.id}`;
}
