import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { get } from "../../api/client";
import { useSelf } from "../../api/queries";
import type { User } from "../../api/types";

// The commands as typed in the checkout where `make run` made the virtualenv (README).
const CLI = ".venv/bin/storyline";

/** While the instance has no project: the steps that set it up, for its administrator (issue 15). */
export function FirstRunGuide() {
  const projects = useQuery({
    queryKey: ["projects", "first-run"],
    queryFn: () => get<unknown[]>("/projects", { limit: 1 }),
    staleTime: 0, // asked again on each visit: the guide goes once the first project exists
  });
  const self = useSelf();
  if (!projects.data || projects.data.length > 0) return null;
  if (self.data && !self.data.is_superuser) {
    return (
      <section className="empty first-run" aria-labelledby="first-run-title">
        <h2 id="first-run-title">No project yet</h2>
        <p>This Storyline has no project yet: its administrators create them. Come back once they have.</p>
      </section>
    );
  }
  return <SetupSteps self={self.data ?? null} />;
}

function SetupSteps({ self }: { self: User | null }) {
  const origin = window.location.origin;
  const host = window.location.hostname;
  return (
    <section className="panel first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">Set up this Storyline</h2>
      <p>It has no project yet. Four steps make it ready for your community:</p>
      <ol className="steps">
        <li>
          <h3>Become its administrator</h3>
          {self ? (
            <p>Done: you are logged in as {self.full_name}, a superuser.</p>
          ) : (
            <>
              <p>On the server, in the Storyline checkout, make the first superuser and a token for it:</p>
              <pre>
                <code>{`${CLI} users create --name "Ada Admin" --email ada@example.org --superuser
${CLI} tokens create --user ada@example.org`}</code>
              </pre>
              <p>
                Then paste the token under <Link to="/login">Use a token</Link>.
              </p>
            </>
          )}
        </li>
        <li>
          <h3>Create projects</h3>
          <p>
            {self ? (
              <>
                One at a time in <Link to="/admin">Administration</Link> (New project), or many at once
              </>
            ) : (
              <>One at a time in Administration (New project) once you are logged in, or many at once</>
            )}{" "}
            from a <code>projects.yaml</code> file (entries such as <code>- project: myorg/myproject</code>, with a{" "}
            <code>description</code> and <code>groups</code>):
          </p>
          <pre>
            <code>{`${CLI} projects load projects.yaml`}</code>
          </pre>
        </li>
        <li>
          <h3>Let people in</h3>
          <p>
            Everyone gets an account the first time they log in (next step); nobody needs an invitation. Make more
            administrators in Administration (A user&apos;s rights) or with <code>{CLI} users set-superuser EMAIL</code>,
            and group people into teams (<code>{CLI} teams create NAME</code>) for security reports and boards.
          </p>
        </li>
        <li>
          <h3>Turn on login</h3>
          <p>
            Storyline logs people in through your OpenID Connect provider (Keycloak, OpenStackID, Ipsilon, …). In the
            configuration file named by <code>STORYLINE_CONFIG</code> (a copy of{" "}
            <code>etc/storyline.sample.toml</code>), add the provider under <code>[[oidc_providers]]</code> (name,
            issuer, client id and secret), put <code>{host}</code> in <code>valid_oauth_clients</code>, register{" "}
            <code>{origin}/api/v1/openid/authorize_return</code> as the redirect URI at the provider, and restart
            Storyline. Every setting is explained in <code>docs/login.md</code>; bots use tokens instead.
          </p>
        </li>
      </ol>
    </section>
  );
}
