"""python-storyboardclient 0.2.0 (PyPI), unchanged, against a real server through /api/v1, on both engines.

Every manager the library has is driven and what it reads back is checked. The library builds a
resource from each write's answer and, for each JSON field its class does not declare, lazy-loads
the object with a GET on a URL made of the `id` read so far: that works because we write `id`,
`created_at` and `updated_at` last, as StoryBoard does (docs/api.md).
"""

from __future__ import annotations

import os

# The library asks pbr for its own version on import; pbr finds none in an installed wheel.
os.environ.setdefault("PBR_VERSION", "0.2.0")

from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from builders import uniq  # noqa: E402
from liveserver import LiveServer, live_server  # noqa: E402, F401
from storyboardclient._apiclient.exceptions import NotFound, Unauthorized  # noqa: E402
from storyboardclient.v1.client import Client  # noqa: E402
from storyboardclient.v1.tags import TagsNestedManager  # noqa: E402
from storyboardclient.v1.worklists import FilterCriterionNestedManager  # noqa: E402

from storyline import __version__  # noqa: E402


@pytest.fixture(scope="module")
def sb(live_server: LiveServer) -> Client:  # noqa: F811
    """The library as the superuser."""
    return Client(live_server.api, live_server.admin.token)


@pytest.fixture(scope="module")
def project(sb: Client) -> Any:
    return sb.projects.create(name=uniq("sbc-proj-"), description="Driven by python-storyboardclient")


@pytest.fixture()
def story(sb: Client, project: Any) -> Iterator[Any]:
    s = sb.stories.create(title=uniq("Client story "), description="Made by the library")
    s.tasks.create(title="First task", project_id=project.id)
    yield s


def ids(resources: list[Any]) -> set[int]:
    return {r.id for r in resources}


def test_systeminfo(sb: Client) -> None:
    info = sb.system_info.get(None)
    assert info.version == __version__


def test_users_and_self(sb: Client, live_server: LiveServer) -> None:  # noqa: F811
    me = sb.users.get("self")
    assert me.id == live_server.admin.id and me.full_name == "Client Admin" and me.is_superuser is True
    name = uniq("Library User ")
    created = sb.users.create(full_name=name, email=f"{uniq('lib')}@example.org", openid=f"https://id/{uniq()}")
    assert created.id and created.full_name == name and created.is_superuser is False
    assert sb.users.get(created.id).full_name == name
    updated = sb.users.update(id=created.id, full_name=name + " Renamed")
    assert updated.full_name == name + " Renamed"
    assert sb.users.get(created.id).full_name == name + " Renamed"
    assert created.id in ids(sb.users.get_all(full_name="Renamed"))


def test_user_preferences(sb: Client) -> None:
    me = sb.users.get("self")
    prefs = me.user_preferences.get_all()
    assert isinstance(prefs.story_detail_page_size, int)
    answer = me.user_preferences.set_one("story_detail_page_size", 42)
    assert answer.story_detail_page_size == 42
    assert me.user_preferences.get("story_detail_page_size") == 42
    me.user_preferences.set({"display_events_user_comment": False, "story_detail_page_size": 7})
    assert me.user_preferences.get("display_events_user_comment") is False
    assert me.user_preferences.get("story_detail_page_size") == 7


def test_user_tokens(sb: Client, live_server: LiveServer) -> None:  # noqa: F811
    me = sb.users.get("self")
    token = me.user_tokens.create(user_id=me.id, expires_in=3600)
    # The clear value survives the library's lazy loading (it would be lost if it re-read the token).
    assert token.access_token and token.user_id == me.id and token.expires_in == 3600
    assert Client(live_server.api, token.access_token).users.get("self").id == me.id
    assert token.id in ids(me.user_tokens.get_all())
    assert me.user_tokens.get(token.id).expires_in == 3600
    assert me.user_tokens.update(id=token.id, user_id=me.id, expires_in=7200).expires_in == 7200
    me.user_tokens.delete(id=token.id)
    assert token.id not in ids(me.user_tokens.get_all())
    with pytest.raises(Unauthorized):
        Client(live_server.api, token.access_token).users.get("self")


