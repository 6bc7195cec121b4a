import { useIsMutating, useMutation, useQueryClient } from "@tanstack/react-query";
import { PlanningCrumbs } from "./PlanningCrumbs";
import { type DragEvent, type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, ApiError } from "../../api/client";
import { useSelf } from "../../api/queries";
import { anyOf, boundOfAll, filterBound, filtersQuery, useLiveList } from "../../lib/liveLists";
import { errorFor, FieldError } from "../../components/FieldError";
import { Time } from "../../components/Time";
import {
  addItem,
  type Board,
  boardKey,
  dateInputToIso,
  type DueDate,
  isoToDateInput,
  type Item,
  itemStoryId,
  itemTitle,
  moveItem,
  setCardDueDate,
  useBoard,
  usePermissions,
} from "./api";
import { SubscribeButton } from "../notifications/SubscribeButton";
import { Card } from "./Card";
import { AddItemForm } from "./AddItemForm";
import { directionFor, findCard, keyboardTarget, moveCard, type Place } from "./moves";
import { AddLaneForm, LaneTools, RemovedLanes } from "./LaneControls";
import { shownLanes } from "./lanes";

interface LaneView {
  listId: number;
  title: string;
  automatic: boolean;
  cards: (Item & { id: number })[];
}

/** The lanes shown: those whose worklist is not archived (a removed lane; lanes.ts). */
function lanesOf(board: Board): LaneView[] {
  return shownLanes(board.lanes).map((lane) => ({
    listId: lane.list_id,
    title: lane.worklist.title,
    automatic: lane.worklist.automatic,
    cards: lane.worklist.items as (Item & { id: number })[],
  }));
}

/** The board with one card moved (what the page shows until the server answers). */
function withMove(board: Board, cardId: number, to: Place): Board {
  const moved = moveCard(lanesOf(board), cardId, to);
  return {
    ...board,
    lanes: board.lanes.map((lane) => {
      const after = moved.find((l) => l.listId === lane.list_id);
      if (!after) return lane;
      return {
        ...lane,
        worklist: {
          ...lane.worklist,
          items: after.cards.map((c, position) => ({ ...c, list_id: lane.list_id, list_position: position })),
        },
      };
    }),
  };
}

interface Move {
  cardId: number;
  from: Place;
  to: Place;
}

