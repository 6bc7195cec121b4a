import { Link } from "react-router-dom";
import { useId } from "react";
import { FieldError } from "../../components/FieldError";
import { useViewChange, useViews, viewLink } from "./savedViews";
import { UnpinButton } from "./ViewEdits";

/** The views pinned to the home page (one's own, each with "Unpin", and those shared with one's teams), or how
 * to make one. */
export function PinnedViews() {
  const { views, loaded } = useViews({ pinned_home: true });
  const edit = useViewChange();
  const errorId = useId();
  if (!loaded) return null;
  return (
    <section aria-labelledby="pinned-views-title" className="card-section pinned-views">
      <h2 id="pinned-views-title">My views</h2>
      {views.length === 0 ? (
        <p className="muted">
          Search <Link to="/stories">stories</Link> with a query such as <code>is:open assignee:@me</code>, then “Save
          view” with “on the home page”: it shows here.
        </p>
      ) : (
        <ul className="plain">
          {views.map((v) => (
            <li key={v.id} data-nav-item tabIndex={-1}>
              <Link to={viewLink(v)}>{v.name}</Link> <code className="muted">{v.query}</code>
              {v.mine ? <UnpinButton view={v} from="home" edit={edit} errorId={errorId} /> : <span className="muted"> (shared)</span>}
            </li>
          ))}
        </ul>
      )}
      <FieldError id={errorId} message={edit.problem} />
    </section>
  );
}
