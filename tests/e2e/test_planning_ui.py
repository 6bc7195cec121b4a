"""Planning in the web client: boards with drag and drop and keyboard moves (checked against the API),
a refused move rolled back, a review dashboard made in one action, priority positions on the story page."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect
from webworld import World, screenshot


def _preview(world: World, method: str, path: str, token: str = "admin", **kw: Any) -> Any:
    return world.api(token).call(method, f"{world.base}/preview{path}", **kw)


def _lane_items(world: World, list_id: int) -> list[int]:
    """The list's active cards (/items lists the archived ones too, after them)."""
    return [i["item_id"] for i in world.api().get(f"/worklists/{list_id}/items") if not i["archived"]]


def test_board_created_in_the_client_moves_cards_by_drag_and_drop_and_keyboard(admin_page: Page, world: World) -> None:
    page = admin_page
    a = world.api()
    first = a.post("/stories", {"title": "Board card alpha"})
    second = a.post("/stories", {"title": "Board card beta"})
    page.goto("/planning")
    page.get_by_label("Board title").fill("Release board")
    page.get_by_label("Lanes, one per line").fill("Backlog\nDoing")
    page.get_by_role("button", name="Create board").click()
    expect(page).to_have_url(re.compile(r"/board/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Release board")
    board_id = int(page.url.rsplit("/", 1)[1])
    board = a.get(f"/boards/{board_id}")
    backlog, doing = (lane["list_id"] for lane in board["lanes"])
    assert [lane["worklist"]["title"] for lane in board["lanes"]] == ["Backlog", "Doing"]

    for story in (first, second):
        page.get_by_label("Number to add to Backlog").fill(str(story["id"]))
        page.get_by_role("form", name="Add to Backlog").get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_role("list", name="Cards of Backlog").get_by_role("listitem", name=story["title"])).to_be_visible()
    assert _lane_items(world, backlog) == [first["id"], second["id"]]

    announcer = page.get_by_test_id("board-announcer")
    # Drag and drop: alpha from Backlog into Doing.
    alpha = page.get_by_role("listitem", name="Board card alpha")
    alpha.drag_to(page.get_by_role("list", name="Cards of Doing"))
    expect(announcer).to_have_text("Moved Board card alpha to Doing, position 1.")
    expect(page.get_by_role("list", name="Cards of Doing").get_by_role("listitem")).to_have_count(1)
    assert _lane_items(world, backlog) == [second["id"]]
    assert _lane_items(world, doing) == [first["id"]]

    # Keyboard: beta right into Doing (same height: first), then down below alpha.
    beta = page.get_by_role("listitem", name="Board card beta")
    beta.focus()
    page.keyboard.press("Alt+ArrowRight")
    expect(announcer).to_have_text("Moved Board card beta to Doing, position 1.")
    expect(page.get_by_role("listitem", name="Board card beta")).to_be_focused()
    assert _lane_items(world, doing) == [second["id"], first["id"]]
    page.keyboard.press("Alt+ArrowDown")
    expect(announcer).to_have_text("Moved Board card beta to Doing, position 2.")
    assert _lane_items(world, doing) == [first["id"], second["id"]]
    assert _lane_items(world, backlog) == []
    assert page.url.endswith(f"/board/{board_id}")  # Alt+arrows never navigated away

    # A due date on the board, shown on the card that displays it; its owner may change the date.
    page.get_by_label("Due date name").fill("Feature freeze")
    page.get_by_label("Date", exact=True).fill("2027-03-01")
    page.get_by_role("button", name="Add due date").click()
    page.get_by_label("Due date of Board card alpha").select_option(label="Feature freeze")
    alpha = page.get_by_role("listitem", name="Board card alpha")
    expect(alpha.locator(".card-due")).to_contain_text("Feature freeze")
    due = a.get(f"/boards/{board_id}")["due_dates"][0]
    assert due["name"] == "Feature freeze" and due["date"].startswith("2027-03-01")
    card = next(i for i in a.get(f"/worklists/{doing}/items") if i["item_id"] == first["id"])
    assert card["display_due_date"] == due["id"]
    page.get_by_label("New date for Feature freeze").fill("2027-04-02")
    page.get_by_role("button", name="Save date").click()
    expect(alpha.locator(".card-due time")).to_have_attribute("datetime", re.compile("^2027-04-02"))
    screenshot(page, "board")
    # On a phone the lanes stack and nothing overflows the page.
    page.set_viewport_size({"width": 390, "height": 800})
    lanes = page.locator("section.lane")
    expect(lanes.nth(1)).to_be_visible()
    first_box, second_box = lanes.nth(0).bounding_box(), lanes.nth(1).bounding_box()
    assert first_box and second_box and second_box["y"] > first_box["y"] + first_box["height"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "board-narrow")
    # Without drag and drop (a phone), the card's "Move to" list moves it.
    page.get_by_label("Move Board card beta to").select_option(label="Backlog")
    expect(announcer).to_have_text("Moved Board card beta to Backlog, position 1.")
    assert _lane_items(world, backlog) == [second["id"]] and _lane_items(world, doing) == [first["id"]]


