"""Shared pieces of the Pydantic schemas (request bodies in, documented shapes out)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every backend
DbId = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]

NAME_PATTERN = r"^[A-Za-z0-9]+([_\-./][A-Za-z0-9]+)*$"

Name = Annotated[str, StringConstraints(min_length=3, max_length=100, pattern=NAME_PATTERN)]
TeamName = Annotated[str, StringConstraints(min_length=3, max_length=255, pattern=NAME_PATTERN)]


class In(BaseModel):
    """Request bodies: unknown attributes are ignored, as StoryBoard does."""

    model_config = ConfigDict(extra="ignore")

    def changes(self) -> dict[str, object]:
        """Only the attributes present in the body (PUT is a partial update)."""
        return {k: getattr(self, k) for k in self.model_fields_set}


class Out(BaseModel):
    """Documented response shapes (OpenAPI); responses are built as plain dicts."""

    model_config = ConfigDict(extra="allow")


class Resource(Out):
    id: int
    created_at: str
    updated_at: str | None
