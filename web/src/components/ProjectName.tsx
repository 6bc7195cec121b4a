import { Link } from "react-router-dom";
import { useProject } from "../api/queries";

export function ProjectName({ id, link = true }: { id: number; link?: boolean }) {
  const project = useProject(id);
  const name = project.data?.name ?? (project.isError ? `Project ${id}` : "…");
  return link ? <Link to={`/project/${id}`}>{name}</Link> : <span>{name}</span>;
}
