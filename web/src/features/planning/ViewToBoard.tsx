// "Add to a board as a lane" from a saved view's controls (Stories page; docs/search.md "Saved views"): choose one
// of the boards you may edit; the view becomes its last lane (POST /preview/boards/{id}/lanes with view_id).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";
import { get } from "../../api/client";
import { useSelf } from "../../api/queries";
import { errorFor, FieldError } from "../../components/FieldError";
import { type SavedView, useShareTeams } from "../search/savedViews";
import { addLane, type Board, boardKey } from "./api";
import { editableBoards, viewLaneProblem } from "./lanes";

/** The boards the reader may add lanes to (at most the first 500 they hold a permission on). */
function useEditableBoards(enabled: boolean) {
  const self = useSelf();
  const userId = self.data?.id;
  const teams = useShareTeams(enabled && userId !== undefined);
  const boards = useQuery({
    queryKey: ["planning", "boards", "held", userId ?? null],
    queryFn: () => get<Board[]>("/boards", { user_id: userId ?? 0, limit: 500, sort_field: "title", sort_dir: "asc" }),
    enabled: enabled && userId !== undefined,
  });
  const ready = boards.isSuccess && teams.isSuccess && userId !== undefined;
  return {
    boards: ready ? editableBoards(boards.data, userId, teams.data.map((t) => t.id)) : [],
    ready,
    error: boards.error ?? teams.error,
  };
}

export function ViewToBoard({ view, id }: { view: SavedView; id: string }) {
  const queryClient = useQueryClient();
  const { boards, ready, error } = useEditableBoards(true);
  const [boardId, setBoardId] = useState("");
  const [added, setAdded] = useState<{ id: number; title: string } | null>(null);
  const problem = viewLaneProblem(view);
  const add = useMutation({
    mutationFn: () => {
      if (!boardId) return Promise.reject(new Error("Choose a board."));
      return addLane(Number(boardId), { view_id: view.id });
    },
    onSuccess: (board) => {
      queryClient.setQueryData(boardKey(board.id), board);
      setAdded({ id: board.id, title: board.title });
      setBoardId("");
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    add.mutate();
  };
  const selectId = `${id}-board`;
  return (
    <section id={id} className="view-to-board" aria-label={`Add the view ${view.name} to a board`}>
      {problem ? (
        <p className="muted">“{view.name}” cannot become a lane: {problem}.</p>
      ) : !ready && !error ? (
        <p className="muted">Looking for the boards you may edit…</p>
      ) : boards.length === 0 ? (
        <p className="muted">
          {error ? (error as Error).message : "You may edit no board yet: "}
          {!error && <Link to="/planning">create one on the Planning page</Link>}
        </p>
      ) : (
        <form className="inline" onSubmit={submit}>
          <label htmlFor={selectId}>Board for the lane “{view.name}”</label>
          <select id={selectId} value={boardId} onChange={(e) => setBoardId(e.target.value)} aria-invalid={!!errorFor(add.error, "*")}>
            <option value="">Choose a board…</option>
            {boards.map((b) => (
              <option key={b.id} value={b.id}>
                {b.title}
              </option>
            ))}
          </select>
          <button type="submit" disabled={add.isPending}>
            Add as a lane
          </button>
        </form>
      )}
      <FieldError id={`${id}-err`} message={errorFor(add.error, "*")} />
      {added && (
        <p role="status">
          “{view.name}” is now the last lane of <Link to={`/board/${added.id}`}>{added.title}</Link>; it keeps this query.
        </p>
      )}
    </section>
  );
}
