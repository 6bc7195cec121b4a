"""Notification e-mail through a real SMTP server on loopback: who gets what, the headers mail clients
and filters use, both parts, privacy when the message is built, one-click unsubscribe, preferences."""

from __future__ import annotations

import re

import pytest
from builders import uniq
from mailserver import MailApp, mail_app, mail_db, smtp  # noqa: F401  (fixtures)

from storyline import outbox


def follow(m: MailApp, who, target_type: str, target_id: int) -> None:
    m.api.ok("POST", "/v1/subscriptions", who, json={"target_type": target_type, "target_id": target_id})


def comment(m: MailApp, who, story_id: int, text: str) -> None:
    m.api.ok("POST", f"/v1/stories/{story_id}/comments", who, json={"content": text})


def story_with_task(m: MailApp, who, **fields):
    project = m.api.project(uniq("mail-project-"))
    story = m.api.story(who, title=fields.pop("title", uniq("A story about mail ")), **fields)
    m.api.task(story["id"], project["id"], who)
    return story, project


def test_a_follower_gets_one_email_per_change_by_someone_else(mail_app: MailApp):
    m = mail_app
    author, follower = m.persona(), m.persona()
    story, project = story_with_task(m, author)
    follow(m, follower, "story", story["id"])
    comment(m, author, story["id"], "Looks **bold** to me <script>alert(1)</script>")

    [msg] = m.smtp.wait_for(follower.email)
    assert m.smtp.to(author.email) == []  # no mail for one's own actions
    assert msg["To"].addresses[0].addr_spec == follower.email
    assert msg["Subject"] == f"[Story {story['id']}] {story['title']}"
    assert re.fullmatch(rf"<story-{story['id']}\.event-\d+\.to-{follower.id}@storyline\.test>", msg["Message-ID"])
    assert msg["In-Reply-To"] == msg["References"] == f"<story-{story['id']}@storyline.test>"
    assert msg["List-Id"] == "Storyline notifications <notifications.storyline.test>"
    assert re.fullmatch(r"<https://storyline\.test/v1/notifications/unsubscribe/[^>]+>", msg["List-Unsubscribe"])
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["X-Storyline-Story"] == str(story["id"])
    assert msg["X-Storyline-Event"] == "user_comment"
    assert msg["X-Storyline-Project"] == project["name"]
    assert msg["X-Storyline-Reason"] == "story"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Reply-To"].addresses[0].domain == "reply.storyline.test"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "commented" in text and "**bold**" in text and f"https://storyline.test/#!/story/{story['id']}" in text
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html  # raw HTML is shown as text, never run
    assert "you follow this story" in text


def test_one_thread_per_story(mail_app: MailApp):
    m = mail_app
    author, follower = m.persona(), m.persona()
    story, _ = story_with_task(m, author)
    follow(m, follower, "story", story["id"])
    comment(m, author, story["id"], "first")
    m.api.ok("PUT", f"/v1/stories/{story['id']}", author, json={"title": story["title"] + " (edited)"})
    first, second = m.smtp.wait_for(follower.email, 2)
    assert first["References"] == second["References"] == f"<story-{story['id']}@storyline.test>"
    assert first["Message-ID"] != second["Message-ID"]
    assert second["X-Storyline-Event"] == "story_details_changed"


def test_project_followers_get_task_changes(mail_app: MailApp):
    m = mail_app
    author, watcher = m.persona(), m.persona()
    story, project = story_with_task(m, author)
    follow(m, watcher, "project", project["id"])
    tasks = m.api.ok("GET", f"/v1/stories/{story['id']}/tasks")
    m.api.ok("PUT", f"/v1/tasks/{tasks[0]['id']}", author, json={"status": "inprogress"})
    [msg] = m.smtp.wait_for(watcher.email)
    assert msg["X-Storyline-Event"] == "task_status_changed"
    assert msg["X-Storyline-Reason"] == "project"
    assert "to Progress (was Todo)" in msg.get_body(("plain",)).get_content()
    assert f"you follow the project {project['name']}" in msg.get_body(("plain",)).get_content()


def test_a_private_story_mails_only_its_list_and_never_its_title_in_the_subject(mail_app: MailApp):
    m = mail_app
    author, listed, outsider = m.persona(), m.persona(), m.persona()
    project = m.api.project(uniq("mail-private-"))
    story = m.api.story(author, title="Embargoed: remote root in the frobnicator", private=True,
                        users=[author.id, listed.id])
    m.api.task(story["id"], project["id"], author)
    follow(m, listed, "story", story["id"])
    follow(m, outsider, "project", project["id"])  # follows the project, but is not on the list
    comment(m, author, story["id"], "the fix is ready")
    [msg] = m.smtp.wait_for(listed.email)
    assert msg["Subject"] == f"[Story {story['id']}] (private story)"
    assert "frobnicator" not in str(msg["Subject"])

    # Taken off the list: nothing more, although the subscription is still there.
    m.api.ok("PUT", f"/v1/stories/{story['id']}", author, json={"users": [author.id]})
    comment(m, author, story["id"], "second comment, after the list changed")
    outbox_empty(m)
    assert len(m.smtp.to(listed.email)) == 1
    assert m.smtp.to(outsider.email) == []


