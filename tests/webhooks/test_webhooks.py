"""Outbound webhooks through a real HTTP receiver on loopback: signed story events, the event filter,
privacy (a private story's events reach only hooks whose owner may see it, checked again at send time),
retries with the same delivery id, disabling after repeated failures with a notice to the owner, the
delivery log and redelivery, who may add a hook, and no outbox work for events no hook covers."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from builders import Persona, uniq
from receiver import (  # noqa: F401 (fixtures: hook_app, hook_db, receiver, smtp)
    MAX_ATTEMPTS,
    MAX_FAILURES,
    HookApp,
    hook_app_fixture,
    hook_db_fixture,
    receiver_fixture,
    smtp,
)
from sqlalchemy import func, select

from storyline import outbox
from storyline.webhooks.models import WebhookDelivery


def team_for(h: HookApp, project_id: int, *members: Persona) -> int:
    team = h.api.ok("POST", "/v1/teams", json={"name": uniq("hookteam-")})
    for person in members:
        h.api.ok("PUT", f"/v1/teams/{team['id']}/users/{person.id}")
    h.api.ok("PUT", f"/v1/teams/{team['id']}/projects/{project_id}")
    return int(team["id"])


def add_hook(h: HookApp, who: Persona, **fields: Any) -> tuple[dict[str, Any], str]:
    """A hook at a path of its own on the receiver, which checks its signature; (hook, path)."""
    path = h.receiver.path()
    hook = h.api.ok("POST", "/preview/webhooks", who, json={"url": h.receiver.url(path), **fields})
    h.receiver.secrets[path] = hook["secret"]
    return hook, path


def story_on(h: HookApp, who: Persona, project_id: int, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    story = h.api.story(who, **fields)
    task = h.api.task(story["id"], project_id, who)
    return story, task


def comment(h: HookApp, who: Persona, story_id: int, text: str) -> None:
    h.api.ok("POST", f"/v1/stories/{story_id}/comments", who, json={"content": text})


def commented_hook(h: HookApp) -> tuple[Persona, dict[str, Any], str, dict[str, Any]]:
    """A project team member's hook for the comments on the project, and a story on it; (owner, hook, path,
    story)."""
    owner = h.persona()
    project = h.api.project()
    team_for(h, project["id"], owner)
    hook, path = add_hook(h, owner, project_id=project["id"], event_types=["user_comment"])
    story, _ = story_on(h, owner, project["id"])
    return owner, hook, path, story


def outbox_idle(h: HookApp, timeout: float = 20.0) -> None:
    """Every outbox row of the app done or parked (both lanes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with h.app.state.read_sessions() as session:
            if not session.execute(select(func.count()).select_from(outbox.OutboxRow).where(
                    outbox.OutboxRow.parked_at.is_(None))).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the outbox was not drained")


def log_of(h: HookApp, who: Persona, hook_id: int) -> list[dict[str, Any]]:
    return h.api.ok("GET", f"/preview/webhooks/{hook_id}/deliveries", who)


def test_a_project_hook_gets_each_story_event_signed(hook_app: HookApp):
    h = hook_app
    owner, author = h.persona(), h.persona(name="Ada Author")
    project = h.api.project()
    team_for(h, project["id"], owner)
    hook, path = add_hook(h, owner, project_id=project["id"], description="CI bot")
    assert hook["scope"] == "project" and hook["owner_id"] == owner.id and len(hook["secret"]) >= 40
    assert "secret" not in h.api.ok("GET", f"/preview/webhooks/{hook['id']}", owner)  # shown once

    story, task = story_on(h, author, project["id"])
    comment(h, author, story["id"], "Looks *fine* to me")
    created, commented = h.receiver.wait_for(path, 2)
    for d in (created, commented):
        assert d.signature_ok and d.status == 204
        assert d.headers["content-type"] == "application/json"
        assert uuid.UUID(d.headers["x-storyline-delivery"])
        assert d.headers["x-storyline-hook-id"] == str(hook["id"])
    assert created.headers["x-storyline-event"] == "task_created"
    assert commented.headers["x-storyline-event"] == "user_comment"
    body = commented.json
    assert body["event"]["type"] == "user_comment" and body["event"]["created_at"].endswith("+00:00")
    assert body["event"]["info"]["comment_content"] == "Looks *fine* to me"
    assert body["story"]["id"] == story["id"] and body["story"]["title"] == story["title"]
    assert body["story"]["url"] == f"https://storyline.test/#!/story/{story['id']}"
    assert body["author"] == {"id": author.id, "full_name": "Ada Author"}
    assert body["projects"] == [{"id": project["id"], "name": project["name"]}]
    assert created.json["task"]["id"] == task["id"] and created.json["task"]["title"] == task["title"]
    assert "email" not in json.dumps(body["author"])

    # The delivery log: body, response code, duration, time; each delivery its own id.
    outbox_idle(h)
    log = log_of(h, owner, hook["id"])
    assert [d["event_type"] for d in log] == ["task_created", "user_comment"]
    assert {d["guid"] for d in log} == {created.headers["x-storyline-delivery"],
                                        commented.headers["x-storyline-delivery"]}
    assert all(d["status"] == "delivered" and d["response_code"] == 204 and d["attempts"] == 1 for d in log)
    assert all(d["duration_ms"] is not None and d["attempted_at"] for d in log)
    assert log[1]["request_body"].encode() == commented.body


def test_a_group_hook_and_the_event_filter(hook_app: HookApp):
    h = hook_app
    owner, author = h.persona(), h.persona()
    project, other = h.api.project(), h.api.project()
    group = h.api.group()
    h.api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{project['id']}")
    team_for(h, project["id"], owner)
    hook, path = add_hook(h, owner, project_group_id=group["id"], event_types=["user_comment"])
    assert hook["scope"] == "project_group" and hook["event_types"] == ["user_comment"]
    story, task = story_on(h, author, project["id"])
    h.api.ok("PUT", f"/v1/tasks/{task['id']}", author, json={"status": "inprogress"})
    comment(h, author, story["id"], "in the group")
    elsewhere, _ = story_on(h, author, other["id"])
    comment(h, author, elsewhere["id"], "not in the group")
    [only] = h.receiver.wait_for(path)
    outbox_idle(h)
    assert len(h.receiver.at(path)) == 1
    assert only.json["event"]["type"] == "user_comment" and only.json["story"]["id"] == story["id"]


def test_a_private_story_reaches_only_hooks_whose_owner_can_see_it(hook_app: HookApp):
    h = hook_app
    author, listed, outsider = h.persona(), h.persona(), h.persona()
    project = h.api.project()
    team_for(h, project["id"], listed, outsider)
    seen, seen_path = add_hook(h, listed, project_id=project["id"], event_types=["user_comment"])
    unseen, unseen_path = add_hook(h, outsider, project_id=project["id"])
    everything, everything_path = add_hook(h, h.admin)  # a superuser is not on the list either
    assert everything["scope"] == "all"
    story, _ = story_on(h, author, project["id"], title="Embargoed: remote root in the frobnicator",
                        private=True, users=[author.id, listed.id])
    comment(h, author, story["id"], "the fix is ready")
    [first] = h.receiver.wait_for(seen_path)
    assert first.json["story"]["title"] == story["title"] and first.signature_ok
    public, _ = story_on(h, author, project["id"])
    h.receiver.wait_for(unseen_path, 1)  # a public story's event reaches it: it works
    h.receiver.wait_for(everything_path, 1)
    outbox_idle(h)
    for path in (unseen_path, everything_path):
        assert all(d.json["story"]["id"] == public["id"] for d in h.receiver.at(path))
        assert all("frobnicator" not in d.body.decode() for d in h.receiver.at(path))
    assert {d["story_id"] for d in log_of(h, outsider, unseen["id"])} == {public["id"]}
    assert story["id"] not in {d["story_id"] for d in log_of(h, h.admin, everything["id"])}

    # Checked again when it is sent: taken off the list after the event was queued, nothing more.
    h.receiver.fail[seen_path] = 1
    comment(h, author, story["id"], "second comment")
    h.receiver.wait_for(seen_path, 2)  # the first attempt, refused by the receiver
    h.api.ok("PUT", f"/v1/stories/{story['id']}", author, json={"users": [author.id]})
    outbox_idle(h)
    time.sleep(1.5)  # past the retry's backoff and the sender's next pass
    assert len(h.receiver.at(seen_path)) == 2
    assert log_of(h, listed, seen["id"]) == []  # nor does the log show the story any more
    with h.app.state.read_sessions() as session:  # the withheld delivery is gone, not logged
        assert session.execute(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.hook_id == seen["id"])).scalar() == 1
    h.api.ok("DELETE", f"/preview/webhooks/{everything['id']}")  # every other test's stories, otherwise