def test_teams_and_members(sb: Client, live_server: LiveServer) -> None:  # noqa: F811
    member = live_server.persona()
    team = sb.teams.create(name=uniq("sbc-team-"))
    assert team.id and sb.teams.get(team.id).name == team.name
    team.users.add(member.id)
    assert [u.full_name for u in team.users.get_all()] == [member.name]
    assert team.users.get(member.id).full_name == member.name  # the item URL
    team.users.remove(member.id)
    assert team.users.get_all() == []
    with pytest.raises(NotFound):
        team.users.get(member.id)
    renamed = uniq("sbc-team-renamed-")
    assert sb.teams.update(id=team.id, name=renamed).name == renamed
    assert team.id in ids(sb.teams.get_all(name="sbc-team-renamed"))
    sb.teams.delete(id=team.id)
    with pytest.raises(NotFound):
        sb.teams.get(team.id)


def test_projects(sb: Client, project: Any) -> None:
    got = sb.projects.get(project.id)
    assert got.name == project.name and got.description == "Driven by python-storyboardclient"
    assert got.is_active is True
    assert sb.projects.update(id=project.id, description="Changed").description == "Changed"
    assert sb.projects.get(project.id).description == "Changed"
    assert project.id in ids(sb.projects.get_all(name=project.name))


def test_project_groups_and_their_projects(sb: Client, project: Any) -> None:
    group = sb.project_groups.create(name=uniq("sbc-group-"), title="Library group")
    assert sb.project_groups.get(group.id).title == "Library group"
    group.projects.add(project)
    assert [p.name for p in group.projects.get_all()] == [project.name]
    assert group.projects.get(project.id).name == project.name  # the item URL
    assert group.id in ids(sb.project_groups.get_all(name=group.name))
    assert sb.project_groups.update(id=group.id, title="Retitled").title == "Retitled"
    group.projects.remove(project)
    assert group.projects.get_all() == []
    with pytest.raises(NotFound):
        group.projects.get(project.id)
    sb.project_groups.delete(id=group.id)
    with pytest.raises(NotFound):
        sb.project_groups.get(group.id)


def test_stories(sb: Client, project: Any, story: Any) -> None:
    got = sb.stories.get(story.id)
    assert got.title == story.title and got.description == "Made by the library" and got.status == "active"
    assert got.creator_id == sb.users.get("self").id and got.private is False
    assert sb.stories.update(id=story.id, title="Retitled by the library").title == "Retitled by the library"
    assert sb.stories.get(story.id).title == "Retitled by the library"
    assert story.id in ids(sb.stories.get_all(project_id=project.id))
    sb.stories.delete(id=story.id)
    with pytest.raises(NotFound):
        sb.stories.get(story.id)


def test_tasks_and_nested_tasks(sb: Client, project: Any, story: Any) -> None:
    nested = story.tasks.create(title="Nested task", project_id=project.id)
    assert nested.story_id == story.id and nested.project_id == project.id and nested.status == "todo"
    assert story.tasks.get(nested.id).title == "Nested task"
    assert story.tasks.update(id=nested.id, status="inprogress").status == "inprogress"
    top = sb.tasks.create(title="Top-level task", story_id=story.id, project_id=project.id, priority="high")
    assert sb.tasks.get(top.id).priority == "high"
    assert sb.tasks.update(id=top.id, status="merged").status == "merged"
    assert {t.title for t in story.tasks.get_all()} == {"First task", "Nested task", "Top-level task"}
    assert {t.status for t in sb.tasks.get_all(story_id=story.id)} == {"todo", "inprogress", "merged"}
    assert sb.stories.get(story.id).status == "active"
    story.tasks.delete(id=nested.id)
    sb.tasks.delete(id=top.id)
    assert [t.title for t in sb.tasks.get_all(story_id=story.id)] == ["First task"]
    with pytest.raises(NotFound):
        sb.tasks.get(top.id)


