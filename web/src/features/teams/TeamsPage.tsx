import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Team } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";

/** Every team; superusers create new ones here. */
export function TeamsPage() {
  const self = useSelf();
  const teams = useQuery({
    queryKey: ["teams"],
    queryFn: () => get<Team[]>("/teams", { sort_field: "name", sort_dir: "asc", limit: 500 }),
  });
  useEffect(() => {
    document.title = "Teams · Storyline";
  }, []);
  return (
    <section>
      <h1>Teams</h1>
      {teams.isPending && <p className="muted">Loading…</p>}
      {teams.isError && <p role="alert">{(teams.error as Error).message}</p>}
      {teams.data?.length === 0 && <p className="muted">No teams yet.</p>}
      <ul className="plain team-list" aria-label="Teams">
        {teams.data?.map((t) => (
          <li key={t.id} data-nav-item tabIndex={-1}>
            <Link to={`/team/${t.id}`}>{t.name}</Link>
            {t.security && <span className="badge">Security team</span>}
            {t.description && <span className="muted"> — {t.description}</span>}
          </li>
        ))}
      </ul>
      {self.data?.is_superuser && <CreateTeam />}
    </section>
  );
}

function CreateTeam() {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [security, setSecurity] = useState(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => api<Team>("POST", "/teams", undefined, { name, description: description || null, security }),
    onSuccess: (team) => {
      void queryClient.invalidateQueries({ queryKey: ["teams"] });
      navigate(`/team/${team.id}`);
    },
  });
  const fields = ["name", "description", "security"];
  return (
    <form
      className="narrow admin-form"
      aria-labelledby="new-team-title"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2 id="new-team-title">New team</h2>
      <label htmlFor="team-name">Name</label>
      <input
        id="team-name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        aria-invalid={!!errorFor(create.error, "name")}
        aria-describedby="team-name-err"
      />
      <FieldError id="team-name-err" message={errorFor(create.error, "name")} />
      <label htmlFor="team-description">Description</label>
      <input id="team-description" value={description} onChange={(e) => setDescription(e.target.value)} aria-describedby="team-description-err" />
      <FieldError id="team-description-err" message={errorFor(create.error, "description")} />
      <label className="check">
        <input type="checkbox" checked={security} onChange={(e) => setSecurity(e.target.checked)} /> Security team (sees
        the security reports of its projects)
      </label>
      <FieldError id="team-err" message={errorFor(create.error, "*", fields)} />
      <p>
        <button type="submit" disabled={create.isPending}>
          Create team
        </button>
      </p>
    </form>
  );
}