export function BoardPage() {
  const { id } = useParams();
  const boardId = Number(id);
  const self = useSelf();
  const loggedIn = !!self.data;
  const board = useBoard(boardId);
  // Others' moves, lanes and card changes show without a reload; while moves of ours are under way the
  // board is read again after the last one anyway.
  const moving = useIsMutating({ mutationKey: ["planning", "move", "board", boardId] }) > 0;
  // Its automatic lanes also hear where their items can come from (their criteria's projects, groups or
  // stories, else every project), and every card's story is named.
  const lanesData = shownLanes(board.data?.lanes ?? []);
  useLiveList(
    {
      boards: [boardId],
      stories: lanesData.flatMap((lane) => lane.worklist.items.flatMap((i) => (itemStoryId(i) !== null ? [itemStoryId(i) as number] : []))),
      bound: boundOfAll(lanesData.filter((lane) => lane.worklist.automatic).map((lane) => filterBound(lane.worklist.filters))),
      query: anyOf(lanesData.filter((lane) => lane.worklist.automatic).map((lane) => filtersQuery(lane.worklist.filters))),
    },
    moving ? [] : [boardKey(boardId)],
    { enabled: boardId > 0 && !!board.data },
  );
  const perms = usePermissions("boards", boardId, loggedIn);
  const queryClient = useQueryClient();
  const [announce, setAnnounce] = useState("");
  const [moveError, setMoveError] = useState<string | null>(null);
  const focusAfter = useRef<number | null>(null);
  const dragged = useRef<number | null>(null);
  const [dropLane, setDropLane] = useState<number | null>(null);
  const canMove = loggedIn && !!perms.data?.some((p) => p === "move_cards" || p === "edit_board");
  const canEdit = loggedIn && !!perms.data?.includes("edit_board");

  useEffect(() => {
    if (board.data) document.title = `${board.data.title} · Storyline`;
  }, [board.data]);

  useEffect(() => {
    if (focusAfter.current === null) return;
    const el = document.querySelector<HTMLElement>(`[data-card-id="${focusAfter.current}"]`);
    if (el) {
      el.focus();
      focusAfter.current = null;
    }
  });

  // Moves run one after the other (each shows at once); the board is read again after the last.
  const moveKey = ["planning", "move", "board", boardId];
  const move = useMutation({
    mutationKey: moveKey,
    scope: { id: moveKey.join("/") },
    mutationFn: ({ cardId, from, to }: Move) => {
      const lanes = board.data ? lanesOf(board.data) : [];
      const source = lanes[from.lane];
      const target = lanes[to.lane];
      if (!source || !target) return Promise.reject(new Error("That lane is gone: reload the board."));
      return moveItem(source.listId, cardId, target.listId, to.index);
    },
    onMutate: async ({ cardId, to }: Move) => {
      await queryClient.cancelQueries({ queryKey: boardKey(boardId) });
      const before = queryClient.getQueryData<Board>(boardKey(boardId));
      if (before) queryClient.setQueryData(boardKey(boardId), withMove(before, cardId, to));
      setMoveError(null);
      return { before };
    },
    onSuccess: (_data, { cardId, to }) => {
      const lanes = board.data ? lanesOf(board.data) : [];
      const card = lanes.flatMap((l) => l.cards).find((c) => c.id === cardId);
      setAnnounce(`Moved ${card ? itemTitle(card) ?? "the card" : "the card"} to ${lanes[to.lane]?.title ?? "its lane"}, position ${to.index + 1}.`);
    },
    onError: (error, _move, context) => {
      if (context?.before) queryClient.setQueryData(boardKey(boardId), context.before);
      const message = `The move was refused and undone: ${(error as Error).message}`;
      setMoveError(message);
      setAnnounce(message);
    },
    onSettled: (_data, error) => {
      // A refusal may mean the rights changed meanwhile: ask for them again too.
      if (error) void queryClient.invalidateQueries({ queryKey: ["planning", "permissions", "boards", boardId] });
      if (queryClient.isMutating({ mutationKey: moveKey }) > 1) return;
      return queryClient.invalidateQueries({ queryKey: boardKey(boardId) });
    },
  });

  const dueDate = useMutation({
    mutationFn: ({ listId, cardId, dueId }: { listId: number; cardId: number; dueId: number | null }) =>
      setCardDueDate(listId, cardId, dueId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: boardKey(boardId) }),
    onError: (error) => setMoveError((error as Error).message),
  });

  if (!Number.isInteger(boardId) || boardId <= 0 || (board.error instanceof ApiError && board.error.status === 404)) {
    return (
      <section>
        <h1>Board not found</h1>
        <p>It does not exist, or you are not allowed to see it.</p>
      </section>
    );
  }
  if (board.isError) return <p role="alert">{(board.error as Error).message}</p>;
  if (!board.data) return <p className="muted">Loading the board…</p>;

  const lanes = lanesOf(board.data);
  const startMove = (cardId: number, to: Place) => {
    const from = findCard(lanes, cardId);
    if (!from || (from.lane === to.lane && from.index === to.index)) return;
    focusAfter.current = cardId;
    move.mutate({ cardId, from, to });
  };

  const onCardKey = (cardId: number) => (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.target !== event.currentTarget) return;
    const direction = directionFor(event);
    if (!direction) return;
    event.preventDefault();
    const from = findCard(lanes, cardId);
    if (!from) return;
    const to = keyboardTarget(lanes, from, direction, (n) => lanes[n]?.automatic === false);
    if (!to) {
      setAnnounce(`The card cannot move ${direction}.`);
      return;
    }
    startMove(cardId, to);
  };

  const dropIndex = (event: DragEvent<HTMLElement>) => {
    const cards = Array.from(event.currentTarget.querySelectorAll<HTMLElement>("[data-card-id]")).filter(
      (el) => Number(el.dataset.cardId) !== dragged.current,
    );
    const index = cards.findIndex((el) => {
      const box = el.getBoundingClientRect();
      return event.clientY < box.top + box.height / 2;
    });
    return index < 0 ? cards.length : index;
  };

  return (
    <article className="board-page">
      <PlanningCrumbs projectId={board.data.project_id} title={board.data.title} />
      <h1 id="board-title" tabIndex={-1}>
        {board.data.title}
      </h1>
      <SubscribeButton targetType="board" targetId={board.data.id} />
      {board.data.description && <p>{board.data.description}</p>}
      <p id="board-help" className="muted">
        {canMove
          ? "Drag a card to another place, or focus it and press Alt with an arrow key to move it left, right, up or down."
          : loggedIn
            ? "You may look at this board but not move its cards."
            : "Log in to move cards."}
      </p>
      <p className="visually-hidden" aria-live="polite" data-testid="board-announcer">
        {announce}
      </p>
      {moveError && (
        <p role="alert" className="field-error">
          {moveError}
        </p>
      )}
      {lanes.length === 0 && (
        <p className="muted">{canEdit ? "This board has no lanes yet: add one below." : "This board has no lanes."}</p>
      )}
      <div className="lanes">
        {lanes.map((lane, laneIndex) => (
          <section key={lane.listId} className="lane" aria-labelledby={`lane-${lane.listId}`}>
            <h2 id={`lane-${lane.listId}`} tabIndex={-1}>
              {lane.title} <span className="muted">({lane.cards.length})</span>
            </h2>
            {canEdit && (
              <LaneTools board={board.data} listId={lane.listId} title={lane.title} cardCount={lane.cards.length} onAnnounce={setAnnounce} />
            )}
            {lane.automatic && (
              <p className="muted">
                Automatic: computed from{" "}
                <Link to={`/worklist/${lane.listId}`}>
                  its criteria<span className="visually-hidden"> of {lane.title}</span>
                </Link>
                .
              </p>
            )}
            <ol
              className={`lane-cards${dropLane === laneIndex ? " drop-target" : ""}`}
              aria-label={`Cards of ${lane.title}`}
              data-list-id={lane.listId}
              onDragOver={(e) => {
                if (!canMove || lane.automatic || dragged.current === null) return;
                e.preventDefault();
                e.dataTransfer.dropEffect = "move";
                setDropLane(laneIndex);
              }}
              onDragLeave={() => setDropLane(null)}
              onDrop={(e) => {
                e.preventDefault();
                setDropLane(null);
                const cardId = dragged.current ?? Number(e.dataTransfer.getData("text/plain"));
                dragged.current = null;
                if (cardId) startMove(cardId, { lane: laneIndex, index: dropIndex(e) });
              }}
            >
              {lane.cards.map((item) => (
                <Card
                  key={item.id ?? `${item.item_type}-${item.item_id}`}
                  item={item}
                  movable={canMove && !lane.automatic}
                  describedBy={canMove && !lane.automatic ? "board-help" : undefined}
                  dueDates={board.data.due_dates}
                  onKeyDown={lane.automatic ? undefined : onCardKey(item.id)}
                  onDragStart={(e) => {
                    dragged.current = item.id;
                    e.dataTransfer.setData("text/plain", String(item.id));
                    e.dataTransfer.effectAllowed = "move";
                  }}
                  onDragEnd={() => {
                    dragged.current = null;
                    setDropLane(null);
                  }}
                  onDueDate={(dueId) => dueDate.mutate({ listId: lane.listId, cardId: item.id, dueId })}
                >
                  {canMove && !lane.automatic && (
                    // Without a mouse or a keyboard (phones): move the card to the end of another lane.
                    <label className="card-move">
                      <span className="visually-hidden">Move {itemTitle(item) ?? "the card"} to</span>
                      <select
                        value=""
                        onChange={(e) => {
                          const target = Number(e.target.value);
                          const n = lanes.findIndex((l) => l.listId === target);
                          const dest = lanes[n];
                          if (dest) startMove(item.id, { lane: n, index: dest.cards.length });
                        }}
                      >
                        <option value="">Move to…</option>
                        {lanes
                          .filter((l) => !l.automatic && l.listId !== lane.listId)
                          .map((l) => (
                            <option key={l.listId} value={l.listId}>
                              {l.title}
                            </option>
                          ))}
                      </select>
                    </label>
                  )}
                </Card>
              ))}
            </ol>
            {canMove && !lane.automatic && (
              <AddItemForm
                label={lane.title}
                onAdd={(type, itemId) => addItem(lane.listId, type, itemId)}
                onAdded={() => queryClient.invalidateQueries({ queryKey: boardKey(boardId) })}
              />
            )}
          </section>
        ))}
      </div>
      {canEdit && <AddLaneForm board={board.data} onAnnounce={setAnnounce} />}
      <RemovedLanes board={board.data} canEdit={canEdit} onAnnounce={setAnnounce} />
      <DueDates board={board.data} canAttach={canEdit} />
    </article>
  );
}

