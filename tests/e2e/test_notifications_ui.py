"""The web client's notifications (issue 13): the inbox with its unread count in the header and mark
read, the notification preferences (the page e-mails link to), subscribe buttons, @mention completion.

Each test has its own people, so inboxes and subscriptions do not depend on the other tests."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from a11y import assert_accessible
from playwright.sync_api import Browser, Page, expect
from webworld import World, new_context, screenshot, wait_for


def person(world: World, name: str) -> dict[str, Any]:
    """A new user (made by the administrator through the API) with an API token, and their inbox read
    to the end (the notice of the token made for them)."""
    a = world.api()
    user = a.post("/users", {"full_name": name, "email": f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"})
    token = a.post(f"/users/{user['id']}/tokens", {"user_id": user["id"]})["access_token"]
    api = world.api(token)
    newest = api.get("/subscription_events", sort_field="id", sort_dir="desc", limit=1)
    if newest:
        api.post(f"/users/{user['id']}/preferences", {"notifications_inbox_read": newest[0]["id"]})
    return {"token": token, "user": user, "api": api}


@pytest.fixture
def browse(browser: Browser, world: World) -> Iterator[Any]:
    contexts = []

    def open_as(token: str, width: int = 1280) -> Page:
        context = new_context(browser, world, token, width)
        contexts.append(context)
        return context.new_page()

    yield open_as
    for c in contexts:
        c.close()


def inbox_link(page: Page) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Inbox"))


def test_unread_count_mark_read_and_jump(world: World, browse: Any) -> None:
    carol = person(world, "Carol Follower")
    a = world.api()
    story = a.post("/stories", {"title": f"Followed story {uuid.uuid4().hex[:6]}"})
    carol["api"].post("/subscriptions", {"target_type": "story", "target_id": story["id"]})
    page = browse(carol["token"])
    page.goto("/")
    expect(inbox_link(page)).to_have_accessible_name("Inbox")

    # Another person comments on the story Carol follows: the header counts it.
    a.post(f"/stories/{story['id']}/comments", {"content": "A first change"})
    page.reload()
    expect(inbox_link(page)).to_have_accessible_name("Inbox 1 unread")
    expect(inbox_link(page).locator(".inbox-count")).to_have_text("1")
    # On a phone the menu is folded: its button carries the count.
    phone = browse(carol["token"], 390)
    phone.goto("/")
    expect(phone.get_by_role("button", name="Menu 1 unread", exact=True)).to_be_visible()

    inbox_link(page).click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    entries = page.get_by_role("list", name="Inbox entries").get_by_role("listitem")
    first = entries.first
    expect(first).to_contain_text(f"Ada Admin commented on #{story['id']} {story['title']}")
    expect(first).to_contain_text("Unread")
    expect(page.get_by_role("status").filter(has_text="unread")).to_have_text(re.compile(r"^1 unread of \d+\.$"))
    assert_accessible(page)
    screenshot(page, "notifications-inbox")

    # Mark read (one entry): the count goes, and stays gone after a reload.
    first.get_by_role("button", name="Mark read").click()
    expect(inbox_link(page)).to_have_accessible_name("Inbox")
    expect(first).not_to_contain_text("Unread")
    expect(page.get_by_text("Everything is read.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Everything is read.")).to_be_visible()
    expect(inbox_link(page)).to_have_accessible_name("Inbox")

    # Two more changes; "Mark all read" clears both, kept in the preferences.
    a.post(f"/stories/{story['id']}/comments", {"content": "A second change"})
    a.call("PUT", f"/stories/{story['id']}/tags", params={"tags": "inboxed"})
    page.reload()
    expect(inbox_link(page)).to_have_accessible_name("Inbox 2 unread")
    expect(entries.first).to_contain_text(f"Ada Admin added tags inboxed in #{story['id']}")
    page.get_by_role("button", name="Mark all read").click()
    expect(inbox_link(page)).to_have_accessible_name("Inbox")
    newest = carol["api"].get("/subscription_events", sort_field="id", sort_dir="desc", limit=1)[0]
    # The count goes at once; the preference is written just after.
    wait_for(lambda: carol["api"].get(f"/users/{carol['user']['id']}/preferences").get("notifications_inbox_read")
             == newest["id"])

    # Jump to the story: a comment's entry opens the story at that comment.
    comment = entries.filter(has_text="commented on").first
    comment.get_by_role("link", name=f"#{story['id']} {story['title']}").click()
    expect(page).to_have_url(re.compile(rf"/story/{story['id']}#comment-\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(story["title"])


def save_email_choices(page: Page, who: dict[str, Any], mode: str, muted: dict[str, bool]) -> dict[str, Any]:
    """Choose an e-mail mode and (un)mute event types by their labels, save: the preferences stored."""
    form = page.get_by_role("form", name="E-mail notifications")
    form.get_by_role("radio", name=re.compile(f"^{mode}")).check()
    for label, on in muted.items():
        form.get_by_role("checkbox", name=label).set_checked(on)
    form.get_by_role("button", name="Save e-mail choices").click()
    expect(form.get_by_role("status")).to_have_text("Saved.")
    return who["api"].get(f"/users/{who['user']['id']}/preferences")


def test_preferences_from_the_email_link_save_and_reload(world: World, browse: Any) -> None:
    dora = person(world, "Dora Preferring")
    nova = world.projects["nova"]
    dora["api"].post("/subscriptions", {"target_type": "project", "target_id": nova["id"]})
    page = browse(dora["token"])
    # The address notification e-mails link to.
    page.goto("/#!/preferences")
    expect(page).to_have_url(re.compile(r"/preferences#notifications$"))
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    form = page.get_by_role("form", name="E-mail notifications")
    expect(form.get_by_role("radio", name=re.compile("^At once"))).to_be_checked()
    prefs = save_email_choices(page, dora, "Weekly digest", {"Tags added": True, "Task priority changed": True})
    assert prefs["notifications_email"] == "weekly"
    assert prefs["notifications_email_muted"] == "tags_added,task_priority_changed"

    page.reload()
    form = page.get_by_role("form", name="E-mail notifications")
    expect(form.get_by_role("radio", name=re.compile("^Weekly digest"))).to_be_checked()
    expect(form.get_by_role("checkbox", name="Tags added")).to_be_checked()
    expect(form.get_by_role("checkbox", name="Comments")).not_to_be_checked()
    # Nothing muted any more: the key is deleted (the API refuses an empty list).
    prefs = save_email_choices(page, dora, "At once", {"Tags added": False, "Task priority changed": False})
    assert prefs["notifications_email"] == "immediate" and "notifications_email_muted" not in prefs

    # What Dora follows, with unsubscribe.
    follows = page.get_by_role("region", name=re.compile("^What I follow"))
    row = follows.get_by_role("listitem").filter(has_text=f"Project #{nova['id']}: nova")
    expect(row).to_be_visible()
    assert_accessible(page)
    screenshot(page, "notifications-preferences")
    row.get_by_role("button", name=f"Unsubscribe from Project #{nova['id']}: nova").click()
    expect(row).to_have_count(0)
    assert dora["api"].get("/subscriptions", target_type="project") == []

    # The API's refusal is shown by the field it names, and changes nothing. A muted type the page does not
    # offer is kept as it is; one the server no longer knows (left by an older version, written here
    # straight into the database) makes the server refuse the list when it is saved back.
    kept = "board_lanes_changed,retired_event_type,worklist_created"
    path = world.env["STORYLINE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("INSERT OR REPLACE INTO user_preferences (user_id, key, value) VALUES (?, ?, ?)",
                   (dora["user"]["id"], "notifications_email_muted", json.dumps(kept)))
    page.reload()
    form = page.get_by_role("form", name="E-mail notifications")
    muted = form.get_by_role("group", name="Never e-mail me about")
    expect(muted.get_by_role("checkbox", name="Worklist created")).to_be_checked()
    expect(muted.get_by_role("checkbox", name="Board lanes changed")).to_be_checked()
    expect(muted).to_contain_text("Also kept: retired_event_type")
    muted.get_by_role("checkbox").first.check()
    form.get_by_role("button", name="Save e-mail choices").click()
    error = muted.get_by_role("alert")
    expect(error).to_contain_text("retired_event_type")
    expect(muted).to_have_accessible_description(re.compile("retired_event_type"))
    assert dora["api"].get(f"/users/{dora['user']['id']}/preferences")["notifications_email_muted"] == kept


def test_subscribe_buttons_toggle(world: World, browse: Any) -> None:
    erin = person(world, "Erin Subscriber")
    a = world.api()
    glance = world.projects["glance"]
    group = a.post("/project_groups", {"name": f"images-{uuid.uuid4().hex[:6]}", "title": "Image projects"})
    a.call("PUT", f"/project_groups/{group['id']}/projects/{glance['id']}")
    worklist = a.post("/worklists", {"title": f"Followed list {uuid.uuid4().hex[:6]}"})
    page = browse(erin["token"])

    def subscribed(target_type: str, target_id: int) -> bool:
        return bool(erin["api"].get("/subscriptions", target_type=target_type, target_id=target_id))

    for path, target_type, target_id in [(f"/project/{glance['id']}", "project", glance["id"]),
                                         (f"/project-group/{group['id']}", "project_group", group["id"]),
                                         (f"/worklist/{worklist['id']}", "worklist", worklist["id"])]:
        page.goto(path)
        button = page.get_by_role("main").get_by_role("button", name=re.compile("^(Subscribe|Unsubscribe)$"))
        expect(button).to_have_text("Subscribe")
        button.click()
        expect(button).to_have_text("Unsubscribe")
        assert subscribed(target_type, target_id), path
        page.reload()
        expect(button).to_have_text("Unsubscribe")
        if target_type == "project":
            assert_accessible(page)
        button.click()
        expect(button).to_have_text("Subscribe")
        assert not subscribed(target_type, target_id), path


def test_mention_completion_inserts_the_name(world: World, browse: Any) -> None:
    fay = person(world, "Fay Mentioner")
    gus = person(world, f"Gus Mentioned{uuid.uuid4().hex[:4]}")
    name = gus["user"]["full_name"]
    a = world.api()
    story = a.post("/stories", {"title": f"Story where Gus is mentioned {uuid.uuid4().hex[:6]}"})
    page = browse(fay["token"])
    page.goto(f"/story/{story['id']}")
    box = page.get_by_role("textbox", name=re.compile("^Add a comment"))
    box.click()
    box.press_sequentially(f"Thanks @{name[:-2]}")
    people = page.get_by_role("listbox", name="People to mention")
    expect(people.get_by_role("option", name=name)).to_be_visible()
    expect(people.get_by_role("option", name=name)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value(f"Thanks @[{name}] ")
    expect(people).to_have_count(0)
    box.press_sequentially("for the fix")
    expect(box).to_have_value(f"Thanks @[{name}] for the fix")
    # Escape closes the list without choosing; typing on opens it again; the mouse chooses too.
    box.press_sequentially(", cc @Fay")
    expect(people.get_by_role("option", name="Fay Mentioner")).to_be_visible()
    box.press("Escape")
    expect(people).to_have_count(0)
    box.press_sequentially(" M")
    people.get_by_role("option", name="Fay Mentioner").click()
    expect(box).to_have_value(f"Thanks @[{name}] for the fix, cc @[Fay Mentioner] ")
    page.get_by_role("button", name="Comment", exact=True).click()
    mention = page.locator(".event.comment .markdown a.mention-name", has_text=f"@{name}")
    expect(mention).to_be_visible()
    expect(mention).to_have_attribute("href", f"/user/@{name.replace(' ', '%20')}")
    # The server read the mention: Gus, who may see the story, now follows it and is told.
    assert gus["api"].get("/subscriptions", target_type="story", target_id=story["id"])
    assert_accessible(page)
