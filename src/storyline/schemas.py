"""Shared pieces of the Pydantic schemas (request bodies in, documented shapes out)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from storyline.errors import ValidationFailed

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every backend
DbId = Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)]
MAX_ID_REFS = 500  # ids in one list of a request (access lists, members, due date items)


def _unwrap_refs(value: Any) -> Any:
    """Entries may be ids or objects with an `id` (the shape the API answers with)."""
    if isinstance(value, list):
        return [v.get("id") if isinstance(v, dict) else v for v in value]
    return value


# The one type of "a list of ids or {id: ...} objects" in request bodies.
IdRefs = Annotated[list[DbId], BeforeValidator(_unwrap_refs), Field(max_length=MAX_ID_REFS)]


def id_refs(field: str, value: Any) -> list[int]:
    """The same rule for a body read by hand (loose v1 arguments): ids in order, repeats dropped;
    a 400 naming `field` otherwise, in the validation shape of every other field."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ID_REFS:
        raise ValidationFailed(field, f"must be a list of at most {MAX_ID_REFS} ids (or objects with an id)")
    out = []
    for v in _unwrap_refs(value):
        if isinstance(v, str) and v.strip().lstrip("-").isdigit() and len(v.strip()) <= 11:
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int) or abs(v) > MAX_ID:
            raise ValidationFailed(field, f"'{v}' is not an id")
        out.append(v)
    return list(dict.fromkeys(out))

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