def test_a_refused_move_is_rolled_back_with_the_reason(bob_page: Page, world: World) -> None:
    a = world.api()
    story = a.post("/stories", {"title": "Card Bob may no longer move"})
    todo = a.post("/worklists", {"title": "Bob todo"})
    done = a.post("/worklists", {"title": "Bob done"})
    a.post(f"/worklists/{todo['id']}/items", {"item_id": story["id"], "item_type": "story"})
    board = a.post("/boards", {"title": "Shared board", "users": [world.bob["id"]],
                               "lanes": [{"list_id": todo["id"]}, {"list_id": done["id"]}]})
    page = bob_page
    page.goto(f"/board/{board['id']}")
    card = page.get_by_role("listitem", name="Card Bob may no longer move")
    expect(page.get_by_text("Drag a card to another place")).to_be_visible()
    # Ada takes Bob's right to move cards away while his page is open.
    a.call("PUT", f"/boards/{board['id']}/permissions", json={"codename": "move_cards", "users": []})
    card.focus()
    page.keyboard.press("Alt+ArrowRight")
    expect(page.get_by_role("alert")).to_contain_text("The move was refused and undone")
    expect(page.get_by_text("You may look at this board but not move its cards.")).to_be_visible()
    expect(page.get_by_role("list", name="Cards of Bob todo").get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("list", name="Cards of Bob done").get_by_role("listitem")).to_have_count(0)
    assert _lane_items(world, todo["id"]) == [story["id"]] and _lane_items(world, done["id"]) == []


