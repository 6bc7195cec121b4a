import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { Project, ProjectGroup, User } from "../../api/types";
import { errorFor, FieldError } from "../../components/FieldError";
import { ProjectPicker, UserSearch } from "../../components/Pickers";
import { OutboxPanel } from "./OutboxPanel";

/** What a superuser sets up through the API: projects, project groups and their projects, users. */
export function AdminPage() {
  const self = useSelf();
  useEffect(() => {
    document.title = "Administration · Storyline";
  }, []);
  if (self.isPending) return <p className="muted">Loading…</p>;
  if (!self.data?.is_superuser) {
    return (
      <section>
        <h1>Administration</h1>
        <p>Only superusers administer Storyline.</p>
      </section>
    );
  }
  return (
    <section className="admin">
      <h1>Administration</h1>
      <p>
        Teams and their members are managed on the <Link to="/teams">teams page</Link>.
      </p>
      <div className="admin-grid">
        <CreateProject />
        <CreateGroup />
        <GroupProjects />
        <CreateUser />
        <ManageUser />
      </div>
      <OutboxPanel />
    </section>
  );
}

/** One creation form: fields, the API's errors next to them, the created object's link. */
function useCreate<T>(path: string, invalidate: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) => api<T>("POST", path, undefined, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [invalidate] }),
  });
}

function Field({
  id,
  label,
  value,
  onChange,
  error,
  type = "text",
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error: string | null;
  type?: string;
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={`${id}-err`}
      />
      <FieldError id={`${id}-err`} message={error} />
    </>
  );
}

function CreateProject() {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useCreate<Project>("/projects", "admin-projects");
  const fields = ["name", "description"];
  return (
    <form
      className="admin-form"
      aria-labelledby="new-project-title"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(
          { name, description: description || null },
          {
            onSuccess: () => {
              setName("");
              setDescription("");
            },
          },
        );
      }}
    >
      <h2 id="new-project-title">New project</h2>
      <Field id="project-name" label="Project name" value={name} onChange={setName} error={errorFor(create.error, "name")} />
      <Field
        id="project-description"
        label="Project description"
        value={description}
        onChange={setDescription}
        error={errorFor(create.error, "description")}
      />
      <FieldError id="project-err" message={errorFor(create.error, "*", fields)} />
      <button type="submit" disabled={create.isPending}>
        Create project
      </button>
      {create.data && (
        <p role="status">
          Created <Link to={`/project/${create.data.id}`}>{create.data.name}</Link>.
        </p>
      )}
    </form>
  );
}

function CreateGroup() {
  const [name, setName] = useState("");
  const [title, setTitle] = useState("");
  const create = useCreate<ProjectGroup>("/project_groups", "admin-groups");
  return (
    <form
      className="admin-form"
      aria-labelledby="new-group-title"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(
          { name, title },
          {
            onSuccess: () => {
              setName("");
              setTitle("");
            },
          },
        );
      }}
    >
      <h2 id="new-group-title">New project group</h2>
      <Field id="group-name" label="Group name" value={name} onChange={setName} error={errorFor(create.error, "name")} />
      <Field id="group-title" label="Group title" value={title} onChange={setTitle} error={errorFor(create.error, "title")} />
      <FieldError id="group-err" message={errorFor(create.error, "*", ["name", "title"])} />
      <button type="submit" disabled={create.isPending}>
        Create project group
      </button>
      {create.data && (
        <p role="status">
          Created <Link to={`/project-group/${create.data.id}`}>{create.data.title}</Link>.
        </p>
      )}
    </form>
  );
}

