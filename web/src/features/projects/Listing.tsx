import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { apiPage } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Story, Task } from "../../api/types";
import { ProjectName } from "../../components/ProjectName";
import { StatusBadge } from "../../components/StatusBadge";
import { Time } from "../../components/Time";
import { UserName } from "../../components/UserName";
import { useLiveQueries } from "../../lib/live";
import { changeParams, type ListFilters, listQuery, type ParamChanges, pageCount, readFilters, type Scope } from "./filters";
import { Pager } from "../browse/Pager";
import { FilterForm } from "./ListFilters";
import { BulkTable, SelectableRow, TaskBulkBar, useBulkList } from "./bulk";
import { StoryTable } from "./StoryTable";
import { ColumnPicker, useColumnsParam } from "../search/ColumnPicker";

/** The URL's filters for a listing and a setter that writes changes back to the URL. */
export function useListParams(defaultSize = 25): [ListFilters, (changes: ParamChanges) => void] {
  const [params, setParams] = useSearchParams();
  // flushSync: a controlled checkbox or select shows its new state at once, not after a transition.
  return [readFilters(params, defaultSize), (changes) => setParams((p) => changeParams(p, changes), { flushSync: true })];
}

const PHONE = "(max-width: 40rem)";

/** The filters fold away on a phone (open on a wider screen), saying how many are set. */
function FilterFold({ filters: f, children }: { filters: ListFilters; children: React.ReactNode }) {
  const [open, setOpen] = useState(() => typeof window.matchMedia !== "function" || !window.matchMedia(PHONE).matches);
  const active = f.status.length + f.tags.length + (f.assignee !== null ? 1 : 0) + (f.branch !== null ? 1 : 0) + (f.milestone !== null ? 1 : 0);
  return (
    <details className="filter-fold" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Filters and sorting{active > 0 ? ` (${active} set)` : ""}
      </summary>
      {children}
    </details>
  );
}

/** Stories or tasks of a project or project group: filters, sorting and paging, all in the URL. */
export function Listing({
  scope,
  filters: f,
  set,
  projectNames,
}: {
  scope: Scope;
  filters: ListFilters;
  set: (changes: ParamChanges) => void;
  projectNames?: Map<number, string>;
}) {
  const { path, query } = listQuery(scope, f);
  const loggedIn = !!useSelf().data;
  const [columns, setColumns] = useColumnsParam();
  const list = useQuery({
    queryKey: ["listing", path, query],
    queryFn: () => apiPage<Story | Task>(path, query),
    placeholderData: (previous) => previous,
  });
  // Others' changes to the project's (or group's) stories show without a reload.
  useLiveQueries("project_id" in scope ? { project: [scope.project_id] } : { project_group: [scope.project_group_id] }, [
    ["listing", path],
  ]);
  const total = list.data?.total ?? 0;
  const pages = pageCount(total, f.size);
  const noun = f.view === "tasks" ? (total === 1 ? "task" : "tasks") : total === 1 ? "story" : "stories";
  return (
    <>
      <FilterFold filters={f}>
        <FilterForm filters={f} scope={scope} set={set} projectNames={projectNames} />
      </FilterFold>
      {list.isError && (
        <p role="alert" className="field-error">
          {(list.error as Error).message}
        </p>
      )}
      <p className="muted" aria-live="polite">
        {list.data ? `${total} ${noun}` : "Loading…"}
      </p>
      {f.view === "tasks" ? (
        <TaskTable tasks={(list.data?.items ?? []) as Task[]} busy={list.isFetching} showProject={"project_group_id" in scope} selectable={loggedIn} />
      ) : (
        <>
          <ColumnPicker columns={columns} onChange={setColumns} />
          <StoryTable stories={(list.data?.items ?? []) as Story[]} busy={list.isFetching} selectable={loggedIn} columns={columns} />
        </>
      )}
      <Pager page={f.page} pages={pages} onPage={(page) => set({ page: String(page) })} />
    </>
  );
}

function TaskTable({ tasks, busy, showProject, selectable }: { tasks: Task[]; busy: boolean; showProject: boolean; selectable: boolean }) {
  const list = useBulkList(
    tasks.map((t) => t.id),
    ["listing", "story-search", "story-list-tasks"],
  );
  return (
    <BulkTable
      list={list}
      selectable={selectable}
      bar={() => (
        <TaskBulkBar
          bulk={list.bulk}
          tasks={tasks.filter((t) => list.shown.has(t.id))}
          onClear={list.clear}
          heading={`${list.shown.size} selected ${list.shown.size === 1 ? "task" : "tasks"}`}
        />
      )}
      className="stories tasks-table"
      busy={busy}
      allLabel="Select every task on this page"
      headings={
        <>
          <th scope="col">Task</th>
          {showProject && <th scope="col">Project</th>}
          <th scope="col">Status</th>
          <th scope="col">Priority</th>
          <th scope="col">Assignee</th>
          <th scope="col">Updated</th>
        </>
      }
    >
      {tasks.map((t, index) => (
        <SelectableRow key={t.id} list={list} selectable={selectable} index={index} id={t.id} label={t.title} selectLabel={`Select task ${t.title}`}>
          <td>
            <Link to={`/story/${t.story_id}`}>{t.title}</Link> <span className="muted">story #{t.story_id}</span>
          </td>
          {showProject && (
            <td>
              <ProjectName id={t.project_id} />
            </td>
          )}
          <td>
            <StatusBadge status={t.status} />
          </td>
          <td>{t.priority}</td>
          <td>
            <UserName id={t.assignee_id} />
          </td>
          <td>
            <Time value={t.updated_at ?? t.created_at} />
          </td>
        </SelectableRow>
      ))}
    </BulkTable>
  );
}
