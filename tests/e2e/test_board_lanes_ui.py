"""A board's lanes edited in the web client (issue 15: saved views usable as board lanes): a saved view made on the
Stories page becomes an automatic lane showing its matching stories as cards; an empty lane is added, renamed,
moved and removed (its worklist archived and kept, then put back); each change checked against the API; axe-core
at desktop and phone widths."""

from __future__ import annotations

from a11y import assert_accessible
from playwright.sync_api import Page, expect
from webworld import World, screenshot


def _lanes(world: World, board_id: int) -> list[tuple[str, bool]]:
    """(title, archived) of the board's lanes in order, as the API answers."""
    return [(lane["worklist"]["title"], lane["worklist"]["archived"])
            for lane in world.api().get(f"/boards/{board_id}")["lanes"]]


def test_a_saved_view_becomes_a_lane_and_lanes_are_renamed_moved_and_removed(admin_page: Page, world: World) -> None:
    page = admin_page
    a = world.api()
    project = a.post("/projects", {"name": "lanes-project", "description": "Lanes from views"})
    open_story = a.post("/stories", {"title": "Open story for the lane"})
    a.post("/tasks", {"title": "Open work", "story_id": open_story["id"], "project_id": project["id"]})
    closed_story = a.post("/stories", {"title": "Merged story kept out of the lane"})
    done = a.post("/tasks", {"title": "Merged work", "story_id": closed_story["id"], "project_id": project["id"]})
    a.call("PUT", f"/tasks/{done['id']}", json={"status": "merged"})
    todo_list = a.post("/worklists", {"title": "Lane todo"})
    done_list = a.post("/worklists", {"title": "Lane done"})
    board = a.post("/boards", {"title": "Lanes board", "lanes": [{"list_id": todo_list["id"]}, {"list_id": done_list["id"]}]})
    board_id = board["id"]

    # The view, saved on the Stories page.
    page.goto("/stories?q=project%3Alanes-project%20is%3Aopen")
    expect(page.get_by_role("link", name="Open story for the lane")).to_be_visible()
    page.get_by_placeholder("Name this view").fill("Open in lanes-project")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("list", name="Saved views").get_by_role("button", name="Open in lanes-project", exact=True)).to_be_visible()

    # Added to the board as its last lane: the matching stories are its cards.
    page.goto(f"/board/{board_id}")
    adding = page.get_by_role("region", name="Add a lane")
    adding.get_by_label("From a saved view").check()
    adding.get_by_label("Saved view", exact=True).select_option(label="Open in lanes-project")
    expect(adding).to_contain_text("project:lanes-project is:open")
    expect(adding).to_contain_text("changing the view later does not change the lane")
    assert_accessible(page)
    adding.get_by_role("button", name="Add lane").click()
    cards = page.get_by_role("list", name="Cards of Open in lanes-project")
    expect(cards.get_by_role("listitem", name="Open story for the lane")).to_be_visible()
    expect(cards.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("heading", name="Open in lanes-project (1)")).to_be_focused()
    expect(page.get_by_test_id("board-announcer")).to_have_text("Added the lane Open in lanes-project with 1 card.")
    lane = a.get(f"/boards/{board_id}")["lanes"][-1]["worklist"]
    assert lane["automatic"] is True
    assert [c["value"] for f in lane["filters"] for c in f["filter_criteria"]] == ["project:lanes-project is:open"]

    # An empty lane, then renamed (Enter saves), moved left by keyboard, and the middle one removed.
    adding.get_by_label("An empty lane for cards").check()
    adding.get_by_label("Lane name", exact=True).fill("Blocked")
    adding.get_by_role("button", name="Add lane").click()
    expect(page.get_by_role("heading", name="Blocked (0)")).to_be_focused()
    page.get_by_role("button", name="Rename the lane Blocked").click()
    page.get_by_label("New name for Blocked").fill("Waiting")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Waiting (0)")).to_be_visible()
    expect(page.get_by_role("button", name="Rename the lane Waiting")).to_be_focused()
    assert _lanes(world, board_id) == [("Lane todo", False), ("Lane done", False), ("Open in lanes-project", False),
                                       ("Waiting", False)]
    left = page.get_by_role("button", name="Move the lane Waiting left")
    left.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("board-announcer")).to_have_text("Moved the lane Waiting left: now lane 3 of 4.")
    expect(page.get_by_role("button", name="Move the lane Waiting left")).to_be_focused()
    assert [t for t, _ in _lanes(world, board_id)] == ["Lane todo", "Lane done", "Waiting", "Open in lanes-project"]
    expect(page.get_by_role("button", name="Move the lane Lane todo left")).to_be_disabled()
    expect(page.get_by_role("button", name="Move the lane Open in lanes-project right")).to_be_disabled()
    assert_accessible(page)
    screenshot(page, "board-lane-from-view")

    page.get_by_role("button", name="Remove the lane Lane done").click()
    dialog = page.get_by_role("alertdialog", name="Remove the lane “Lane done” from this board?")
    expect(dialog).to_contain_text("Its worklist is not deleted: it is archived and kept")
    assert_accessible(page)
    dialog.get_by_role("button", name="Remove lane").click()
    expect(page.get_by_role("heading", name="Lane done (0)")).to_have_count(0)
    removed = page.get_by_role("region", name="Removed lanes")
    expect(removed.get_by_role("link", name="Lane done")).to_be_visible()
    assert _lanes(world, board_id)[1] == ("Lane done", True)  # the lane is kept, its worklist archived
    # Moving steps over the removed lane; putting it back shows it where it stood.
    page.get_by_role("button", name="Move the lane Waiting left").click()
    expect(page.get_by_test_id("board-announcer")).to_have_text("Moved the lane Waiting left: now lane 1 of 3.")
    assert [t for t, _ in _lanes(world, board_id)] == ["Waiting", "Lane todo", "Lane done", "Open in lanes-project"]
    removed.get_by_role("button", name="Put back the lane Lane done").click()
    expect(page.get_by_role("heading", name="Lane done (0)")).to_be_focused()
    expect(page.locator("section.lane h2")).to_have_text(
        ["Waiting (0)", "Lane todo (0)", "Lane done (0)", "Open in lanes-project (1)"])
    assert all(not archived for _, archived in _lanes(world, board_id))

    # Editing the view later does not change the lane: it keeps the query it was made with.
    view = next(v for v in world.api().call("GET", f"{world.base}/preview/views") if v["name"] == "Open in lanes-project")
    world.api().call("PUT", f"{world.base}/preview/views/{view['id']}", json={"query": "project:lanes-project is:closed"})
    page.reload()
    expect(page.get_by_role("list", name="Cards of Open in lanes-project").get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("list", name="Cards of Open in lanes-project")).to_contain_text("Open story for the lane")

    # The lane's query changes on its worklist page, linked from the lane.
    page.get_by_role("link", name="its criteria of Open in lanes-project").click()
    expect(page.get_by_role("region", name="Criteria")).to_contain_text("Stories matching “project:lanes-project is:open”")
    page.get_by_label("Query (stories matching it)").fill("project:lanes-project")
    page.get_by_role("button", name="Save query").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    assert_accessible(page)
    page.go_back()
    cards = page.get_by_role("list", name="Cards of Open in lanes-project")
    expect(cards.get_by_role("listitem")).to_have_count(2)
    expect(cards).to_contain_text("Merged story kept out of the lane")

    # On a phone: lanes stack, their tools fit, nothing overflows the page.
    page.set_viewport_size({"width": 390, "height": 844})
    tools = page.get_by_role("group", name="Lane Open in lanes-project")
    expect(tools).to_be_visible()
    box = tools.bounding_box()
    assert box and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    screenshot(page, "board-lane-from-view-narrow")


