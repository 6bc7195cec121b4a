import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api } from "../../api/client";
import { errorFor, FieldError } from "../../components/FieldError";
import { ProjectName } from "../../components/ProjectName";
import { type SavedView, useShareTeams, useViewChange, useViews, type ViewFields, viewProblem, viewQuery } from "./savedViews";
import { ViewPins } from "./ViewEdits";
import { ViewToBoard } from "../planning/ViewToBoard";

/** The reader's saved views and those shared with their teams (open; one's own: pin to the home page or a
 * project, share, delete), and a
 * form to save the current query as one (docs/search.md, "Saved views"). */
export function SavedViews({
  query,
  onOpen,
  columns = null,
  pinProject = null,
}: {
  query: string;
  onOpen: (view: SavedView) => void;
  /** The list's columns, kept with a view saved from it. */
  columns?: string[] | null;
  /** A project to offer pinning the new view to (the page was opened from that project's "New view"). */
  pinProject?: number | null;
}) {
  const { views } = useViews();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [teamId, setTeamId] = useState("");
  const [onHome, setOnHome] = useState(false);
  const [onProject, setOnProject] = useState(pinProject !== null);
  const [problem, setProblem] = useState<string | null>(null);
  const teams = useShareTeams(true);
  const create = useMutation({
    mutationFn: (body: ViewFields) => api<SavedView>("POST", "/preview/views", undefined, body),
    onSuccess: () => {
      setName("");
      return queryClient.invalidateQueries({ queryKey: ["views"] });
    },
  });
  const edit = useViewChange();
  const { change, problem: changeProblem } = edit;
  const [pinning, setPinning] = useState<number | null>(null);
  const pinsId = useId();
  const pinned = views.find((v) => v.id === pinning && v.mine);
  const [laning, setLaning] = useState<number | null>(null);
  const laned = views.find((v) => v.id === laning);
  const teamName = (id: number | null) => teams.data?.find((t) => t.id === id)?.name ?? (id === null ? "" : `team ${id}`);
  return (
    <section aria-labelledby="saved-views-title" className="saved-views">
      <h2 id="saved-views-title" className="visually-hidden">
        Saved views
      </h2>
      {views.length > 0 && (
        <ul className="chips" aria-label="Saved views">
          {views.map((v) => (
            <li key={v.id} className={`chip${viewQuery(v) === query ? " current" : ""}`}>
              <button type="button" className="link" onClick={() => onOpen(v)} title={viewQuery(v)} aria-current={viewQuery(v) === query ? "true" : undefined}>
                {v.name}
              </button>
              {v.team_id !== null && <span className="muted"> · shared with {teamName(v.team_id)}</span>}
              {v.project_id !== null && (
                <span className="muted">
                  {" "}
                  · on <ProjectName id={v.project_id} link={false} />
                </span>
              )}
              <button
                type="button"
                aria-expanded={laning === v.id}
                aria-controls={laning === v.id ? `${pinsId}-lane` : undefined}
                aria-label={`Add the view ${v.name} to a board as a lane`}
                title="Add to a board as a lane"
                onClick={() => setLaning(laning === v.id ? null : v.id)}
              >
                Lane…
              </button>
              {v.mine && (
                <>
                  <button
                    type="button"
                    aria-pressed={v.pinned_home}
                    title={v.pinned_home ? "Shown on the home page: click to unpin" : "Show on the home page"}
                    aria-label={`${v.pinned_home ? "Unpin" : "Pin"} the view ${v.name} ${v.pinned_home ? "from" : "to"} the home page`}
                    onClick={() =>
                      change(v, { pinned_home: !v.pinned_home }, v.pinned_home ? `unpin “${v.name}” from the home page` : `pin “${v.name}” to the home page`)
                    }
                  >
                    {v.pinned_home ? "★" : "☆"}
                  </button>
                  <button
                    type="button"
                    aria-expanded={pinning === v.id}
                    aria-controls={pinning === v.id ? pinsId : undefined}
                    aria-label={`Pins of the view ${v.name}`}
                    title="Pin to the home page or a project"
                    onClick={() => setPinning(pinning === v.id ? null : v.id)}
                  >
                    Pins…
                  </button>
                  {(teams.data?.length ?? 0) > 0 && (
                    <select
                      aria-label={`Share the view ${v.name} with`}
                      value={v.team_id ?? ""}
                      onChange={(e) => change(v, { team_id: e.target.value ? Number(e.target.value) : null }, `share “${v.name}”`)}
                    >
                      <option value="">not shared</option>
                      {teams.data?.map((t) => (
                        <option key={t.id} value={t.id}>
                          {t.name}
                        </option>
                      ))}
                    </select>
                  )}
                  <button type="button" aria-label={`Delete the view ${v.name}`} onClick={() => change(v, null, `delete “${v.name}”`)}>
                    ×
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {pinned && <ViewPins view={pinned} id={pinsId} edit={edit} />}
      {laned && <ViewToBoard view={laned} id={`${pinsId}-lane`} />}
      <FieldError id={`${pinsId}-err`} message={changeProblem} />
      <form
        className="inline save-view"
        onSubmit={(e) => {
          e.preventDefault();
          const wrong = viewProblem(name, query);
          setProblem(wrong);
          if (!wrong)
            create.mutate({
              name: name.trim(),
              query,
              pinned_home: onHome,
              team_id: teamId ? Number(teamId) : null,
              project_id: onProject && pinProject !== null ? pinProject : null,
              columns,
            });
        }}
      >
        <label htmlFor="view-name" className="visually-hidden">
          Name of the view
        </label>
        <input id="view-name" placeholder="Name this view" value={name} onChange={(e) => setName(e.target.value)} aria-describedby="view-err" />
        <label className="inline-check">
          <input type="checkbox" checked={onHome} onChange={(e) => setOnHome(e.target.checked)} /> on the home page
        </label>
        {pinProject !== null && (
          <label className="inline-check">
            <input type="checkbox" checked={onProject} onChange={(e) => setOnProject(e.target.checked)} /> on the page of{" "}
            <ProjectName id={pinProject} link={false} />
          </label>
        )}
        {(teams.data?.length ?? 0) > 0 && (
          <label>
            Share with{" "}
            <select value={teamId} onChange={(e) => setTeamId(e.target.value)}>
              <option value="">nobody</option>
              {teams.data?.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" disabled={create.isPending}>
          Save view
        </button>
        <FieldError id="view-err" message={problem ?? errorFor(create.error, "*")} />
      </form>
    </section>
  );
}
