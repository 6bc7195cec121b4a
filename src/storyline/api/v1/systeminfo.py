"""/v1/systeminfo"""

from __future__ import annotations

from fastapi import Request

from storyline import __version__
from storyline.api.common import JSON, json_response
from storyline.api.deps import ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.schemas import Out

router = Router(prefix="/systeminfo", tags=["systeminfo"])


class SystemConfigOut(Out):
    enable_attachments: bool
    enable_editable_comments: bool
    enable_notifications: bool


class SystemInfoOut(Out):
    version: str
    config: SystemConfigOut


@router.get("", responses={200: {"model": SystemInfoOut}})
def get_systeminfo(request: Request, viewer: Viewer = ViewerDep) -> JSON:
    """Version and feature switches. A token that is sent must be valid (clients check theirs here)."""
    settings = request.app.state.settings
    return json_response({
        "config": {
            "enable_attachments": settings.enable_attachments,
            "enable_editable_comments": settings.enable_editable_comments,
            "enable_notifications": settings.enable_notifications,
        },
        "version": __version__,
    })
