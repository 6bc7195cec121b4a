// A board's lanes, edited by those who hold edit_board (docs/planning.md, "The web client"): add a lane (empty,
// or automatic from a saved view), rename, move left or right, remove (its worklist is archived and kept) and put
// back. Each change answers with the board (or is followed by a read of it).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { errorFor, FieldError } from "../../components/FieldError";
import { useViews } from "../search/savedViews";
import { addLane, type Board, boardKey, changeLane, placeLane } from "./api";
import { lanePosition, laneTitleProblem, laneViews, removedLanes, viewLaneProblem } from "./lanes";

type Announce = (message: string) => void;

/** Where focus goes after a lane change re-renders the board: a lane's heading or one of its buttons. */
export function focusLater(selector: string) {
  // After React commits the new board.
  window.setTimeout(() => document.querySelector<HTMLElement>(selector)?.focus(), 0);
}

function useBoardWrite(boardId: number) {
  const queryClient = useQueryClient();
  return {
    /** The board as a write answered it, then read again (automatic lanes' cards, others' changes). */
    settle: (board?: Board) => {
      if (board) queryClient.setQueryData(boardKey(boardId), board);
      return queryClient.invalidateQueries({ queryKey: boardKey(boardId) });
    },
  };
}

/** Rename, move left/right and remove one lane. */
export function LaneTools({
  board,
  listId,
  title,
  cardCount,
  onAnnounce,
}: {
  board: Board;
  listId: number;
  title: string;
  cardCount: number;
  onAnnounce: Announce;
}) {
  const { settle } = useBoardWrite(board.id);
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(title);
  const [asking, setAsking] = useState(false);
  const removeButton = useRef<HTMLButtonElement>(null);
  const left = lanePosition(board.lanes, listId, "left");
  const right = lanePosition(board.lanes, listId, "right");
  const shownCount = board.lanes.length - removedLanes(board.lanes).length;

  const move = useMutation({
    mutationFn: ({ position }: { position: number; direction: "left" | "right" }) => placeLane(board.id, listId, position),
    onSuccess: async (answer, { direction }) => {
      await settle(answer);
      const place = answer.lanes.filter((l) => !l.worklist.archived).findIndex((l) => l.list_id === listId);
      onAnnounce(`Moved the lane ${title} ${direction}: now lane ${place + 1} of ${shownCount}.`);
      // The same button keeps focus, or the other one when the lane reached that end.
      const again = lanePosition(answer.lanes, listId, direction) !== null ? direction : direction === "left" ? "right" : "left";
      focusLater(`[data-lane-tool="${listId}-${again}"]`);
    },
    onError: (error) => onAnnounce(`The lane was not moved: ${(error as Error).message}`),
  });
  const rename = useMutation({
    mutationFn: () => {
      const problem = laneTitleProblem(name);
      return problem ? Promise.reject(new Error(problem)) : changeLane(listId, { title: name.trim() });
    },
    onSuccess: async () => {
      setRenaming(false);
      await settle();
      onAnnounce(`Renamed the lane ${title} to ${name.trim()}.`);
      focusLater(`[data-lane-tool="${listId}-rename"]`);
    },
  });
  const remove = useMutation({
    mutationFn: () => changeLane(listId, { archived: true }),
    onSuccess: async () => {
      setAsking(false);
      await settle();
      onAnnounce(`Removed the lane ${title}; its worklist is kept under Removed lanes.`);
      focusLater("#board-title");
    },
  });


  const inputId = `lane-${listId}-name`;
  const renameError = errorFor(rename.error, "title") ?? errorFor(rename.error, "*", ["title"]);
  const submitRename = (e: FormEvent) => {
    e.preventDefault();
    rename.mutate();
  };
  return (
    <div className="lane-tools">
      {renaming ? (
        <form className="lane-rename" onSubmit={submitRename} aria-label={`Rename the lane ${title}`}>
          <label htmlFor={inputId}>New name for {title}</label>
          <input
            id={inputId}
            value={name}
            autoFocus
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                setRenaming(false);
                focusLater(`[data-lane-tool="${listId}-rename"]`);
              }
            }}
            aria-invalid={!!renameError}
            aria-describedby={renameError ? `${inputId}-err` : undefined}
          />
          <FieldError id={`${inputId}-err`} message={renameError} />
          <div className="inline">
            <button type="submit" disabled={rename.isPending}>
              Save name
            </button>
            <button
              type="button"
              onClick={() => {
                setRenaming(false);
                focusLater(`[data-lane-tool="${listId}-rename"]`);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="inline" role="group" aria-label={`Lane ${title}`}>
          <button
            type="button"
            data-lane-tool={`${listId}-rename`}
            onClick={() => {
              setName(title);
              rename.reset();
              setRenaming(true);
            }}
          >
            Rename<span className="visually-hidden"> the lane {title}</span>
          </button>
          <button
            type="button"
            data-lane-tool={`${listId}-left`}
            disabled={left === null}
            onClick={() => left !== null && !move.isPending && move.mutate({ position: left, direction: "left" })}
            aria-label={`Move the lane ${title} left`}
            title="Move left"
          >
            ←
          </button>
          <button
            type="button"
            data-lane-tool={`${listId}-right`}
            disabled={right === null}
            onClick={() => right !== null && !move.isPending && move.mutate({ position: right, direction: "right" })}
            aria-label={`Move the lane ${title} right`}
            title="Move right"
          >
            →
          </button>
          <button type="button" ref={removeButton} data-lane-tool={`${listId}-remove`} onClick={() => setAsking(true)}>
            Remove<span className="visually-hidden"> the lane {title}</span>
          </button>
        </div>
      )}
      <FieldError id={`lane-${listId}-move-err`} message={errorFor(move.error, "*")} />
      {asking && (
        <ConfirmDialog
          id={`remove-lane-${listId}`}
          question={<>Remove the lane “{title}” from this board?</>}
          error={errorFor(remove.error, "*")}
          action="Remove lane"
          pending={remove.isPending}
          onConfirm={() => remove.mutate()}
          onCancel={() => setAsking(false)}
          opener={removeButton}
        >
          Its worklist is not deleted: it is archived and kept with its {cardCount === 1 ? "card" : `${cardCount} cards`}, and
          the lane can be put back from “Removed lanes” on this page.
        </ConfirmDialog>
      )}
    </div>
  );
}

