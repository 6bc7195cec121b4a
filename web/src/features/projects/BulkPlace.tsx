import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { get } from "../../api/client";
import { useProject } from "../../api/queries";
import type { Branch, BulkChange, Project, Task } from "../../api/types";
import { ProjectSearch } from "../../components/Pickers";
import { useMilestones } from "./ListFilters";

/** The one value the items share, or null when they differ (or there are none). */
export function shared<T>(values: T[]): T | null {
  const set = new Set(values);
  return set.size === 1 ? (values[0] as T) : null;
}

/** The place picked in the bar: a project to move to (or none), a branch, a milestone ("none": no milestone). */
export interface PlaceChoice {
  projectId: number | null;
  branchId: number | null;
  milestone: number | "none" | null;
}

/** The bulk change a choice makes: only what was chosen (a move without a branch lands on the project's
 * master branch, server side; a new branch drops the milestone unless one is given). */
export function placeChange(choice: PlaceChoice): BulkChange {
  const change: BulkChange = {};
  if (choice.projectId !== null) change.project_id = choice.projectId;
  if (choice.branchId !== null) change.branch_id = choice.branchId;
  if (choice.milestone === "none") change.milestone_id = null;
  else if (choice.milestone !== null) change.milestone_id = choice.milestone;
  return change;
}

/** "The selected tasks are on 2 projects" or null when the branch and milestone pickers can be offered. */
export function placeProblem(tasks: Pick<Task, "project_id">[], moveTo: number | null): string | null {
  if (moveTo !== null || tasks.length === 0) return null;
  const projects = new Set(tasks.map((t) => t.project_id)).size;
  return projects > 1 ? `These tasks are on ${projects} projects: move them to one, or change the tasks of one project.` : null;
}

/** A project's name as an option's text. */
export function ProjectOption({ id }: { id: number }) {
  const project = useProject(id);
  return <option value={id}>{project.data?.name ?? `project ${id}`}</option>;
}

/** Project, branch and milestone of many tasks at once. Only valid values are offered: the branches of
 * the project they go to (or are on), not expired; the milestones of the branch they land on, not
 * expired. What the server still refuses (a milestone on a task that is not merged, a restricted story on
 * an open branch) is reported per item by the bar. */
export function BulkPlace({ tasks, busy, run }: { tasks: Task[]; busy: boolean; run: (change: BulkChange) => void }) {
  const id = useId();
  const [moveTo, setMoveTo] = useState<Project | null>(null);
  const [branchId, setBranchId] = useState<number | null>(null);
  const [milestone, setMilestone] = useState<number | "none" | null>(null);
  const target = moveTo?.id ?? shared(tasks.map((t) => t.project_id));
  const branches = useQuery({
    queryKey: ["branches", { project_id: target }],
    queryFn: () => get<Branch[]>("/branches", { project_id: target, sort_field: "name", sort_dir: "asc", limit: 500 }),
    enabled: target !== null,
    staleTime: 5 * 60_000,
  });
  const offered = (branches.data ?? []).filter((b) => !b.expired && b.project_id === target);
  const master = offered.find((b) => b.name === "master") ?? null;
  // The branch the tasks land on: the one chosen, else the new project's master, else the one they share.
  const landing = branchId ?? (moveTo ? (master?.id ?? null) : shared(tasks.map((t) => t.branch_id)));
  const branchChanges = branchId !== null || moveTo !== null;
  const milestones = useMilestones(target === null ? null : landing);
  const problem = placeProblem(tasks, moveTo?.id ?? null);
  const merged = tasks.filter((t) => t.status === "merged").length;
  const choice = { projectId: moveTo?.id ?? null, branchId, milestone };
  const nothing = Object.keys(placeChange(choice)).length === 0;
  const choose = (project: Project | null) => {
    setMoveTo(project);
    setBranchId(null);
    setMilestone(null);
  };
  return (
    <fieldset className="bulk-place">
      <legend>Project, branch and milestone</legend>
      <div className="picker">
        <ProjectSearch
          label="Move to project"
          inputId={`${id}-project`}
          inputClassName="short"
          placeholder="Keep their project"
          closed={moveTo !== null}
          chosen={
            moveTo && (
              <span className="chip">
                {moveTo.name}
                <button type="button" aria-label={`Do not move to ${moveTo.name}`} onClick={() => choose(null)}>
                  ×
                </button>
              </span>
            )
          }
          optionText={(p) => `Move to ${p.name}`}
          onChoose={(p, clear) => {
            clear();
            choose(p);
          }}
          listLabel="Matching projects"
          noMatch="No project matches."
        />
      </div>
      <label htmlFor={`${id}-branch`}>Branch</label>
      <select
        id={`${id}-branch`}
        value={branchId ?? ""}
        disabled={target === null}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => {
          setBranchId(e.target.value ? Number(e.target.value) : null);
          setMilestone(null);
        }}
      >
        <option value="">{moveTo ? "master (the default)" : "Keep their branch"}</option>
        {offered.map((b) => (
          <option key={b.id} value={b.id}>
            {b.name}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-milestone`}>Milestone</label>
      <select
        id={`${id}-milestone`}
        value={milestone ?? ""}
        disabled={target === null || landing === null}
        aria-describedby={`${id}-milestone-hint`}
        onChange={(e) => setMilestone(e.target.value === "" ? null : e.target.value === "none" ? "none" : Number(e.target.value))}
      >
        <option value="">{branchChanges ? "No milestone" : "Keep their milestone"}</option>
        {!branchChanges && <option value="none">No milestone</option>}
        {(milestones.data ?? [])
          .filter((m) => !m.expired && m.branch_id === landing)
          .map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
      </select>
      <button type="button" disabled={busy || nothing || tasks.length === 0} onClick={() => run(placeChange(choice))}>
        Apply project, branch, milestone
      </button>
      <p id={`${id}-milestone-hint`} className="muted">
        A milestone is set on merged tasks only ({merged} of {tasks.length} {tasks.length === 1 ? "is" : "are"} merged).
        {landing === null && target !== null && " Choose a branch to see its milestones."}
      </p>
      {problem && (
        <p id={`${id}-problem`} className="muted">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