def outbox_empty(m: MailApp, timeout: float = 20.0) -> None:
    """Wait until every outbox row of the app is done (both lanes)."""
    import time

    from sqlalchemy import func, select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with m.app.state.read_sessions() as session:
            if not session.execute(select(func.count()).select_from(outbox.OutboxRow).where(
                    outbox.OutboxRow.parked_at.is_(None))).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the outbox was not emptied in time")


def test_one_click_unsubscribe(mail_app: MailApp):
    m = mail_app
    author, follower = m.persona(), m.persona()
    story, _ = story_with_task(m, author)
    follow(m, follower, "story", story["id"])
    comment(m, author, story["id"], "one")
    [msg] = m.smtp.wait_for(follower.email)
    url = msg["List-Unsubscribe"].strip("<>").removeprefix("https://storyline.test")

    page = m.client.get(url)  # a GET (a link scanner) changes nothing
    assert page.status_code == 200 and "Unsubscribe" in page.text
    assert m.client.post(url[:-3] + "aaa", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    r = m.client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200, r.text
    subs = m.api.ok("GET", f"/v1/subscriptions?target_type=story&target_id={story['id']}", follower)
    assert subs == []
    comment(m, author, story["id"], "two")
    outbox_empty(m)
    assert len(m.smtp.to(follower.email)) == 1


@pytest.mark.parametrize("prefs", [{"notifications_email": "never"}, {"plugin_email_enable": "false"},
                                   {"notifications_email_muted": "user_comment,tags_added"},
                                   {"notifications_email": "daily"}])
def test_preferences_stop_immediate_mail(mail_app: MailApp, prefs):
    m = mail_app
    author, follower = m.persona(), m.persona()
    story, _ = story_with_task(m, author)
    follow(m, follower, "story", story["id"])
    m.api.ok("POST", f"/v1/users/{follower.id}/preferences", follower, json=prefs)
    comment(m, author, story["id"], "nobody is mailed")
    outbox_empty(m)
    assert m.smtp.to(follower.email) == []


def test_preference_values_are_checked(mail_app: MailApp):
    m = mail_app
    who = m.persona()
    r = m.client.post(f"/v1/users/{who.id}/preferences", headers=who.headers,
                      json={"notifications_email": "hourly"})
    assert r.status_code == 400 and "notifications_email" in r.text
    r = m.client.post(f"/v1/users/{who.id}/preferences", headers=who.headers,
                      json={"notifications_email_muted": "user_comment,no_such_event"})
    assert r.status_code == 400 and "no_such_event" in r.text


def test_daily_digest_groups_by_story_and_leaves_out_what_the_reader_may_no_longer_see(mail_app: MailApp):
    import datetime as dt

    from storyline.db import session_scope
    from storyline.notifications import digest

    m = mail_app
    author, reader = m.persona(), m.persona()
    m.api.ok("POST", f"/v1/users/{reader.id}/preferences", reader, json={"notifications_email": "daily"})
    first, _ = story_with_task(m, author)
    second, _ = story_with_task(m, author)
    hidden = m.api.story(author, title="Secret digest story", private=True, users=[author.id, reader.id])
    for s in (first, second, hidden):
        follow(m, reader, "story", s["id"])
    comment(m, author, first["id"], "one")
    comment(m, author, first["id"], "two")
    m.api.ok("PUT", f"/v1/stories/{second['id']}", author, json={"title": second["title"] + "!"})
    comment(m, author, hidden["id"], "hidden")
    m.client.get("/v1/subscription_events", headers=reader.headers)  # the inbox rows are delivered
    m.api.ok("PUT", f"/v1/stories/{hidden['id']}", author, json={"users": [author.id]})  # reader taken off

    settings = m.app.state.settings
    tomorrow = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
    with session_scope(m.app.state.write_sessions) as session:
        assert digest.run_due(session, settings, tomorrow) >= 1
    with session_scope(m.app.state.write_sessions) as session:  # done for the day: nothing more
        queued_again = digest.run_due(session, settings, tomorrow)
    outbox.wake()
    [msg] = m.smtp.wait_for(reader.email)
    assert queued_again == 0
    assert msg["Subject"] == "[Storyline] Daily digest: 3 changes in 2 stories"
    assert msg["X-Storyline-Digest"] == "daily"
    text = msg.get_body(("plain",)).get_content()
    assert f"Story {first['id']}: {first['title']}" in text and text.count("commented") == 2
    assert "Secret digest story" not in text and "hidden" not in text
    assert msg.get_body(("html",)).get_content().count("<li>") == 3
    # The digest's unsubscribe link turns e-mail off.
    url = msg["List-Unsubscribe"].strip("<>").removeprefix("https://storyline.test")
    assert m.client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    prefs = m.api.ok("GET", f"/v1/users/{reader.id}/preferences", reader)
    assert prefs["notifications_email"] == "never"


def test_commenting_and_being_assigned_make_you_a_follower(mail_app: MailApp):
    m = mail_app
    author, commenter, assignee = m.persona(), m.persona(), m.persona()
    story, project = story_with_task(m, author)
    comment(m, commenter, story["id"], "I have seen this too")
    m.api.task(story["id"], project["id"], author, assignee_id=assignee.id)
    for who in (commenter, assignee):
        subs = m.api.ok("GET", f"/v1/subscriptions?target_type=story&target_id={story['id']}", who)
        assert len(subs) == 1, who
    comment(m, author, story["id"], "thanks both")
    # both: the new task (assigned to one of them), then the comment
    for who in (commenter, assignee):
        assert sorted(msg["X-Storyline-Event"] for msg in m.smtp.wait_for(who.email, 2)) == [
            "task_created", "user_comment"]


def test_mentions_notify_and_subscribe_only_people_who_can_see_the_story(mail_app: MailApp):
    m = mail_app
    author, friend, outsider = m.persona(), m.persona(), m.persona()
    public, _ = story_with_task(m, author)
    comment(m, author, public["id"], f"@[{friend.name}] could you look? (not `@[{outsider.name}]` in code)")
    [msg] = m.smtp.wait_for(friend.email)
    assert msg["X-Storyline-Reason"] == "mentioned"
    assert "you were mentioned" in msg.get_body(("plain",)).get_content()

    secret = m.api.story(author, title="Mention in a private story", private=True, users=[author.id, friend.id])
    r = m.client.post(f"/v1/stories/{secret['id']}/comments", headers=author.headers,
                      json={"content": f"@{outsider.email} and @[{friend.name}]"})
    assert r.status_code == 200
    outbox_empty(m)
    assert m.smtp.to(outsider.email) == []  # not on the list: nothing, and no subscription
    assert m.api.ok("GET", "/v1/subscriptions", outsider) == []
    assert len(m.smtp.wait_for(friend.email, 2)) == 2


def test_a_refused_address_is_parked_shown_to_superusers_and_retried(mail_app: MailApp):
    m = mail_app
    author, follower = m.persona(), m.persona()
    story, _ = story_with_task(m, author)
    follow(m, follower, "story", story["id"])
    m.smtp.refuse.add(follower.email)
    try:
        comment(m, author, story["id"], "this one bounces")
        outbox_empty(m)  # nothing left to try: parked at once (a 550 is permanent)
        assert m.client.get("/preview/outbox", headers=author.headers).status_code == 403
        listing = m.api.ok("GET", "/preview/outbox")
        mine = [r for r in listing["rows"] if r["summary"].get("user_id") == follower.id]
        assert len(mine) == 1 and mine[0]["kind"] == "email" and "550" in mine[0]["last_error"]
        assert mine[0]["summary"]["story_id"] == story["id"] and "bounces" not in str(mine[0])
        assert listing["counts"]["email"]["parked"] >= 1
    finally:
        m.smtp.refuse.discard(follower.email)
    assert m.client.post("/preview/outbox/retry", headers=author.headers, json={"ids": [mine[0]["id"]]}).status_code == 403
    assert m.api.ok("POST", "/preview/outbox/retry", json={"ids": [mine[0]["id"]]}) == {"retried": 1}
    [msg] = m.smtp.wait_for(follower.email)
    assert "this one bounces" in msg.get_body(("plain",)).get_content()


def test_a_mail_server_that_is_down_delays_mail_but_loses_none(mail_app: MailApp):
    """Temporary failures are retried with backoff (the first retry after outbox_retry_base seconds)."""
    import time

    from storyline.db import session_scope

    m = mail_app
    author, follower = m.persona(), m.persona()
    story, _ = story_with_task(m, author)
    follow(m, follower, "story", story["id"])
    m.smtp.down()
    try:
        comment(m, author, story["id"], "while the relay is down")
        deadline = time.monotonic() + 20
        while True:
            rows = m.api.ok("GET", "/preview/outbox?parked=false&kind=email")["rows"]
            failed = [r for r in rows if r["summary"].get("user_id") == follower.id and r["attempts"] >= 1]
            if failed:
                break
            assert time.monotonic() < deadline, rows
            time.sleep(0.1)
        assert failed[0]["next_attempt_at"] and failed[0]["parked_at"] is None
        assert "Connection refused" in failed[0]["last_error"] or "Errno" in failed[0]["last_error"]
    finally:
        m.smtp.up()
    with session_scope(m.app.state.write_sessions) as session:  # as if the backoff had passed
        session.execute(outbox.OutboxRow.__table__.update().values(next_attempt_at=None))
    outbox.wake()
    [msg] = m.smtp.wait_for(follower.email)
    assert "while the relay is down" in msg.get_body(("plain",)).get_content()


def test_worklist_followers_are_mailed_about_cards_they_may_see(mail_app: MailApp):
    m = mail_app
    owner, watcher = m.persona(), m.persona()
    worklist = m.api.ok("POST", "/v1/worklists", owner, json={"title": uniq("Mail worklist "), "automatic": False})
    follow(m, watcher, "worklist", worklist["id"])
    public, _ = story_with_task(m, owner)
    secret = m.api.story(owner, title="Secret card story", private=True, users=[owner.id])
    m.api.ok("POST", f"/v1/worklists/{worklist['id']}/items", owner,
             json={"item_id": secret["id"], "item_type": "story", "list_position": 0})
    m.api.ok("POST", f"/v1/worklists/{worklist['id']}/items", owner,
             json={"item_id": public["id"], "item_type": "story", "list_position": 0})
    [msg] = m.smtp.wait_for(watcher.email)
    outbox_empty(m)
    assert len(m.smtp.to(watcher.email)) == 1  # the private story's card: nothing
    assert msg["Subject"] == f"[Worklist {worklist['id']}] {worklist['title']}"
    assert msg["References"] == f"<worklist-{worklist['id']}@storyline.test>"
    assert msg["X-Storyline-Event"] == "worklist_contents_changed"
    assert "added a card" in msg.get_body(("plain",)).get_content()
    assert "Secret card story" not in msg.as_string()


def test_every_event_type_can_be_muted_and_the_list_cleared(mail_app: MailApp):
    from storyline.timeline.types import EVENT_TYPES

    m = mail_app
    who = m.persona()
    every = ",".join(EVENT_TYPES)
    assert len(every) > 255
    m.api.ok("POST", f"/v1/users/{who.id}/preferences", who, json={"notifications_email_muted": every})
    assert m.api.ok("GET", f"/v1/users/{who.id}/preferences", who)["notifications_email_muted"] == every
    m.api.ok("POST", f"/v1/users/{who.id}/preferences", who, json={"notifications_email_muted": ""})
    r = m.client.post(f"/v1/users/{who.id}/preferences", headers=who.headers, json={"other_key": ""})
    assert r.status_code == 400 and "other_key" in r.text


def test_board_followers_hear_of_the_board_and_its_lanes(mail_app: MailApp):
    m = mail_app
    owner, watcher, outsider = m.persona(), m.persona(), m.persona()
    lane = m.api.ok("POST", "/v1/worklists", owner, json={"title": "Todo lane", "automatic": False})["id"]
    board = m.api.ok("POST", "/v1/boards", owner, json={"title": uniq("Mail board "),
                                                         "lanes": [{"list_id": lane, "position": 0}]})
    follow(m, watcher, "board", board["id"])
    assert m.api.ok("GET", "/v1/subscriptions?target_type=board", watcher)[0]["target_id"] == board["id"]
    story, _ = story_with_task(m, owner)
    m.api.ok("POST", f"/v1/worklists/{lane}/items", owner,
             json={"item_id": story["id"], "item_type": "story", "list_position": 0})
    m.api.ok("PUT", f"/v1/boards/{board['id']}", owner, json={"title": board["title"] + " (renamed)"})
    msgs = m.smtp.wait_for(watcher.email, 2)
    assert sorted(msg["X-Storyline-Event"] for msg in msgs) == ["board_details_changed", "worklist_contents_changed"]
    assert all(msg["References"] == f"<board-{board['id']}@storyline.test>" for msg in msgs)
    assert all(msg["Subject"].startswith(f"[Board {board['id']}] ") for msg in msgs)
    inbox = m.api.ok("GET", "/v1/subscription_events", watcher)
    assert {e["event_type"] for e in inbox} >= {"board_details_changed", "worklist_contents_changed"}
    # A private board: a follower taken off its permissions hears nothing more.
    private = m.api.ok("POST", "/v1/boards", owner, json={"title": "Private board", "private": True, "lanes": []})
    r = m.client.post("/v1/subscriptions", headers=outsider.headers,
                      json={"target_type": "board", "target_id": private["id"]})
    assert r.status_code == 400 and "target_id" in r.text