/** "Add a lane": an empty one with a name, or an automatic one from one of the reader's saved views. */
export function AddLaneForm({ board, onAnnounce }: { board: Board; onAnnounce: Announce }) {
  const id = useId();
  const { settle } = useBoardWrite(board.id);
  const { views, loaded } = useViews();
  const offered = laneViews(views);
  const [kind, setKind] = useState<"manual" | "view">("manual");
  const [title, setTitle] = useState("");
  const [viewId, setViewId] = useState("");
  const chosen = offered.find((v) => String(v.id) === viewId) ?? null;
  const add = useMutation({
    mutationFn: () => {
      if (kind === "manual") {
        const problem = laneTitleProblem(title);
        return problem ? Promise.reject(new Error(problem)) : addLane(board.id, { title: title.trim() });
      }
      if (!chosen) return Promise.reject(new Error("Choose one of your saved views."));
      const problem = viewLaneProblem(chosen) ?? (title.trim() ? laneTitleProblem(title) : null);
      if (problem) return Promise.reject(new Error(problem.startsWith("it ") ? `The view cannot become a lane: ${problem}.` : problem));
      return addLane(board.id, title.trim() ? { view_id: chosen.id, title: title.trim() } : { view_id: chosen.id });
    },
    onSuccess: async (answer) => {
      const lane = answer.lanes[answer.lanes.length - 1];
      setTitle("");
      setViewId("");
      await settle(answer);
      if (lane) {
        const n = lane.worklist.items.length;
        onAnnounce(`Added the lane ${lane.worklist.title}${lane.worklist.automatic ? ` with ${n} ${n === 1 ? "card" : "cards"}` : ""}.`);
        focusLater(`#lane-${lane.list_id}`);
      }
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  const fields = ["title", "view_id", "lanes"];
  return (
    <section className="add-lane" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a lane</h2>
      <form onSubmit={submit} className="planning-form" aria-labelledby={`${id}-title`}>
        <fieldset>
          <legend>Kind of lane</legend>
          <div className="type-choice">
            <label className="check">
              <input type="radio" name={`${id}-kind`} checked={kind === "manual"} onChange={() => setKind("manual")} /> An empty lane for cards
            </label>
            <label className="check">
              <input type="radio" name={`${id}-kind`} checked={kind === "view"} onChange={() => setKind("view")} /> From a saved view
            </label>
          </div>
        </fieldset>
        {kind === "view" && (
          <>
            {loaded && offered.length === 0 ? (
              <p className="muted">
                You have no saved views yet: save a query on the <Link to="/stories">Stories</Link> page first.
              </p>
            ) : (
              <label htmlFor={`${id}-view`}>Saved view</label>
            )}
            {!(loaded && offered.length === 0) && (
              <select
                id={`${id}-view`}
                value={viewId}
                onChange={(e) => setViewId(e.target.value)}
                aria-invalid={!!errorFor(add.error, "view_id")}
                aria-describedby={`${id}-view-help`}
              >
                <option value="">Choose a view…</option>
                {offered.map((v) => {
                  const problem = viewLaneProblem(v);
                  return (
                    <option key={v.id} value={v.id} disabled={!!problem}>
                      {v.name}
                      {v.mine ? "" : " (shared with you)"}
                      {problem ? ` — cannot: ${problem}` : ""}
                    </option>
                  );
                })}
              </select>
            )}
            <p id={`${id}-view-help`} className="muted">
              {chosen ? (
                <>
                  The lane shows the stories matching <code>{chosen.query}</code>, for each reader (<code>@me</code> is
                  whoever looks). It keeps this query: changing the view later does not change the lane.
                </>
              ) : (
                "An automatic lane: its cards are the stories matching the view's query, computed at each read."
              )}
            </p>
            <FieldError id={`${id}-view-err`} message={errorFor(add.error, "view_id")} />
          </>
        )}
        <label htmlFor={`${id}-name`}>{kind === "manual" ? "Lane name" : "Lane name (the view's name if left empty)"}</label>
        <input
          id={`${id}-name`}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          placeholder={kind === "view" && chosen ? chosen.name : ""}
          aria-invalid={!!errorFor(add.error, "title")}
          aria-describedby={errorFor(add.error, "title") ? `${id}-name-err` : undefined}
        />
        <FieldError id={`${id}-name-err`} message={errorFor(add.error, "title")} />
        <FieldError id={`${id}-err`} message={errorFor(add.error, "*", fields) ?? errorFor(add.error, "lanes")} />
        <button type="submit" disabled={add.isPending}>
          Add lane
        </button>
      </form>
    </section>
  );
}

/** The removed lanes (their worklists archived), each with "Put back" and a link to its worklist. */
export function RemovedLanes({ board, canEdit, onAnnounce }: { board: Board; canEdit: boolean; onAnnounce: Announce }) {
  const { settle } = useBoardWrite(board.id);
  const restore = useMutation({
    mutationFn: ({ listId }: { listId: number; title: string }) => changeLane(listId, { archived: false }),
    onSuccess: async (_answer, { listId, title }) => {
      await settle();
      onAnnounce(`Put the lane ${title} back.`);
      focusLater(`#lane-${listId}`);
    },
  });
  const removed = removedLanes(board.lanes);
  if (removed.length === 0 || !canEdit) return null;
  return (
    <section aria-labelledby="removed-lanes-title" className="removed-lanes">
      <h2 id="removed-lanes-title">Removed lanes</h2>
      <p className="muted">Their worklists are archived with their cards; putting one back shows it where it stood.</p>
      <ul className="plain">
        {removed.map((lane) => (
          <li key={lane.list_id} className="inline">
            <Link to={`/worklist/${lane.list_id}`}>{lane.worklist.title}</Link>
            <button
              type="button"
              disabled={restore.isPending}
              onClick={() => restore.mutate({ listId: lane.list_id, title: lane.worklist.title })}
            >
              Put back<span className="visually-hidden"> the lane {lane.worklist.title}</span>
            </button>
          </li>
        ))}
      </ul>
      <FieldError id="removed-lanes-err" message={errorFor(restore.error, "*")} />
    </section>
  );
}
