"""The administration page's parked deliveries: a superuser sees what failed for good and sends it again."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import httpx
from playwright.sync_api import Page, expect
from webworld import World


def test_superuser_sends_a_parked_email_again(admin_page: Page, world: World) -> None:
    path = world.env["STORYLINE_DATABASE_URL"].removeprefix("sqlite:///")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    payload = {"type": "event", "user_id": world.bob["id"], "story_id": 1, "event_type": "user_comment",
               "comment_content": "not shown to the administrator"}
    with sqlite3.connect(path) as db:
        row_id = db.execute(
            "INSERT INTO outbox (kind, payload, created_at, attempts, last_error, parked_at) VALUES (?, ?, ?, ?, ?, ?)",
            ("email", json.dumps(payload), now, 8, "SMTPRecipientsRefused: 550 5.1.1 no such mailbox", now)).lastrowid
    page = admin_page
    page.goto("/admin")
    parked = page.get_by_role("table", name="Parked deliveries")
    row = parked.get_by_role("row").filter(has_text=f"#{row_id} ")
    expect(row).to_contain_text(f"e-mail to user {world.bob['id']} about story 1 (user_comment)")
    expect(row).to_contain_text("550 5.1.1 no such mailbox")
    expect(parked).not_to_contain_text("not shown to the administrator")
    expect(page.get_by_role("list", name="Outbox by kind")).to_contain_text("email:")
    row.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("status")).to_have_text("1 put back in line.")
    expect(parked.get_by_role("row").filter(has_text=f"#{row_id} ")).to_have_count(0)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT parked_at FROM outbox WHERE id = ?", (row_id,)).fetchone() == (None,)


def test_the_outbox_is_for_superusers_only(bob_page: Page, world: World) -> None:
    bob_page.goto("/admin")
    expect(bob_page.get_by_text("Only superusers administer Storyline.")).to_be_visible()
    r = httpx.get(f"{world.base}/preview/outbox", headers={"Authorization": f"Bearer {world.bob_token}"})
    assert r.status_code == 403