def test_a_failed_delivery_is_retried_with_the_same_id_and_body(hook_app: HookApp):
    h = hook_app
    owner, hook, path, story = commented_hook(h)
    h.receiver.fail[path] = 2
    comment(h, owner, story["id"], "third time lucky")
    first, second, third = h.receiver.wait_for(path, 3)
    assert [d.status for d in (first, second, third)] == [503, 503, 204]
    assert first.headers["x-storyline-delivery"] == second.headers["x-storyline-delivery"] \
        == third.headers["x-storyline-delivery"]
    assert first.body == second.body == third.body and third.signature_ok
    outbox_idle(h)
    [entry] = log_of(h, owner, hook["id"])
    assert entry["status"] == "delivered" and entry["attempts"] == 3 and entry["response_code"] == 204
    assert h.api.ok("GET", f"/preview/webhooks/{hook['id']}", owner)["failures"] == 0  # reset by the success

    # Redeliver: the same body and delivery id again.
    again = h.api.ok("POST", f"/preview/webhooks/{hook['id']}/deliveries/{entry['id']}/redeliver", owner)
    assert again["status"] == "pending" and again["redeliveries"] == 1
    fourth = h.receiver.wait_for(path, 4)[3]
    assert fourth.headers["x-storyline-delivery"] == first.headers["x-storyline-delivery"]
    assert fourth.body == first.body and fourth.signature_ok


