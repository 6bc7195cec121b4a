import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, get } from "../../api/client";
import { useProject, useSelf } from "../../api/queries";
import { Breadcrumbs } from "../../components/Breadcrumbs";
import { errorFor, FieldError, TextField } from "../../components/FieldError";
import { type PriorityList, type StoryPriority, type Team, usePermissions } from "./api";
import { OrderedItems } from "./WorklistPage";

/** The priority lists of a project (?project_id=) or a team (?team_id=), each ordered and reorderable. */
export function PrioritiesPage() {
  const [params] = useSearchParams();
  const projectId = Number(params.get("project_id")) || null;
  const teamId = Number(params.get("team_id")) || null;
  const self = useSelf();
  const project = useProject(projectId);
  const team = useQuery({
    queryKey: ["planning", "team", teamId],
    queryFn: () => get<Team>(`/teams/${teamId}`),
    enabled: teamId !== null,
  });
  const owner = projectId ? project.data?.name : team.data?.name;
  const scope: Record<string, number | null> = projectId ? { project_id: projectId } : { team_id: teamId };
  const key = ["planning", "priorities", projectId, teamId] as const;
  const lists = useQuery({
    queryKey: key,
    queryFn: () => get<PriorityList[]>("/preview/priority_lists", scope),
    enabled: projectId !== null || teamId !== null,
  });
  useEffect(() => {
    document.title = `Priorities${owner ? ` of ${owner}` : ""} · Storyline`;
  }, [owner]);
  if (projectId === null && teamId === null) {
    return (
      <section>
        <h1>Priority lists</h1>
        <p>
          Choose a project or a team on the <Link to="/planning">planning page</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="priorities">
      <Breadcrumbs
        items={[
          { label: "Planning", to: "/planning" },
          ...(projectId ? [{ label: owner ?? "…", to: `/project/${projectId}` }] : [{ label: owner ?? "…", to: `/team/${teamId}` }]),
          { label: "Priorities" },
        ]}
      />
      <h1>
        Priorities of {owner ?? "…"} <span className="badge">preview</span>
      </h1>
      {lists.isError && <p role="alert">{(lists.error as Error).message}</p>}
      {lists.data?.length === 0 && <p className="muted">No priority list yet.</p>}
      {lists.data?.map((list) => (
        <PriorityListSection key={list.id} list={list} queryKey={key} loggedIn={!!self.data} />
      ))}
      {self.data && <CreatePriorityList scope={scope} queryKey={key} />}
    </section>
  );
}

function PriorityListSection({ list, queryKey, loggedIn }: { list: PriorityList; queryKey: readonly unknown[]; loggedIn: boolean }) {
  const perms = usePermissions("worklists", list.id, loggedIn);
  const canMove = loggedIn && !!perms.data?.some((p) => p === "move_items" || p === "edit_worklist");
  return (
    <section aria-labelledby={`priority-${list.id}`} className="priority-list">
      <h2 id={`priority-${list.id}`}>
        <Link to={`/worklist/${list.id}`}>{list.title}</Link>
      </h2>
      <OrderedItems worklist={list} canMove={canMove} queryKey={queryKey} />
    </section>
  );
}

function CreatePriorityList({ scope, queryKey }: { scope: Record<string, number | null>; queryKey: readonly unknown[] }) {
  const queryClient = useQueryClient();
  const [cycle, setCycle] = useState("");
  const create = useMutation({
    mutationFn: () => api<PriorityList>("POST", "/preview/priority_lists", undefined, { cycle, ...scope }),
    onSuccess: () => {
      setCycle("");
      return queryClient.invalidateQueries({ queryKey });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const cycleError = errorFor(create.error, "cycle");
  return (
    <form onSubmit={submit} className="planning-form" aria-labelledby="create-priority-title">
      <h2 id="create-priority-title">New priority list</h2>
      <TextField id="priority-cycle" label="Cycle (e.g. 2026.2)" value={cycle} onChange={setCycle} error={cycleError} />
      <FieldError id="priority-err" message={errorFor(create.error, "*", ["cycle"])} />
      <button type="submit" disabled={create.isPending}>
        Create priority list
      </button>
    </form>
  );
}

/** On the story page: "On priority lists: Priorities for 2026.2 #1". Nothing when it is on none. */
export function StoryPriorities({ storyId }: { storyId: number }) {
  const lists = useQuery({
    queryKey: ["planning", "story-priorities", storyId],
    queryFn: () => get<StoryPriority[]>(`/preview/stories/${storyId}/priority_lists`),
    enabled: storyId > 0,
  });
  if (!lists.data || lists.data.length === 0) return null;
  return (
    <section aria-labelledby="story-priorities-title" className="story-priorities">
      <h2 id="story-priorities-title">On priority lists</h2>
      <ul className="plain">
        {lists.data.map((p) => (
          <li key={p.worklist_id}>
            <Link to={p.team_id ? `/priorities?team_id=${p.team_id}` : `/priorities?project_id=${p.project_id}`}>{p.title}</Link>{" "}
            <span className="badge">#{p.position + 1}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
