import { forwardRef, useId, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { get } from "../api/client";
import { useQuery } from "@tanstack/react-query";
import { apiPage } from "../api/client";
import { useSearch, useSelf } from "../api/queries";
import type { Project, Story, Task, User } from "../api/types";
import { jumpTarget, parseQuery } from "../lib/query";
import { useDebounced } from "../lib/useDebounced";

/** Where Enter takes a query: straight to a story (`#12`, `12`) or a task's story (`T34`), otherwise the
 * full search page. */
export async function searchDestination(query: string): Promise<string> {
  const target = jumpTarget(parseQuery(query));
  if (target && "story" in target) return `/story/${target.story}`;
  if (target && "task" in target) {
    try {
      return `/story/${(await get<Task>(`/tasks/${target.task}`)).story_id}`;
    } catch {
      // No such task (or not visible): the search page says so.
    }
  }
  return `/search?q=${encodeURIComponent(query)}`;
}

/** One box for stories, tasks, projects and users; results as you type, Enter for the full page (the
 * query language of docs/search.md; a story or task number jumps to it). */
export const SearchBox = forwardRef<HTMLInputElement>(function SearchBox(_props, ref) {
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const typed = useDebounced(text.trim(), 150);
  // As-you-type results use the query's free words; qualifiers take effect on the full page.
  const parsed = parseQuery(typed);
  const q = parsed.text;
  const target = jumpTarget(parsed);
  const navigate = useNavigate();
  const listId = useId();
  // With qualifiers, negation or OR (is:open project:nova …) the stories are the server's answer to the
  // query (GET /preview/search), counted, as on the full page; plain words use the v1 full-text search.
  const qualified = typed !== q && parsed.errors.length === 0 && parsed.parsed?.tree != null && target === null;
  const self = useSelf();
  const selfId = self.data?.id ?? null;
  const matching = useQuery({
    queryKey: ["story-search", typed, 1, selfId, 5],
    queryFn: () => apiPage<Story>("/preview/search", { q: typed, limit: 5 }),
    enabled: qualified && !self.isPending,
    retry: false,
    placeholderData: (previous) => previous,
  });
  const textStories = useSearch<Story>("stories", qualified ? "" : q, 5);
  const stories = qualified ? { data: matching.data?.items, isFetching: matching.isFetching } : textStories;
  const tasks = useSearch<Task>("tasks", q, 5);
  const projects = useSearch<Project>("projects", q, 5);
  const users = useSearch<User>("users", q, 5);
  const close = () => setOpen(false);
  const showing = open && typed.length > 0;
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
        void searchDestination(text.trim()).then((to) => navigate(to));
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
        placeholder="Search or #123 (/)"
        autoComplete="off"
        value={text}
        aria-controls={showing ? listId : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
      />
      {showing && (
        <div id={listId} className="search-results" aria-live="polite" aria-busy={loading}>
          {target && (
            <p>
              <Link to={"story" in target ? `/story/${target.story}` : `/search?q=${encodeURIComponent(typed)}`} onClick={close}>
                {"story" in target ? `Go to story #${target.story}` : `Go to task T${target.task}`}
              </Link>{" "}
              <span className="muted">(Enter)</span>
            </p>
          )}
          {typed !== q && (
            <p>
              <Link to={`/search?q=${encodeURIComponent(typed)}`} onClick={close}>
                {qualified && matching.data?.total != null ? `All ${matching.data.total} stories` : "All stories"} matching “{typed}”
              </Link>{" "}
              <span className="muted">{target ? "" : "(Enter)"}</span>
            </p>
          )}
          {parsed.errors.map((err) => (
            <p key={`${err.start}-${err.message}`} className="field-error">
              {err.message}
            </p>
          ))}
          {matching.isError && qualified && <p className="field-error">{(matching.error as Error).message}</p>}
          {(q || qualified) && count === 0 && <p className="muted">{loading ? "Searching…" : "Nothing found."}</p>}
          {!!stories.data?.length && (
            <section aria-label="Matching stories">
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
            <section aria-label="Matching tasks">
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
            <section aria-label="Matching projects">
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
            <section aria-label="Matching users">
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
