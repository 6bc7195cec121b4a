import { useQuery } from "@tanstack/react-query";
import { get } from "../../api/client";
import type { Milestone, Task } from "../../api/types";
import { FieldError } from "../../components/FieldError";
import { useBranches, useMilestones } from "../projects/ListFilters";

/** Where a task lands: its branch (when not master) and its milestone, as small labels. */
export function BranchLabel({ task }: { task: Task }) {
  const branches = useBranches({ project_id: task.project_id });
  const milestone = useQuery({
    queryKey: ["milestone", task.milestone_id],
    queryFn: () => get<Milestone>(`/milestones/${task.milestone_id}`),
    enabled: task.milestone_id !== null,
    staleTime: 5 * 60_000,
  });
  const branch = branches.data?.find((b) => b.id === task.branch_id);
  return (
    <>
      {branch && branch.name !== "master" && (
        <span className="tag" title="Branch">
          {branch.name}
        </span>
      )}
      {milestone.data && (
        <span className="tag milestone" title="Milestone">
          {milestone.data.name}
        </span>
      )}
    </>
  );
}

/** Branch (of the task's project) and milestone (of that branch, merged tasks only) pickers. */
export function BranchFields({
  task,
  status,
  branchId,
  milestoneId,
  onChange,
  errors,
}: {
  task: Task;
  status: string;
  branchId: number;
  milestoneId: number | null;
  onChange: (branchId: number, milestoneId: number | null) => void;
  errors: { branch: string | null; milestone: string | null };
}) {
  const fid = `task-${task.id}`;
  const branches = useBranches({ project_id: task.project_id });
  const milestones = useMilestones(branchId);
  const merged = status === "merged";
  return (
    <div className="branch-fields">
      <label htmlFor={`${fid}-branch`}>Branch</label>
      <select
        id={`${fid}-branch`}
        value={branchId}
        onChange={(e) => onChange(Number(e.target.value), null)}
        aria-invalid={!!errors.branch}
        aria-describedby={`${fid}-branch-err`}
      >
        {!branches.data && <option value={branchId}>Loading…</option>}
        {branches.data?.map((b) => (
          <option key={b.id} value={b.id} disabled={b.expired && b.id !== branchId}>
            {b.name}
            {b.expired ? " (expired)" : ""}
          </option>
        ))}
      </select>
      <FieldError id={`${fid}-branch-err`} message={errors.branch} />
      <label htmlFor={`${fid}-milestone`}>Milestone</label>
      <select
        id={`${fid}-milestone`}
        value={milestoneId ?? ""}
        disabled={!merged && milestoneId === null}
        onChange={(e) => onChange(branchId, e.target.value ? Number(e.target.value) : null)}
        aria-invalid={!!errors.milestone}
        aria-describedby={`${fid}-milestone-hint ${fid}-milestone-err`}
      >
        <option value="">No milestone</option>
        {milestones.data?.map((m) => (
          <option key={m.id} value={m.id} disabled={m.expired && m.id !== milestoneId}>
            {m.name}
            {m.expired ? " (expired)" : ""}
          </option>
        ))}
      </select>
      {!merged && (
        <p id={`${fid}-milestone-hint`} className="muted">
          A milestone is set on merged tasks only.
        </p>
      )}
      <FieldError id={`${fid}-milestone-err`} message={errors.milestone} />
    </div>
  );
}
