import { useProject } from "../../api/queries";
import { Breadcrumbs, type Crumb } from "../../components/Breadcrumbs";

/** Planning › (the project, when the board or worklist belongs to one) › this page. */
export function PlanningCrumbs({ projectId, title }: { projectId: number | null | undefined; title: string }) {
  const project = useProject(projectId ?? null);
  const items: Crumb[] = [{ label: "Planning", to: "/planning" }];
  if (projectId) items.push({ label: project.data?.name ?? "…", to: `/project/${projectId}` });
  items.push({ label: title });
  return <Breadcrumbs items={items} />;
}
