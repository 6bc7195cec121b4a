"""Atom feeds in the web client: the Feed link of a story, and a feed token made on the Access tokens page,
checked against the API (docs/notifications.md, "Feeds")."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
from playwright.sync_api import Page, expect
from webworld import World

ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_link_and_feed_token(bob_page: Page, world: World) -> None:
    page = bob_page
    bob = world.bob["id"]
    story = world.api("bob").post("/stories", {"title": "Feed story kept private", "private": True})
    sid = story["id"]

    # The story page links to its feed, and says a private story's feed needs a feed token.
    page.goto(f"/story/{sid}")
    link = page.get_by_role("link", name="Feed", exact=True)
    expect(link).to_have_attribute("href", f"/api/v1/feeds/stories/{sid}.atom")
    expect(page.get_by_role("link", name="needs a feed token")).to_be_visible()
    assert httpx.get(f"{world.base}/api/v1/feeds/stories/{sid}.atom", timeout=30).status_code == 404

    # A feed token from the Access tokens page reads that feed, and nothing else.
    page.goto("/account/tokens")
    page.get_by_label("Name", exact=True).fill("my feed reader")
    page.get_by_label("Kind").select_option(label="Feed: reads the Atom feeds only")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="New token “my feed reader”")).to_be_visible()
    expect(page.get_by_text("?token=").first).to_be_visible()
    secret = page.get_by_label("The new token").input_value()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("row", name="my feed reader")).to_contain_text("Feed")
    made = [t for t in world.api("bob").get(f"/users/{bob}/tokens") if t["name"] == "my feed reader"]
    assert len(made) == 1 and made[0]["kind"] == "feed"

    r = httpx.get(f"{world.base}/api/v1/feeds/stories/{sid}.atom", params={"token": secret}, timeout=30)
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert "Feed story kept private" in (root.findtext(f"{ATOM}title") or "")
    assert [e.find(f"{ATOM}category").get("term") for e in root.findall(f"{ATOM}entry")] == ["story_created"]
    me = httpx.get(f"{world.base}/api/v1/users/self", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    assert me.status_code == 401