def test_a_delivery_that_never_succeeds_is_given_up(hook_app: HookApp):
    h = hook_app
    owner, hook, path, story = commented_hook(h)
    h.receiver.fail[path] = MAX_ATTEMPTS
    comment(h, owner, story["id"], "nobody home")
    h.receiver.wait_for(path, MAX_ATTEMPTS)
    outbox_idle(h)
    [entry] = log_of(h, owner, hook["id"])
    assert entry["status"] == "failed" and entry["attempts"] == MAX_ATTEMPTS
    assert entry["response_code"] == 503 and entry["error"] == "HTTP 503: not now"
    assert h.api.ok("GET", f"/preview/webhooks/{hook['id']}", owner)["active"] is True  # 3 < MAX_FAILURES
    h.api.ok("POST", f"/preview/webhooks/{hook['id']}/deliveries/{entry['id']}/redeliver", owner)
    assert h.receiver.wait_for(path, MAX_ATTEMPTS + 1)[-1].status == 204


def test_a_hook_failing_again_and_again_is_disabled_and_its_owner_told(hook_app: HookApp):
    h = hook_app
    owner, hook, path, story = commented_hook(h)
    h.receiver.always_fail.add(path)
    comment(h, owner, story["id"], "one")
    comment(h, owner, story["id"], "two")
    h.receiver.wait_for(path, MAX_FAILURES)
    outbox_idle(h)
    assert len(h.receiver.at(path)) == MAX_FAILURES  # not one request more
    state = h.api.ok("GET", f"/preview/webhooks/{hook['id']}", owner)
    assert state["active"] is False and state["failures"] == MAX_FAILURES
    assert f"{MAX_FAILURES} failed requests in a row" in state["disabled_reason"]
    inbox = h.api.ok("GET", "/v1/subscription_events", owner)
    [notice] = [e for e in inbox if e["event_type"] == "webhook_disabled"]
    assert json.loads(notice["event_info"])["webhook_id"] == hook["id"]
    [mail] = h.smtp.wait_for(owner.email)
    assert mail["Subject"] == f"Your webhook {hook['id']} was disabled"
    assert h.receiver.url(path) in mail.get_content()
    statuses = [d["status"] for d in log_of(h, owner, hook["id"])]
    assert "failed" in statuses and set(statuses) <= {"failed", "cancelled"}  # those left: not sent again

    # Off: a new event reaches it no more (no outbox row at all: nobody follows, no active hook covers it).
    with h.app.state.read_sessions() as session:
        before = session.execute(select(func.max(outbox.OutboxRow.id))).scalar() or 0
    comment(h, owner, story["id"], "three")
    with h.app.state.read_sessions() as session:
        assert session.execute(select(func.count()).select_from(outbox.OutboxRow)
                               .where(outbox.OutboxRow.id > before)).scalar() == 0
    # On again: its failures cleared, the next event delivered.
    h.receiver.always_fail.discard(path)
    state = h.api.ok("PUT", f"/preview/webhooks/{hook['id']}", owner, json={"active": True})
    assert state["active"] is True and state["failures"] == 0 and state["disabled_at"] is None
    comment(h, owner, story["id"], "four")
    assert h.receiver.wait_for(path, MAX_FAILURES + 1)[-1].json["event"]["info"]["comment_content"] == "four"