def test_comments(sb: Client, story: Any) -> None:
    posted = story.comments.create(content="Hello from the library")
    assert posted.id  # the timeline event's id, as with StoryBoard
    comments = story.comments.get_all()
    assert [c.content for c in comments] == ["Hello from the library"]
    comment = story.comments.get(comments[0].id)
    assert comment.content == "Hello from the library" and comment.is_active is True
    assert story.comments.update(id=comment.id, content="Edited").content == "Edited"
    assert story.comments.get(comment.id).content == "Edited"
    events = story.events.get_all()
    assert posted.id in ids(events)
    assert story.events.get(posted.id).event_type == "user_comment"


def test_tags(sb: Client, story: Any) -> None:
    story.tags_manager.update(["sbc-alpha", "sbc-beta"])
    assert sb.stories.get(story.id).tags == ["sbc-alpha", "sbc-beta"]
    listed = story.tags_manager.get_all()
    assert sorted(t.name for t in listed) == ["sbc-alpha", "sbc-beta"]
    assert story.tags_manager.get(listed[0].id).name == listed[0].name  # the item URL
    story.tags_manager.delete(["sbc-alpha"])
    assert sb.stories.get(story.id).tags == ["sbc-beta"]
    assert [t.name for t in story.tags_manager.get_all()] == ["sbc-beta"]
    beta = next(t for t in sb.tags.get_all(name="sbc-beta") if t.name == "sbc-beta")
    assert sb.tags.get(beta.id).name == "sbc-beta"
    made = sb.tags.create(tag_name=uniq("sbc-made-"))
    assert sb.tags.get(made.id).name == made.name


def test_private_story_is_not_found_through_the_new_urls(sb: Client, live_server: LiveServer,  # noqa: F811
                                                          project: Any) -> None:
    secret = sb.stories.create(title=uniq("Private client story "), private=True)
    secret.tasks.create(title="Hidden task", project_id=project.id)
    secret.tags_manager.update(["sbc-secret"])
    tag_id = secret.tags_manager.get_all()[0].id
    outsider = Client(live_server.api, live_server.persona().token)
    tags = TagsNestedManager(outsider, parent_id=secret.id)
    with pytest.raises(NotFound):
        outsider.stories.get(secret.id)
    with pytest.raises(NotFound):
        tags.get_all()
    with pytest.raises(NotFound):
        tags.get(tag_id)


def test_events_timeline(sb: Client, project: Any, story: Any) -> None:
    story.tags_manager.update(["sbc-timeline"])
    story.comments.create(content="On the timeline")
    types = [e.event_type for e in story.events.get_all()]
    assert types[0] == "story_created"
    assert {"task_created", "tags_added", "user_comment"} <= set(types)
    assert all(e.story_id == story.id for e in story.events.get_all())


def test_subscriptions_and_subscription_events(sb: Client, live_server: LiveServer, project: Any,  # noqa: F811
                                               story: Any) -> None:
    me = sb.users.get("self")
    sub = sb.subscriptions.create(target_type="project", target_id=project.id, user_id=me.id)
    assert (sub.target_type, sub.target_id, sub.user_id) == ("project", project.id, me.id)
    assert sb.subscriptions.get(sub.id).target_id == project.id
    assert sub.id in ids(sb.subscriptions.get_all(target_type="project", user_id=me.id))
    sb.subscriptions.delete(id=sub.id)
    with pytest.raises(NotFound):
        sb.subscriptions.get(sub.id)

    watcher = live_server.persona()
    theirs = Client(live_server.api, watcher.token)
    theirs.subscriptions.create(target_type="story", target_id=story.id, user_id=watcher.id)
    story.comments.create(content="Something for the watcher")
    inbox = [e for e in theirs.subscription_events.get_all() if e.event_type == "user_comment"]
    assert len(inbox) == 1 and inbox[0].author_id == me.id and inbox[0].subscriber_id == watcher.id
    assert theirs.subscription_events.get(inbox[0].id).event_type == "user_comment"
    theirs.subscription_events.delete(id=inbox[0].id)
    with pytest.raises(NotFound):
        theirs.subscription_events.get(inbox[0].id)


