"""`storyline worklists|boards|dashboards|priorities|stale`, as subprocesses against each backend."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from test_cli import auth, cli, migrated  # noqa: F401  (fixtures)

from storyline.db import make_engine, make_sessionmaker, session_scope, utcnow
from storyline.stories.models import Task


def test_planning_commands(migrated):  # noqa: F811
    c = migrated
    c.run("users", "create", "--name", "Plan Admin", "--email", "plan@example.org", "--superuser")
    c.run("users", "create", "--name", "Bo Reader", "--email", "bo@example.org")
    token = c.run("tokens", "create", "--user", "plan@example.org").stdout.strip()
    team_id = c.run("teams", "create", "reviewers").stdout.strip()
    c.run("teams", "add-member", "reviewers", "plan@example.org")
    with c.app_client() as client:
        project = client.post("/v1/projects", json={"name": "openstack/plan"}, headers=auth(token)).json()
        story = client.post("/v1/stories", json={"title": "Plan the release"}, headers=auth(token)).json()
        me = client.get("/v1/users/self", headers=auth(token)).json()
        task = client.post("/v1/tasks", headers=auth(token), json={
            "title": "Review the plan", "story_id": story["id"], "project_id": project["id"], "status": "review",
            "assignee_id": me["id"]}).json()

    # Worklists: manual (private), automatic; bad input is refused and writes nothing.
    manual = c.run("worklists", "create", "Backlog", "--as", "plan@example.org", "--private").stdout.strip()
    auto = c.run("worklists", "create", "In review", "--as", "plan@example.org", "--type", "Task",
                 "--criterion", "TaskStatus=review", "--criterion", f"Project={project['id']}").stdout.strip()
    out = c.run("worklists", "add", manual, "--story", str(story["id"]), "--as", "plan@example.org").stdout
    assert f"Story {story['id']} is card" in out and "position 0" in out
    bad = c.run("worklists", "create", "", "--as", "plan@example.org", ok=False)
    assert bad.returncode == 1 and "title" in bad.stderr
    listing = c.run("worklists", "list", "--as", "plan@example.org").stdout
    assert f"{manual}\tBacklog\tmanual\t1 card(s)\tprivate" in listing and f"{auto}\tIn review\tautomatic" in listing
    assert "Backlog" not in c.run("worklists", "list", "--as", "bo@example.org").stdout

    # Boards with new lanes.
    board = c.run("boards", "create", "Sprint", "--as", "plan@example.org", "--lane", "Todo", "--lane", "Done",
                  "--project", "openstack/plan").stdout.strip()
    assert f"{board}\tSprint\t2 lane(s): Todo, Done" in c.run("boards", "list").stdout

    # (preview) A review dashboard for a team, in one command.
    helps = c.run("--help").stdout
    assert all(f"{name} (preview)" in " ".join(helps.split()) for name in ("dashboards", "priorities", "stale"))
    bad = c.run("dashboards", "create", "--as", "plan@example.org", "--team", "reviewers", "--project", "1", ok=False)
    assert bad.returncode == 1 and "exactly one" in bad.stderr
    dash = c.run("dashboards", "create", "--as", "plan@example.org", "--team", "reviewers").stdout.strip()
    with c.app_client() as client:
        b = client.get(f"/v1/boards/{dash}").json()
        assert b["title"] == "Reviews: reviewers" and len(b["lanes"]) == 3
        assert [i["item_id"] for i in b["lanes"][0]["worklist"]["items"]] == [task["id"]]
        assert str(team_id) in [c_["value"] for c_ in b["lanes"][0]["worklist"]["filters"][0]["filter_criteria"]]

    # (preview) Priority lists: only those with rights add to them.
    plist = c.run("priorities", "create", "2026.2", "--project", "openstack/plan", "--as", "plan@example.org").stdout.strip()
    c.run("priorities", "add", plist, "--story", str(story["id"]), "--as", "plan@example.org")
    refused = c.run("priorities", "add", plist, "--story", str(story["id"]), "--as", "bo@example.org", ok=False)
    assert refused.returncode == 1 and "may not" in refused.stderr
    assert c.run("priorities", "add", manual, "--story", "1", "--as", "plan@example.org", ok=False).returncode == 1
    out = c.run("priorities", "list", "--project", "openstack/plan").stdout
    assert out.splitlines() == [f"{plist}\tPriorities for 2026.2", f"  1. story {story['id']}\tPlan the release"]

    # (preview) Stale work: the dry run lists and changes nothing; the sweep flags.
    c.run("stale", "set-rule", "openstack/plan", "--days", "3", "--as", "plan@example.org")
    refused = c.run("stale", "set-rule", "openstack/plan", "--as", "bo@example.org", ok=False)
    assert refused.returncode == 1 and "superuser" in refused.stderr, (refused.returncode, refused.stderr)
    engine = make_engine(c.url)
    try:
        with session_scope(make_sessionmaker(engine, write=True)) as session:
            when = utcnow() - dt.timedelta(days=10)
            session.execute(update(Task).where(Task.id == task["id"]).values(created_at=when, updated_at=when))
    finally:
        engine.dispose()
    out = c.run("stale", "sweep", "--dry-run").stdout
    assert f"task {task['id']}\treview\tflag\tReview the plan" in out and "1 task(s) would change" in out
    assert "1 task(s) would change" in c.run("stale", "sweep", "--dry-run").stdout  # a dry run marks nothing
    assert "1 flagged, 0 reset" in c.run("stale", "sweep").stdout
