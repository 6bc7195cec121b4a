// Pure helpers for moving cards between and within the lanes of a board (used for optimistic updates
// and for the keyboard alternative to drag and drop).

export interface CardRef {
  id: number;
}

export interface LaneLike<C extends CardRef> {
  listId: number;
  cards: C[];
}

export interface Place {
  lane: number; // index of the lane
  index: number; // index of the card within the lane
}

/** Where the card with `cardId` is, or null. */
export function findCard<C extends CardRef>(lanes: LaneLike<C>[], cardId: number): Place | null {
  for (const [lane, l] of lanes.entries()) {
    const index = l.cards.findIndex((c) => c.id === cardId);
    if (index >= 0) return { lane, index };
  }
  return null;
}

/** New lanes with the card moved to `to` (its index counted in the target lane without the card). */
export function moveCard<C extends CardRef, L extends LaneLike<C>>(lanes: L[], cardId: number, to: Place): L[] {
  const from = findCard(lanes, cardId);
  const card = from ? lanes[from.lane]?.cards[from.index] : undefined;
  if (!card) return lanes;
  const next = lanes.map((l) => ({ ...l, cards: l.cards.filter((c) => c.id !== cardId) }));
  const target = next[to.lane];
  if (!target) return lanes;
  const at = Math.max(0, Math.min(to.index, target.cards.length));
  target.cards = [...target.cards.slice(0, at), card, ...target.cards.slice(at)];
  return next;
}

export type Direction = "left" | "right" | "up" | "down";

/**
 * The place a keyboard move sends a card to, or null when it cannot go that way. Left and right go to
 * the nearest lane that accepts cards (`movable`), at the same height where possible.
 */
export function keyboardTarget<C extends CardRef>(
  lanes: LaneLike<C>[],
  from: Place,
  direction: Direction,
  movable: (laneIndex: number) => boolean = () => true,
): Place | null {
  const count = lanes[from.lane]?.cards.length ?? 0;
  if (direction === "up") return from.index > 0 ? { lane: from.lane, index: from.index - 1 } : null;
  if (direction === "down") return from.index < count - 1 ? { lane: from.lane, index: from.index + 1 } : null;
  const step = direction === "left" ? -1 : 1;
  for (let lane = from.lane + step; lane >= 0 && lane < lanes.length; lane += step) {
    if (movable(lane)) return { lane, index: Math.min(from.index, lanes[lane]?.cards.length ?? 0) };
  }
  return null;
}

/** The direction an Alt+arrow key press asks for, or null. */
export function directionFor(event: { key: string; altKey: boolean; ctrlKey: boolean; metaKey: boolean }): Direction | null {
  if (!event.altKey || event.ctrlKey || event.metaKey) return null;
  const keys: Record<string, Direction> = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" };
  return keys[event.key] ?? null;
}
