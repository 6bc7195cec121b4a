"""One error hierarchy, rendered in StoryBoard's JSON shapes (reference §1.8)."""

from __future__ import annotations

from typing import Any


class StorylineError(Exception):
    """Raised by services and access helpers; rendered as StoryBoard's `faultstring` body."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "faultcode": "Client",
            "faultstring": self.message,
            "debuginfo": None,
            "error_code": self.code,
            # The OpenAPI document's error schema requires `message` (StoryBoard's validation shape).
            "message": self.message,
        }
        if self.field:
            body["field"] = self.field
        return body


class BadRequest(StorylineError):
    status_code = 400
    code = "bad_request"


def validation_body(field: str, message: str) -> dict[str, Any]:
    """A validation error in every shape StoryBoard clients read: `{"message", "field"}` (its schema
    validation), `{"code", "title", "description"}` (what StoryBoard 1.1.0 actually answers), and
    `faultstring` (what the web client shows first)."""
    return {"message": message, "field": field, "faultstring": f"{field}: {message}",
            "code": 400, "title": "Bad Request", "description": f"{field}: {message}"}


class ValidationFailed(StorylineError):
    """A field failed validation: StoryBoard's `{"message", "field"}` shape."""

    status_code = 400
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)

    def body(self) -> dict[str, Any]:
        return validation_body(self.field or "body", self.message)


class TooLarge(ValidationFailed):
    """A request body or an uploaded file beyond a configured limit: 413, naming the field and the limit."""

    status_code = 413
    code = "too_large"

    def __init__(self, field: str, message: str, limit: int) -> None:
        super().__init__(field, message)
        self.limit = limit

    def body(self) -> dict[str, Any]:
        return dict(super().body(), title="Payload Too Large", code=413, limit=self.limit)


class NotFound(StorylineError):
    status_code = 404
    code = "not_found"


class Forbidden(StorylineError):
    status_code = 403
    code = "forbidden"


class Conflict(StorylineError):
    status_code = 409
    code = "conflict"


class Unavailable(StorylineError):
    """The database cannot serve this request now (down, unresponsive or saturated): 503, retry later."""

    status_code = 503
    code = "unavailable"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return dict(super().body(), faultcode="Server")


class MethodNotAllowed(StorylineError):
    status_code = 405
    code = "method_not_allowed"


class FrameworkError(Exception):
    """Authentication, superuser and routing refusals: `{"code", "title", "description"}`."""

    def __init__(self, status_code: int, title: str, description: str | None = None) -> None:
        super().__init__(title)
        self.status_code = status_code
        self.title = title
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"code": self.status_code, "title": self.title, "description": self.description}


def unauthorized() -> FrameworkError:
    return FrameworkError(401, "Unauthorized")


def superuser_only() -> FrameworkError:
    return FrameworkError(403, "Forbidden", "This action is limited to superusers only.")
