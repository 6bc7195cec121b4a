// Editing a board's lanes (docs/planning.md, "The web client"): which lanes show, where a lane moves, and what
// may become a lane. A removed lane is a lane whose worklist is archived (StoryBoard's way: v1 boards never
// lose a lane), so positions count every lane, shown or not.
import type { SavedView } from "../search/savedViews";

/** A lane as the board answers it: its worklist's id and archive state. */
export interface LaneRef {
  list_id: number;
  worklist: { archived: boolean };
}

export const MAX_LANE_TITLE = 100;
/** A lane's query is one filter criterion's value (filter_criteria.value), shorter than a view's query. */
export const MAX_LANE_QUERY = 255;

/** The lanes the board page shows: those whose worklist is not archived, in order. */
export function shownLanes<L extends LaneRef>(lanes: L[]): L[] {
  return lanes.filter((l) => !l.worklist.archived);
}

/** The removed lanes (their worklists archived), which can be put back. */
export function removedLanes<L extends LaneRef>(lanes: L[]): L[] {
  return lanes.filter((l) => l.worklist.archived);
}

/** The `position` to send (`PUT /v1/boards/{id}` with `lanes: [{list_id, position}]`) to move a shown lane one
 * place left or right among the shown lanes; null when it is already at that end (or not shown). Positions
 * count every lane, so a removed lane between two shown ones stays where it is relative to the others. */
export function lanePosition(lanes: LaneRef[], listId: number, direction: "left" | "right"): number | null {
  const shown = shownLanes(lanes);
  const at = shown.findIndex((l) => l.list_id === listId);
  if (at < 0) return null;
  const neighbour = shown[direction === "left" ? at - 1 : at + 1];
  if (!neighbour) return null;
  // The server takes the lane out, then inserts it at `position`: the neighbour's place in the full order.
  return lanes.findIndex((l) => l.list_id === neighbour.list_id);
}

/** What is wrong with a lane's name, before it is sent (the server checks it too). */
export function laneTitleProblem(title: string): string | null {
  const clean = title.trim();
  if (!clean) return "Give the lane a name.";
  if (clean.length > MAX_LANE_TITLE) return `A lane's name has at most ${MAX_LANE_TITLE} characters.`;
  return null;
}

/** Why a saved view cannot become a lane, or null when it can. */
export function viewLaneProblem(view: Pick<SavedView, "query">): string | null {
  const query = view.query.trim();
  if (!query) return "it has no query";
  if (query.length > MAX_LANE_QUERY) return `its query is longer than ${MAX_LANE_QUERY} characters`;
  return null;
}

/** The views offered as lanes: one's own first, then those shared with one, each by name. */
export function laneViews<V extends Pick<SavedView, "name" | "mine">>(views: V[]): V[] {
  return [...views].sort((a, b) => Number(b.mine) - Number(a.mine) || a.name.localeCompare(b.name));
}

/** The boards a reader may add lanes to: those whose edit_board they hold, directly (`owners`) or through a team
 * they are a member of (`team_owners`). The server checks it again. */
export function editableBoards<B extends { owners: number[]; team_owners: number[]; archived: boolean }>(
  boards: B[],
  userId: number,
  teamIds: number[],
): B[] {
  return boards.filter((b) => !b.archived && (b.owners.includes(userId) || b.team_owners.some((t) => teamIds.includes(t))));
}
