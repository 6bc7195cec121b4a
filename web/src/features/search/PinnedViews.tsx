import { Link } from "react-router-dom";
import { usePreferences } from "../preferences/usePreferences";
import { savedViews } from "./savedViews";

/** The reader's saved views on the home page (pinned there as soon as they are saved), or how to make one. */
export function PinnedViews() {
  const prefs = usePreferences();
  const views = savedViews(prefs.data);
  if (!prefs.settled) return null;
  return (
    <section aria-labelledby="pinned-views-title" className="card-section pinned-views">
      <h2 id="pinned-views-title">My views</h2>
      {views.length === 0 ? (
        <p className="muted">
          Search <Link to="/stories">stories</Link> with a query such as <code>is:open assignee:@me</code>, then “Save
          view”: it shows here.
        </p>
      ) : (
        <ul className="plain">
          {views.map((v) => (
            <li key={v.name} data-nav-item tabIndex={-1}>
              <Link to={`/stories?q=${encodeURIComponent(v.query)}`}>{v.name}</Link> <code className="muted">{v.query}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
