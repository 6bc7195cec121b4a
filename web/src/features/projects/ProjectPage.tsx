import { useEffect } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { useProject } from "../../api/queries";
import { FeedLink } from "../../components/FeedLink";
import { pageSize } from "../preferences/prefs";
import { usePreferences } from "../preferences/usePreferences";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { SubscribeButton } from "../notifications/SubscribeButton";
import { BranchList } from "./Branches";
import { Listing, useListParams } from "./Listing";
import { ProjectPlanning } from "./ProjectPlanning";
import { ProjectViews } from "./ProjectViews";
import { ViewNav } from "./ViewNav";

/** A project's stories or tasks (filters, sorting and paging kept in the URL), and its branches. */
export function ProjectPage() {
  const ref = useParams()["*"];
  const project = useProject(ref);
  const [params] = useSearchParams();
  const prefs = usePreferences();
  const [filters, set] = useListParams(pageSize(prefs.data, "project_detail_page_size") ?? 25);
  useEffect(() => {
    if (project.data) document.title = `${project.data.name} · Storyline`;
  }, [project.data]);

  if (project.isError) {
    return (
      <section>
        <h1>Project not found</h1>
        <p>{(project.error as Error).message}</p>
      </section>
    );
  }
  const projectId = project.data?.id;
  const view = params.get("view") === "branches" ? "branches" : filters.view;
  return (
    <section className="project">
      <Breadcrumbs items={[{ label: "Projects", to: "/projects" }, { label: project.data?.name ?? "…" }]} />
      <h1>{project.data?.name ?? "Project"}</h1>
      {project.data?.description && <p>{project.data.description}</p>}
      <div className="actions">
        <ViewNav view={view} label="Project views" />
        <Link to={`/stories/new?project=${projectId ?? ""}`}>New story in this project</Link>
        {projectId !== undefined && <SubscribeButton targetType="project" targetId={projectId} />}
        {projectId !== undefined && <FeedLink path={`projects/${projectId}`} of={`project ${project.data?.name ?? projectId}`} />}
      </div>
      {projectId !== undefined && <ProjectViews projectId={projectId} projectName={project.data?.name} />}
      {projectId !== undefined &&
        prefs.settled &&
        (view === "branches" ? (
          <BranchList scope={{ project_id: projectId }} projectName={project.data?.name} />
        ) : (
          <Listing scope={{ project_id: projectId }} filters={filters} set={set} />
        ))}
      {projectId !== undefined && <ProjectPlanning projectId={projectId} />}
    </section>
  );
}
