"""GitHub and GitLab webhooks through the real endpoints, on SQLite and PostgreSQL: signatures and
tokens, pull/merge requests and pushes, closing keywords, redelivery."""

from __future__ import annotations

import uuid
from typing import Any

import payloads as p
from builders import Api, Persona, uniq
from conftest import deliveries, drain, make_source, outcomes
from fastapi.testclient import TestClient


def gh(client: TestClient, app: Any, hook: Any, event: str, data: dict[str, Any], delivery: str | None = None,
       signature: str | None = None) -> Any:
    raw = p.body(data)
    r = client.post(hook.path, content=raw, headers=p.github_headers(hook.secret, raw, event, delivery or str(uuid.uuid4()),
                                                                     signature=signature))
    drain(app)
    return r


def gl(client: TestClient, app: Any, hook: Any, data: dict[str, Any], token: str | None = None,
       idempotency: str | None = None) -> Any:
    headers = {"X-Gitlab-Event": "Merge Request Hook" if data.get("object_kind") == "merge_request" else "Push Hook",
               "X-Gitlab-Token": token if token is not None else hook.secret, "Content-Type": "application/json"}
    if idempotency:
        headers["Idempotency-Key"] = idempotency
    r = client.post(hook.path, content=p.body(data), headers=headers)
    drain(app)
    return r


def status(api: Api, task: dict[str, Any]) -> str:
    return str(api.ok("GET", f"/v1/tasks/{task['id']}")["status"])


