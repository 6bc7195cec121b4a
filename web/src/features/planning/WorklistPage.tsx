import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PlanningCrumbs } from "./PlanningCrumbs";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import { useParams } from "react-router-dom";
import { api, ApiError } from "../../api/client";
import { useSelf } from "../../api/queries";
import { filterBound, filtersQuery, useLiveList } from "../../lib/liveLists";
import { SubscribeButton } from "../notifications/SubscribeButton";
import { errorFor, FieldError } from "../../components/FieldError";
import {
  addItem,
  type Filter,
  type Item,
  itemStoryId,
  itemTitle,
  moveItem,
  removeItem,
  usePermissions,
  useWorklist,
  type Worklist,
  worklistKey,
} from "./api";
import { AddItemForm } from "./AddItemForm";
import { Card } from "./Card";
import { moveCard } from "./moves";
import { queryOf, QueryFilterEdit } from "./QueryFilterEdit";

/** The criteria of an automatic worklist, in words: "TaskStatus is review and Project is 3". */
export function describeFilter(filter: Filter): string {
  const kind = filter.type === "Task" ? "Tasks" : "Stories";
  const queries = filter.filter_criteria.filter((c) => c.field === "Query").map((c) => `${c.negative ? "not " : ""}matching “${c.value}”`);
  const parts = filter.filter_criteria.filter((c) => c.field !== "Query").map((c) => `${c.field} ${c.negative ? "is not" : "is"} ${c.value}`);
  if (queries.length > 0) return [`${kind} ${queries.join(" and ")}`, ...(parts.length > 0 ? [`where ${parts.join(" and ")}`] : [])].join(" and ");
  return `${kind} where ${parts.join(" and ") || "anything"}`;
}

export function WorklistPage() {
  const { id } = useParams();
  const listId = Number(id);
  const self = useSelf();
  const loggedIn = !!self.data;
  const worklist = useWorklist(listId);
  // Others' changes without a reload: the list's own events, its items' stories and, for an automatic list,
  // where new items can come from (the projects, groups or stories of its criteria, else every project).
  const wl0 = worklist.data;
  useLiveList(
    {
      worklists: [listId],
      stories: (wl0?.items ?? []).flatMap((i) => (itemStoryId(i) !== null ? [itemStoryId(i) as number] : [])),
      bound: wl0?.automatic ? filterBound(wl0.filters) : { projects: [], groups: [], stories: [] },
      query: wl0?.automatic ? filtersQuery(wl0.filters) : null,
    },
    [worklistKey(listId)],
    { enabled: listId > 0 && !!wl0 },
  );
  const perms = usePermissions("worklists", listId, loggedIn);
  const canMove = loggedIn && !!perms.data?.some((p) => p === "move_items" || p === "edit_worklist");
  const canEdit = loggedIn && !!perms.data?.includes("edit_worklist");

  useEffect(() => {
    if (worklist.data) document.title = `${worklist.data.title} · Storyline`;
  }, [worklist.data]);

  if (!Number.isInteger(listId) || listId <= 0 || (worklist.error instanceof ApiError && worklist.error.status === 404)) {
    return (
      <section>
        <h1>Worklist not found</h1>
        <p>It does not exist, or you are not allowed to see it.</p>
      </section>
    );
  }
  if (worklist.isError) return <p role="alert">{(worklist.error as Error).message}</p>;
  if (!worklist.data) return <p className="muted">Loading the worklist…</p>;
  const wl = worklist.data;
  return (
    <article className="worklist-page">
      <PlanningCrumbs projectId={wl.project_id} title={wl.title} />
      <h1>{wl.title}</h1>
      <p className="muted">
        {wl.automatic ? "Automatic worklist" : "Manual worklist"}
        {wl.private ? ", private" : ""}
        {wl.archived ? ", archived" : ""}
      </p>
      <SubscribeButton targetType="worklist" targetId={wl.id} />
      {canEdit && <ArchiveButton worklist={wl} />}
      {wl.automatic ? (
        <>
          <section aria-labelledby="criteria-title">
            <h2 id="criteria-title">Criteria</h2>
            <ul>
              {wl.filters.map((f) => (
                <li key={f.id}>{describeFilter(f)}</li>
              ))}
            </ul>
            {canEdit &&
              wl.filters
                .filter((f) => queryOf(f) !== null)
                .map((f) => <QueryFilterEdit key={f.id} listId={wl.id} filter={f} />)}
          </section>
          <section aria-labelledby="items-title">
            <h2 id="items-title">Items ({wl.items.length})</h2>
            <ol className="lane-cards">
              {wl.items.map((item) => (
                <Card key={`${item.item_type}-${item.item_id}`} item={item} movable={false} />
              ))}
            </ol>
          </section>
        </>
      ) : (
        <OrderedItems worklist={wl} canMove={canMove} queryKey={worklistKey(wl.id)} />
      )}
    </article>
  );
}

