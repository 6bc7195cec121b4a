import { Link, useSearchParams } from "react-router-dom";
import { changeParams } from "./filters";

const VIEWS = [
  ["stories", "Stories"],
  ["tasks", "Tasks"],
  ["branches", "Branches and milestones"],
] as const;

/** Links between the views of a project or group page; the current one is marked for assistive technology. */
export function ViewNav({ view, label }: { view: string; label: string }) {
  const [params] = useSearchParams();
  return (
    <nav aria-label={label} className="view-nav">
      {VIEWS.map(([key, name]) => {
        const next = changeParams(params, { view: key === "stories" ? null : key });
        const qs = next.toString();
        return (
          <Link key={key} to={{ search: qs ? `?${qs}` : "" }} aria-current={view === key ? "page" : undefined}>
            {name}
          </Link>
        );
      })}
    </nav>
  );
}
