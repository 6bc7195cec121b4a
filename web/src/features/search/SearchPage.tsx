import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useEffect, useId, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { ApiError, apiPage, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Project, Story, Task, User } from "../../api/types";
import { StatusBadge } from "../../components/StatusBadge";
import { completions, parseQuery, QUALIFIERS, type QueryError } from "../../lib/query";
import { useDebounced } from "../../lib/useDebounced";
import { storyChange, useLiveList } from "../../lib/liveLists";
import { hasTasks } from "../../lib/storylist";
import { Pager } from "../browse/Pager";
import { pageCount } from "../projects/filters";
import { StoryTable } from "../projects/StoryTable";
import { ProjectName } from "../../components/ProjectName";
import { SavedViews } from "./SavedViews";
import { ColumnPicker, useColumnsParam } from "./ColumnPicker";
import { SaveColumns } from "./ViewEdits";
import { useViews, type ViewColumn, viewLink, viewQuery } from "./savedViews";

const SIZE = 25;

/** The header's "Stories": every open story, narrowed with the query language. */
export function StoriesPage() {
  return <StorySearch title="Stories" defaultQuery="is:open" />;
}

/** The search box's full page: stories matching the query (counted, in pages), and tasks, projects
 * and people matching its free words. */
export function SearchPage() {
  return <StorySearch title="Search" defaultQuery="" />;
}

function StorySearch({ title, defaultQuery }: { title: string; defaultQuery: string }) {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? defaultQuery;
  const page = Math.max(1, Number(params.get("page")) || 1);
  const parsed = useMemo(() => parseQuery(q), [q]);
  const self = useSelf();
  const navigate = useNavigate();
  const selfId = self.data?.id ?? null;
  useEffect(() => {
    document.title = `${q ? `${q} · ` : ""}${title} · Storyline`;
  }, [q, title]);
  // A saved view opens with its columns (`columns=`) and its id (`view=`, named above the results).
  const [columns, setColumns] = useColumnsParam();
  const viewId = Number(params.get("view")) || null;
  const pinProject = Number(params.get("pin_project")) || null;
  const setQuery = (value: string) =>
    setParams((p) => {
      p.set("q", value);
      p.delete("page");
      p.delete("view");
      return p;
    });
  const setPage = (value: number) =>
    setParams((p) => {
      p.set("page", String(value));
      return p;
    });

  // A lone number (`12`, `#12`, `T34`) names a story or task (shown on top); anything else is searched by
  // the server (GET /preview/search), once the browser's parser of the same grammar finds no mistake.
  const searching = parsed.errors.length === 0 && parsed.storyId === null && parsed.taskId === null;
  const stories = useQuery({
    queryKey: ["story-search", q, page, selfId],
    queryFn: () => apiPage<Story>("/preview/search", { q, limit: SIZE, offset: (page - 1) * SIZE }),
    enabled: searching && !self.isPending,
    placeholderData: (previous) => previous,
    retry: false,
  });
  // Others' changes show without a reload: the stream names every project (when few enough, else the query)
  // and the stories shown; any story change reads the page again (debounced), as a story anywhere may come to match.
  const shown = stories.data?.items ?? [];
  useLiveList(
    { stories: shown.map((s) => s.id), taskless: shown.filter((s) => !hasTasks(s)).map((s) => s.id), bound: null, query: q },
    [["story-search", q], ["story-list-tasks"]],
    { enabled: searching, relevant: storyChange },
  );
  const serverError = serverQueryError(stories.error);
  const errors = serverError ? [serverError] : parsed.errors;
  const total = stories.data?.total ?? 0;
  return (
    <section className="story-search">
      <h1>{title}</h1>
      <QueryForm key={q} value={q} onSubmit={setQuery} errors={errors} />
      {viewId !== null && self.data && <OpenView id={viewId} query={q} columns={columns} />}
      {self.data && <SavedViews query={q} onOpen={(v) => navigate(viewLink(v))} columns={columns} pinProject={pinProject} />}
      <Named parsed={parsed} />
      <div className="search-layout">
        <section aria-labelledby="sr-stories" className="search-main">
          <h2 id="sr-stories">Stories</h2>
          {stories.isError && !serverError && (
            <p role="alert" className="field-error">
              {(stories.error as Error).message}
            </p>
          )}
          {searching && !serverError && (
            <p className="muted result-count" aria-live="polite">
              {stories.data ? `${total} ${total === 1 ? "story" : "stories"}` : "Searching…"}
              {stories.data && total > SIZE && ` · ${(page - 1) * SIZE + 1}–${Math.min(page * SIZE, total)} shown`}
            </p>
          )}
          {searching && !serverError && <ColumnPicker columns={columns} onChange={setColumns} />}
          {searching && !serverError && stories.data && total > 0 && (
            <>
              <StoryTable stories={stories.data.items} busy={stories.isFetching} selectable={!!self.data} columns={columns} />
              <Pager page={page} pages={pageCount(total, SIZE)} onPage={setPage} label="Result pages" />
            </>
          )}
        </section>
        {parsed.text && <Others text={parsed.text} />}
      </div>
    </section>
  );
}

