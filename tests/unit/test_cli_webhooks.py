"""`storyline webhooks list|add|remove`, as subprocesses."""

from __future__ import annotations

from test_cli import auth, cli, migrated  # noqa: F401  (fixtures)


def test_add_list_remove(migrated):  # noqa: F811
    c = migrated
    c.run("users", "create", "--name", "Hook Admin", "--email", "hooks@example.org", "--superuser")
    c.run("users", "create", "--name", "Bot Owner", "--email", "bot@example.org")
    token = c.run("tokens", "create", "--user", "bot@example.org").stdout.strip()
    with c.app_client() as client:
        admin = c.run("tokens", "create", "--user", "hooks@example.org").stdout.strip()
        project = client.post("/v1/projects", json={"name": "openstack/nova"}, headers=auth(admin)).json()

    out = c.run("webhooks", "add", "https://ci.example.org/storyline", "--owner", "bot@example.org",
                "--project", "openstack/nova", "--events", "user_comment,task_status_changed").stdout
    hook_id, secret = out.strip().split("\t")
    assert hook_id.isdigit() and len(secret) >= 40
    everything = c.run("webhooks", "add", "https://audit.example.org/", "--owner", "hooks@example.org").stdout
    assert everything.split("\t")[0].isdigit()

    listing = c.run("webhooks", "list").stdout.splitlines()
    assert listing[0].split("\t") == [hook_id, f"project {project['id']}", "https://ci.example.org/storyline",
                                      "bot@example.org", "on", "0", "task_status_changed,user_comment"]
    assert listing[1].split("\t")[1:3] == ["all", "https://audit.example.org/"]
    assert c.run("webhooks", "list", "--project", "openstack/nova").stdout.splitlines() == listing[:1]
    with c.app_client() as client:  # the owner sees it through the API, without its secret
        [mine] = client.get("/preview/webhooks", headers=auth(token)).json()
        assert mine["id"] == int(hook_id) and mine["event_types"] == ["task_status_changed", "user_comment"]
        assert "secret" not in mine

    for bad, message in ((["ftp://x", "--owner", "bot@example.org"], "url"),
                         (["https://x.example.org", "--owner", "nobody@example.org"], "no user"),
                         (["https://x.example.org", "--owner", "bot@example.org", "--project", "no/such"], "no project"),
                         (["https://x.example.org", "--owner", "bot@example.org", "--events", "nope"], "event_types")):
        done = c.run("webhooks", "add", *bad, ok=False)
        assert done.returncode == 1 and message in done.stderr, (bad, done.stderr)
    assert len(c.run("webhooks", "list").stdout.splitlines()) == 2  # nothing written by the failures

    assert "removed" in c.run("webhooks", "remove", hook_id).stdout
    assert c.run("webhooks", "remove", hook_id, ok=False).returncode == 1
    assert len(c.run("webhooks", "list").stdout.splitlines()) == 1
