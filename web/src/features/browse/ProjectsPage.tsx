import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { apiPage } from "../../api/client";
import type { Project, ProjectGroup } from "../../api/types";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { pageCount } from "../projects/filters";
import { Pager } from "./Pager";

const SIZE = 50;

function usePaged(): [string, number, (name: string) => void, (page: number) => void] {
  const [params, setParams] = useSearchParams();
  const name = params.get("name") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const setName = (value: string) =>
    setParams((p) => {
      if (value) p.set("name", value);
      else p.delete("name");
      p.delete("page");
      return p;
    }, { replace: true });
  const setPage = (value: number) =>
    setParams((p) => {
      p.set("page", String(value));
      return p;
    });
  return [name, page, setName, setPage];
}

function NameFilter({ id, label, value, onChange }: { id: string; label: string; value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => text !== value && onChange(text), 200);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div className="name-filter">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={text} onChange={(e) => setText(e.target.value)} />
    </div>
  );
}

/** Every project, by name, with a filter and paging (the header's "Projects"). */
export function ProjectsPage() {
  const [name, page, setName, setPage] = usePaged();
  useEffect(() => {
    document.title = "Projects · Storyline";
  }, []);
  const list = useQuery({
    queryKey: ["browse", "projects", name, page],
    queryFn: () => apiPage<Project>("/projects", { name, sort_field: "name", sort_dir: "asc", limit: SIZE, offset: (page - 1) * SIZE }),
    placeholderData: (previous) => previous,
  });
  const total = list.data?.total ?? 0;
  return (
    <section className="browse">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "Projects" }]} />
      <h1>Projects</h1>
      <p>
        <Link to="/project-groups">Project groups</Link> gather related projects.
      </p>
      <NameFilter id="project-name-filter" label="Filter by name" value={name} onChange={setName} />
      {list.isError && <p role="alert">{(list.error as Error).message}</p>}
      <p className="muted" aria-live="polite">
        {list.data ? `${total} ${total === 1 ? "project" : "projects"}` : "Loading…"}
      </p>
      <ul className="plain browse-list">
        {list.data?.items.map((p) => (
          <li key={p.id} data-nav-item tabIndex={-1}>
            <Link to={`/project/${p.id}`}>{p.name}</Link>
            {p.description && <span className="muted"> — {p.description}</span>}
          </li>
        ))}
      </ul>
      <Pager page={page} pages={pageCount(total, SIZE)} onPage={setPage} />
    </section>
  );
}

/** Every project group (the header's "Groups"). */
export function ProjectGroupsPage() {
  const [name, page, setName, setPage] = usePaged();
  useEffect(() => {
    document.title = "Project groups · Storyline";
  }, []);
  const list = useQuery({
    queryKey: ["browse", "project-groups", name, page],
    queryFn: () =>
      apiPage<ProjectGroup>("/project_groups", { name, sort_field: "name", sort_dir: "asc", limit: SIZE, offset: (page - 1) * SIZE }),
    placeholderData: (previous) => previous,
  });
  const total = list.data?.total ?? 0;
  return (
    <section className="browse">
      <Breadcrumbs items={[{ label: "Home", to: "/" }, { label: "Project groups" }]} />
      <h1>Project groups</h1>
      <NameFilter id="group-name-filter" label="Filter by name" value={name} onChange={setName} />
      {list.isError && <p role="alert">{(list.error as Error).message}</p>}
      <p className="muted" aria-live="polite">
        {list.data ? `${total} ${total === 1 ? "project group" : "project groups"}` : "Loading…"}
      </p>
      <ul className="plain browse-list">
        {list.data?.items.map((g) => (
          <li key={g.id} data-nav-item tabIndex={-1}>
            <Link to={`/project-group/${g.id}`}>{g.title}</Link> <span className="muted">{g.name}</span>
          </li>
        ))}
      </ul>
      <Pager page={page} pages={pageCount(total, SIZE)} onPage={setPage} />
    </section>
  );
}
