import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { apiPage } from "../../api/client";
import { useProject } from "../../api/queries";
import type { Story } from "../../api/types";
import { StatusBadge } from "../../components/StatusBadge";
import { Time } from "../../components/Time";
import { STORY_STATUSES, STATUS_LABELS } from "../../lib/status";

const SORTS: Record<string, string> = {
  updated_at: "Recently updated",
  created_at: "Created",
  id: "Number",
  title: "Title",
  status: "Status",
};
const SIZES = [25, 50, 100];

/** A project's stories: status filter, sorting and paging, all kept in the URL. */
export function ProjectPage() {
  const ref = useParams()["*"];
  const project = useProject(ref);
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const status = params.getAll("status");
  const sort = params.get("sort") ?? "updated_at";
  const dir = params.get("dir") === "asc" ? "asc" : "desc";
  const size = Number(params.get("size")) || 25;
  const page = Math.max(1, Number(params.get("page")) || 1);
  const projectId = project.data?.id;
  const stories = useQuery({
    queryKey: ["project-stories", projectId, status, sort, dir, size, page],
    queryFn: () =>
      apiPage<Story>("/stories", {
        project_id: projectId,
        status,
        sort_field: sort,
        sort_dir: dir,
        limit: size,
        offset: (page - 1) * size,
      }),
    enabled: projectId !== undefined,
    placeholderData: (previous) => previous,
  });
  useEffect(() => {
    if (project.data) document.title = `${project.data.name} · Storyline`;
  }, [project.data]);

  const set = (changes: Record<string, string | string[] | null>) =>
    setParams((p) => {
      for (const [k, v] of Object.entries(changes)) {
        p.delete(k);
        if (Array.isArray(v)) v.forEach((x) => p.append(k, x));
        else if (v !== null) p.set(k, v);
      }
      if (!("page" in changes)) p.delete("page");
      return p;
    });

  if (project.isError) {
    return (
      <section>
        <h1>Project not found</h1>
        <p>{(project.error as Error).message}</p>
      </section>
    );
  }
  const total = stories.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / size));
  return (
    <section className="project">
      <h1>{project.data?.name ?? "Project"}</h1>
      {project.data?.description && <p>{project.data.description}</p>}
      <form className="filters" aria-label="Filter and sort stories" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Status</legend>
          {STORY_STATUSES.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={status.includes(s)}
                onChange={(e) => set({ status: e.target.checked ? [...status, s] : status.filter((x) => x !== s) })}
              />{" "}
              {STATUS_LABELS[s] ?? s}
            </label>
          ))}
        </fieldset>
        <label>
          Sort by{" "}
          <select value={sort} onChange={(e) => set({ sort: e.target.value })}>
            {Object.entries(SORTS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Order{" "}
          <select value={dir} onChange={(e) => set({ dir: e.target.value })}>
            <option value="desc">Descending</option>
            <option value="asc">Ascending</option>
          </select>
        </label>
        <label>
          Per page{" "}
          <select value={size} onChange={(e) => set({ size: e.target.value })}>
            {SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <Link to={`/stories/new?project=${projectId ?? ""}`}>New story in this project</Link>
      </form>
      <p className="muted" aria-live="polite">
        {stories.data ? `${total} ${total === 1 ? "story" : "stories"}` : "Loading stories…"}
      </p>
      <table className="stories" aria-busy={stories.isFetching}>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {stories.data?.items.map((s) => (
            <tr key={s.id} data-nav-item tabIndex={-1} aria-label={s.title}>
              <td>{s.id}</td>
              <td>
                <Link to={`/story/${s.id}`}>{s.title}</Link>
                <button
                  type="button"
                  className="visually-hidden"
                  data-nav-edit
                  tabIndex={-1}
                  onClick={() => navigate(`/story/${s.id}?edit=1`)}
                >
                  Edit {s.title}
                </button>
              </td>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td>
                <Time value={s.updated_at ?? s.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="Pages" className="pager">
        <button type="button" disabled={page <= 1} onClick={() => set({ page: String(page - 1) })}>
          Previous
        </button>
        <span>
          Page {page} of {pages}
        </span>
        <button type="button" disabled={page >= pages} onClick={() => set({ page: String(page + 1) })}>
          Next
        </button>
      </nav>
    </section>
  );
}
