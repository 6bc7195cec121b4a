import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { get } from "../../api/client";
import { useUser } from "../../api/queries";
import type { User } from "../../api/types";
import { UserTasks } from "./UserTasks";

/** /user/12, or /user/@name (a markdown mention): the person whose full name matches. */
export function UserPage() {
  const ref = useParams().id ?? "";
  if (ref.startsWith("@")) return <UserByName name={decodeURIComponent(ref.slice(1))} />;
  return <UserById userId={Number(ref)} />;
}

function UserById({ userId }: { userId: number }) {
  const user = useUser(userId);
  if (user.isError) return <h1>User not found</h1>;
  return (
    <section>
      <h1>{user.data?.full_name ?? "User"}</h1>
      <UserTasks userId={userId} title="Assigned tasks" />
    </section>
  );
}

// A mention has no spaces: "@ada.lovelace" or "@ada_lovelace" finds "Ada Lovelace".
const asName = (mention: string) => mention.replace(/[._]+/g, " ").trim();

function UserByName({ name }: { name: string }) {
  const found = useQuery({
    queryKey: ["users-by-name", name],
    queryFn: () => get<User[]>("/users", { full_name: asName(name), limit: 20 }),
  });
  const people = found.data ?? [];
  const exact = people.filter((u) => u.full_name.toLowerCase() === asName(name).toLowerCase());
  const only = exact.length === 1 ? exact[0] : people.length === 1 ? people[0] : undefined;
  if (only) return <UserById userId={only.id} />;
  return (
    <section>
      <h1>@{name}</h1>
      {found.isPending && <p className="muted">Looking for @{name}…</p>}
      {found.isError && <p role="alert">{(found.error as Error).message}</p>}
      {found.isSuccess && people.length === 0 && <p>Nobody’s name matches @{name}.</p>}
      {people.length > 1 && (
        <>
          <p>Several people match @{name}:</p>
          <ul className="plain">
            {people.map((u) => (
              <li key={u.id}>
                <Link to={`/user/${u.id}`}>{u.full_name}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
