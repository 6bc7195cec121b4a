import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Preferences } from "./prefs";

/** The logged-in user's preferences (merged over the server's defaults); null when anonymous. */
export function usePreferences() {
  const self = useSelf();
  const userId = self.data?.id;
  const prefs = useQuery({
    queryKey: ["preferences", userId],
    queryFn: () => get<Preferences>(`/users/${userId}/preferences`),
    enabled: userId !== undefined,
    staleTime: 5 * 60_000,
  });
  // Settled: anonymous, or the preferences answered (or failed: the defaults then apply).
  const settled = !self.isPending && (userId === undefined || !prefs.isPending);
  return { userId, data: userId === undefined ? null : (prefs.data ?? null), settled, query: prefs };
}
