// Query hooks over the public API (TanStack Query). Keys start with the resource name.
import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { get, type Query } from "./client";
import type { Project, User } from "./types";
import { getToken, onTokenChange } from "../lib/auth";

export function useToken(): string | null {
  return useSyncExternalStore(onTokenChange, getToken, () => null);
}

/** The logged-in user, or null when anonymous. */
export function useSelf() {
  const token = useToken();
  return useQuery({
    queryKey: ["self", token],
    queryFn: () => (token ? get<User>("/users/self") : Promise.resolve(null)),
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useUser(id: number | null | undefined) {
  return useQuery({
    queryKey: ["user", id],
    queryFn: () => get<User>(`/users/${id}`),
    enabled: id !== null && id !== undefined,
    staleTime: 10 * 60_000,
  });
}

export function useProject(id: number | string | null | undefined) {
  return useQuery({
    queryKey: ["project", String(id)],
    queryFn: () => get<Project>(`/projects/${id}`),
    enabled: id !== null && id !== undefined && id !== "",
    staleTime: 10 * 60_000,
  });
}

export function useSearch<T>(kind: "stories" | "tasks" | "projects" | "users", q: string, limit: number, extra?: Query) {
  return useQuery({
    queryKey: ["search", kind, q, limit, extra],
    queryFn: () => get<T[]>(`/${kind}/search`, { q, limit, ...extra }),
    enabled: q.trim().length > 0,
    staleTime: 30_000,
    placeholderData: (previous) => previous,
  });
}