def test_no_outbox_row_for_an_event_no_hook_covers(hook_app: HookApp):
    h = hook_app
    owner, author = h.persona(), h.persona()
    project, other = h.api.project(), h.api.project()
    team_for(h, project["id"], owner)
    add_hook(h, owner, project_id=project["id"])
    story, _ = story_on(h, author, other["id"])
    outbox_idle(h)

    def rows_after(action: Any) -> int:
        with h.app.state.read_sessions() as session:
            before = session.execute(select(func.max(outbox.OutboxRow.id))).scalar() or 0
        action()
        with h.app.state.read_sessions() as session:
            return int(session.execute(select(func.count()).select_from(outbox.OutboxRow)
                                       .where(outbox.OutboxRow.id > before)).scalar() or 0)

    assert rows_after(lambda: comment(h, author, story["id"], "nobody listens")) == 0
    h.api.task(story["id"], project["id"], author)  # now the hooked project has a task in the story
    outbox_idle(h)
    assert rows_after(lambda: comment(h, author, story["id"], "a hook listens")) == 1
    outbox_idle(h)
    with h.app.state.read_sessions() as session:
        assert session.execute(select(func.count()).select_from(WebhookDelivery)
                               .where(WebhookDelivery.story_id == story["id"])).scalar() == 2


def test_rotating_the_secret_signs_with_the_new_one(hook_app: HookApp):
    h = hook_app
    owner, hook, path, story = commented_hook(h)
    rotated = h.api.ok("POST", f"/preview/webhooks/{hook['id']}/secret", owner)
    assert rotated["secret"] != hook["secret"]
    comment(h, owner, story["id"], "signed anew")
    [d] = h.receiver.wait_for(path)
    assert not d.signature_ok  # the receiver still holds the old secret
    expected = "sha256=" + hmac.new(rotated["secret"].encode(), d.body, hashlib.sha256).hexdigest()
    assert d.headers["x-storyline-signature-256"] == expected


def test_who_may_add_read_and_change_a_hook(hook_app: HookApp):
    h = hook_app
    member, stranger = h.persona(), h.persona()
    project = h.api.project()
    group = h.api.group()
    h.api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{project['id']}")
    team_for(h, project["id"], member)
    url = h.receiver.url("/nowhere")

    def post(who: Persona, **body: Any) -> Any:
        return h.client.post("/preview/webhooks", headers=who.headers, json={"url": url, **body})

    assert post(stranger, project_id=project["id"]).status_code == 403
    assert post(stranger, project_group_id=group["id"]).status_code == 403
    assert post(member).status_code == 403  # everything: superusers only
    assert h.client.post("/preview/webhooks", json={"url": url, "project_id": project["id"]}).status_code == 401
    for bad in ("ftp://example.org/x", "https://user:pw@example.org/", "example.org/hook", "http:///x", "",
                "https://example.org/a b", "https://example.org:99999/"):
        r = post(member, project_id=project["id"], url=bad)
        assert r.status_code == 400 and r.json()["field"] == "url", (bad, r.text)
    r = post(member, project_id=project["id"], event_types=["user_comment", "no_such_event"])
    assert r.status_code == 400 and r.json()["field"] == "event_types"
    r = post(member, project_id=10**8)
    assert r.status_code == 400 and r.json()["field"] == "project_id"
    r = post(member, project_id=project["id"], project_group_id=group["id"])
    assert r.status_code == 400
    with h.app.state.read_sessions() as session:
        count = session.execute(select(func.count()).select_from(WebhookDelivery)).scalar()

    hook = post(member, project_group_id=group["id"]).json()
    assert hook["scope"] == "project_group"
    for method, suffix, body in (("GET", "", None), ("PUT", "", {"active": False}), ("DELETE", "", None),
                                 ("GET", "/deliveries", None), ("POST", "/secret", None)):
        r = h.client.request(method, f"/preview/webhooks/{hook['id']}{suffix}", headers=stranger.headers, json=body)
        assert r.status_code == 404, (method, suffix, r.status_code)
    assert [x["id"] for x in h.api.ok("GET", "/preview/webhooks", stranger)] == []
    assert hook["id"] in [x["id"] for x in h.api.ok("GET", "/preview/webhooks", member)]
    assert hook["id"] in [x["id"] for x in h.api.ok("GET", f"/preview/webhooks?project_group_id={group['id']}")]
    r = h.client.put(f"/preview/webhooks/{hook['id']}", headers=member.headers, json={"url": "gopher://x"})
    assert r.status_code == 400 and r.json()["field"] == "url"
    assert h.api.ok("GET", f"/preview/webhooks/{hook['id']}", member)["url"] == url  # unchanged
    changed = h.api.ok("PUT", f"/preview/webhooks/{hook['id']}", member,
                       json={"event_types": ["task_status_changed"], "description": "status only"})
    assert changed["event_types"] == ["task_status_changed"] and changed["description"] == "status only"
    h.api.ok("DELETE", f"/preview/webhooks/{hook['id']}", member)
    assert h.client.get(f"/preview/webhooks/{hook['id']}", headers=member.headers).status_code == 404
    with h.app.state.read_sessions() as session:
        assert session.execute(select(func.count()).select_from(WebhookDelivery)).scalar() == count
