"""The timeline's comments: replying, editing one's own comment, an edited comment's earlier versions."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from webworld import World, screenshot


def test_reply_edit_and_history(bob_page: Page, world: World) -> None:
    page = bob_page
    a = world.api()
    story = a.post("/stories", {"title": "Comments to answer"})
    first = a.post(f"/stories/{story['id']}/comments", {"content": "Does this happen on **ARM**?"})
    page.goto(f"/story/{story['id']}")
    ada = page.locator(f"#comment-{first['comment']['id']}")
    expect(ada.locator("strong")).to_have_text("ARM")
    # Bob may answer Ada's comment but not edit it.
    expect(ada.get_by_role("button", name="Edit comment")).to_have_count(0)
    ada.get_by_role("button", name="Reply").click()
    ada.get_by_label("Your reply (markdown)").fill("Only on x86 so far.")
    ada.get_by_role("button", name="Post reply").click()
    expect(ada.get_by_label("Your reply (markdown)")).to_have_count(0)
    reply = page.locator(".event.comment", has_text="Only on x86 so far.")
    expect(reply).to_contain_text("In reply to a comment by Ada Admin")
    comments = a.get(f"/stories/{story['id']}/comments")
    mine = next(c for c in comments if c["content"] == "Only on x86 so far.")
    assert mine["in_reply_to"] == first["comment"]["id"]
    expect(reply.get_by_role("link", name="a comment by Ada Admin")).to_have_attribute(
        "href", f"#comment-{first['comment']['id']}")
    # Editing his own reply (j to reach it, e to edit): an empty text is refused next to the field and kept.
    page.locator("body").press("j")
    expect(reply).to_be_focused()
    page.keyboard.press("e")
    box = page.get_by_label("Edit your comment")
    box.fill("   ")
    page.get_by_role("button", name="Save comment").click()
    expect(page.locator(f"#comment-{mine['id']}-edit-err")).to_have_text("A comment cannot be empty")
    expect(box).to_have_value("   ")
    assert a.get(f"/stories/{story['id']}/comments/{mine['id']}")["content"] == "Only on x86 so far."
    box.fill("Only on x86 so far; ARM untested.")
    page.get_by_role("button", name="Save comment").click()
    expect(box).to_have_count(0)
    edited = page.locator(f"#comment-{mine['id']}")
    expect(edited.locator("p", has_text="ARM untested.")).to_be_visible()
    assert a.get(f"/stories/{story['id']}/comments/{mine['id']}")["content"] == "Only on x86 so far; ARM untested."
    # The earlier version is one click away, for everyone.
    history = edited.get_by_role("button", name=re.compile("earlier versions"))
    history.click()
    expect(history).to_have_attribute("aria-expanded", "true")
    expect(edited.get_by_role("region", name="Earlier versions")).to_contain_text("Only on x86 so far.")
    screenshot(page, "story-comments")
    anonymous = page.context.browser.new_page(base_url=world.base)
    anonymous.goto(f"/story/{story['id']}")
    edited = anonymous.locator(f"#comment-{mine['id']}")
    expect(edited).to_contain_text("In reply to a comment by Ada Admin")
    expect(edited.get_by_role("button", name="Reply")).to_have_count(0)
    edited.get_by_role("button", name="show earlier versions").click()
    expect(edited.get_by_role("region", name="Earlier versions")).to_contain_text("Only on x86 so far.")
    anonymous.close()
