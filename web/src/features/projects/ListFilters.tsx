import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Branch, Milestone } from "../../api/types";
import { UserSearch } from "../../components/Pickers";
import { UserName } from "../../components/UserName";
import { STATUS_LABELS } from "../../lib/status";
import { type ListFilters, type ParamChanges, PAGE_SIZES, type Scope, SORTS, STATUSES } from "./filters";

/** The filter form over a story or task listing; every change goes to the URL through `set`. */
export function FilterForm({
  filters: f,
  scope,
  set,
  projectNames,
}: {
  filters: ListFilters;
  scope: Scope;
  set: (changes: ParamChanges) => void;
  projectNames?: Map<number, string>;
}) {
  return (
    <form className="filters" aria-label={`Filter and sort ${f.view}`} onSubmit={(e) => e.preventDefault()}>
      <fieldset>
        <legend>Status</legend>
        {STATUSES[f.view].map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={f.status.includes(s)}
              onChange={(e) => set({ status: e.target.checked ? [...f.status, s] : f.status.filter((x) => x !== s) })}
            />{" "}
            {STATUS_LABELS[s] ?? s}
          </label>
        ))}
      </fieldset>
      {f.view === "stories" && <TagFilter tags={f.tags} mode={f.tagsMode} set={set} />}
      <AssigneeFilter value={f.assignee} onChange={(id) => set({ assignee: id === null ? null : String(id) })} />
      <BranchFilters scope={scope} branch={f.branch} milestone={f.milestone} set={set} projectNames={projectNames} />
      <label>
        Sort by{" "}
        <select value={f.sort} onChange={(e) => set({ sort: e.target.value })}>
          {Object.entries(SORTS[f.view]).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order{" "}
        <select value={f.dir} onChange={(e) => set({ dir: e.target.value })}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
      </label>
      <label>
        Per page{" "}
        <select value={f.size} onChange={(e) => set({ size: e.target.value })}>
          {(PAGE_SIZES.includes(f.size) ? PAGE_SIZES : [...PAGE_SIZES, f.size].sort((a, b) => a - b)).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

function TagFilter({ tags, mode, set }: { tags: string[]; mode: "all" | "any"; set: (c: ParamChanges) => void }) {
  const [name, setName] = useState("");
  const id = useId();
  const add = () => {
    const tag = name.trim();
    if (tag && !tags.includes(tag)) set({ tag: [...tags, tag] });
    setName("");
  };
  return (
    <fieldset className="tag-filter">
      <legend>Tags</legend>
      {tags.length > 0 && (
        <ul className="chips" aria-label="Tag filters">
          {tags.map((t) => (
            <li key={t} className="chip">
              {t}
              <button type="button" aria-label={`Remove tag filter ${t}`} onClick={() => set({ tag: tags.filter((x) => x !== t) })}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="inline">
        <label htmlFor={`${id}-tag`} className="visually-hidden">
          Tag
        </label>
        <input
          id={`${id}-tag`}
          placeholder="Tag"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" onClick={add} disabled={!name.trim()}>
          Add tag filter
        </button>
      </div>
      {tags.length > 1 && (
        <label className="check">
          Stories with{" "}
          <select value={mode} onChange={(e) => set({ tags_mode: e.target.value })} aria-label="Match tags">
            <option value="all">all of these tags</option>
            <option value="any">any of these tags</option>
          </select>
        </label>
      )}
    </fieldset>
  );
}

function AssigneeFilter({ value, onChange }: { value: number | null; onChange: (id: number | null) => void }) {
  const self = useSelf();
  return (
    <fieldset className="assignee-filter">
      <legend>Assignee</legend>
      {value !== null ? (
        <p className="chip">
          <UserName id={value} link={false} />
          <button type="button" aria-label="Remove assignee filter" onClick={() => onChange(null)}>
            ×
          </button>
        </p>
      ) : (
        <UserSearch
          label="Find an assignee"
          labelClassName="visually-hidden"
          limit={6}
          leading={(query) =>
            self.data && !query ? [{ label: "Assigned to me", onChoose: () => self.data && onChange(self.data.id) }] : []
          }
          optionText={(u) => `Assigned to ${u.full_name}`}
          onChoose={(u, clear) => {
            onChange(u.id);
            clear();
          }}
        />
      )}
    </fieldset>
  );
}

/** All branches of a project or of a project group's projects (a few per project). */
export function useBranches(scope: Scope) {
  return useQuery({
    queryKey: ["branches", scope],
    queryFn: () => get<Branch[]>("/branches", { ...scope, sort_field: "name", sort_dir: "asc", limit: 500 }),
    staleTime: 5 * 60_000,
  });
}

export function useMilestones(branchId: number | null | undefined) {
  return useQuery({
    queryKey: ["milestones", branchId],
    queryFn: () => get<Milestone[]>("/milestones", { branch_id: branchId, sort_field: "name", sort_dir: "asc", limit: 500 }),
    enabled: branchId !== null && branchId !== undefined,
    staleTime: 5 * 60_000,
  });
}

export function branchLabel(b: Branch, projectNames?: Map<number, string>): string {
  const project = projectNames?.get(b.project_id);
  return `${project ? `${project} / ` : ""}${b.name}${b.expired ? " (expired)" : ""}`;
}

function BranchFilters({
  scope,
  branch,
  milestone,
  set,
  projectNames,
}: {
  scope: Scope;
  branch: number | null;
  milestone: number | null;
  set: (c: ParamChanges) => void;
  projectNames?: Map<number, string>;
}) {
  const branches = useBranches(scope);
  const milestones = useMilestones(branch);
  return (
    <>
      <label>
        Branch{" "}
        <select aria-label="Branch" value={branch ?? ""} onChange={(e) => set({ branch: e.target.value || null })}>
          <option value="">Any branch</option>
          {branches.data?.map((b) => (
            <option key={b.id} value={b.id}>
              {branchLabel(b, projectNames)}
            </option>
          ))}
          {branch !== null && branches.data && !branches.data.some((b) => b.id === branch) && (
            <option value={branch}>Branch {branch}</option>
          )}
        </select>
      </label>
      <label>
        Milestone{" "}
        <select
          aria-label="Milestone"
          value={milestone ?? ""}
          disabled={branch === null}
          onChange={(e) => set({ milestone: e.target.value || null })}
        >
          <option value="">{branch === null ? "Choose a branch first" : "Any milestone"}</option>
          {milestones.data?.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
              {m.expired ? " (expired)" : ""}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
