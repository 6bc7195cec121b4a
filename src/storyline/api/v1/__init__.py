"""The StoryBoard-compatible REST API v1, served at /v1 and /api/v1."""

from fastapi import APIRouter

from storyline.api.v1 import comments, events, stories, tags, tasks
from storyline.api.v1 import projects, project_groups, branches, milestones
from storyline.api.v1 import subscription_events, subscriptions, systeminfo, task_statuses, teams
from storyline.api.v1 import user_preferences, user_tokens, users

router = APIRouter(prefix="/v1")
for module in (stories, tasks, comments, events, tags, projects, project_groups, branches, milestones,
               systeminfo, task_statuses, users, user_tokens, user_preferences, teams, subscriptions,
               subscription_events):
    router.include_router(module.router)
