import { forwardRef, useEffect, useId, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useSearch } from "../api/queries";
import type { Project, Story, Task, User } from "../api/types";

function useDebounced(value: string, ms: number): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

/** One box for stories, tasks, projects and users; results as you type, Enter for the full page. */
export const SearchBox = forwardRef<HTMLInputElement>(function SearchBox(_props, ref) {
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const q = useDebounced(text.trim(), 150);
  const navigate = useNavigate();
  const listId = useId();
  const stories = useSearch<Story>("stories", q, 5);
  const tasks = useSearch<Task>("tasks", q, 5);
  const projects = useSearch<Project>("projects", q, 5);
  const users = useSearch<User>("users", q, 5);
  const close = () => setOpen(false);
  const showing = open && q.length > 0;
  const count =
    (stories.data?.length ?? 0) + (tasks.data?.length ?? 0) + (projects.data?.length ?? 0) + (users.data?.length ?? 0);
  const loading = stories.isFetching || tasks.isFetching || projects.isFetching || users.isFetching;

  return (
    <form
      role="search"
      className="search"
      onSubmit={(e) => {
        e.preventDefault();
        if (!text.trim()) return;
        close();
        navigate(`/search?q=${encodeURIComponent(text.trim())}`);
      }}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) close();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          close();
          (e.target as HTMLElement).blur();
        }
      }}
    >
      <label htmlFor="search-input" className="visually-hidden">
        Search stories, tasks, projects and users
      </label>
      <input
        id="search-input"
        ref={ref}
        type="search"
        placeholder="Search (/)"
        autoComplete="off"
        value={text}
        aria-controls={listId}
        aria-expanded={showing}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
      />
      {showing && (
        <div id={listId} className="search-results" aria-live="polite" aria-busy={loading}>
          {count === 0 && <p className="muted">{loading ? "Searching…" : "Nothing found."}</p>}
          {!!stories.data?.length && (
            <section aria-label="Stories">
              <h2>Stories</h2>
              <ul>
                {stories.data.map((s) => (
                  <li key={s.id}>
                    <Link to={`/story/${s.id}`} onClick={close}>
                      <span className="muted">#{s.id}</span> {s.title}
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {!!tasks.data?.length && (
            <section aria-label="Tasks">
              <h2>Tasks</h2>
              <ul>
                {tasks.data.map((t) => (
                  <li key={t.id}>
                    <Link to={`/story/${t.story_id}`} onClick={close}>
                      {t.title} <span className="muted">in story #{t.story_id}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {!!projects.data?.length && (
            <section aria-label="Projects">
              <h2>Projects</h2>
              <ul>
                {projects.data.map((p) => (
                  <li key={p.id}>
                    <Link to={`/project/${p.id}`} onClick={close}>
                      {p.name}
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {!!users.data?.length && (
            <section aria-label="Users">
              <h2>Users</h2>
              <ul>
                {users.data.map((u) => (
                  <li key={u.id}>
                    <Link to={`/user/${u.id}`} onClick={close}>
                      {u.full_name}
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
      )}
    </form>
  );
});