def test_review_dashboard_in_one_action_shows_its_lanes(admin_page: Page, world: World) -> None:
    a = world.api()
    group = a.post("/project_groups", {"name": "e2e-review-group", "title": "Review group"})
    project = a.post("/projects", {"name": "e2e-reviewed", "description": "Reviewed project"})
    a.call("PUT", f"/project_groups/{group['id']}/projects/{project['id']}")
    story = a.post("/stories", {"title": "Story with a task in review"})
    task = a.post("/tasks", {"title": "Patch waiting for review", "story_id": story["id"], "project_id": project["id"]})
    a.call("PUT", f"/tasks/{task['id']}", json={"status": "review"})
    page = admin_page
    page.goto("/planning")
    page.get_by_label("A project group").check()
    page.get_by_label("Project group", exact=True).select_option(label="e2e-review-group")
    page.get_by_role("button", name="Create review dashboard").click()
    expect(page).to_have_url(re.compile(r"/board/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews: e2e-review-group")
    lanes = page.get_by_role("heading", level=2)
    expect(lanes.filter(has_text="Needs review")).to_be_visible()
    expect(lanes.filter(has_text="In progress, no activity for 7 days")).to_be_visible()
    expect(lanes.filter(has_text="Merged in the last 14 days")).to_be_visible()
    review = page.get_by_role("list", name="Cards of Needs review")
    expect(review.get_by_role("listitem", name="Patch waiting for review")).to_be_visible()
    # Automatic lanes' cards are computed, never dragged.
    expect(review.get_by_role("listitem").first).to_have_attribute("draggable", "false")


def test_priority_list_reordered_by_keyboard_and_shown_on_the_story_page(admin_page: Page, world: World) -> None:
    a = world.api()
    project = a.post("/projects", {"name": "e2e-priorities", "description": "Prioritised project"})
    top = a.post("/stories", {"title": "First priority"})
    next_ = a.post("/stories", {"title": "Second priority"})
    plist = _preview(world, "POST", "/priority_lists", json={"cycle": "2027.1", "project_id": project["id"]})
    for s in (top, next_):
        a.post(f"/worklists/{plist['id']}/items", {"item_id": s["id"], "item_type": "story"})
    page = admin_page
    page.goto(f"/story/{next_['id']}")
    section = page.get_by_role("region", name="On priority lists")
    expect(section).to_contain_text("Priorities for 2027.1")
    expect(section).to_contain_text("#2")
    section.get_by_role("link", name="Priorities for 2027.1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priorities of e2e-priorities")
    card = page.get_by_role("listitem", name="Second priority")
    # The keys move a card once the page knows the viewer may move them (its move buttons show).
    expect(page.get_by_role("button", name="Move Second priority up")).to_be_visible()
    card.focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(page.get_by_test_id("order-announcer")).to_have_text("Moved Second priority to position 1.")
    expect(page.get_by_role("listitem").filter(has_text="priority").first).to_have_attribute(
        "aria-label", "Second priority")
    expect(card).to_be_focused()
    positions = _preview(world, "GET", f"/stories/{next_['id']}/priority_lists")
    assert [p["position"] for p in positions] == [0]


def test_manual_worklist_add_reorder_remove_readd_archive(admin_page: Page, world: World) -> None:
    a = world.api()
    one = a.post("/stories", {"title": "Worklist story one"})
    two = a.post("/stories", {"title": "Worklist story two"})
    page = admin_page
    page.goto("/planning")
    page.get_by_label("Worklist title").fill("x" * 101)  # too long: refused, nothing created
    page.get_by_role("button", name="Create worklist").click()
    expect(page.locator("#worklist-title-err")).to_be_visible()
    page.get_by_label("Worklist title").fill("My reading list")
    page.get_by_role("button", name="Create worklist").click()
    expect(page).to_have_url(re.compile(r"/worklist/\d+$"))
    list_id = int(page.url.rsplit("/", 1)[1])
    assert [w["title"] for w in a.get("/worklists", creator_id=world.admin["id"]) if w["title"].startswith("x")] == []
    form = page.get_by_role("form", name="Add to My reading list")
    form.get_by_label("Number to add to My reading list").fill(str(one["id"]))
    form.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("listitem", name=one["title"])).to_be_visible()
    form.get_by_label("Number to add to My reading list").fill("Worklist story two")  # words: pick a match
    form.get_by_role("button", name="Add Worklist story two").click()
    expect(page.get_by_role("listitem", name=two["title"])).to_be_visible()
    page.get_by_role("button", name="Move Worklist story two up").click()
    expect(page.get_by_test_id("order-announcer")).to_have_text("Moved Worklist story two to position 1.")
    assert _lane_items(world, list_id) == [two["id"], one["id"]]
    page.get_by_role("button", name="Remove Worklist story two").click()
    expect(page.get_by_role("listitem", name="Worklist story two")).to_have_count(0)
    assert _lane_items(world, list_id) == [one["id"]]
    page.get_by_role("button", name="Re-add").click()
    expect(page.get_by_role("listitem", name="Worklist story two")).to_be_visible()
    assert _lane_items(world, list_id) == [one["id"], two["id"]]
    page.get_by_role("button", name="Archive worklist").click()
    expect(page.get_by_role("button", name="Restore worklist")).to_be_visible()
    assert a.get(f"/worklists/{list_id}")["archived"] is True


def test_automatic_worklist_from_a_search_shows_criteria_and_computed_items(admin_page: Page, world: World) -> None:
    page = admin_page
    nova = world.projects["nova"]
    page.goto("/planning")
    page.get_by_label("Worklist title").fill("Merged in nova")
    page.get_by_label("Automatic: the results of a search").check()
    page.get_by_label("Holds").select_option("Task")
    page.get_by_role("searchbox", name="In project").fill("nova")
    page.get_by_role("button", name="Add nova").click()
    page.get_by_role("group", name="Task status, any of").get_by_label("Merged").check()
    page.get_by_role("button", name="Create worklist").click()
    expect(page).to_have_url(re.compile(r"/worklist/\d+$"))
    list_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_text("Automatic worklist")).to_be_visible()
    expect(page.get_by_role("region", name="Criteria")).to_contain_text(
        f"Tasks where Project is {nova['id']} and TaskStatus is merged")
    items = world.api().get(f"/worklists/{list_id}/items")
    assert len(items) >= 10 and all(i["item_type"] == "task" for i in items)
    expect(page.get_by_role("heading", name=f"Items ({len(items)})")).to_be_visible()
    expect(page.get_by_role("listitem", name="Task of story 00")).to_be_visible()
