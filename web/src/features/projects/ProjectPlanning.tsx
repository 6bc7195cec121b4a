import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { get } from "../../api/client";
import type { Board, PriorityList, Worklist } from "../planning/api";

// The server titles a review dashboard's board "Review dashboard of <name>" (preview/planning).
const isDashboard = (b: Board) => (b.description ?? "").startsWith("Review dashboard of ");

/** A project's boards, review dashboards, worklists and priority lists, linked from its page. */
export function ProjectPlanning({ projectId }: { projectId: number }) {
  const boards = useQuery({
    queryKey: ["planning", "boards", { project_id: projectId }],
    queryFn: () => get<Board[]>("/boards", { project_id: projectId, limit: 100 }),
  });
  const worklists = useQuery({
    queryKey: ["planning", "worklists", { project_id: projectId }],
    queryFn: () => get<Worklist[]>("/worklists", { project_id: projectId, limit: 100 }),
  });
  const priorities = useQuery({
    queryKey: ["planning", "priorities", projectId, null],
    queryFn: () => get<PriorityList[]>("/preview/priority_lists", { project_id: projectId }),
  });
  const plain = boards.data?.filter((b) => !isDashboard(b)) ?? [];
  const dashboards = boards.data?.filter(isDashboard) ?? [];
  const lists: [string, string, { id: number; title: string; to: string }[] | undefined][] = [
    ["boards", "Boards", boards.data && plain.map((b) => ({ id: b.id, title: b.title, to: `/board/${b.id}` }))],
    ["dashboards", "Review dashboards", boards.data && dashboards.map((b) => ({ id: b.id, title: b.title, to: `/board/${b.id}` }))],
    ["worklists", "Worklists", worklists.data?.map((w) => ({ id: w.id, title: w.title, to: `/worklist/${w.id}` }))],
  ];
  return (
    <section aria-labelledby="project-planning-title" className="project-planning">
      <h2 id="project-planning-title">Planning</h2>
      <div className="planning-links">
        {lists.map(([key, title, items]) => (
          <div key={key}>
            <h3>{title}</h3>
            {items === undefined ? (
              <p className="muted">…</p>
            ) : items.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <ul className="plain">
                {items.map((i) => (
                  <li key={i.id}>
                    <Link to={i.to}>{i.title}</Link>
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
        <div>
          <h3>Priority lists</h3>
          <p>
            <Link to={`/priorities?project_id=${projectId}`}>
              {priorities.data?.length ? `Priorities (${priorities.data.length} ${priorities.data.length === 1 ? "cycle" : "cycles"})` : "Priorities"}
            </Link>
          </p>
        </div>
      </div>
      <p className="muted">
        New boards, worklists and dashboards are made on the <Link to="/planning">planning page</Link>.
      </p>
    </section>
  );
}
