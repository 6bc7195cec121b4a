"""The StoryBoard-compatible REST API v1, served at /v1 and /api/v1."""

from fastapi import APIRouter

from storyline.api.v1 import projects, project_groups, branches, milestones

router = APIRouter(prefix="/v1")
for module in (projects, project_groups, branches, milestones,):
    router.include_router(module.router)