function ArchiveButton({ worklist }: { worklist: Worklist }) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: () =>
      worklist.archived
        ? api<Worklist>("PUT", `/worklists/${worklist.id}`, undefined, { archived: false })
        : api<undefined>("DELETE", `/worklists/${worklist.id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: worklistKey(worklist.id) }),
  });
  return (
    <p>
      <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
        {worklist.archived ? "Restore worklist" : "Archive worklist"}
      </button>
      <FieldError id="archive-err" message={errorFor(toggle.error, "*")} />
    </p>
  );
}

/**
 * The cards of a manual list in order: Move up / Move down buttons (or Alt+Up / Alt+Down on a card),
 * Remove (archives the card; "Re-add" brings it back), add a story or task. Moves show at once and
 * are undone, with the server's reason, when refused.
 */
export function OrderedItems({
  worklist,
  canMove,
  queryKey,
  name = worklist.title,
}: {
  worklist: Worklist;
  canMove: boolean;
  queryKey: readonly unknown[];
  name?: string;
}) {
  const queryClient = useQueryClient();
  const [removed, setRemoved] = useState<Item[]>([]);
  const [announce, setAnnounce] = useState("");
  const focusAfter = useRef<number | null>(null);
  const items = worklist.items as (Item & { id: number })[];
  const helpId = `order-help-${worklist.id}`;

  useEffect(() => {
    if (focusAfter.current === null) return;
    document.querySelector<HTMLElement>(`[data-card-id="${focusAfter.current}"]`)?.focus();
    focusAfter.current = null;
  });

  const setItems = (list: Worklist, next: Item[]) => {
    queryClient.setQueryData(queryKey, (old: unknown) => {
      if (Array.isArray(old)) return old.map((w: Worklist) => (w.id === list.id ? { ...w, items: next } : w));
      return old ? { ...(old as Worklist), items: next } : old;
    });
  };

  const moveKey = ["planning", "move", "worklist", worklist.id];
  const reorder = useMutation({
    mutationKey: moveKey,
    scope: { id: moveKey.join("/") },
    mutationFn: ({ cardId, index }: { cardId: number; index: number }) => moveItem(worklist.id, cardId, worklist.id, index),
    onMutate: async ({ cardId, index }) => {
      await queryClient.cancelQueries({ queryKey });
      const before = worklist.items;
      const [lane] = moveCard([{ listId: worklist.id, cards: items }], cardId, { lane: 0, index });
      setItems(worklist, lane?.cards ?? items);
      return { before };
    },
    onSuccess: (_d, { cardId, index }) => {
      const card = items.find((c) => c.id === cardId);
      setAnnounce(`Moved ${card ? itemTitle(card) ?? "the card" : "the card"} to position ${index + 1}.`);
    },
    onError: (error, _v, context) => {
      if (context) setItems(worklist, context.before);
      setAnnounce(`The move was refused and undone: ${(error as Error).message}`);
    },
    onSettled: () => {
      if (queryClient.isMutating({ mutationKey: moveKey }) > 1) return;
      return queryClient.invalidateQueries({ queryKey });
    },
  });

  const remove = useMutation({
    mutationFn: (item: Item & { id: number }) => removeItem(worklist.id, item.id),
    onSuccess: (_d, item) => {
      setRemoved((r) => [item, ...r.filter((x) => x.id !== item.id)]);
      setAnnounce(`Removed ${itemTitle(item) ?? "the card"}.`);
      return queryClient.invalidateQueries({ queryKey });
    },
    onError: (error) => setAnnounce((error as Error).message),
  });

  const readd = useMutation({
    mutationFn: (item: Item) => addItem(worklist.id, item.item_type as "story" | "task", item.item_id),
    onSuccess: (_d, item) => {
      setRemoved((r) => r.filter((x) => x.id !== item.id));
      return queryClient.invalidateQueries({ queryKey });
    },
    onError: (error) => setAnnounce((error as Error).message),
  });

  const move = (cardId: number, index: number) => {
    if (index < 0 || index >= items.length) return;
    focusAfter.current = cardId;
    reorder.mutate({ cardId, index });
  };
  const onKey = (cardId: number, index: number) => (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.target !== event.currentTarget || !event.altKey) return;
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      move(cardId, index + (event.key === "ArrowUp" ? -1 : 1));
    }
  };

  return (
    <section aria-label={`Items of ${name}`} className="ordered-items">
      {canMove && (
        <p id={helpId} className="muted">
          Focus a card and press Alt+Up or Alt+Down to move it, or use its buttons.
        </p>
      )}
      <p className="visually-hidden" aria-live="polite" data-testid="order-announcer">
        {announce}
      </p>
      {items.length === 0 && <p className="muted">Nothing on this list yet.</p>}
      <ol className="lane-cards ordered">
        {items.map((item, index) => (
          <Card
            key={item.id}
            item={item}
            movable={false}
            describedBy={canMove ? helpId : undefined}
            onKeyDown={canMove ? onKey(item.id, index) : undefined}
          >
            {canMove && (
              <span className="actions">
                <button type="button" onClick={() => move(item.id, index - 1)} disabled={index === 0} aria-label={`Move ${itemTitle(item) ?? "card"} up`}>
                  ↑
                </button>
                <button
                  type="button"
                  onClick={() => move(item.id, index + 1)}
                  disabled={index === items.length - 1}
                  aria-label={`Move ${itemTitle(item) ?? "card"} down`}
                >
                  ↓
                </button>
                <button type="button" onClick={() => remove.mutate(item)} aria-label={`Remove ${itemTitle(item) ?? "card"}`}>
                  Remove
                </button>
              </span>
            )}
          </Card>
        ))}
      </ol>
      {removed.length > 0 && (
        <div>
          <h3>Removed</h3>
          <ul className="plain">
            {removed.map((item) => (
              <li key={item.id}>
                {itemTitle(item) ?? `${item.item_type} ${item.item_id}`}{" "}
                <button type="button" onClick={() => readd.mutate(item)}>
                  Re-add
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {canMove && (
        <AddItemForm
          label={name}
          onAdd={(type, n) => addItem(worklist.id, type, n)}
          onAdded={() => queryClient.invalidateQueries({ queryKey })}
        />
      )}
    </section>
  );
}
