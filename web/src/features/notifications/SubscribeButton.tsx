import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Subscription } from "../../api/types";
import { FieldError } from "../../components/FieldError";

/** What can be followed (`/v1/subscriptions` target types). Boards cannot: the API has no such target. */
export type SubscribeTarget = "story" | "project" | "project_group" | "worklist" | "board";

const WHAT: Record<SubscribeTarget, string> = {
  story: "this story",
  project: "this project's stories",
  project_group: "the stories of this group's projects",
  worklist: "this worklist",
  board: "this board and its lanes",
};

/** The key of one target's subscription query (the story page's own button shares it). */
export const subscriptionKey = (type: string, id: number) => ["subscription", type, id];

/** Subscribe or unsubscribe the logged-in user (nothing for a visitor): the button says what a press
 * does, from the current state read from the API. */
export function SubscribeButton({ targetType, targetId }: { targetType: SubscribeTarget; targetId: number }) {
  const self = useSelf();
  const queryClient = useQueryClient();
  const key = subscriptionKey(targetType, targetId);
  const sub = useQuery({
    queryKey: key,
    queryFn: () =>
      get<Subscription[]>("/subscriptions", { target_type: targetType, target_id: targetId, limit: 1 }).then((l) => l[0] ?? null),
    enabled: !!self.data,
  });
  const toggle = useMutation({
    mutationFn: async (): Promise<Subscription | null> => {
      if (sub.data) {
        await api("DELETE", `/subscriptions/${sub.data.id}`);
        return null;
      }
      return api<Subscription>("POST", "/subscriptions", undefined, { target_type: targetType, target_id: targetId });
    },
    onSuccess: (value) => {
      queryClient.setQueryData(key, value);
      void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
    },
    onError: (error) => {
      // Changed elsewhere meanwhile (409 subscribed already, 404 gone): read the state again.
      if (error instanceof ApiError && (error.status === 409 || error.status === 404)) void sub.refetch();
    },
  });
  if (!self.data || sub.isPending) return null;
  const on = !!sub.data;
  const errId = `subscribe-${targetType}-${targetId}-err`;
  const conflict = toggle.error instanceof ApiError && (toggle.error.status === 409 || toggle.error.status === 404);
  return (
    <span className="subscribe">
      <button
        type="button"
        onClick={() => toggle.mutate()}
        disabled={toggle.isPending}
        title={on ? `Stop hearing about ${WHAT[targetType]}` : `Hear about ${WHAT[targetType]} in your inbox and by e-mail`}
        aria-describedby={toggle.error && !conflict ? errId : undefined}
      >
        {on ? "Unsubscribe" : "Subscribe"}
      </button>
      {sub.isError && <FieldError id={`${errId}-read`} message={(sub.error as Error).message} />}
      {!conflict && <FieldError id={errId} message={toggle.error ? (toggle.error as Error).message : null} />}
    </span>
  );
}
