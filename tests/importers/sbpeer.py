"""The real StoryBoard peer (../shared/peers/storyboard/) for the import test: started once for the test
module in a state directory of its own, with an empty database, then loaded through its API with a
small world that touches every kind of object the importer brings over."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.servers import Peer  # noqa: E402

PEER_HOME = Path.home() / ".cache" / "storyline-import-test-peer"
ADMIN_TOKEN = "sb-peer-admin-token"
USER_TOKEN = "sb-peer-user-token"


@dataclass
class Loaded:
    """The ids the peer gave out, by kind."""

    url: str
    database: str
    admin_id: int
    user_id: int
    ids: dict[str, list[int]] = field(default_factory=dict)
    hidden_story: int = 0  # private, only Peer User on its list: hidden from the admin's API
    hidden_task: int = 0

    def add(self, kind: str, value: int) -> int:
        self.ids.setdefault(kind, []).append(value)
        return value


def start() -> tuple[Peer, str, str]:
    """The peer on free ports with an empty database: (peer, API root, database URL)."""
    peer = Peer(home=PEER_HOME, workers=2)
    target = peer.start(timeout=900, reset=True)
    db_port = (PEER_HOME / "run" / "mariadb.port").read_text().strip()
    return peer, target.base_url, f"mysql+pymysql://storyboard:storyboard@127.0.0.1:{db_port}/storyboard"


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url + "/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def __call__(self, method: str, path: str, **kw: Any) -> Any:
        for _ in range(5):  # StoryBoard answers 500 to a deadlock now and then (its README); the write is kept
            r = self.http.request(method, path, **kw)
            if r.status_code != 500 or method != "GET":
                break
        assert r.status_code in (200, 204), (method, path, r.status_code, r.text)
        return r.json() if r.content else None


def load(url: str, database: str) -> Loaded:
    admin, user = Api(url, ADMIN_TOKEN), Api(url, USER_TOKEN)
    me, peer_user = admin("GET", "/users/self"), user("GET", "/users/self")
    w = Loaded(url, database, me["id"], peer_user["id"])
    w.add("users", me["id"])
    w.add("users", peer_user["id"])
    people = [w.add("users", admin("POST", "/users", json={
        "full_name": name, "email": f"{handle}@example.org", "openid": f"https://login.ubuntu.com/+id/{handle}"})["id"])
        for name, handle in (("Zoë Ångström", "zoe"), ("Sam Smith", "sam1"), ("Sam Smith", "sam2"))]
    zoe, sam1, sam2 = people

    core = w.add("teams", admin("POST", "/teams", json={"name": "core-reviewers"})["id"])
    sec = w.add("teams", admin("POST", "/teams", json={"name": "nova-coresec", "security": True})["id"])
    for team, member in ((core, zoe), (core, sam1), (sec, sam2), (sec, w.user_id)):
        admin("PUT", f"/teams/{team}/users/{member}")

    nova = w.add("projects", admin("POST", "/projects", json={
        "name": "openstack/nova", "description": "Compute", "repo_url": "https://opendev.org/openstack/nova"})["id"])
    swift = w.add("projects", admin("POST", "/projects", json={"name": "openstack/swift", "description": "Objects"})["id"])
    infra = w.add("projects", admin("POST", "/projects", json={"name": "opendev/infra-docs", "is_active": False,
                                                               "autocreate_branches": True})["id"])
    admin("PUT", f"/teams/{sec}/projects/{nova}")
    group = w.add("project_groups", admin("POST", "/project_groups", json={"name": "openstack",
                                                                          "title": "OpenStack"})["id"])
    w.add("project_groups", admin("POST", "/project_groups", json={"name": "empty-group", "title": "Nothing yet"})["id"])
    for project in (nova, swift):
        admin("PUT", f"/project_groups/{group}/projects/{project}")
    for branch in admin("GET", "/branches"):
        w.add("branches", branch["id"])
    stable = w.add("branches", admin("POST", "/branches", json={"name": "stable/2026.2", "project_id": nova})["id"])
    nova_master = next(b["id"] for b in admin("GET", "/branches", params={"project_id": nova}) if b["name"] == "master")
    m1 = w.add("milestones", admin("POST", "/milestones", json={"name": "2026.2-rc1", "branch_id": nova_master})["id"])
    w.add("milestones", admin("POST", "/milestones", json={"name": "2026.2.1", "branch_id": stable})["id"])

    def story(api: Api, **body: Any) -> int:
        return w.add("stories", api("POST", "/stories", json=body)["id"])

    def task(api: Api, **body: Any) -> int:
        return w.add("tasks", api("POST", "/tasks", json=body)["id"])

    s1 = story(admin, title="Instances fail to boot — ünïcode ✓", description="Steps:\n\n```\nnova boot x\n```")
    s2 = story(admin, title="Swift proxy leaks file handles", description="Seen on 2.30")
    s3 = story(user, title="Feature: resize volumes online", is_bug=False, story_type_id=2)
    s4 = story(admin, title="Public security note about tokens", security=True)
    s5 = story(admin, title="A story with no tasks at all")
    private_seen = story(admin, title="Embargoed: nova leaks metadata", private=True, security=True,
                         users=[{"id": w.admin_id}, {"id": sam2}], teams=[{"id": sec}])
    w.hidden_story = story(user, title="Only Peer User may see this", private=True, users=[{"id": w.user_id}])

    t1 = task(admin, title="fix boot", story_id=s1, project_id=nova)
    t2 = task(admin, title="backport boot fix", story_id=s1, project_id=nova, branch_id=stable)
    t3 = task(admin, title="swift side", story_id=s1, project_id=swift, link="https://review.opendev.org/1234")
    t4 = task(user, title="close handles", story_id=s2, project_id=swift)
    t5 = task(user, title="design", story_id=s3, project_id=nova)
    task(admin, title="document the token note", story_id=s4, project_id=infra)
    t7 = task(admin, title="patch embargoed", story_id=private_seen, project_id=nova)
    w.hidden_task = task(user, title="hidden work", story_id=w.hidden_story, project_id=swift)
    admin("PUT", f"/tasks/{t1}", json={"status": "merged", "milestone_id": m1, "assignee_id": zoe})
    admin("PUT", f"/tasks/{t2}", json={"status": "inprogress", "assignee_id": sam1, "priority": "high"})
    admin("PUT", f"/tasks/{t3}", json={"status": "invalid"})
    user("PUT", f"/tasks/{t4}", json={"status": "review", "priority": "low"})
    admin("PUT", f"/tasks/{t5}", json={"title": "design the online resize"})
    admin("PUT", f"/tasks/{t7}", json={"assignee_id": sam2})

    def comment(api: Api, story_id: int, content: str, reply: int | None = None) -> int:
        body: dict[str, Any] = {"content": content}
        if reply is not None:
            body["in_reply_to"] = reply
        cid: int = api("POST", f"/stories/{story_id}/comments", json=body)["comment_id"]
        return w.add("comments", cid)

    c1 = comment(admin, s1, "Reproduced on master.")
    comment(user, s1, "Same here — with **markdown**.", reply=c1)
    c3 = comment(user, s1, "first version")
    user("PUT", f"/stories/{s1}/comments/{c3}", json={"content": "second version"})
    user("PUT", f"/stories/{s1}/comments/{c3}", json={"content": "third version"})
    c4 = comment(user, s2, "spam spam")
    admin("DELETE", f"/stories/{s2}/comments/{c4}")
    comment(admin, private_seen, "Patch attached privately.")
    comment(user, w.hidden_story, "nobody else reads this")

    admin("PUT", f"/stories/{s1}/tags", params={"tags": ["nova", "boot", "ünï"]})
    admin("PUT", f"/stories/{s2}/tags", params={"tags": ["swift", "leak"]})
    admin("DELETE", f"/stories/{s2}/tags", params={"tags": ["leak"]})
    admin("PUT", f"/stories/{private_seen}/tags", params={"tags": ["security"]})
    admin("PUT", f"/stories/{s3}", json={"description": "Resize without detaching."})
    for tag in admin("GET", "/tags"):
        w.add("tags", tag["id"])

    for target_type, target_id, who in (("story", s2, zoe), ("project", nova, sam1), ("project_group", group, zoe),
                                        ("task", t4, sam2)):
        admin("POST", "/subscriptions", json={"target_type": target_type, "target_id": target_id, "user_id": who})

    todo = w.add("worklists", admin("POST", "/worklists", json={"title": "Nova priorities", "private": False})["id"])
    for position, (item_type, item_id) in enumerate((("story", s1), ("task", t4), ("story", s2), ("task", t1))):
        item = admin("POST", f"/worklists/{todo}/items", json={"item_id": item_id, "item_type": item_type,
                                                               "list_position": position})
        last_item = item["id"]
    admin("DELETE", f"/worklists/{todo}/items/{last_item}")  # archived: kept, hidden from the list
    w.add("worklists", admin("POST", "/worklists", json={
        "title": "Swift bugs not merged", "automatic": True, "filters": [{"type": "Task", "filter_criteria": [
            {"title": "swift", "field": "Project", "value": str(swift), "negative": False},
            {"title": "not merged", "field": "TaskStatus", "value": "merged", "negative": True}]}]})["id"])
    private_list = w.add("worklists", admin("POST", "/worklists", json={"title": "Private list", "private": True,
                                                                        "users": [sam1]})["id"])
    admin("POST", f"/worklists/{private_list}/items", json={"item_id": s5, "item_type": "story", "list_position": 0})
    old = w.add("worklists", admin("POST", "/worklists", json={"title": "Old list"})["id"])
    admin("DELETE", f"/worklists/{old}")
    admin("POST", "/subscriptions", json={"target_type": "worklist", "target_id": todo, "user_id": sam2})
    lane_a = w.add("worklists", admin("POST", "/worklists", json={"title": "To do"})["id"])
    lane_b = w.add("worklists", admin("POST", "/worklists", json={"title": "Doing"})["id"])
    admin("POST", f"/worklists/{lane_a}/items", json={"item_id": s3, "item_type": "story", "list_position": 0})
    admin("POST", f"/worklists/{lane_b}/items", json={"item_id": t5, "item_type": "task", "list_position": 0})
    board = w.add("boards", admin("POST", "/boards", json={
        "title": "Nova planning", "description": "The cycle's board", "private": False, "users": [zoe],
        "lanes": [{"list_id": lane_a, "position": 0}, {"list_id": lane_b, "position": 1}]})["id"])
    admin("PUT", f"/worklists/{todo}/permissions", json={"codename": "move_items", "users": [sam1, zoe]})
    due = w.add("due_dates", admin("POST", "/due_dates", json={"name": "Feature freeze",
                                                               "date": "2027-02-01T00:00:00+00:00", "private": False,
                                                               "board_id": board})["id"])
    admin("PUT", f"/due_dates/{due}", json={"stories": [{"id": s1}, {"id": s3}], "tasks": [{"id": t5}]})

    admin("POST", f"/users/{w.admin_id}/preferences", json={"page_size": 50, "display_events_user_comment": True,
                                                            "plugin_email_digest_time": 0.5})
    user("POST", f"/users/{w.user_id}/preferences", json={"story_detail_page_size": 25, "theme": "dark"})
    return w


__all__ = ["ADMIN_TOKEN", "Loaded", "PEER_HOME", "USER_TOKEN", "load", "start"]