function GroupProjects() {
  const groups = useQuery({
    queryKey: ["admin-groups"],
    queryFn: () => get<ProjectGroup[]>("/project_groups", { sort_field: "name", sort_dir: "asc", limit: 500 }),
  });
  const [groupId, setGroupId] = useState<number | null>(null);
  const chosen = groupId ?? groups.data?.[0]?.id ?? null;
  const members = useQuery({
    queryKey: ["project-group-projects", chosen],
    queryFn: () => get<Project[]>(`/project_groups/${chosen}/projects`),
    enabled: chosen !== null,
  });
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: ({ project, add }: { project: Project; add: boolean }) =>
      api(add ? "PUT" : "DELETE", `/project_groups/${chosen}/projects/${project.id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["project-group-projects", chosen] }),
  });
  const current = members.data ?? [];
  return (
    <section className="admin-form" aria-labelledby="group-projects-admin-title">
      <h2 id="group-projects-admin-title">Projects of a group</h2>
      {groups.data?.length === 0 && <p className="muted">Create a project group first.</p>}
      {chosen !== null && (
        <>
          <label htmlFor="group-choice">Project group</label>
          <select id="group-choice" value={chosen} onChange={(e) => setGroupId(Number(e.target.value))}>
            {groups.data?.map((g) => (
              <option key={g.id} value={g.id}>
                {g.title} ({g.name})
              </option>
            ))}
          </select>
          <ProjectPicker
            label="Projects in the group"
            value={current}
            onChange={(next) => {
              const before = new Set(current.map((p) => p.id));
              const added = next.find((p) => !before.has(p.id));
              const removed = current.find((p) => !next.some((n) => n.id === p.id));
              if (added) change.mutate({ project: added, add: true });
              else if (removed) change.mutate({ project: removed, add: false });
            }}
            error={errorFor(change.error, "*")}
          />
        </>
      )}
    </section>
  );
}

function CreateUser() {
  const [fullName, setFullName] = useState("");
  const [email, setEmail] = useState("");
  const [superuser, setSuperuser] = useState(false);
  const create = useCreate<User>("/users", "admin-users");
  const fields = ["full_name", "email", "is_superuser"];
  return (
    <form
      className="admin-form"
      aria-labelledby="new-user-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(
          { full_name: fullName, email, is_superuser: superuser },
          {
            onSuccess: () => {
              setFullName("");
              setEmail("");
              setSuperuser(false);
            },
          },
        );
      }}
    >
      <h2 id="new-user-title">New user</h2>
      <Field id="user-name" label="Full name" value={fullName} onChange={setFullName} error={errorFor(create.error, "full_name")} />
      <Field id="user-email" label="E-mail" type="email" value={email} onChange={setEmail} error={errorFor(create.error, "email")} />
      <label className="check">
        <input type="checkbox" checked={superuser} onChange={(e) => setSuperuser(e.target.checked)} /> Superuser
      </label>
      <FieldError id="user-err" message={errorFor(create.error, "*", fields)} />
      <button type="submit" disabled={create.isPending}>
        Create user
      </button>
      {create.data && (
        <p role="status">
          Created <Link to={`/user/${create.data.id}`}>{create.data.full_name}</Link>.
        </p>
      )}
    </form>
  );
}

/** Find a user, then grant or remove superuser rights and allow or refuse their login. */
function ManageUser() {
  const [user, setUser] = useState<User | null>(null);
  return (
    <section className="admin-form" aria-labelledby="manage-user-title">
      <h2 id="manage-user-title">A user's rights</h2>
      <UserSearch
        label="Find a user"
        inputId="manage-user-q"
        limit={6}
        optionText={(u) => `Choose ${u.full_name}`}
        onChoose={(u, clear) => {
          setUser(u);
          clear();
        }}
        listLabel="Matching users"
        noMatch="No user matches."
      />
      {user && <UserRights key={user.id} user={user} />}
    </section>
  );
}

function UserRights({ user }: { user: User }) {
  const [superuser, setSuperuser] = useState(user.is_superuser);
  const [login, setLogin] = useState(user.enable_login);
  const save = useMutation({
    mutationFn: () => api<User>("PUT", `/users/${user.id}`, undefined, { is_superuser: superuser, enable_login: login }),
  });
  return (
    <form
      aria-label={`Rights of ${user.full_name}`}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <p>
        <Link to={`/user/${user.id}`}>{user.full_name}</Link>
      </p>
      <label className="check">
        <input type="checkbox" checked={superuser} onChange={(e) => setSuperuser(e.target.checked)} /> Superuser rights
      </label>
      <label className="check">
        <input type="checkbox" checked={login} onChange={(e) => setLogin(e.target.checked)} /> May log in
      </label>
      <FieldError id="user-rights-err" message={errorFor(save.error, "*")} />
      <p className="actions">
        <button type="submit" disabled={save.isPending}>
          Save rights
        </button>
        <span role="status">{save.isSuccess && !save.isPending ? "Saved." : ""}</span>
      </p>
    </form>
  );
}
