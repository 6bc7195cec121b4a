"""Request bodies and documented response shapes of worklists, boards and due dates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from storyline.schemas import DbId, IdRefs, In, Resource
from storyline.stories.schemas import StoryOut, TaskOut

Title = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Ids = IdRefs


class CriterionIn(In):
    id: DbId | None = None
    title: Annotated[str, StringConstraints(max_length=255)] | None = None
    field: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        description="Project, ProjectGroup, Story, User, StoryStatus, TaskStatus, Tags or Text; Storyline adds "
                    "Branch, Milestone, Team (assignee is a member), UpdatedBefore, UpdatedAfter (ISO-8601), "
                    "InactiveDays and ActiveWithinDays, and Query (a query of the search language, "
                    "docs/search.md); others are ignored")
    value: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    negative: bool = False

    @field_validator("value", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


QueryText = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Q_HELP = ("A query of the search language (docs/search.md; additive), kept as a criterion with field \"Query\": "
          "matching stories (a Story filter) or the tasks of matching stories (a Task filter); its sort: is ignored")


class FilterIn(In):
    type: Literal["Story", "Task"]
    filter_criteria: list[CriterionIn] = Field(default_factory=list, max_length=50)
    q: QueryText | None = Field(None, description=Q_HELP)

    @model_validator(mode="after")
    def _query_criterion(self) -> FilterIn:
        if self.q is not None:
            self.filter_criteria = [*self.filter_criteria, CriterionIn(field="Query", value=self.q)]
        return self


class FilterUpdate(In):
    type: Literal["Story", "Task"] | None = None
    filter_criteria: list[CriterionIn] | None = Field(None, max_length=50)
    q: QueryText | None = Field(None, description=Q_HELP + "; replaces the filter's Query criterion, the other "
                                "criteria kept (unless filter_criteria is given too: then added to them)")


class _Members(In):
    owners: Ids | None = Field(None, description="Users given the edit permission (default: the creator)")
    users: Ids | None = Field(None, description="Users given the move/assign permission")
    team_owners: Ids | None = None
    team_users: Ids | None = None


class WorklistIn(_Members):
    title: Title
    project_id: DbId | None = None
    private: bool = False
    automatic: bool = False
    filters: list[FilterIn] = Field(default_factory=list, max_length=50)


class WorklistUpdate(In):
    """Items and filters in the body are ignored (they have their own endpoints)."""

    title: Title | None = None
    project_id: DbId | None = None
    private: bool | None = None
    automatic: bool | None = None
    archived: bool | None = None


class LaneIn(In):
    list_id: DbId
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None


class BoardIn(_Members):
    title: Title
    description: Annotated[str, StringConstraints(max_length=65535)] | None = None
    project_id: DbId | None = None
    private: bool = False
    lanes: list[LaneIn] = Field(default_factory=list, max_length=200)


class BoardUpdate(In):
    title: Title | None = None
    description: Annotated[str, StringConstraints(max_length=65535)] | None = None
    project_id: DbId | None = None
    private: bool | None = None
    archived: bool | None = None
    lanes: list[LaneIn] | None = Field(None, max_length=200)


class DueDateIn(_Members):
    name: Title
    date: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    private: bool = False
    board_id: DbId | None = None
    worklist_id: DbId | None = None


class DueDateUpdate(In):
    name: Title | None = None
    date: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    private: bool | None = None
    board_id: DbId | None = None
    worklist_id: DbId | None = None
    tasks: Ids | None = Field(None, description="Task ids (or Task objects): the tasks assigned")
    stories: Ids | None = Field(None, description="Story ids (or Story objects): the stories assigned")


# ---- documented responses -------------------------------------------------------------------------

class CriterionOut(Resource):
    filter_id: int
    title: str | None
    field: str
    value: str
    negative: bool


class FilterOut(Resource):
    list_id: int
    type: str
    filter_criteria: list[CriterionOut]


_ITEM_ID = "The card's id; null for an item of an automatic list (computed at read time, it has no row of its own)"


class CardStoryOut(StoryOut):
    """A card's story: the v1 story with StoryBoard's `due_dates`."""

    due_dates: list[int] = Field(description="The due dates (ids) the story is on that the caller may see")


class CardTaskOut(TaskOut):
    """A card's task: the v1 task with StoryBoard's `due_dates`."""

    due_dates: list[int] = Field(description="The due dates (ids) the task is on that the caller may see")


class WorklistItemOut(Resource):
    # Narrower than Resource's `id: int` on purpose: the v1 answer has the card's id or null (the fuzz test
    # validates answers against this schema).
    id: int | None = Field(description=_ITEM_ID)  # type: ignore[assignment]
    list_id: int
    item_id: int
    item_type: str
    list_position: int
    archived: bool
    display_due_date: int | None
    resolved_due_date: dict[str, Any] | None = None
    story: CardStoryOut | None = None
    task: CardTaskOut | None = None


class WorklistOut(Resource):
    title: str
    creator_id: int
    project_id: int | None
    private: bool
    archived: bool
    automatic: bool
    filters: list[FilterOut]
    owners: list[int]
    users: list[int]
    team_owners: list[int]
    team_users: list[int]
    items: list[WorklistItemOut]


class LaneOut(Resource):
    board_id: int
    list_id: int
    position: int
    worklist: WorklistOut


class DueDateOut(Resource):
    name: str
    date: str
    private: bool
    creator_id: int
    tasks: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    count: int
    owners: list[int]
    users: list[int]
    team_owners: list[int]
    team_users: list[int]
    editable: bool
    assignable: bool


class BoardOut(Resource):
    title: str
    description: str | None
    creator_id: int
    project_id: int | None
    private: bool
    archived: bool
    lanes: list[LaneOut]
    due_dates: list[DueDateOut]
    owners: list[int]
    users: list[int]
    team_owners: list[int]
    team_users: list[int]
