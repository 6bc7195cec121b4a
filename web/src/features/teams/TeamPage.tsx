import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId } from "react";
import { Link, useParams } from "react-router-dom";
import { api, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Project, Team, User } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { ProjectPicker, UserSearch } from "../../components/Pickers";

/** A team: its members (superusers add and remove them) and its projects. */
export function TeamPage() {
  const ref = useParams()["*"] ?? "";
  const self = useSelf();
  const team = useQuery({ queryKey: ["team", ref], queryFn: () => get<Team>(`/teams/${ref}`), enabled: ref !== "" });
  const teamId = team.data?.id;
  const members = useQuery({
    queryKey: ["team-users", teamId],
    queryFn: () => get<User[]>(`/teams/${teamId}/users`, { sort_field: "full_name", sort_dir: "asc", limit: 500 }),
    enabled: teamId !== undefined,
  });
  const projects = useQuery({
    queryKey: ["team-projects", teamId],
    queryFn: () => get<Project[]>(`/teams/${teamId}/projects`),
    enabled: teamId !== undefined,
  });
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (user: User) => api("DELETE", `/teams/${teamId}/users/${user.id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["team-users", teamId] }),
  });
  useEffect(() => {
    if (team.data) document.title = `${team.data.name} · Storyline`;
  }, [team.data]);
  if (team.isError) {
    return (
      <section>
        <h1>Team not found</h1>
        <p>{(team.error as Error).message}</p>
      </section>
    );
  }
  const admin = !!self.data?.is_superuser;
  return (
    <section>
      <p>
        <Link to="/teams">All teams</Link>
      </p>
      <h1>{team.data?.name ?? "Team"}</h1>
      {team.data?.security && <p className="badge">Security team</p>}
      {team.data?.description && <p>{team.data.description}</p>}
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members{members.data ? ` (${members.data.length})` : ""}</h2>
        {members.data?.length === 0 && <p className="muted">No members.</p>}
        <ul className="plain" aria-label="Members">
          {members.data?.map((u) => (
            <li key={u.id} data-nav-item tabIndex={-1}>
              <Link to={`/user/${u.id}`}>{u.full_name}</Link>
              {admin && (
                <button
                  type="button"
                  className="link"
                  data-nav-edit
                  onClick={() => remove.mutate(u)}
                  disabled={remove.isPending}
                >
                  Remove<span className="visually-hidden"> {u.full_name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
        <FieldError id="member-remove-err" message={errorFor(remove.error, "*")} />
        {admin && teamId !== undefined && <AddMember teamId={teamId} members={members.data ?? []} />}
      </section>
      <section aria-labelledby="team-projects-title">
        <h2 id="team-projects-title">Projects</h2>
        {admin && teamId !== undefined ? (
          <TeamProjects teamId={teamId} current={projects.data ?? []} />
        ) : (
          <>
            {projects.data?.length === 0 && <p className="muted">No projects.</p>}
            <ul className="chips" aria-label="Projects of the team">
              {projects.data?.map((p) => (
                <li key={p.id} className="chip">
                  <Link to={`/project/${p.id}`}>{p.name}</Link>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </section>
  );
}

function AddMember({ teamId, members }: { teamId: number; members: User[] }) {
  const id = useId();
  const queryClient = useQueryClient();
  const add = useMutation({
    mutationFn: (user: User) => api<User>("PUT", `/teams/${teamId}/users/${user.id}`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["team-users", teamId] }),
  });
  const inTeam = new Set(members.map((m) => m.id));
  return (
    <div className="picker">
      <UserSearch
        label="Add a member"
        limit={8}
        offer={(u) => !inTeam.has(u.id)}
        optionText={(u) => `Add ${u.full_name}`}
        onChoose={(u, clear) => add.mutate(u, { onSuccess: clear })}
        listLabel="Matching users"
        noMatch="No other user matches."
        describedBy={`${id}-err`}
        disabled={add.isPending}
      />
      <FieldError id={`${id}-err`} message={errorFor(add.error, "*")} />
    </div>
  );
}

/** A superuser links projects to the team or unlinks them. */
function TeamProjects({ teamId, current }: { teamId: number; current: Project[] }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: ({ project, add }: { project: Project; add: boolean }) =>
      api(add ? "PUT" : "DELETE", `/teams/${teamId}/projects/${project.id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["team-projects", teamId] }),
  });
  return (
    <ProjectPicker
      label="Projects of the team"
      value={current}
      onChange={(next) => {
        const added = next.find((p) => !current.some((c) => c.id === p.id));
        const removed = current.find((p) => !next.some((n) => n.id === p.id));
        if (added) change.mutate({ project: added, add: true });
        else if (removed) change.mutate({ project: removed, add: false });
      }}
      error={errorFor(change.error, "*")}
    />
  );
}
