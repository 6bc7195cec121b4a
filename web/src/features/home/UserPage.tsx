import { useParams } from "react-router-dom";
import { useUser } from "../../api/queries";
import { UserTasks } from "./UserTasks";

export function UserPage() {
  const userId = Number(useParams().id);
  const user = useUser(userId);
  if (user.isError) return <h1>User not found</h1>;
  return (
    <section>
      <h1>{user.data?.full_name ?? "User"}</h1>
      <UserTasks userId={userId} title="Assigned tasks" />
    </section>
  );
}
