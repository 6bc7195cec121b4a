"""The leak matrix of the e-mail channel: for a private story and a security report, every kind of change
(comment, story edit, tags, tasks, status, assignee, attachments, a worklist card), delivered immediately
and in digests. People off the list — followers of the project and of its group, a superuser following
the project, a mentioned outsider, a member taken off the list, a worklist follower — receive nothing
about the story: no message naming it, no secret in any message. The people on the list receive the
secrets (the positive control: a test that cannot fail proves nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import Persona, uniq
from mailserver import MailApp, mail_app, mail_db, smtp  # noqa: F401  (fixtures)
from test_email import follow, outbox_empty

from storyline.db import session_scope
from storyline.notifications import digest


def readable(msg) -> str:  # type: ignore[no-untyped-def]
    """Everything a reader sees: each header decoded, and each part's decoded text (a secret cut by a
    quoted-printable soft line break in the raw message is whole here)."""
    headers = "\n".join(f"{k}: {v}" for k, v in msg.items())
    parts = "\n".join(part.get_content() for part in msg.walk() if part.get_content_maintype() == "text")
    return headers + "\n" + parts


def person(m: MailApp, mode: str, *, superuser: bool = False) -> Persona:
    p = m.persona(superuser=superuser)
    m.api.ok("POST", f"/v1/users/{p.id}/preferences", p, json={"notifications_email": mode})
    return p


@pytest.mark.parametrize("kind", ["private", "security"])
@pytest.mark.parametrize("mode", ["immediate", "daily"])
def test_nobody_off_the_list_hears_of_the_story(mail_app: MailApp, kind: str, mode: str):
    m = mail_app
    secrets = {k: uniq(f"SECRET-{k}-") for k in ("title", "comment", "description", "tag", "task", "file")}
    reporter, member, removed = person(m, mode), person(m, mode), person(m, mode)
    outsiders = {"project follower": person(m, mode), "group follower": person(m, mode),
                 "superuser": person(m, mode, superuser=True), "mentioned": person(m, mode),
                 "worklist follower": person(m, mode), "removed member": removed}
    project = m.api.project(uniq("matrix-mail-"))
    group = m.api.ok("POST", "/v1/project_groups", json={"name": uniq("mgroup"), "title": "Group"})
    m.api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{project['id']}")
    follow(m, outsiders["project follower"], "project", project["id"])
    follow(m, outsiders["superuser"], "project", project["id"])
    follow(m, outsiders["group follower"], "project_group", group["id"])
    worklist = m.api.ok("POST", "/v1/worklists", reporter, json={"title": uniq("Public list "), "automatic": False})
    follow(m, outsiders["worklist follower"], "worklist", worklist["id"])

    # The configured vulnerability management team exists: a report goes to it (without one, superusers
    # are put on a report's list so that it reaches someone, by design).
    if not [t for t in m.api.ok("GET", "/v1/teams", params={"name": "vmt"}) if t["name"] == "vmt"]:
        m.api.ok("POST", "/v1/teams", json={"name": "vmt"})
    fields = {"security": True} if kind == "security" else {"private": True}
    story = m.api.story(reporter, title=secrets["title"], users=[reporter.id, member.id, removed.id], **fields)
    sid = story["id"]
    for p in (member, removed):
        follow(m, p, "story", sid)
    # Taken off the list before anything happens: from now on, nothing.
    m.api.ok("PUT", f"/v1/stories/{sid}", reporter, json={"users": [reporter.id, member.id]})

    ok = m.api.ok
    ok("POST", f"/v1/stories/{sid}/comments", reporter,
       json={"content": f"{secrets['comment']} @[{outsiders['mentioned'].name}] @{outsiders['mentioned'].email}"})
    ok("PUT", f"/v1/stories/{sid}", reporter, json={"description": secrets["description"]})
    ok("PUT", f"/v1/stories/{sid}/tags", reporter, json=[secrets["tag"]])
    ok("DELETE", f"/v1/stories/{sid}/tags", reporter, json=[secrets["tag"]])
    task = ok("POST", "/v1/tasks", reporter, json={"title": secrets["task"], "story_id": sid,
                                                   "project_id": project["id"]})
    ok("PUT", f"/v1/tasks/{task['id']}", reporter, json={"status": "inprogress", "assignee_id": member.id})
    attachment = ok("POST", f"/v1/stories/{sid}/attachments", reporter,
                    files={"file": (f"{secrets['file']}.patch", b"--- a\n+++ b\n", "text/x-diff")})
    ok("DELETE", f"/v1/stories/{sid}/attachments/{attachment['id']}", reporter)
    ok("POST", f"/v1/worklists/{worklist['id']}/items", reporter,
       json={"item_id": sid, "item_type": "story", "list_position": 0})
    ok("DELETE", f"/v1/tasks/{task['id']}", reporter)
    outbox_empty(m)
    if mode == "daily":
        m.client.get("/v1/subscription_events", headers=member.headers)  # the inbox rows are in
        with session_scope(m.app.state.write_sessions) as session:
            digest.run_due(session, m.app.state.settings,
                           dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1))
        from storyline import outbox

        outbox.wake()
        outbox_empty(m)

    for name, p in outsiders.items():
        for msg in m.smtp.to(p.email):
            text = readable(msg)
            assert str(sid) not in (msg["X-Storyline-Story"] or "").split(", "), (name, msg["Subject"])
            leaked = [k for k, v in secrets.items() if v in text]
            assert not leaked, (name, leaked, msg["Subject"])
        subs = m.api.ok("GET", "/v1/subscriptions", p)
        assert not [s for s in subs if s["target_type"] == "story" and s["target_id"] == sid], name
    # Positive control: the list hears everything (the member follows the story and was assigned).
    got = [msg for msg in m.smtp.to(member.email) if str(sid) in (msg["X-Storyline-Story"] or "").split(", ")]
    assert got, mode
    text = "".join(msg.get_body(("plain",)).get_content() for msg in got)
    for k in ("title", "task", "tag") + (("comment",) if mode == "immediate" else ()):
        assert secrets[k] in text, (k, mode)
