import { ApiError, get } from "../../api/client";
import type { Project, ProjectGroup, User } from "../../api/types";
import { type Resolver, ResolveError } from "../../lib/query";

async function byRef<T extends { id: number }>(path: string, what: string, ref: string): Promise<number> {
  try {
    return (await get<T>(`${path}/${ref.split("/").map(encodeURIComponent).join("/")}`)).id;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new ResolveError(`No ${what} is named "${ref}"`);
    throw err;
  }
}

/** A person by name: the one whose full name is it (any case), or the only one the user search finds. */
export async function userIdByName(name: string): Promise<number> {
  const found = await get<User[]>("/users", { full_name: name, limit: 20 });
  const exact = found.filter((u) => u.full_name.toLowerCase() === name.toLowerCase());
  const pick = exact.length === 1 ? exact[0] : found.length === 1 ? found[0] : undefined;
  if (pick) return pick.id;
  throw new ResolveError(found.length === 0 ? `Nobody is named "${name}"` : `Several people match "${name}": use their id`);
}

/** Names to ids through the v1 API, for the signed-in user `selfId` (null when anonymous). */
export function apiResolver(selfId: number | null): Resolver {
  return {
    selfId,
    projectId: (ref) => byRef<Project>("/projects", "project", ref),
    groupId: (ref) => byRef<ProjectGroup>("/project_groups", "project group", ref),
    userId: userIdByName,
  };
}
