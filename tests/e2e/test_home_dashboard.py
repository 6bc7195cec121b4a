"""The home page: a logged-in user's dashboard (stories followed and created, activity on what they
follow), and the visitor's search box."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from webworld import World


def test_dashboard_of_a_follower(bob_page: Page, world: World) -> None:
    a, bob = world.api(), world.api("bob")
    followed = a.post("/stories", {"title": "Ada's story that Bob follows"})
    bob.post("/subscriptions", {"target_type": "story", "target_id": followed["id"]})
    a.post(f"/stories/{followed['id']}/comments", {"content": "News for the followers"})
    a.call("PUT", f"/stories/{followed['id']}/tags", params={"tags": "dashboard"})
    created = bob.post("/stories", {"title": "Bob's own dashboard story"})
    page = bob_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Bob Builder")
    # A creator follows their story (as in StoryBoard); so does a commenter or an assignee (Bob may
    # follow stories of other tests of this world too).
    follows = page.get_by_role("region", name="Stories I follow")
    expect(follows).to_contain_text(f"#{followed['id']} Ada's story that Bob follows")
    expect(follows).to_contain_text(f"#{created['id']} Bob's own dashboard story")
    mine = page.get_by_role("region", name="Stories I created")
    expect(mine).to_contain_text(f"#{created['id']} Bob's own dashboard story")
    expect(mine).not_to_contain_text("Ada's story that Bob follows")
    activity = page.get_by_role("region", name="Activity on what I follow")
    expect(activity.locator("li").first).to_contain_text("Ada Admin added tags dashboard")
    expect(activity.locator("li").nth(1)).to_contain_text(
        f"Ada Admin commented in #{followed['id']} Ada's story that Bob follows")
    # Bob's token was made for him by the administrator's CLI: told apart from followed activity.
    notices = page.get_by_role("region", name="Notices about my account")
    expect(notices).to_contain_text("An administrator (command line) created an API token for your account.")
    activity.get_by_role("link", name=re.compile("Ada's story that Bob follows")).first.click()
    expect(page).to_have_url(re.compile(f"/story/{followed['id']}$"))


def test_visitor_searches_from_home(page: Page, world: World) -> None:
    page.goto("/")
    page.get_by_role("searchbox", name="Find stories, tasks, projects or people").fill("scheduler")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search\?q=scheduler$"))
    expect(page.get_by_role("region", name="Stories")).to_contain_text("Scheduler loses instances under load")
