"""Attachments on the story page: upload (file picker and drag and drop), list, download with the
reader's token (a private story), delete, and a file sent with a comment."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from webworld import World, screenshot

PATCH = b"--- a/nova/api.py\n+++ b/nova/api.py\n@@ -1 +1 @@\n-bug\n+fix\n"


def test_upload_list_download_delete(bob_page: Page, world: World) -> None:
    page = bob_page
    bob = world.api("bob")
    story = bob.post("/stories", {"title": "A private report with a patch", "private": True})
    sid = story["id"]
    page.goto(f"/story/{sid}")
    section = page.get_by_role("region", name="Attachments")
    expect(section).to_contain_text("No attachments.")
    # The file picker.
    page.get_by_label("Drop files here, or choose files to attach").set_input_files(
        files=[{"name": "fix.patch", "mimeType": "text/x-diff", "buffer": PATCH}])
    listed = section.get_by_role("list", name="Attachments")
    expect(listed.get_by_role("link", name="fix.patch")).to_be_visible()
    # Drag and drop.
    drop = page.evaluate_handle("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["console output\\n"], "notes.txt", { type: "text/plain" }));
        return dt;
    }""")
    page.get_by_test_id("attachment-drop-zone").dispatch_event("drop", {"dataTransfer": drop})
    expect(listed.get_by_role("link", name="notes.txt")).to_be_visible()
    files = bob.get(f"/stories/{sid}/attachments")
    assert sorted(f["name"] for f in files) == ["fix.patch", "notes.txt"]
    # The timeline tells who attached what.
    expect(page.locator(".events")).to_contain_text("attached “fix.patch”")
    # Download: the story is private, so the file is fetched with Bob's token.
    with page.expect_download() as info:
        listed.get_by_role("link", name="fix.patch").click()
    download = info.value
    assert download.suggested_filename == "fix.patch"
    assert Path(download.path()).read_bytes() == PATCH
    screenshot(page, "story-attachments")
    # Delete (Bob uploaded it).
    listed.get_by_role("button", name="Delete attachment notes.txt").click()
    expect(listed.get_by_role("link", name="notes.txt")).to_have_count(0)
    assert [f["name"] for f in bob.get(f"/stories/{sid}/attachments")] == ["fix.patch"]
    expect(page.locator(".events")).to_contain_text("removed the attachment “notes.txt”")
    # Someone off the list (here anonymous) gets the 404 of a missing story.
    anonymous = world.api(None).http.get(f"/stories/{sid}/attachments")
    assert anonymous.status_code == 404


def test_a_comment_carries_a_file(bob_page: Page, world: World) -> None:
    page = bob_page
    story = world.api("bob").post("/stories", {"title": "A comment with a log"})
    page.goto(f"/story/{story['id']}")
    page.get_by_label("Add a comment (markdown; indent or fence pasted logs with ```)").fill("The log is attached.")
    page.locator(".timeline form.comment-form").first.get_by_label("Attach a file").set_input_files(
        files=[{"name": "trace.log", "mimeType": "text/plain", "buffer": b"Traceback: boom\n"}])
    page.get_by_role("button", name="Comment", exact=True).click()
    comment = page.locator(".event.comment", has_text="The log is attached.")
    expect(comment.get_by_role("link", name="trace.log")).to_be_visible()
    files = world.api("bob").get(f"/stories/{story['id']}/attachments")
    assert [(f["name"], f["comment_id"] is not None) for f in files] == [("trace.log", True)]
    # Anonymous readers of a public story download it with a plain link.
    anonymous = page.context.browser.new_page(base_url=world.base)
    anonymous.goto(f"/story/{story['id']}")
    with anonymous.expect_download() as info:
        anonymous.get_by_role("list", name="Attachments").get_by_role("link", name="trace.log").click()
    assert Path(info.value.path()).read_bytes() == b"Traceback: boom\n"
    expect(anonymous.get_by_role("button", name="Delete attachment trace.log")).to_have_count(0)
    anonymous.close()
