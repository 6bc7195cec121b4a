"""Gerrit through the real webhook endpoint (the webhooks plugin's POSTs), on SQLite and PostgreSQL:
the rules of docs/integrations.md, redelivery, out-of-order events, bad secrets, private stories,
unknown repositories and malformed bodies."""

from __future__ import annotations

from typing import Any

import payloads as p
from builders import Api, Persona, uniq
from conftest import ORIGIN, deliveries, drain, make_source, outcomes, post_gerrit
from fastapi.testclient import TestClient

from storyline.db import session_scope
from storyline.integrations.sources import do_map_repository
from storyline.projects.models import Project


def send(client: TestClient, app: Any, hook: Any, event: dict[str, Any]) -> str:
    r = post_gerrit(client, hook, event)
    assert r.status_code == 200, r.text
    drain(app)
    return str(r.json()["status"])


def task_of(api: Api, task_id: int, who: Persona | None = None) -> dict[str, Any]:
    return api.ok("GET", f"/v1/tasks/{task_id}", who)


def story_with_task(api: Api, project: dict[str, Any], **task: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    story = api.story(title=uniq("Frobnicator breaks "))
    return story, api.task(story["id"], project["id"], **task)


def test_new_patch_set_moves_to_review_links_and_assigns_the_owner(client: TestClient, app: Any, api: Api, gerrit: Any,
                                                                 repo: dict[str, Any], user: Persona) -> None:
    story, task = story_with_task(api, repo)
    change = p.gerrit_change(123456, repo["name"], f"Fix the frobnicator\n\nTask: {task['id']}\nChange-Id: I5f0c\n",
                             owner=p.account("ada", user.email, "Ada Lovelace"))
    assert send(client, app, gerrit, p.gerrit_event("patchset-created", change)) == "accepted"
    after = task_of(api, task["id"])
    assert after["status"] == "review" and after["assignee_id"] == user.id
    linked = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert [(c["number"], c["state"], c["branch"], c["owner_username"], c["url"], c["relation"]) for c in linked] == [
        (123456, "open", "master", "ada", f"https://review.example.org/c/{repo['name']}/+/123456", "task")]
    assert api.ok("GET", f"/preview/stories/{story['id']}/changes") == linked
    events = api.ok("GET", f"/v1/stories/{story['id']}/events")
    bot = {e["author_id"] for e in events if e["event_type"] in ("task_status_changed", "task_assignee_changed")}
    assert bot == {gerrit.bot_id}
    comments = [c["content"] for c in api.ok("GET", f"/v1/stories/{story['id']}/comments")]
    assert len(comments) == 1 and "123456" in comments[0] and "proposed on branch master" in comments[0]


def test_votes_ci_and_merge(client: TestClient, app: Any, api: Api, gerrit: Any, repo: dict[str, Any]) -> None:
    story, task = story_with_task(api, repo)
    change = p.gerrit_change(2001, repo["name"], f"Fix it\n\ntask: #{task['id']}\n")
    send(client, app, gerrit, p.gerrit_event("patchset-created", change))
    send(client, app, gerrit, p.gerrit_event("comment-added", change, author=p.account("zuul"),
                                             approvals=p.approvals(("Verified", 1)), comment="Build succeeded."))
    send(client, app, gerrit, p.gerrit_event("comment-added", change, author=p.account("core"),
                                             approvals=p.approvals(("Code-Review", 2), ("Workflow", 1))))
    [linked] = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert linked["votes"] == {"Verified": {"zuul": 1}, "Code-Review": {"core": 2}, "Workflow": {"core": 1}}
    assert linked["ci"] == "passed" and task_of(api, task["id"])["status"] == "review"
    merged = dict(change, status="MERGED")
    send(client, app, gerrit, p.gerrit_event("change-merged", merged, newRev="9" * 40))
    assert task_of(api, task["id"])["status"] == "merged"
    assert api.ok("GET", f"/v1/stories/{story['id']}")["status"] == "merged"
    [linked] = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert linked["state"] == "merged"
    comments = [c["content"] for c in api.ok("GET", f"/v1/stories/{story['id']}/comments")]
    assert len(comments) == 2 and "merged on branch master" in comments[1]


def test_a_redelivery_changes_nothing(client: TestClient, app: Any, api: Api, gerrit: Any, repo: dict[str, Any]) -> None:
    story, task = story_with_task(api, repo)
    event = p.gerrit_event("patchset-created", p.gerrit_change(2002, repo["name"], f"x\n\nTask: {task['id']}"))
    assert send(client, app, gerrit, event) == "accepted"
    before = api.ok("GET", f"/v1/stories/{story['id']}/events")
    for _ in range(3):  # the webhooks plugin retries; the same event also comes from stream-events
        assert send(client, app, gerrit, event) == "duplicate"
    assert api.ok("GET", f"/v1/stories/{story['id']}/events") == before
    assert deliveries(app, gerrit) == 1


def test_events_out_of_order_never_move_a_task_backwards(client: TestClient, app: Any, api: Api, gerrit: Any,
                                                        repo: dict[str, Any]) -> None:
    _, task = story_with_task(api, repo)
    change = p.gerrit_change(2003, repo["name"], f"x\n\nTask: {task['id']}")
    t0 = p.now()
    send(client, app, gerrit, p.gerrit_event("change-merged", dict(change, status="MERGED"), patchset=2, at=t0 + 5))
    assert task_of(api, task["id"])["status"] == "merged"
    # The upload of patch set 1 arrives late, then an abandon that cannot be (the change merged).
    send(client, app, gerrit, p.gerrit_event("patchset-created", change, patchset=1, at=t0))
    send(client, app, gerrit, p.gerrit_event("change-abandoned", change, patchset=2, at=t0 + 9, reason="dup"))
    assert task_of(api, task["id"])["status"] == "merged"
    [linked] = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert linked["state"] == "merged" and linked["patchset"] == 2
    assert "older than what is known" in outcomes(app, gerrit)[1]


def test_abandoned_goes_back_restored_goes_to_review(client: TestClient, app: Any, api: Api, gerrit: Any,
                                                      repo: dict[str, Any]) -> None:
    _, task = story_with_task(api, repo, status="inprogress")
    change = p.gerrit_change(2004, repo["name"], f"x\n\nTask: {task['id']}")
    send(client, app, gerrit, p.gerrit_event("patchset-created", change))
    assert task_of(api, task["id"])["status"] == "review"
    send(client, app, gerrit, p.gerrit_event("change-abandoned", dict(change, status="ABANDONED"), reason="Not now"))
    assert task_of(api, task["id"])["status"] == "inprogress"
    send(client, app, gerrit, p.gerrit_event("change-restored", change, reason="Now"))
    assert task_of(api, task["id"])["status"] == "review"


def test_work_in_progress_does_not_move_until_ready(client: TestClient, app: Any, api: Api, gerrit: Any,
                                                    repo: dict[str, Any]) -> None:
    _, task = story_with_task(api, repo)
    change = p.gerrit_change(2005, repo["name"], f"WIP\n\nTask: {task['id']}", wip=True)
    send(client, app, gerrit, p.gerrit_event("patchset-created", change))
    assert task_of(api, task["id"])["status"] == "todo"
    [linked] = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert linked["wip"] is True
    send(client, app, gerrit, p.gerrit_event("wip-state-changed", dict(change, wip=False), changer=p.account("jdoe")))
    assert task_of(api, task["id"])["status"] == "review"


def test_bad_secret_unknown_source_or_origin_is_401_with_nothing_changed(client: TestClient, app: Any, api: Api,
                                                                       gerrit: Any, repo: dict[str, Any]) -> None:
    _, task = story_with_task(api, repo)
    event = p.gerrit_event("patchset-created", p.gerrit_change(2006, repo["name"], f"x\n\nTask: {task['id']}"))
    wrong = [gerrit.path.rsplit("/", 1)[0] + "/not-the-secret", f"/preview/hooks/gerrit/nobody/{gerrit.secret}"]
    for path in wrong:
        r = client.post(path, json=event, headers={"X-Origin-Url": ORIGIN})
        assert r.status_code == 401, r.text
    for origin in ("https://evil.example.org", None):
        assert post_gerrit(client, gerrit, event, origin=origin).status_code == 401
    # GitHub's and GitLab's receivers do not take a Gerrit source either.
    assert client.post(f"/preview/hooks/gitlab/{gerrit.name}", json=event,
                       headers={"X-Gitlab-Token": gerrit.secret}).status_code == 401
    drain(app)
    assert deliveries(app, gerrit) == 0 and task_of(api, task["id"])["status"] == "todo"


def test_malformed_bodies_are_400_naming_the_problem(client: TestClient, gerrit: Any) -> None:
    r = post_gerrit(client, gerrit, None, raw=b'{"type": "patchset-created", "change": {')
    assert r.status_code == 400 and r.json()["field"] == "body" and "not valid JSON" in r.json()["message"]
    r = post_gerrit(client, gerrit, None, raw=b'["patchset-created"]')
    assert r.status_code == 400 and "JSON object" in r.json()["message"]
    r = post_gerrit(client, gerrit, {"change": {"number": 1}})
    assert r.status_code == 400 and r.json()["field"] == "type"
    # Wrong types are missing fields, as Gerrit says any field may be missing: accepted, nothing done.
    r = post_gerrit(client, gerrit, {"type": "patchset-created", "change": "nonsense", "patchSet": [1]})
    assert r.status_code == 200 and r.json()["status"] == "accepted"


def test_unknown_repository_changes_nothing(client: TestClient, app: Any, api: Api, gerrit: Any,
                                            repo: dict[str, Any]) -> None:
    _, task = story_with_task(api, repo)
    event = p.gerrit_event("patchset-created", p.gerrit_change(2007, uniq("unknown/repo"), f"x\n\nTask: {task['id']}"))
    assert send(client, app, gerrit, event) == "accepted"
    assert task_of(api, task["id"])["status"] == "todo"
    assert api.ok("GET", f"/preview/tasks/{task['id']}/changes") == []
    assert "maps to no project" in outcomes(app, gerrit)[-1]


def test_a_story_the_bot_cannot_see_changes_nothing(client: TestClient, app: Any, api: Api, gerrit: Any,
                                                    repo: dict[str, Any], user: Persona) -> None:
    story = api.story(user, title="Embargoed", private=True, users=[user.id])
    task = api.task(story["id"], repo["id"], user)
    missing = 2_000_000_111
    message = f"Fix\n\nTask: {task['id']}\nStory: {story['id']}\nTask: {missing}"
    send(client, app, gerrit, p.gerrit_event("patchset-created", p.gerrit_change(2008, repo["name"], message)))
    send(client, app, gerrit, p.gerrit_event("change-merged", p.gerrit_change(2008, repo["name"], message,
                                                                               status="MERGED")))
    assert api.ok("GET", f"/v1/tasks/{task['id']}", user)["status"] == "todo"
    assert api.ok("GET", f"/preview/stories/{story['id']}/changes", user) == []
    assert [e["event_type"] for e in api.ok("GET", f"/v1/stories/{story['id']}/events", user)] == [
        "story_created", "task_created"]
    # The outcome reads as for an id that does not exist.
    said = outcomes(app, gerrit)[0]
    assert f"task {task['id']}: not found" in said and f"task {missing}: not found" in said
    # Once the bot is on the access list, it acts like anyone on the list.
    api.ok("PUT", f"/v1/stories/{story['id']}", user, json={"users": [user.id, gerrit.bot_id]})
    send(client, app, gerrit, p.gerrit_event("patchset-created", p.gerrit_change(2009, repo["name"], message)))
    assert api.ok("GET", f"/v1/tasks/{task['id']}", user)["status"] == "review"
    assert client.get(f"/preview/stories/{story['id']}/changes").status_code == 404  # anonymous


def test_a_story_footer_acts_on_the_story_task_for_the_project_and_branch(
        client: TestClient, app: Any, api: Api, gerrit: Any, repo: dict[str, Any]) -> None:
    other = api.project(uniq("acme/other"))
    story, elsewhere = story_with_task(api, other)
    change = p.gerrit_change(2010, repo["name"], f"Fix\n\nStory: {story['id']}\n")
    send(client, app, gerrit, p.gerrit_event("patchset-created", change))
    tasks = api.ok("GET", f"/v1/stories/{story['id']}/tasks")
    created = [t for t in tasks if t["project_id"] == repo["id"]]
    assert len(tasks) == 2 and len(created) == 1 and created[0]["status"] == "review"
    assert created[0]["creator_id"] == gerrit.bot_id
    assert task_of(api, elsewhere["id"])["status"] == "todo"
    # The next event finds that task: no second one.
    send(client, app, gerrit, p.gerrit_event("change-merged", dict(change, status="MERGED")))
    assert [t["status"] for t in api.ok("GET", f"/v1/stories/{story['id']}/tasks")
            if t["project_id"] == repo["id"]] == ["merged"]


def test_merged_on_another_branch_updates_that_branch_task(client: TestClient, app: Any, api: Api, gerrit: Any) -> None:
    project = api.project(uniq("acme/backported"), autocreate_branches=True)
    story, master_task = story_with_task(api, project)
    send(client, app, gerrit, p.gerrit_event("change-merged", p.gerrit_change(
        2011, project["name"], f"Fix\n\nTask: {master_task['id']}", status="MERGED")))
    assert task_of(api, master_task["id"])["status"] == "merged"
    backport = p.gerrit_change(2012, project["name"], f"Fix (cherry picked)\n\nTask: {master_task['id']}",
                               branch="stable/2026.1", status="MERGED")
    send(client, app, gerrit, p.gerrit_event("change-merged", backport))
    branches = {b["name"]: b for b in api.ok("GET", "/v1/branches", params={"project_id": project["id"]})}
    assert branches["stable/2026.1"]["autocreated"] is True
    tasks = {t["branch_id"]: t for t in api.ok("GET", f"/v1/stories/{story['id']}/tasks")}
    assert tasks[branches["stable/2026.1"]["id"]]["status"] == "merged"
    # Without auto-created branches, the named task only gets the link.
    plain = api.project(uniq("acme/plain"))
    _, task = story_with_task(api, plain, status="review")
    send(client, app, gerrit, p.gerrit_event("change-merged", p.gerrit_change(
        2013, plain["name"], f"Fix\n\nTask: {task['id']}", branch="stable/2026.1", status="MERGED")))
    assert task_of(api, task["id"])["status"] == "review"
    assert [c["branch"] for c in api.ok("GET", f"/preview/tasks/{task['id']}/changes")] == ["stable/2026.1"]


def test_gerrit_2x_shapes_and_branch_creation(client: TestClient, app: Any, api: Api, gerrit: Any) -> None:
    project = api.project(uniq("acme/legacy"), autocreate_branches=True)
    _, task = story_with_task(api, project)
    change = p.gerrit_change(2014, project["name"], f"Old Gerrit\n\nTask #{task['id']}", v2=True)
    send(client, app, gerrit, p.gerrit_event("patchset-created", change, v2=True))
    send(client, app, gerrit, p.gerrit_event("comment-added", change, v2=True, author=p.account("ci"),
                                             approvals=p.approvals(("Verified", -1), v2=True)))
    [linked] = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert (linked["number"], linked["ci"], task_of(api, task["id"])["status"]) == (2014, "failed", "review")
    send(client, app, gerrit, p.ref_updated(project["name"], "stable/legacy"))  # short refName (old versions)
    names = [b["name"] for b in api.ok("GET", "/v1/branches", params={"project_id": project["id"]})]
    assert "stable/legacy" in names


def test_launchpad_footers(client: TestClient, app: Any, api: Api, gerrit: Any, repo: dict[str, Any]) -> None:
    closes, closes_task = story_with_task(api, repo)
    partial, partial_task = story_with_task(api, repo)
    related, related_task = story_with_task(api, repo)
    message = (f"Fix three things\n\nCloses-Bug: #{closes['id']}\nPartial-Bug: {partial['id']}\n"
               f"Related-Bug: #{related['id']}\nChange-Id: I1\n")
    change = p.gerrit_change(2015, repo["name"], message)
    send(client, app, gerrit, p.gerrit_event("patchset-created", change))
    assert [task_of(api, t["id"])["status"] for t in (closes_task, partial_task, related_task)] == [
        "review", "review", "todo"]
    send(client, app, gerrit, p.gerrit_event("change-merged", dict(change, status="MERGED")))
    assert [task_of(api, t["id"])["status"] for t in (closes_task, partial_task, related_task)] == [
        "merged", "inprogress", "todo"]
    assert [c["relation"] for c in api.ok("GET", f"/preview/stories/{related['id']}/changes")] == ["related"]


def test_repository_mapping_by_repo_url_and_explicitly(client: TestClient, app: Any, api: Api, gerrit: Any) -> None:
    name = uniq("upstream/thing")
    by_url = api.project(uniq("thing-tracker"), repo_url=f"https://opendev.org/{name}.git")
    _, task = story_with_task(api, by_url)
    send(client, app, gerrit, p.gerrit_event("patchset-created", p.gerrit_change(2016, name, f"x\n\nTask: {task['id']}")))
    assert task_of(api, task["id"])["status"] == "review"
    explicit = api.project(uniq("elsewhere"))
    _, task2 = story_with_task(api, explicit)
    with session_scope(app.state.write_sessions) as session:
        do_map_repository(session, name, session.get(Project, explicit["id"]))
    send(client, app, gerrit, p.gerrit_event("patchset-created", p.gerrit_change(2017, name, f"x\n\nTask: {task2['id']}")))
    assert task_of(api, task2["id"])["status"] == "review"


def test_private_changes_are_not_linked(client: TestClient, app: Any, api: Api, gerrit: Any, repo: dict[str, Any]) -> None:
    _, task = story_with_task(api, repo)
    change = p.gerrit_change(2018, repo["name"], f"Secret work\n\nTask: {task['id']}", private=True)
    send(client, app, gerrit, p.gerrit_event("patchset-created", change))
    assert api.ok("GET", f"/preview/tasks/{task['id']}/changes") == [] and task_of(api, task["id"])["status"] == "todo"
    send(client, app, gerrit, p.gerrit_event("private-state-changed", dict(change, private=False),
                                             changer=p.account("jdoe")))
    assert task_of(api, task["id"])["status"] == "review"
    assert [c["number"] for c in api.ok("GET", f"/preview/tasks/{task['id']}/changes")] == [2018]


def test_project_rules(client: TestClient, app: Any, api: Api, gerrit: Any, repo: dict[str, Any]) -> None:
    from storyline.integrations.rules import do_set_rules

    with session_scope(app.state.write_sessions) as session:
        do_set_rules(session, repo["id"], {"on_upload": "inprogress", "comments": False})
    story, task = story_with_task(api, repo)
    send(client, app, gerrit, p.gerrit_event("patchset-created", p.gerrit_change(2019, repo["name"],
                                                                                  f"x\n\nTask: {task['id']}")))
    assert task_of(api, task["id"])["status"] == "inprogress"
    assert api.ok("GET", f"/v1/stories/{story['id']}/comments") == []


def test_a_second_source_is_its_own(client: TestClient, app: Any, gerrit: Any) -> None:
    other = make_source(app, "gerrit", origin="https://other.example.org")
    r = client.post(other.path, json={"type": "project-created"}, headers={"X-Origin-Url": "https://other.example.org/"})
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    assert deliveries(app, gerrit) == 0


def test_an_event_without_the_commit_message_acts_through_the_links(client: TestClient, app: Any, api: Api,
                                                                    gerrit: Any, repo: dict[str, Any]) -> None:
    _, task = story_with_task(api, repo)
    change = p.gerrit_change(2020, repo["name"], f"x\n\nTask: {task['id']}")
    send(client, app, gerrit, p.gerrit_event("patchset-created", change))
    bare = {k: v for k, v in change.items() if k != "commitMessage"}
    send(client, app, gerrit, p.gerrit_event("change-merged", dict(bare, status="MERGED")))
    assert task_of(api, task["id"])["status"] == "merged"