def test_worklists_items_and_filters(sb: Client, live_server: LiveServer, project: Any,  # noqa: F811
                                     story: Any) -> None:
    manual = sb.worklists.create(title=uniq("Client list "), automatic=False)
    assert manual.creator_id == sb.users.get("self").id and manual.automatic is False
    # The library has no item manager: items go through its own HTTP client.
    r = sb.worklists.client.post(f"/worklists/{manual.id}/items",
                                 json={"item_id": story.id, "item_type": "story", "list_position": 0})
    assert r.status_code == 200
    items = sb.worklists.get(manual.id).items
    assert [(i["item_type"], i["item_id"]) for i in items] == [("story", story.id)]
    assert sb.worklists.update(id=manual.id, title="Renamed list").title == "Renamed list"
    assert manual.id in ids(sb.worklists.get_all(title="Renamed list"))

    auto = sb.worklists.create(title=uniq("Client auto list "), automatic=True)
    made = auto.list_filters.create(type="Story", filter_criteria=[
        {"field": "Project", "value": str(project.id), "negative": False, "title": project.name}])
    filters = auto.list_filters.get_all()
    assert [f.type for f in filters] == ["Story"] and made.list_id == auto.id
    criteria = FilterCriterionNestedManager(sb, parent_id=filters[0].id).get_all_from_filter(filters[0])
    assert [(c.field, c.value) for c in criteria] == [("Project", str(project.id))]
    assert story.id in {i["item_id"] for i in sb.worklists.get(auto.id).items}
    auto.list_filters.delete(id=filters[0].id)
    assert auto.list_filters.get_all() == []

    sb.worklists.delete(id=manual.id)
    assert sb.worklists.get(manual.id).archived is True


def test_boards(sb: Client) -> None:
    lane = sb.worklists.create(title=uniq("Lane "), automatic=False)
    board = sb.boards.create(title=uniq("Client board "), description="Lanes of work",
                             lanes=[{"list_id": lane.id, "position": 0}])
    got = sb.boards.get(board.id)
    assert got.title == board.title and got.description == "Lanes of work" and got.archived is False
    assert [ln["list_id"] for ln in got.to_dict()["lanes"]] == [lane.id]
    assert sb.boards.update(id=board.id, title="Renamed board").title == "Renamed board"
    assert board.id in ids(sb.boards.get_all(title="Renamed board"))
    sb.boards.delete(id=board.id)
    assert sb.boards.get(board.id).archived is True


def test_due_dates(sb: Client, story: Any) -> None:
    due = sb.due_dates.create(name=uniq("Release "), date="2030-06-01T00:00:00+00:00")
    got = sb.due_dates.get(due.id)
    assert got.name == due.name and got.date == "2030-06-01T00:00:00+00:00" and got.stories == []
    updated = sb.due_dates.update(id=due.id, name="Moved release", stories=[story.id])
    assert updated.name == "Moved release"
    assert [s["id"] for s in sb.due_dates.get(due.id).stories] == [story.id]
    assert due.id in ids(sb.due_dates.get_all(name="Moved release"))


def test_branches_and_milestones(sb: Client, project: Any) -> None:
    branch = sb.branches.create(name=uniq("stable/"), project_id=project.id)
    got = sb.branches.get(branch.id)
    assert (got.name, got.project_id, got.expired) == (branch.name, project.id, False)
    assert branch.id in ids(sb.branches.get_all(project_id=project.id))
    milestone = sb.milestones.create(name=uniq("m-"), branch_id=branch.id)
    assert sb.milestones.get(milestone.id).branch_id == branch.id
    assert sb.milestones.update(id=milestone.id, name="m-renamed").name == "m-renamed"
    assert [m.name for m in sb.milestones.get_all(branch_id=branch.id)] == ["m-renamed"]
    assert sb.branches.update(id=branch.id, expired=True).expired is True


def test_task_statuses(sb: Client, live_server: LiveServer) -> None:  # noqa: F811
    # No manager in the library: its HTTP client reads them (the web client's list of statuses).
    statuses = sb.tasks.client.get("/task_statuses").json()
    assert [(s["key"], s["name"]) for s in statuses] == [  # StoryBoard's order and names
        ("todo", "Todo"), ("merged", "Merged"), ("invalid", "Invalid"), ("review", "Review"), ("inprogress", "Progress")]
    assert statuses == httpx.get(f"{live_server.api}/task_statuses").json()
