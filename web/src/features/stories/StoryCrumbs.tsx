import { useProject } from "../../api/queries";
import type { Task } from "../../api/types";
import { Breadcrumbs, type Crumb } from "../../components/Breadcrumbs";

/** Stories › the story's project (its first task's; "N projects" when they are several) › #id. */
export function StoryCrumbs({ storyId, tasks }: { storyId: number; tasks: Task[] | undefined }) {
  const projectIds = [...new Set((tasks ?? []).map((t) => t.project_id))];
  const first = projectIds[0] ?? null;
  const project = useProject(projectIds.length === 1 ? first : null);
  const items: Crumb[] = [{ label: "Stories", to: "/stories" }];
  if (projectIds.length === 1 && first !== null) items.push({ label: project.data?.name ?? "…", to: `/project/${first}` });
  items.push({ label: `#${storyId}` });
  return <Breadcrumbs items={items} />;
}
