import { Link } from "react-router-dom";
import { useSelf } from "../../api/queries";
import type { Branch } from "../../api/types";
import { Time } from "../../components/Time";
import { NewBranchOrMilestone } from "./BranchAdmin";
import { branchLabel, useBranches, useMilestones } from "./ListFilters";
import type { Scope } from "./filters";

/** The branches of a project (or of a group's projects), each with its milestones; each links to its
 * tasks, and a branch to its stories too. */
export function BranchList({
  scope,
  projectNames,
  projectName,
}: {
  scope: Scope;
  projectNames?: Map<number, string>;
  projectName?: string;
}) {
  const branches = useBranches(scope);
  const admin = !!useSelf().data?.is_superuser;
  return (
    <section aria-labelledby="branches-title">
      <h2 id="branches-title">Branches and milestones</h2>
      {branches.isPending && <p className="muted">Loading…</p>}
      {branches.isError && <p role="alert">{(branches.error as Error).message}</p>}
      {branches.data?.length === 0 && <p className="muted">No branches.</p>}
      <ul className="plain branch-list">
        {branches.data?.map((b) => (
          <BranchItem key={b.id} branch={b} label={branchLabel(b, projectNames)} admin={admin} />
        ))}
      </ul>
      {admin && "project_id" in scope && (
        <NewBranchOrMilestone kind="branch" parentId={scope.project_id} parentName={projectName ?? "this project"} />
      )}
    </section>
  );
}

function BranchItem({ branch, label, admin }: { branch: Branch; label: string; admin: boolean }) {
  const milestones = useMilestones(branch.id);
  return (
    <li data-nav-item tabIndex={-1} aria-label={`Branch ${label}`}>
      <Link to={`?view=tasks&branch=${branch.id}`}>{label}</Link>{" "}
      <Link to={`?branch=${branch.id}`} className="muted">
        stories<span className="visually-hidden"> with a task on {label}</span>
      </Link>
      {branch.expired && branch.expiration_date && (
        <span className="muted">
          {" "}
          expired <Time value={branch.expiration_date} />
        </span>
      )}
      {milestones.data && milestones.data.length > 0 && (
        <ul className="chips" aria-label={`Milestones of ${label}`}>
          {milestones.data.map((m) => (
            <li key={m.id} className="chip milestone">
              <Link to={`?view=tasks&branch=${branch.id}&milestone=${m.id}`}>
                {m.name}
                {m.expired ? " (expired)" : ""}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {admin && !branch.expired && <NewBranchOrMilestone kind="milestone" parentId={branch.id} parentName={label} />}
    </li>
  );
}