function DueDates({ board, canAttach }: { board: Board; canAttach: boolean }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [date, setDate] = useState("");
  const refresh = () => queryClient.invalidateQueries({ queryKey: boardKey(board.id) });
  const create = useMutation({
    mutationFn: () =>
      api<DueDate>("POST", "/due_dates", undefined, {
        name,
        date: date ? dateInputToIso(date) : "",
        board_id: board.id,
      }),
    onSuccess: () => {
      setName("");
      setDate("");
      return refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  if (board.due_dates.length === 0 && !canAttach) return null;
  return (
    <section aria-labelledby="due-dates-title" className="due-dates">
      <h2 id="due-dates-title">Due dates</h2>
      {board.due_dates.length === 0 && <p className="muted">No due dates on this board yet.</p>}
      <ul className="plain">
        {board.due_dates.map((d) => (
          <DueDateRow key={d.id} due={d} onChanged={refresh} />
        ))}
      </ul>
      {canAttach && (
        <form onSubmit={submit} className="inline" aria-label="Add a due date">
          <label htmlFor="due-name">Due date name</label>
          <input id="due-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!errorFor(create.error, "name")} />
          <label htmlFor="due-date">Date</label>
          <input id="due-date" type="date" value={date} onChange={(e) => setDate(e.target.value)} aria-invalid={!!errorFor(create.error, "date")} />
          <button type="submit" disabled={create.isPending}>
            Add due date
          </button>
          <FieldError id="due-err" message={errorFor(create.error, "*")} />
          <FieldError id="due-name-err" message={errorFor(create.error, "name")} />
          <FieldError id="due-date-err" message={errorFor(create.error, "date")} />
        </form>
      )}
    </section>
  );
}

function DueDateRow({ due, onChanged }: { due: DueDate; onChanged: () => unknown }) {
  const [date, setDate] = useState(isoToDateInput(due.date));
  const save = useMutation({
    mutationFn: () => api<DueDate>("PUT", `/due_dates/${due.id}`, undefined, { date: dateInputToIso(date) }),
    onSuccess: onChanged,
  });
  return (
    <li>
      <strong>{due.name}</strong> <Time value={due.date} /> <span className="muted">({due.count} stories and tasks assigned)</span>
      {due.editable && (
        <span className="inline">
          <label className="check" htmlFor={`due-${due.id}`}>
            New date for {due.name}
          </label>
          <input id={`due-${due.id}`} type="date" value={date} onChange={(e) => setDate(e.target.value)} />
          <button type="button" onClick={() => save.mutate()} disabled={save.isPending || !date}>
            Save date
          </button>
          <FieldError id={`due-${due.id}-err`} message={errorFor(save.error, "*")} />
        </span>
      )}
    </li>
  );
}
