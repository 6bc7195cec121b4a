import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client";
import type { Branch, Milestone } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";

/** A superuser's form for a new branch of a project, or a new milestone of a branch. */
export function NewBranchOrMilestone({
  kind,
  parentId,
  parentName,
}: {
  kind: "branch" | "milestone";
  parentId: number;
  parentName: string;
}) {
  const [name, setName] = useState("");
  const queryClient = useQueryClient();
  const fid = `new-${kind}-${parentId}`;
  const create = useMutation({
    mutationFn: (): Promise<Branch | Milestone> =>
      kind === "branch"
        ? api<Branch>("POST", "/branches", undefined, { name, project_id: parentId })
        : api<Milestone>("POST", "/milestones", undefined, { name, branch_id: parentId }),
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: [kind === "branch" ? "branches" : "milestones"] });
    },
  });
  const label = kind === "branch" ? `New branch of ${parentName}` : `New milestone of ${parentName}`;
  return (
    <form
      className="inline new-branch"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <label htmlFor={fid} className="visually-hidden">
        {label}
      </label>
      <input
        id={fid}
        placeholder={kind === "branch" ? "New branch name" : "New milestone name"}
        value={name}
        onChange={(e) => setName(e.target.value)}
        aria-invalid={!!create.error}
        aria-describedby={`${fid}-err`}
      />
      <button type="submit" disabled={create.isPending || !name.trim()}>
        {kind === "branch" ? "Add branch" : "Add milestone"}
        <span className="visually-hidden"> to {parentName}</span>
      </button>
      <FieldError id={`${fid}-err`} message={errorFor(create.error, "name") ?? errorFor(create.error, "*", ["name"])} />
    </form>
  );
}
