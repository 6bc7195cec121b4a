from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from storyline.schemas import In, Name, Resource


class ProjectIn(In):
    name: Name
    description: str | None = None
    repo_url: Annotated[str, StringConstraints(max_length=255)] | None = None
    is_active: bool = True
    autocreate_branches: bool = False
    security_team_id: int | None = None


class ProjectUpdate(In):
    name: Name | None = None
    description: str | None = None
    repo_url: Annotated[str, StringConstraints(max_length=255)] | None = None
    is_active: bool | None = None
    autocreate_branches: bool | None = None
    security_team_id: int | None = None


class ProjectOut(Resource):
    name: str
    description: str | None
    is_active: bool
    repo_url: str | None
    autocreate_branches: bool
    security_team_id: int | None


class ProjectGroupIn(In):
    name: Name
    title: Annotated[str, StringConstraints(min_length=3, max_length=255)]


class ProjectGroupUpdate(In):
    name: Name | None = None
    title: Annotated[str, StringConstraints(min_length=3, max_length=255)] | None = None


class ProjectGroupOut(Resource):
    name: str
    title: str


BranchName = Annotated[str, StringConstraints(min_length=3, max_length=100)]


class BranchIn(In):
    name: BranchName
    project_id: int
    expired: bool = False
    expiration_date: str | None = None
    autocreated: bool = False
    restricted: bool = False


class BranchUpdate(In):
    name: BranchName | None = None
    project_id: int | None = None
    expired: bool | None = None
    restricted: bool | None = None


class BranchOut(Resource):
    name: str
    project_id: int
    expired: bool
    expiration_date: str | None
    autocreated: bool
    restricted: bool


class MilestoneIn(In):
    name: BranchName
    branch_id: int
    expired: bool = False
    expiration_date: str | None = None


class MilestoneUpdate(In):
    name: BranchName | None = None
    branch_id: int | None = None
    expired: bool | None = None


class MilestoneOut(Resource):
    name: str
    branch_id: int
    expired: bool
    expiration_date: str | None
