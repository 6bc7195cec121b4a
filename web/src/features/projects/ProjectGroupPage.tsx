import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { get } from "../../api/client";
import type { Project, ProjectGroup } from "../../api/types";
import { FeedLink } from "../../components/FeedLink";
import { pageSize } from "../preferences/prefs";
import { usePreferences } from "../preferences/usePreferences";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { SubscribeButton } from "../notifications/SubscribeButton";
import { BranchList } from "./Branches";
import { Listing, useListParams } from "./Listing";
import { ViewNav } from "./ViewNav";

/** A project group: its projects, and the stories or tasks across them with the project page's filters. */
export function ProjectGroupPage() {
  const ref = useParams()["*"] ?? "";
  const group = useQuery({
    queryKey: ["project-group", ref],
    queryFn: () => get<ProjectGroup>(`/project_groups/${ref}`),
    enabled: ref !== "",
  });
  const groupId = group.data?.id;
  const projects = useQuery({
    queryKey: ["project-group-projects", groupId],
    queryFn: () => get<Project[]>(`/project_groups/${groupId}/projects`),
    enabled: groupId !== undefined,
  });
  const [params] = useSearchParams();
  const prefs = usePreferences();
  const [filters, set] = useListParams(pageSize(prefs.data, "project_group_detail_stories_page_size") ?? 25);
  const names = useMemo(() => new Map((projects.data ?? []).map((p) => [p.id, p.name])), [projects.data]);
  useEffect(() => {
    if (group.data) document.title = `${group.data.title} · Storyline`;
  }, [group.data]);

  if (group.isError) {
    return (
      <section>
        <h1>Project group not found</h1>
        <p>{(group.error as Error).message}</p>
      </section>
    );
  }
  const view = params.get("view") === "branches" ? "branches" : filters.view;
  return (
    <section className="project project-group">
      <Breadcrumbs items={[{ label: "Project groups", to: "/project-groups" }, { label: group.data?.title ?? "…" }]} />
      <h1>{group.data?.title ?? "Project group"}</h1>
      {group.data && <p className="muted">{group.data.name}</p>}
      {groupId !== undefined && <SubscribeButton targetType="project_group" targetId={groupId} />}
      {groupId !== undefined && <FeedLink path={`project_groups/${groupId}`} of={`project group ${group.data?.title ?? groupId}`} />}
      <section aria-labelledby="group-projects-title">
        <h2 id="group-projects-title">Projects</h2>
        {projects.data?.length === 0 && <p className="muted">No projects in this group.</p>}
        <ul className="chips group-projects">
          {projects.data?.map((p) => (
            <li key={p.id} className="chip">
              <Link to={`/project/${p.id}`}>{p.name}</Link>
            </li>
          ))}
        </ul>
      </section>
      <ViewNav view={view} label="Project group views" />
      {groupId !== undefined &&
        prefs.settled &&
        (view === "branches" ? (
          <BranchList scope={{ project_group_id: groupId }} projectNames={names} />
        ) : (
          <Listing scope={{ project_group_id: groupId }} filters={filters} set={set} projectNames={names} />
        ))}
    </section>
  );
}
