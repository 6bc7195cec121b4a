import { Link } from "react-router-dom";
import { useSelf } from "../../api/queries";
import { UserName } from "../../components/UserName";
import { useId } from "react";
import { FieldError } from "../../components/FieldError";
import { useViewChange, useViews, viewLink } from "../search/savedViews";
import { PinHere, UnpinButton } from "../search/ViewEdits";

/** The saved views pinned to a project (the reader's own and those shared with their teams; GET
 * /preview/views, filtered by project): each opens as a list of its results (the Stories page with its
 * query, sort and columns). "New view" opens the Stories page on the project, its save form offering to
 * pin the view here; one's own views are unpinned here, or pinned here from the list of one's views. Nothing for
 * a reader who is not logged in (views belong to people). */
export function ProjectViews({ projectId, projectName }: { projectId: number; projectName: string | undefined }) {
  const self = useSelf();
  const { views, loaded } = useViews({ project_id: projectId });
  const edit = useViewChange();
  const errorId = useId();
  if (!self.data || !loaded) return null;
  const start = `is:open project:${projectName && /^[^\s()"-][^\s()"]*$/.test(projectName) ? projectName : `"${projectName ?? ""}"`}`;
  return (
    <section aria-labelledby="project-views-title" className="project-views">
      <h2 id="project-views-title">Saved views</h2>
      {views.length > 0 && (
        <ul className="plain" aria-label="Views pinned to this project">
          {views.map((v) => (
            <li key={v.id} data-nav-item tabIndex={-1}>
              <Link to={viewLink(v)}>{v.name}</Link> <code className="muted">{v.query}</code>
              {v.mine ? (
                <UnpinButton view={v} from="project" edit={edit} errorId={errorId} />
              ) : (
                <span className="muted">
                  {" "}
                  (shared by <UserName id={v.owner_id} />)
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <p>
        {views.length === 0 && <span className="muted">No view is pinned to this project yet. </span>}
        <Link to={`/stories?${new URLSearchParams({ q: start, pin_project: String(projectId) }).toString()}`}>New view for this project</Link>
      </p>
      <FieldError id={errorId} message={edit.problem} />
      <PinHere projectId={projectId} />
    </section>
  );
}
