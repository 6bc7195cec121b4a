// Changes to an existing saved view by its owner (PUT /preview/views/{id}, docs/search.md "Saved views"): its
// columns, its pins to the home page and to a project. Others see no control: the server refuses them (403).
import { useId, useState } from "react";
import { useProject } from "../../api/queries";
import { FieldError } from "../../components/FieldError";
import { ProjectSearch } from "../../components/Pickers";
import { sameColumns, shownColumns } from "./columns";
import { type SavedView, type ViewChange, useViewChange, useViews, type ViewColumn } from "./savedViews";

/** The view's columns when the list shows others: "Save these columns to the view" for its owner. */
export function SaveColumns({ view, columns }: { view: SavedView; columns: ViewColumn[] | null }) {
  const { change, busy, problem } = useViewChange();
  const id = useId();
  if (sameColumns(view.columns, columns)) return null;
  return (
    <p className="save-columns">
      <span className="muted">The columns differ from the view’s. </span>
      {view.mine ? (
        <button
          type="button"
          disabled={busy}
          aria-describedby={problem ? id : undefined}
          onClick={() => change(view, { columns: shownColumns(columns) }, `save the columns to “${view.name}”`)}
        >
          Save these columns to “{view.name}”
        </button>
      ) : (
        <span className="muted">Only its owner can change it; save them as a view of yours below.</span>
      )}
      <FieldError id={id} message={problem} />
    </p>
  );
}

/** A project's name for a label ("project 7" until it is read). */
function useProjectName(id: number | null): string {
  const project = useProject(id);
  return project.data?.name ?? `project ${id ?? ""}`;
}

/** One of one's views pinned or not to the home page and to a project: a toggle for the home page; the
 * project it is pinned to with "Unpin", and a search to pin it to one. The list showing it shows `edit.problem`
 * (with the id `${id}-err`): the message stays when the view goes (deleted meanwhile). */
export function ViewPins({ view, id, edit }: { view: SavedView; id: string; edit: ViewChange }) {
  const { change, busy, problem } = edit;
  const projectName = useProjectName(view.project_id);
  const errorId = `${id}-err`;
  return (
    <section id={id} className="view-pins" aria-label={`Pins of the view ${view.name}`}>
      <div className="inline">
        <button
          type="button"
          aria-pressed={view.pinned_home}
          disabled={busy}
          aria-describedby={problem ? errorId : undefined}
          onClick={() =>
            change(view, { pinned_home: !view.pinned_home }, view.pinned_home ? `unpin “${view.name}” from the home page` : `pin “${view.name}” to the home page`)
          }
        >
          {view.pinned_home ? "★" : "☆"} On the home page
        </button>
        {view.project_id !== null && (
          <>
            <span>
              Pinned to <strong>{projectName}</strong>
            </span>
            <button
              type="button"
              disabled={busy}
              aria-describedby={problem ? errorId : undefined}
              onClick={() => change(view, { project_id: null }, `unpin “${view.name}” from ${projectName}`)}
            >
              Unpin from {projectName}
            </button>
          </>
        )}
      </div>
      <div className="picker">
        <ProjectSearch
          label={view.project_id === null ? "Pin to a project" : "Pin to another project"}
          placeholder="Type a project’s name"
          offer={(p) => p.id !== view.project_id}
          optionText={(p) => `Pin to ${p.name}`}
          onChoose={(p, clear) => {
            clear();
            change(view, { project_id: p.id }, `pin “${view.name}” to ${p.name}`);
          }}
          listLabel="Matching projects"
          noMatch="No other project matches."
          describedBy={problem ? errorId : undefined}
        />
      </div>
    </section>
  );
}

/** "Unpin" next to one of one's views on the page it is pinned to (the home page, or a project's); the page
 * shows `edit.problem` (with the id `errorId`), which stays when the view goes from the list. */
export function UnpinButton({ view, from, edit, errorId }: { view: SavedView; from: "home" | "project"; edit: ViewChange; errorId: string }) {
  const { change, busy, problem } = edit;
  const where = from === "home" ? "the home page" : "this project";
  return (
    <>
      {" "}
      <button
        type="button"
        className="link"
        disabled={busy}
        aria-label={`Unpin the view ${view.name} from ${where}`}
        aria-describedby={problem ? errorId : undefined}
        onClick={() => change(view, from === "home" ? { pinned_home: false } : { project_id: null }, `unpin “${view.name}” from ${where}`)}
      >
        Unpin
      </button>
    </>
  );
}

/** On a project's page: pin one of one's views that is not pinned here yet (it leaves the project it was on). */
export function PinHere({ projectId }: { projectId: number }) {
  const { views } = useViews({ mine: true });
  const { change, busy, problem } = useViewChange();
  const [chosen, setChosen] = useState("");
  const id = useId();
  const others = views.filter((v) => v.project_id !== projectId);
  if (others.length === 0) return null;
  const view = others.find((v) => String(v.id) === chosen);
  return (
    <form
      className="inline pin-here"
      onSubmit={(e) => {
        e.preventDefault();
        if (view) change(view, { project_id: projectId }, `pin “${view.name}” to this project`);
        setChosen("");
      }}
    >
      <label htmlFor={`${id}-view`}>Pin one of your views here</label>
      <select id={`${id}-view`} value={chosen} onChange={(e) => setChosen(e.target.value)} aria-describedby={problem ? `${id}-err` : undefined}>
        <option value="">Choose a view…</option>
        {others.map((v) => (
          <option key={v.id} value={v.id}>
            {v.name}
            {v.project_id !== null ? " (pinned to another project)" : ""}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy || !view}>
        Pin here
      </button>
      <FieldError id={`${id}-err`} message={problem} />
    </form>
  );
}
