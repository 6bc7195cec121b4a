"""Access tokens, the story's privacy & security panel and reporting a (security) bug, through the
web client, checked against the API."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from webworld import World, new_context, screenshot, seed_security


@pytest.fixture(scope="module")
def people(world: World) -> dict[str, Any]:
    return seed_security(world)


@pytest.fixture
def olga_page(browser: Browser, world: World, people: dict[str, Any]) -> Iterator[Page]:
    """Olga, an ordinary user on no access list."""
    context = new_context(browser, world, people["olga"]["token"])
    yield context.new_page()
    context.close()


def status(world: World, path: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{world.base}/api/v1{path}", headers=headers, timeout=30).status_code


def test_create_then_revoke_a_token(bob_page: Page, browser: Browser, world: World) -> None:
    page = bob_page
    bob = world.bob["id"]
    before = len(world.api("bob").get(f"/users/{bob}/tokens"))
    page.goto("/")
    page.get_by_label("Logged in as").click()  # the account menu
    page.get_by_role("link", name="Access tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access tokens")
    # Bad input: a date in the past is refused next to the field, and nothing is created.
    page.get_by_label("Name", exact=True).fill("release bot")
    page.get_by_label("Expires after").select_option(label="Until a date…")
    page.get_by_label("Last day it works").fill("2020-01-01")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#token-date-err")).to_contain_text("today or later")
    expect(page.get_by_label("Name", exact=True)).to_have_value("release bot")
    assert len(world.api("bob").get(f"/users/{bob}/tokens")) == before
    page.get_by_label("Expires after").select_option(label="30 days")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="New token “release bot”")).to_be_visible()
    expect(page.get_by_text("you won't see it again")).to_be_visible()
    secret = page.get_by_label("The new token").input_value()
    assert len(secret) >= 20
    assert httpx.get(f"{world.base}/api/v1/users/self", headers={"Authorization": f"Bearer {secret}"}).json()["id"] == bob
    row = page.get_by_role("row", name="release bot")
    expect(row).to_contain_text("Personal")
    screenshot(page, "account-tokens")
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_label("The new token")).to_have_count(0)
    made = [t for t in world.api("bob").get(f"/users/{bob}/tokens") if t["name"] == "release bot"]
    assert len(made) == 1 and made[0]["kind"] == "personal" and made[0]["expires_in"] == 30 * 86_400

    # A superuser sees Bob's tokens and revokes this one, after confirming.
    context = new_context(browser, world, world.admin_token)
    admin = context.new_page()
    admin.goto(f"/account/tokens?user={bob}")
    expect(admin.get_by_role("status")).to_contain_text("Showing the tokens of Bob Builder")
    admin.get_by_role("button", name="Revoke release bot").click()
    admin.get_by_role("group", name="Confirm revoking release bot").get_by_role("button", name="Cancel").click()
    expect(admin.get_by_role("row", name="release bot")).to_be_visible()
    assert status(world, "/users/self", secret) == 200
    admin.get_by_role("button", name="Revoke release bot").click()
    admin.get_by_role("button", name="Yes, revoke").click()
    expect(admin.get_by_role("row", name="release bot")).to_have_count(0)
    context.close()
    assert status(world, "/users/self", secret) == 401
    # Bob's own token still works, and his page no longer lists the revoked one.
    page.reload()
    expect(page.locator("table.tokens tbody tr")).to_have_count(before)
    expect(page.get_by_role("row", name="release bot")).to_have_count(0)
    assert status(world, "/users/self", world.bob_token) == 200


def test_make_a_story_private_from_the_panel(bob_page: Page, page: Page, olga_page: Page, world: World,
                                             people: dict[str, Any]) -> None:
    # Bob's own story: only its creator (or a security team, or a superuser) may make it private.
    story = world.api("bob").post("/stories", {"title": "Panel story soon private"})
    sid = story["id"]
    bob = bob_page
    bob.goto(f"/story/{sid}")
    bob.get_by_role("button", name="Privacy details and changes").click()  # folded into one line until asked
    panel = bob.get_by_role("region", name="Privacy & security")
    expect(panel.locator(".security-state")).to_contain_text("Public")
    panel.get_by_label("Private", exact=True).check()
    panel.get_by_role("button", name="Apply information type").click()
    expect(panel.locator(".security-state")).to_contain_text("Information type: Private")
    people_list = panel.get_by_role("list", name="People on the access list")
    expect(people_list).to_contain_text("Bob Builder")  # nobody was listed: the caller is put on the list
    # Add Vera with the picker, then try to empty the list: refused next to the list, nothing lost.
    panel.get_by_label("Add a person").fill("Vera")
    panel.get_by_role("button", name="Add Vera Vulnerability").click()
    expect(people_list).to_contain_text("Vera Vulnerability")
    panel.get_by_role("button", name="Remove Vera Vulnerability from the access list").click()
    expect(people_list).not_to_contain_text("Vera")
    panel.get_by_role("button", name="Remove Bob Builder from the access list").click()
    panel.get_by_role("group", name="Confirm removing yourself").get_by_role("button", name="Yes, remove me").click()
    expect(panel.locator("#access-list-err")).to_contain_text("creator stays on its access list")
    expect(people_list).to_contain_text("Bob Builder")
    # Schedule the disclosure; the story says so, and the API agrees.
    panel.get_by_label("Make public at").fill("2027-01-02T10:30")
    panel.get_by_role("button", name="Schedule disclosure").click()
    expect(panel.get_by_text("Scheduled to become public on")).to_be_visible()
    saved = world.api("bob").get(f"/stories/{sid}")
    assert saved["private"] and saved["information_type"] == "private"
    assert [u["id"] for u in saved["users"]] == [world.bob["id"]]
    assert saved["disclosure_at"] is not None and saved["disclosure_at"].startswith("2027-01-0")
    # The audit log (preview API) records each change.
    panel.get_by_text("Audit log (preview)").click()
    entries = panel.get_by_role("list", name="Audit log entries")
    expect(entries).to_contain_text("Changed: information type")
    expect(entries).to_contain_text("Changed: scheduled disclosure")
    expect(entries).to_contain_text("Public → Private")
    screenshot(bob, "story-security-panel")

    # Anonymous visitors and people not on the list get a 404, in the browser and from the API.
    for visitor in (page, olga_page):
        visitor.goto(f"/story/{sid}")
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Story not found")
        expect(visitor.get_by_text("Panel story soon private")).to_have_count(0)
    assert status(world, f"/stories/{sid}", None) == 404
    assert status(world, f"/stories/{sid}", people["olga"]["token"]) == 404
    assert status(world, f"/stories/{sid}", world.bob_token) == 200


def test_report_a_security_bug(bob_page: Page, olga_page: Page, browser: Browser, world: World,
                               people: dict[str, Any]) -> None:
    page = bob_page
    page.goto("/")
    # The app has rendered (a click on the link before that was once lost on a loaded machine).
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Bob Builder")
    page.get_by_role("link", name="Report a bug").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a bug")
    page.get_by_label("Title").fill("Image upload lets anyone read other tenants' images")
    page.get_by_label("What happened").fill("I downloaded an image of another project.")
    page.get_by_label("Steps to reproduce").fill("1. Upload\n2. Change the id in the URL")
    page.get_by_label("What you expected instead").fill("A 404.")
    page.get_by_label("This is a security issue").check()
    # The form says who will see the report, before it is sent.
    expect(page.locator(".who-sees")).to_contain_text("Who will see it: you, and the people this server trusts")
    expect(page.locator(".who-sees")).to_contain_text("vulnerability management team")
    # No project yet: refused next to the picker, nothing created, nothing typed lost.
    page.get_by_role("button", name="Report the security issue").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the project")
    expect(page).to_have_url(re.compile(r"/stories/report$"))
    expect(page.get_by_label("What happened")).to_have_value("I downloaded an image of another project.")
    page.get_by_label("Affected project").fill("glan")
    page.get_by_role("button", name="Add glance").click()
    page.get_by_role("button", name="Report the security issue").click()
    expect(page).to_have_url(re.compile(r"/story/\d+$"))
    sid = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("privacy-line")).to_have_text("Private · visible to 1 person, 1 team · Security")
    page.get_by_role("button", name="Privacy details and changes").click()
    panel = page.get_by_role("region", name="Privacy & security")
    expect(panel.locator(".security-state")).to_contain_text("Information type: Private security")
    expect(panel.get_by_text(re.compile(r"Embargoed \(\d+ days left\)"))).to_be_visible()
    expect(panel.get_by_role("list", name="Teams on the access list")).to_contain_text("Team vmt")
    expect(page.locator(".description")).to_contain_text("What happened")
    screenshot(page, "security-report")

    # The embargo cannot pass 90 days after the report: refused next to the field, the value kept.
    embargo = panel.get_by_label("Embargo until")
    embargo.fill("2030-01-01T00:00")
    panel.get_by_role("button", name="Set embargo").click()
    expect(panel.locator("#embargo_until-err")).to_contain_text("at most 90 days")
    expect(embargo).to_have_value("2030-01-01T00:00")
    reported_embargo = world.api("bob").get(f"/stories/{sid}")["embargo_until"]
    sooner = (dt.datetime.now() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    embargo.fill(sooner)
    panel.get_by_role("button", name="Set embargo").click()
    expect(panel.get_by_text(re.compile(r"Embargoed \((29|30) days left\)"))).to_be_visible()
    expect(panel.locator("#embargo_until-err")).to_have_count(0)

    story = world.api("bob").get(f"/stories/{sid}")
    assert story["embargo_until"] != reported_embargo and story["embargo_days_left"] in (29, 30)
    assert story["private"] and story["security"] and story["information_type"] == "private_security"
    assert [u["id"] for u in story["users"]] == [world.bob["id"]]
    assert [t["id"] for t in story["teams"]] == [people["vmt"]["id"]]
    tasks = world.api("bob").get(f"/stories/{sid}/tasks")
    assert [t["project_id"] for t in tasks] == [world.projects["glance"]["id"]]
    # The VMT member sees it, in the API and the browser; an ordinary user does not.
    assert status(world, f"/stories/{sid}", people["vera"]["token"]) == 200
    assert status(world, f"/stories/{sid}", people["olga"]["token"]) == 404
    assert status(world, f"/stories/{sid}", None) == 404
    context = new_context(browser, world, people["vera"]["token"])
    vera = context.new_page()
    vera.goto(f"/story/{sid}")
    expect(vera.get_by_role("heading", level=1)).to_contain_text("Image upload lets anyone read")
    context.close()
    olga_page.goto(f"/story/{sid}")
    expect(olga_page.get_by_role("heading", level=1)).to_have_text("Story not found")