def test_github_pull_request_review_then_merged(client: TestClient, app: Any, api: Api) -> None:
    hook = make_source(app, "github")
    project = api.project(uniq("octo/widget"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    body = f"This fixes the widget.\n\nFixes #{story['id']}\nTask: {task['id']}"
    delivery = str(uuid.uuid4())
    r = gh(client, app, hook, "pull_request", p.github_pr("opened", project["name"], 7, body), delivery)
    assert r.status_code == 200 and r.json() == {"status": "accepted"}, r.text
    assert status(api, task) == "review"
    # The same delivery again (GitHub's "Redeliver"): nothing more.
    r = gh(client, app, hook, "pull_request", p.github_pr("opened", project["name"], 7, body), delivery)
    assert r.json() == {"status": "duplicate"} and deliveries(app, hook) == 1
    gh(client, app, hook, "pull_request_review", {**p.github_pr("submitted", project["name"], 7, body),
                                                  "review": {"state": "approved", "submitted_at": "2026-12-04T09:30:00Z"},
                                                  "sender": {"login": "reviewer"}})
    gh(client, app, hook, "pull_request", p.github_pr("closed", project["name"], 7, body, merged=True))
    assert status(api, task) == "merged"
    [linked] = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert (linked["kind"], linked["repository"], linked["number"], linked["state"], linked["branch"]) == (
        "github", project["name"], 7, "merged", "main")
    assert linked["votes"] == {"Review": {"reviewer": 1}} and linked["owner_username"] == "octocat"


def test_github_closed_unmerged_goes_back_and_draft_waits(client: TestClient, app: Any, api: Api) -> None:
    hook = make_source(app, "github")
    project = api.project(uniq("octo/gadget"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    gh(client, app, hook, "pull_request", p.github_pr("opened", project["name"], 3, f"closes #{story['id']}", draft=True))
    assert status(api, task) == "todo"
    gh(client, app, hook, "pull_request", p.github_pr("ready_for_review", project["name"], 3, f"closes #{story['id']}"))
    assert status(api, task) == "review"
    gh(client, app, hook, "pull_request", p.github_pr("closed", project["name"], 4, f"closes #{story['id']}"))
    assert status(api, task) == "review"  # another PR (4, closed unmerged) cannot undo PR 3's review
    gh(client, app, hook, "pull_request", p.github_pr("closed", project["name"], 3, f"closes #{story['id']}"))
    assert status(api, task) == "todo"


def test_github_push_to_the_default_branch_merges(client: TestClient, app: Any, api: Api) -> None:
    hook = make_source(app, "github")
    project = api.project(uniq("octo/pushed"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    gh(client, app, hook, "push", p.github_push(project["name"], "main", "Tidy up", f"Fix it\n\nResolves #{story['id']}"))
    assert status(api, task) == "merged"
    [linked] = api.ok("GET", f"/preview/stories/{story['id']}/changes")
    assert linked["number"] is None and linked["title"] == "Fix it" and linked["state"] == "merged"
    # A push to a branch the project does not have changes nothing.
    story2 = api.story()
    task2 = api.task(story2["id"], project["id"])
    gh(client, app, hook, "push", p.github_push(project["name"], "feature/x", f"WIP\n\nFixes #{story2['id']}"))
    assert status(api, task2) == "todo"


def test_github_bad_signature_is_401_with_nothing_changed(client: TestClient, app: Any, api: Api) -> None:
    hook = make_source(app, "github")
    project = api.project(uniq("octo/signed"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    data = p.github_pr("opened", project["name"], 1, f"Fixes #{story['id']}")
    for signature in ("sha256=" + "0" * 64, "sha1=abc", ""):
        r = gh(client, app, hook, "pull_request", data, signature=signature or "none")
        assert r.status_code == 401, r.text
    raw = p.body(data)
    headers = p.github_headers(hook.secret, raw, "pull_request", "d1")
    r = client.post(hook.path, content=raw + b" ", headers=headers)  # the body changed after signing
    assert r.status_code == 401
    assert deliveries(app, hook) == 0 and status(api, task) == "todo"
    # Signed but not JSON: 400 naming the body; no event header: 400 naming the header.
    bad = b"{not json"
    r = client.post(hook.path, content=bad, headers=p.github_headers(hook.secret, bad, "pull_request", "d2"))
    assert r.status_code == 400 and r.json()["field"] == "body"
    good = p.body(data)
    headers = p.github_headers(hook.secret, good, "pull_request", "d3")
    del headers["X-GitHub-Event"]
    r = client.post(hook.path, content=good, headers=headers)
    assert r.status_code == 400 and r.json()["field"] == "X-GitHub-Event"
    ping = gh(client, app, hook, "ping", {"zen": "Keep it logically awesome.", "hook_id": 12_345_678_901})
    assert ping.json() == {"status": "ignored"}


def test_gitlab_merge_request(client: TestClient, app: Any, api: Api, user: Persona) -> None:
    hook = make_source(app, "gitlab")
    project = api.project(uniq("group/sub/thing"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    description = f"Implements #{story['id']}"
    r = gl(client, app, hook, p.gitlab_mr("open", project["name"], 5, description, email=user.email),
           idempotency="key-1")
    assert r.json() == {"status": "accepted"} and status(api, task) == "review"
    assert api.ok("GET", f"/v1/tasks/{task['id']}")["assignee_id"] == user.id
    assert gl(client, app, hook, p.gitlab_mr("open", project["name"], 5, description), idempotency="key-1"
              ).json() == {"status": "duplicate"}
    gl(client, app, hook, p.gitlab_mr("approved", project["name"], 5, description, username="maintainer"))
    gl(client, app, hook, p.gitlab_mr("merge", project["name"], 5, description))
    assert status(api, task) == "merged"
    [linked] = api.ok("GET", f"/preview/tasks/{task['id']}/changes")
    assert (linked["kind"], linked["number"], linked["state"], linked["votes"]) == (
        "gitlab", 5, "merged", {"Approved": {"maintainer": 1}})


def test_gitlab_wrong_token_and_unknown_project(client: TestClient, app: Any, api: Api) -> None:
    hook = make_source(app, "gitlab")
    project = api.project(uniq("group/known"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    data = p.gitlab_mr("open", project["name"], 6, f"Closes #{story['id']}")
    for token in ("wrong", ""):
        assert gl(client, app, hook, data, token=token).status_code == 401
    r = client.post(hook.path, content=p.body(data), headers={"X-Gitlab-Event": "Merge Request Hook"})
    assert r.status_code == 401 and deliveries(app, hook) == 0 and status(api, task) == "todo"
    gl(client, app, hook, p.gitlab_mr("open", uniq("group/unknown"), 6, f"Closes #{story['id']}"))
    assert status(api, task) == "todo" and "maps to no project" in outcomes(app, hook)[-1]


def test_ci_results_from_check_suites_and_pipelines(client: TestClient, app: Any, api: Api) -> None:
    github, gitlab = make_source(app, "github"), make_source(app, "gitlab")
    project = api.project(uniq("octo/ci"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    gh(client, app, github, "pull_request", p.github_pr("opened", project["name"], 21, f"Fixes #{story['id']}"))
    suite = {"action": "completed", "check_suite": {"conclusion": "failure", "updated_at": "2026-12-04T11:00:00Z",
                                                    "pull_requests": [{"number": 21}]},
             "repository": {"full_name": project["name"], "default_branch": "main"}, "sender": {"login": "ci"}}
    gh(client, app, github, "check_suite", suite)
    gl(client, app, gitlab, p.gitlab_mr("open", project["name"], 22, f"Closes #{story['id']}"))
    pipeline = {"object_kind": "pipeline", "object_attributes": {"status": "success", "finished_at": "2026-12-04 12:00:00 UTC"},
                "merge_request": {"iid": 22}, "project": {"path_with_namespace": project["name"]}, "user": {"username": "ci"}}
    client.post(gitlab.path, content=p.body(pipeline), headers={"X-Gitlab-Event": "Pipeline Hook",
                                                                 "X-Gitlab-Token": gitlab.secret})
    drain(app)
    ci = {c["kind"]: c["ci"] for c in api.ok("GET", f"/preview/tasks/{task['id']}/changes")}
    assert ci == {"github": "failed", "gitlab": "passed"}


def test_editing_a_closed_request_does_not_propose_it_again(client: TestClient, app: Any, api: Api) -> None:
    hook = make_source(app, "github")
    project = api.project(uniq("octo/edited"))
    story = api.story()
    task = api.task(story["id"], project["id"])
    body = f"Fixes #{story['id']}"
    gh(client, app, hook, "pull_request", p.github_pr("opened", project["name"], 31, body))
    gh(client, app, hook, "pull_request", p.github_pr("closed", project["name"], 31, body))
    assert status(api, task) == "todo"
    edited = p.github_pr("edited", project["name"], 31, body + "\n\nSuperseded.")
    edited["pull_request"]["state"] = "closed"
    assert gh(client, app, hook, "pull_request", edited).json() == {"status": "ignored"}
    assert status(api, task) == "todo"
