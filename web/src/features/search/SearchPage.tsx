import { Link, useSearchParams } from "react-router-dom";
import { useSearch } from "../../api/queries";
import type { Project, Story, Task, User } from "../../api/types";
import { StatusBadge } from "../../components/StatusBadge";

export function SearchPage() {
  const [params] = useSearchParams();
  const q = params.get("q") ?? "";
  const stories = useSearch<Story>("stories", q, 20);
  const tasks = useSearch<Task>("tasks", q, 20);
  const projects = useSearch<Project>("projects", q, 20);
  const users = useSearch<User>("users", q, 20);
  return (
    <section>
      <h1>Search: {q}</h1>
      <div className="search-page">
        <section aria-labelledby="sr-stories">
          <h2 id="sr-stories">Stories</h2>
          <ul className="plain">
            {stories.data?.map((s) => (
              <li key={s.id} data-nav-item tabIndex={-1}>
                <Link to={`/story/${s.id}`}>
                  #{s.id} {s.title}
                </Link>{" "}
                <StatusBadge status={s.status} />
              </li>
            ))}
          </ul>
          {stories.data?.length === 0 && <p className="muted">No stories.</p>}
        </section>
        <section aria-labelledby="sr-tasks">
          <h2 id="sr-tasks">Tasks</h2>
          <ul className="plain">
            {tasks.data?.map((t) => (
              <li key={t.id} data-nav-item tabIndex={-1}>
                <Link to={`/story/${t.story_id}`}>{t.title}</Link> <StatusBadge status={t.status} />
              </li>
            ))}
          </ul>
          {tasks.data?.length === 0 && <p className="muted">No tasks.</p>}
        </section>
        <section aria-labelledby="sr-projects">
          <h2 id="sr-projects">Projects</h2>
          <ul className="plain">
            {projects.data?.map((p) => (
              <li key={p.id} data-nav-item tabIndex={-1}>
                <Link to={`/project/${p.id}`}>{p.name}</Link>
              </li>
            ))}
          </ul>
          {projects.data?.length === 0 && <p className="muted">No projects.</p>}
        </section>
        <section aria-labelledby="sr-users">
          <h2 id="sr-users">Users</h2>
          <ul className="plain">
            {users.data?.map((u) => (
              <li key={u.id} data-nav-item tabIndex={-1}>
                <Link to={`/user/${u.id}`}>{u.full_name}</Link>
              </li>
            ))}
          </ul>
          {users.data?.length === 0 && <p className="muted">No users.</p>}
        </section>
      </div>
    </section>
  );
}
