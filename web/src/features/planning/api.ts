// Planning over the public API: v1 worklists, boards and due dates, and the preview extensions
// (priority lists, review dashboards). Query keys start with "planning".
import { useQuery } from "@tanstack/react-query";
import { api, get } from "../../api/client";
import type { components } from "../../api/schema";
import type { ProjectGroup, Story, Task, Team } from "../../api/types";

type S = components["schemas"];
export type Board = S["BoardOut"];
export type Lane = S["LaneOut"];
export type Worklist = S["WorklistOut"];
export type Item = S["WorklistItemOut"];
export type DueDate = S["DueDateOut"];
export type StoryPriority = S["StoryPriorityOut"];
export type Filter = S["FilterOut"];
/** A priority list: a worklist with the preview `priority` key. */
export type PriorityList = Worklist & { priority: { cycle: string; project_id: number | null; team_id: number | null } };
export type { ProjectGroup, Team };

export const itemStory = (item: Item) => (item.story ?? null) as Story | null;
export const itemTask = (item: Item) => (item.task ?? null) as (Task & { story_id: number }) | null;

/** The title a card shows, or null when the caller may not see its story (the server hides those). */
export function itemTitle(item: Item): string | null {
  return itemStory(item)?.title ?? itemTask(item)?.title ?? null;
}

/** The story page a card links to. */
export function itemStoryId(item: Item): number | null {
  if (item.item_type === "story") return item.item_id;
  return itemTask(item)?.story_id ?? null;
}

export const boardKey = (id: number) => ["planning", "board", id] as const;
export const worklistKey = (id: number) => ["planning", "worklist", id] as const;

export function useBoard(id: number) {
  return useQuery({ queryKey: boardKey(id), queryFn: () => get<Board>(`/boards/${id}`), enabled: id > 0 });
}

export function useWorklist(id: number) {
  return useQuery({ queryKey: worklistKey(id), queryFn: () => get<Worklist>(`/worklists/${id}`), enabled: id > 0 });
}

export function usePermissions(kind: "boards" | "worklists", id: number, enabled: boolean) {
  return useQuery({
    queryKey: ["planning", "permissions", kind, id],
    queryFn: () => get<string[]>(`/${kind}/${id}/permissions`),
    enabled: enabled && id > 0,
  });
}

export function useTeams() {
  return useQuery({ queryKey: ["planning", "teams"], queryFn: () => get<Team[]>("/teams", { limit: 500 }), staleTime: 60_000 });
}

export function useProjectGroups() {
  return useQuery({
    queryKey: ["planning", "project-groups"],
    queryFn: () => get<ProjectGroup[]>("/project_groups", { limit: 500 }),
    staleTime: 60_000,
  });
}

/** Move a card: within its list (`list_position`) or to another list (`list_id` too). */
export function moveItem(fromList: number, cardId: number, toList: number, position: number) {
  const body: Record<string, number> = { list_position: position };
  if (toList !== fromList) body.list_id = toList;
  return api<Item>("PUT", `/worklists/${fromList}/items/${cardId}`, undefined, body);
}

export function addItem(listId: number, itemType: "story" | "task", itemId: number, position?: number) {
  return api<Item>("POST", `/worklists/${listId}/items`, undefined, {
    item_id: itemId,
    item_type: itemType,
    ...(position === undefined ? {} : { list_position: position }),
  });
}

export function removeItem(listId: number, cardId: number) {
  return api<undefined>("DELETE", `/worklists/${listId}/items/${cardId}`);
}

export function setCardDueDate(listId: number, cardId: number, dueDateId: number | null) {
  return api<Item>("PUT", `/worklists/${listId}/items/${cardId}`, undefined, { display_due_date: dueDateId ?? -1 });
}

/** "2026-12-01" (a date input's value) as the ISO-8601 time the API takes: noon UTC, so every zone shows that day. */
export function dateInputToIso(value: string): string {
  return `${value}T12:00:00Z`;
}

/** The date part of an API time, for a date input. */
export function isoToDateInput(value: string | null | undefined): string {
  return value ? value.slice(0, 10) : "";
}

/** A new last lane of a board, in one request (preview): an empty manual lane named `title`, or an automatic
 * lane from a saved view (its query copied; titled with the view's name unless `title` is given). */
export function addLane(boardId: number, body: { title: string } | { view_id: number; title?: string }) {
  return api<Board>("POST", `/preview/boards/${boardId}/lanes`, undefined, body);
}

/** Move a lane: `position` among every lane of the board (removed ones too; see lanes.ts lanePosition). */
export function placeLane(boardId: number, listId: number, position: number) {
  return api<Board>("PUT", `/boards/${boardId}`, undefined, { lanes: [{ list_id: listId, position }] });
}

/** Rename a lane (its worklist), remove it (archive its worklist, as StoryBoard does) or put it back. */
export function changeLane(listId: number, body: { title: string } | { archived: boolean }) {
  return api<Worklist>("PUT", `/worklists/${listId}`, undefined, body);
}
