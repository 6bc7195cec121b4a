import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, apiPage } from "../../api/client";
import type { components } from "../../api/schema";
import { INBOX_COUNT_WINDOW, type ReadState, readPreferences, readState } from "../../lib/NotificationInbox";
import type { Preferences } from "../preferences/prefs";
import { usePreferences } from "../preferences/usePreferences";

export type InboxEvent = components["schemas"]["SubscriptionEventOut"];

/** How often the header asks for new inbox entries while the page is visible. */
export const INBOX_POLL_MS = 30_000;

/** The newest inbox entries (the header counts the unread ones among them), read again every
 * INBOX_POLL_MS while the tab is visible. */
export function useInboxNewest(enabled: boolean) {
  return useQuery({
    queryKey: ["inbox", "newest"],
    queryFn: () => apiPage<InboxEvent>("/subscription_events", { sort_field: "id", sort_dir: "desc", limit: INBOX_COUNT_WINDOW }),
    enabled,
    refetchInterval: INBOX_POLL_MS,
    refetchOnWindowFocus: true,
    staleTime: 5_000,
  });
}

/** What the reader has read (kept in their preferences) and a way to change it: shown at once,
 * put back if the server refuses. */
export function useInboxRead() {
  const prefs = usePreferences();
  const queryClient = useQueryClient();
  const key = ["preferences", prefs.userId];
  const save = useMutation({
    mutationFn: (next: ReadState) => api<Preferences>("POST", `/users/${prefs.userId}/preferences`, undefined, readPreferences(next)),
    onMutate: async (next) => {
      await queryClient.cancelQueries({ queryKey: key });
      const before = queryClient.getQueryData<Preferences>(key);
      queryClient.setQueryData<Preferences>(key, { ...(before ?? {}), ...readPreferences(next) });
      return { before };
    },
    onError: (_error, _next, context) => queryClient.setQueryData(key, context?.before),
    onSuccess: (saved) => queryClient.setQueryData(key, saved),
  });
  return { state: readState(prefs.data), ready: prefs.data !== null && prefs.userId !== undefined, save };
}
