"""`storyline teams`, `storyline security set-team` and `storyline worker`, as subprocesses."""

from __future__ import annotations

import datetime as dt

from test_cli import auth, cli, migrated  # noqa: F401  (fixtures)

from storyline.db import utcnow


def test_teams_security_team_and_worker(migrated):  # noqa: F811
    c = migrated
    admin_id = c.run("users", "create", "--name", "Sec Admin", "--email", "sec@example.org", "--superuser").stdout.strip()
    member_id = c.run("users", "create", "--name", "Core Sec", "--email", "core@example.org").stdout.strip()
    token = c.run("tokens", "create", "--user", "sec@example.org").stdout.strip()
    member_token = c.run("tokens", "create", "--user", "core@example.org").stdout.strip()
    team_id = c.run("teams", "create", "nova-coresec", "--security").stdout.strip()
    assert team_id.isdigit()
    assert "core" not in c.run("teams", "add-member", "nova-coresec", "core@example.org").stderr
    listing = c.run("teams", "list").stdout
    assert "nova-coresec\t1 member(s) (security)" in listing
    assert c.run("teams", "create", "bad..name", ok=False).returncode == 1

    with c.app_client() as client:
        project = client.post("/v1/projects", json={"name": "openstack/nova"}, headers=auth(token)).json()
    out = c.run("security", "set-team", "openstack/nova", "nova-coresec").stdout
    assert "security team nova-coresec" in out
    assert c.run("security", "set-team", "openstack/nova", ok=False).returncode == 1
    assert c.run("security", "set-team", "no/such", "nova-coresec", ok=False).returncode == 1

    with c.app_client() as client:
        assert client.get(f"/v1/projects/{project['id']}").json()["security_team_id"] == int(team_id)
        # No VMT configured: any task on the project grants its security team access.
        story = client.post("/v1/stories", json={"title": "Private security report", "security": True},
                            headers=auth(token)).json()
        client.post("/v1/tasks", json={"title": "Fix it", "story_id": story["id"], "project_id": project["id"]},
                    headers=auth(token))
        assert client.get(f"/v1/stories/{story['id']}", headers=auth(member_token)).status_code == 200
        past = (utcnow() - dt.timedelta(minutes=1)).isoformat() + "Z"
        r = client.put(f"/v1/stories/{story['id']}", json={"disclosure_at": past}, headers=auth(token))
        assert r.status_code == 200
        assert client.get(f"/v1/stories/{story['id']}").status_code == 404

    out = c.run("worker", "--once").stdout
    assert "1 disclosed" in out
    with c.app_client() as client:
        assert client.get(f"/v1/stories/{story['id']}").json()["information_type"] == "public_security"
    # A story its creator hid from everyone: a superuser's audited way back.
    with c.app_client() as client:
        hidden = client.post("/v1/stories", json={"title": "Hidden", "private": True},
                             headers=auth(member_token)).json()
        assert client.get(f"/v1/stories/{hidden['id']}", headers=auth(token)).status_code == 404
    refused = c.run("security", "recover", str(hidden["id"]), "--as", "core@example.org", ok=False)
    assert refused.returncode == 1 and "not a superuser" in refused.stderr
    assert "audited" in c.run("security", "recover", str(hidden["id"]), "--as", "sec@example.org").stdout
    with c.app_client() as client:
        assert client.get(f"/v1/stories/{hidden['id']}", headers=auth(token)).status_code == 200
        audit = client.get(f"/preview/stories/{hidden['id']}/audit", headers=auth(member_token)).json()
        assert audit[-1]["action"] == "superuser_recovery" and audit[-1]["actor_id"] == int(admin_id)
    assert c.run("security", "recover", str(hidden["id"]), "--as", "sec@example.org", ok=False).returncode == 1

    out = c.run("security", "set-team", "openstack/nova", "--clear").stdout
    assert "no security team" in out
    assert "is no longer a member" in c.run("teams", "remove-member", "nova-coresec", member_id).stdout
    assert admin_id.isdigit()
