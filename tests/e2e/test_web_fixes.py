"""What a new user found broken (issue 15): editing a task hid the tasks below it, "Log in" on a
server without an identity provider was a dead end."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from a11y import assert_accessible
from playwright.sync_api import Page, Route, expect
from webworld import World, screenshot


def test_editing_a_task_keeps_the_tasks_below_it_in_view(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Several tasks on one project"})
    for i in range(6):
        api.post("/tasks", {"title": f"Step {i}", "story_id": story["id"], "project_id": world.projects["nova"]["id"]})
    page.goto(f"/story/{story['id']}")
    page.get_by_role("button", name="Edit Step 0").click()
    expect(page.get_by_label("Notes (markdown)")).to_be_visible()
    # Every task below the open editor is still laid out inside the list's visible box (the list
    # grows with the editor; before, a box of fixed height clipped them until Cancel).
    for i in range(1, 6):
        row = page.locator(".task-row", has_text=f"Step {i}")
        expect(row).to_be_visible()
        row.scroll_into_view_if_needed()
        clipped = row.evaluate("""row => {
            const r = row.getBoundingClientRect();
            for (let el = row.parentElement; el; el = el.parentElement) {
                const s = getComputedStyle(el);
                if (s.overflowY === 'visible') continue;
                const b = el.getBoundingClientRect();
                if (r.bottom > b.bottom + 1 || r.top < b.top - 1) return true;
            }
            return false;
        }""")
        assert not clipped, f"Step {i} is clipped while Step 0 is being edited"
    screenshot(page, "task-edit-open")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_label("Notes (markdown)")).to_have_count(0)


def test_log_in_without_a_provider_explains_and_offers_a_token(page: Page, world: World) -> None:
    # A fresh install: /v1/openid/authorize sends the browser back with this error (tests/api/test_login.py).
    def unconfigured(route: Route) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        back = (f"{query['redirect_uri'][0]}?error=server_error&error_description="
                f"{quote('Login is not configured on this server')}&state={query['state'][0]}")
        route.fulfill(status=303, headers={"Location": back})

    page.route(re.compile(r".*/api/v1/openid/authorize\?.*"), unconfigured)
    page.goto("/project/nova")
    expect(page.get_by_role("heading", level=1)).to_have_text("nova")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Login is not set up yet")
    help_box = page.locator(".setup-help")
    expect(help_box).to_contain_text("[[oidc_providers]]")
    expect(help_box).to_contain_text("docs/login.md")
    expect(help_box).to_contain_text("storyline tokens create --user")
    assert_accessible(page)
    screenshot(page, "login-not-configured")
    # The token path is right there, and brings the visitor back where they were.
    page.get_by_label("API token").fill(world.bob_token)
    page.get_by_role("button", name="Use this token").click()
    expect(page.get_by_label("Logged in as")).to_have_text("Bob Builder")
    expect(page).to_have_url(re.compile(r"/project/nova$"))


def test_security_report_form_says_who_will_see_it(bob_page: Page) -> None:
    page = bob_page
    page.goto("/stories/report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a bug")
    who = page.locator(".who-sees")
    expect(who).to_contain_text("Who will see it: you, and the people this server trusts with security reports")
    expect(who).to_contain_text("on a server where none is set up, its administrators")
    # Said before anything is sent, and tied to the choice for assistive technology.
    expect(page.get_by_label("This is a security issue")).to_have_attribute("aria-describedby", "bug-security-help")
    assert_accessible(page)


def test_main_pages_pass_axe(page: Page, admin_page: Page, world: World) -> None:
    """axe-core's default rules on the pages a newcomer meets first (the search box's rule included)."""
    for who, url, ready in [
        (page, "/", "Storyline"),
        (page, f"/story/{world.story['id']}", "Scheduler loses instances under load"),
        (page, "/project/nova", "nova"),
        (page, "/login", "Log in"),
        (admin_page, "/", "Welcome, Ada Admin"),
        (admin_page, "/project-groups", "Project groups"),
        (admin_page, "/planning", "Planning"),
        (admin_page, "/stories/new", None),
    ]:
        who.goto(url)
        heading = who.get_by_role("heading", level=1)
        if ready:
            expect(heading).to_contain_text(ready)
        else:
            expect(heading).to_be_visible()
        who.get_by_role("searchbox", name="Search stories, tasks, projects and users").fill("nova")
        expect(who.locator(".search-results")).to_contain_text("nova")
        assert_accessible(who)