/** The saved view the page was opened from: its name, and its project's page when pinned to one. */
function OpenView({ id, query, columns }: { id: number; query: string; columns: ViewColumn[] | null }) {
  const { views, loaded } = useViews();
  const view = views.find((v) => v.id === id);
  if (!loaded) return null;
  if (!view) return <p className="muted">This saved view is gone, or no longer shared with you.</p>;
  return (
    <div className="open-view">
      <p>
        Saved view <strong>{view.name}</strong>
        {viewQuery(view) !== query && <span className="muted"> (query changed)</span>}
        {view.project_id !== null && (
          <>
            {" "}
            · pinned to <ProjectName id={view.project_id} />
          </>
        )}
      </p>
      <SaveColumns view={view} columns={columns} />
    </div>
  );
}

/** The server's mistake in a query (a name that matches nothing, @me without a login…), at its position. */
function serverQueryError(error: unknown): QueryError | null {
  if (!(error instanceof ApiError) || error.status !== 400 || error.field !== "q") return null;
  const body = error.body as { position?: unknown; end?: unknown; expected?: unknown } | null;
  if (typeof body?.position !== "number") return null;
  return {
    message: error.message,
    start: body.position,
    end: typeof body.end === "number" ? body.end : body.position,
    expected: typeof body.expected === "string" ? body.expected : "",
  };
}

const NAMED = ["project", "group", "tag", "assignee", "creator", "branch", "milestone"];

/** Offers at the cursor: qualifiers and fixed values at once, then the names the server knows (projects,
 * tags, people… only those the reader may see) for the value being typed. */
function useCompletions(text: string, cursor: number): { start: number; options: string[] } {
  const local = completions(text, cursor);
  const word = text.slice(local.start, cursor);
  const key = /^([A-Za-z]+):/.exec(word)?.[1]?.toLowerCase();
  const typed = useDebounced(key && NAMED.includes(key) ? `${text.slice(0, cursor)}` : "", 120);
  const remote = useQuery({
    queryKey: ["query-complete", typed],
    queryFn: () => get<{ start: number; items: { insert: string }[] }>("/preview/search/complete", { q: typed, position: typed.length }),
    enabled: typed !== "",
    staleTime: 30_000,
  });
  const fresh = typed !== "" && typed === text.slice(0, cursor) && remote.data?.start === local.start;
  const names = fresh ? (remote.data?.items ?? []).map((i) => i.insert).filter((o) => o !== word) : [];
  return { start: local.start, options: [...new Set([...local.options, ...names])] };
}

/** The query box: completion of qualifiers and values as you type, errors pointing at their word. */
function QueryForm({ value, onSubmit, errors }: { value: string; onSubmit: (q: string) => void; errors: QueryError[] }) {
  const [text, setText] = useState(value);
  const [cursor, setCursor] = useState(value.length);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const options = useCompletions(text, cursor);
  const complete = (option: string) => {
    const next = text.slice(0, options.start) + option + (option.endsWith(":") ? "" : " ") + text.slice(cursor).trimStart();
    setText(next);
    const at = options.start + option.length + (option.endsWith(":") ? 0 : 1);
    setCursor(at);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(at, at);
    });
  };
  return (
    <form
      className="query-form"
      role="search"
      aria-label="Stories"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(text.trim());
      }}
    >
      <label htmlFor="query">Query</label>
      <div className="inline">
        <input
          id="query"
          ref={input}
          value={text}
          autoComplete="off"
          spellCheck={false}
          aria-describedby="query-help"
          aria-invalid={errors.length > 0}
          onChange={(e) => {
            setText(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
          }}
          onSelect={(e) => setCursor(e.currentTarget.selectionStart ?? text.length)}
          onKeyDown={(e) => {
            if (e.key === "Tab" && !e.shiftKey && options.options[0] && document.activeElement === input.current) {
              e.preventDefault();
              complete(options.options[0]);
            }
          }}
        />
        <button type="submit">Search</button>
      </div>
      {options.options.length > 0 && (
        <ul className="completions" id={listId} aria-label="Completions (Tab takes the first)">
          {options.options.map((o) => (
            <li key={o}>
              <button type="button" className="link" onClick={() => complete(o)}>
                {o}
              </button>
            </li>
          ))}
        </ul>
      )}
      {errors.length > 0 && (
        <div role="alert" className="query-errors">
          {errors.map((err) => (
            <p key={`${err.start}-${err.message}`} className="field-error">
              {err.message} (characters {err.start + 1}–{Math.max(err.end, err.start + 1)}{err.expected ? `; expected ${err.expected}` : ""}):{" "}
              <code>
                {value.slice(0, err.start)}
                <mark>{value.slice(err.start, err.end) || " "}</mark>
                {value.slice(err.end)}
              </code>
            </p>
          ))}
        </div>
      )}
      <details id="query-help" className="query-help">
        <summary>Query language</summary>
        <p>
          Words search titles, descriptions, tags and comments (a word matches as a prefix, <code>"two words"</code> as a
          phrase); <code>#123</code> finds story 123, <code>T45</code> the story of task 45. Every term must match;{" "}
          <code>-tag:x</code> or <code>NOT</code> negates, <code>OR</code> and parentheses combine:{" "}
          <code>(tag:ui OR tag:docs) -is:closed</code>. Qualifiers:
        </p>
        <dl>
          {QUALIFIERS.map((qual) => (
            <div key={qual.key}>
              <dt>
                <code>
                  {qual.key}:{qual.values.startsWith(">") ? qual.values : ""}
                </code>
              </dt>
              <dd>
                {qual.values.startsWith(">") ? "" : `${qual.values}: `}
                {qual.help}
              </dd>
            </div>
          ))}
        </dl>
      </details>
    </form>
  );
}

