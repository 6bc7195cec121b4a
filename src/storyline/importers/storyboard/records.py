"""The kinds of StoryBoard objects, in the order they are written, and what each becomes in Storyline.

A source gives, for each kind, rows with StoryBoard's own column names (its database's, which its
API's JSON also uses). `Kind` describes an object with an id, written under that same id; `Link` a
relation (a story's tags, a team's members), mirrored for each imported parent. `refs` names, for a
column, the kind of object it points at and whether the row cannot exist without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from storyline.planning.models import (
    Board,
    BoardLane,
    DueDate,
    DueDateBoard,
    DueDateItem,
    DueDateWorklist,
    FilterCriterion,
    PlanningPermissionTeam,
    PlanningPermissionUser,
    Worklist,
    WorklistFilter,
    WorklistItem,
)
from storyline.projects.models import Branch, Milestone, Project, ProjectGroup, ProjectGroupMember
from storyline.sqltools import table_of
from storyline.stories.models import Comment, CommentHistory, Event, Story, StoryTag, StoryTeam, StoryUser, Tag, Task
from storyline.subscriptions.models import Subscription
from storyline.users.models import Team, TeamMember, TeamProject, User, UserPreference

SOURCE = "storyboard"


class ReadFailed(Exception):
    """A source could not read something (after its retries): the message names it."""


@dataclass(frozen=True)
class Kind:
    name: str  # as the report names it
    table: Table
    columns: tuple[str, ...]  # written and compared, besides `id`
    refs: dict[str, tuple[str, bool]] = field(default_factory=dict)  # column: (kind, required)
    unique: tuple[str, ...] = ()  # columns Storyline keeps unique (checked before writing)
    # columns set when a row is created and left alone afterwards (Storyline's own data, or a value the
    # source did not have)
    insert_only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    name: str
    table: Table
    parent: str  # the column naming the parent
    parent_kind: str
    key: tuple[str, ...]  # the other columns of the row's identity
    refs: dict[str, tuple[str, bool]] = field(default_factory=dict)
    values: tuple[str, ...] = ()  # columns that are not part of the identity (compared, updated)


TIMES = ("created_at", "updated_at")

USERS = Kind("users", table_of(User), ("full_name", "email", "openid", "is_superuser", "enable_login", "last_login",
                                       *TIMES), unique=("email", "openid"), insert_only=("created_at",))
TEAMS = Kind("teams", table_of(Team), ("name", "description", "security", *TIMES), unique=("name",),
             insert_only=("created_at", "description"))
PROJECTS = Kind("projects", table_of(Project), ("name", "description", "is_active", "repo_url", "autocreate_branches",
                                                *TIMES), unique=("name",), insert_only=("created_at",))
GROUPS = Kind("project groups", table_of(ProjectGroup), ("name", "title", *TIMES), unique=("name",),
              insert_only=("created_at",))
BRANCHES = Kind("branches", table_of(Branch), ("name", "project_id", "expired", "expiration_date", "autocreated",
                                               "restricted", *TIMES), refs={"project_id": ("projects", True)},
                insert_only=("created_at",))
MILESTONES = Kind("milestones", table_of(Milestone), ("name", "branch_id", "expired", "expiration_date", *TIMES),
                  refs={"branch_id": ("branches", True)}, insert_only=("created_at",))
STORIES = Kind("stories", table_of(Story), ("title", "description", "is_bug", "creator_id", "story_type_id", "private",
                                            "security", "information_type", *TIMES),
               refs={"creator_id": ("users", True)}, insert_only=("created_at",))
TAGS = Kind("tags", table_of(Tag), ("name", *TIMES), unique=("name",), insert_only=("created_at",))
TASKS = Kind("tasks", table_of(Task), ("title", "status", "creator_id", "story_id", "project_id", "branch_id",
                                       "milestone_id", "assignee_id", "link", "priority", *TIMES),
             refs={"creator_id": ("users", True), "story_id": ("stories", True), "project_id": ("projects", True),
                   "branch_id": ("branches", True), "milestone_id": ("milestones", False),
                   "assignee_id": ("users", False)}, insert_only=("created_at",))
COMMENTS = Kind("comments", table_of(Comment), ("content", "is_active", "in_reply_to", "story_id", "author_id", *TIMES),
                refs={"story_id": ("stories", True), "author_id": ("users", True)}, insert_only=("created_at",))
HISTORY = Kind("comment versions", table_of(CommentHistory), ("comment_id", "content", *TIMES),
               refs={"comment_id": ("comments", True)}, insert_only=("created_at",))
DUE_DATES = Kind("due dates", table_of(DueDate), ("name", "date", "private", "creator_id", *TIMES),
                 refs={"creator_id": ("users", True)}, insert_only=("created_at",))
WORKLISTS = Kind("worklists", table_of(Worklist), ("title", "creator_id", "project_id", "private", "archived",
                                                   "automatic", *TIMES),
                 refs={"creator_id": ("users", True), "project_id": ("projects", False)}, insert_only=("created_at",))
FILTERS = Kind("worklist filters", table_of(WorklistFilter), ("list_id", "type", *TIMES),
               refs={"list_id": ("worklists", True)}, insert_only=("created_at",))
CRITERIA = Kind("filter criteria", table_of(FilterCriterion), ("filter_id", "title", "field", "value", "negative",
                                                              *TIMES),
                refs={"filter_id": ("worklist filters", True)}, insert_only=("created_at",))
BOARDS = Kind("boards", table_of(Board), ("title", "description", "creator_id", "project_id", "private", "archived",
                                          *TIMES),
              refs={"creator_id": ("users", True), "project_id": ("projects", False)}, insert_only=("created_at",))
LANES = Kind("board lanes", table_of(BoardLane), ("board_id", "list_id", "position", *TIMES),
             refs={"board_id": ("boards", True), "list_id": ("worklists", True)}, unique=("list_id",),
             insert_only=("created_at",))
ITEMS = Kind("worklist items", table_of(WorklistItem), ("list_id", "item_id", "item_type", "list_position", "archived",
                                                        "display_due_date", *TIMES),
             refs={"list_id": ("worklists", True), "display_due_date": ("due dates", False)},
             insert_only=("created_at",))
EVENTS = Kind("events", table_of(Event), ("event_type", "event_info", "story_id", "worklist_id", "board_id",
                                          "author_id", "comment_id", *TIMES),
              refs={"story_id": ("stories", False), "author_id": ("users", False), "comment_id": ("comments", False)},
              insert_only=("created_at",))
SUBSCRIPTIONS = Kind("subscriptions", table_of(Subscription), ("user_id", "target_type", "target_id", *TIMES),
                     refs={"user_id": ("users", True)}, insert_only=("created_at",))

PREFERENCES = Link("preferences", table_of(UserPreference), "user_id", "users", ("key",), values=("value",))
TEAM_MEMBERS = Link("team members", table_of(TeamMember), "team_id", "teams", ("user_id",),
                    refs={"user_id": ("users", True)})
TEAM_PROJECTS = Link("team projects", table_of(TeamProject), "team_id", "teams", ("project_id",),
                     refs={"project_id": ("projects", True)})
GROUP_MEMBERS = Link("project group members", table_of(ProjectGroupMember), "project_group_id", "project groups",
                     ("project_id",), refs={"project_id": ("projects", True)})
STORY_TAGS = Link("story tags", table_of(StoryTag), "story_id", "stories", ("tag_id",), refs={"tag_id": ("tags", True)})
STORY_USERS = Link("story access (people)", table_of(StoryUser), "story_id", "stories", ("user_id",),
                   refs={"user_id": ("users", True)})
STORY_TEAMS = Link("story access (teams)", table_of(StoryTeam), "story_id", "stories", ("team_id",),
                   refs={"team_id": ("teams", True)})
DUE_DATE_ITEMS = Link("due date items", table_of(DueDateItem), "due_date_id", "due dates", ("item_type", "item_id"))
DUE_DATE_BOARDS = Link("due date boards", table_of(DueDateBoard), "due_date_id", "due dates", ("board_id",),
                       refs={"board_id": ("boards", True)})
DUE_DATE_WORKLISTS = Link("due date worklists", table_of(DueDateWorklist), "due_date_id", "due dates",
                          ("worklist_id",), refs={"worklist_id": ("worklists", True)})
PERMISSION_USERS = Link("permission holders (people)", table_of(PlanningPermissionUser), "permission_id",
                        "permissions", ("user_id",), refs={"user_id": ("users", True)})
PERMISSION_TEAMS = Link("permission holders (teams)", table_of(PlanningPermissionTeam), "permission_id",
                        "permissions", ("team_id",), refs={"team_id": ("teams", True)})

# "permissions" (worklists', boards' and due dates') are written by the writer itself: Storyline keys
# them by (object, codename), not by StoryBoard's permission id.
PERMISSIONS = "permissions"

ORDER: tuple[Kind | Link | str, ...] = (
    USERS, PREFERENCES, TEAMS, TEAM_MEMBERS, PROJECTS, TEAM_PROJECTS, GROUPS, GROUP_MEMBERS, BRANCHES, MILESTONES,
    STORIES, TAGS, STORY_TAGS, STORY_USERS, STORY_TEAMS, TASKS, COMMENTS, HISTORY, DUE_DATES, WORKLISTS, FILTERS,
    CRITERIA, BOARDS, LANES, ITEMS, DUE_DATE_ITEMS, DUE_DATE_BOARDS, DUE_DATE_WORKLISTS, PERMISSIONS, EVENTS,
    SUBSCRIPTIONS,
)

# What a source is asked for, by kind name: the kinds above, and "permissions" (rows of object_type,
# object_id, codename, name, users [ids], teams [ids]).
KIND_NAMES = tuple(k if isinstance(k, str) else k.name for k in ORDER)

__all__ = ["KIND_NAMES", "Kind", "Link", "ORDER", "PERMISSIONS", "ReadFailed", "SOURCE"]