def test_a_reader_without_edit_rights_gets_no_lane_controls(bob_page: Page, world: World) -> None:
    a = world.api()
    lane = a.post("/worklists", {"title": "Only lane"})
    board = a.post("/boards", {"title": "Bob moves cards only", "users": [world.bob["id"]],
                               "lanes": [{"list_id": lane["id"]}]})
    page = bob_page
    page.goto(f"/board/{board['id']}")
    expect(page.get_by_role("heading", name="Only lane (0)")).to_be_visible()
    expect(page.get_by_text("Drag a card to another place")).to_be_visible()
    expect(page.get_by_role("region", name="Add a lane")).to_have_count(0)
    expect(page.get_by_role("button", name="Rename the lane Only lane")).to_have_count(0)
    assert_accessible(page)


def test_a_saved_view_is_added_to_a_board_from_the_stories_page(admin_page: Page, world: World) -> None:
    page = admin_page
    a = world.api()
    story = a.post("/stories", {"title": "Story for the chip lane"})
    a.call("PUT", f"/stories/{story['id']}/tags", params={"tags": "chip-lane"})
    first = a.post("/worklists", {"title": "Chip lane first"})
    board = a.post("/boards", {"title": "Chip target board", "lanes": [{"list_id": first["id"]}]})
    # A board Ada may only move cards on is not offered.
    bob = world.api(world.bob_token)
    other_list = bob.post("/worklists", {"title": "Bob's lane"})
    bob.post("/boards", {"title": "Bob's board Ada only moves on", "users": [world.admin["id"]],
                         "lanes": [{"list_id": other_list["id"]}]})
    world.api().call("POST", f"{world.base}/preview/views", json={"name": "Chip lane view", "query": "tag:chip-lane"})

    page.goto("/stories")
    page.get_by_role("list", name="Saved views").get_by_role("button", name="Add the view Chip lane view to a board as a lane").click()
    panel = page.get_by_role("region", name="Add the view Chip lane view to a board")
    select = panel.get_by_label("Board for the lane “Chip lane view”")
    expect(select.locator("option", has_text="Chip target board")).to_have_count(1)
    expect(select.locator("option", has_text="Bob's board Ada only moves on")).to_have_count(0)
    select.select_option(label="Chip target board")
    panel.get_by_role("button", name="Add as a lane").click()
    expect(panel.get_by_role("status")).to_contain_text("“Chip lane view” is now the last lane of Chip target board")
    assert_accessible(page)
    lanes = a.get(f"/boards/{board['id']}")["lanes"]
    assert [lane["worklist"]["title"] for lane in lanes] == ["Chip lane first", "Chip lane view"]
    panel.get_by_role("link", name="Chip target board").click()
    expect(page.get_by_role("list", name="Cards of Chip lane view").get_by_role("listitem", name="Story for the chip lane")).to_be_visible()