/** The story or task a number names, on top of the results. */
function Named({ parsed }: { parsed: ReturnType<typeof parseQuery> }) {
  const story = useQuery({
    queryKey: ["story", parsed.storyId],
    queryFn: () => get<Story>(`/stories/${parsed.storyId}`),
    enabled: parsed.storyId !== null,
    retry: false,
  });
  const task = useQuery({
    queryKey: ["task", parsed.taskId],
    queryFn: () => get<Task>(`/tasks/${parsed.taskId}`),
    enabled: parsed.taskId !== null,
    retry: false,
  });
  const missing = (error: unknown) => error instanceof ApiError && error.status === 404;
  const items: ReactNode[] = [];
  if (parsed.storyId !== null) {
    items.push(
      story.data ? (
        <li key="s">
          <Link to={`/story/${story.data.id}`}>
            Story #{story.data.id}: {story.data.title}
          </Link>{" "}
          <StatusBadge status={story.data.status} />
        </li>
      ) : (
        <li key="s" className="muted">
          {missing(story.error) ? `There is no story #${parsed.storyId} you may see.` : `Story #${parsed.storyId}…`}
        </li>
      ),
    );
  }
  if (parsed.taskId !== null) {
    items.push(
      task.data ? (
        <li key="t">
          <Link to={`/story/${task.data.story_id}`}>
            Task T{task.data.id}: {task.data.title}
          </Link>{" "}
          <span className="muted">in story #{task.data.story_id}</span> <StatusBadge status={task.data.status} />
        </li>
      ) : (
        <li key="t" className="muted">
          {missing(task.error) ? `There is no task T${parsed.taskId} you may see.` : `Task T${parsed.taskId}…`}
        </li>
      ),
    );
  }
  if (items.length === 0) return null;
  return (
    <section aria-label="By number" className="named">
      <ul className="plain">{items}</ul>
    </section>
  );
}

function useCounted<T>(kind: "tasks" | "projects" | "users", text: string) {
  return useQuery({
    queryKey: ["search-counted", kind, text],
    queryFn: () => apiPage<T>(`/${kind}/search`, { q: text, limit: 10 }),
    enabled: text.length > 0,
    placeholderData: (previous) => previous,
  });
}

function Others({ text }: { text: string }) {
  const tasks = useCounted<Task>("tasks", text);
  const projects = useCounted<Project>("projects", text);
  const users = useCounted<User>("users", text);
  const navigate = useNavigate();
  const heading = (id: string, name: string, page: { items: unknown[]; total: number | null } | undefined) => (
    <h2 id={id}>
      {name}
      {page && <span className="muted"> ({page.total !== null && page.total > page.items.length ? `${page.items.length} of ${page.total}` : page.items.length})</span>}
    </h2>
  );
  return (
    <aside className="search-side" aria-label="Other matches">
      <section aria-labelledby="sr-tasks">
        {heading("sr-tasks", "Tasks", tasks.data)}
        <ul className="plain">
          {tasks.data?.items.map((t) => (
            <li key={t.id} data-nav-item tabIndex={-1}>
              <Link to={`/story/${t.story_id}`}>{t.title}</Link> <StatusBadge status={t.status} />
            </li>
          ))}
        </ul>
        {tasks.data?.items.length === 0 && <p className="muted">No tasks.</p>}
      </section>
      <section aria-labelledby="sr-projects">
        {heading("sr-projects", "Projects", projects.data)}
        <ul className="plain">
          {projects.data?.items.map((p) => (
            <li key={p.id} data-nav-item tabIndex={-1}>
              <Link to={`/project/${p.id}`}>{p.name}</Link>{" "}
              <button type="button" className="link" onClick={() => navigate(`/stories?q=${encodeURIComponent(`is:open project:${p.name}`)}`)}>
                its open stories
              </button>
            </li>
          ))}
        </ul>
        {projects.data?.items.length === 0 && <p className="muted">No projects.</p>}
      </section>
      <section aria-labelledby="sr-users">
        {heading("sr-users", "People", users.data)}
        <ul className="plain">
          {users.data?.items.map((u) => (
            <li key={u.id} data-nav-item tabIndex={-1}>
              <Link to={`/user/${u.id}`}>{u.full_name}</Link>
            </li>
          ))}
        </ul>
        {users.data?.items.length === 0 && <p className="muted">No people.</p>}
      </section>
    </aside>
  );
}
