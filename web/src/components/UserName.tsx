import { Link } from "react-router-dom";
import { useUser } from "../api/queries";

/** A user's full name, fetched (and cached) only when shown. */
export function UserName({ id, link = true }: { id: number | null | undefined; link?: boolean }) {
  const user = useUser(id);
  if (id === null || id === undefined) return <span className="muted">Unassigned</span>;
  const name = user.data?.full_name ?? (user.isError ? `User ${id}` : "…");
  return link ? <Link to={`/user/${id}`}>{name}</Link> : <span>{name}</span>;
}
