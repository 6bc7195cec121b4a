"""The StoryBoard-compatible REST API v1, served at /v1 and /api/v1."""

from fastapi import APIRouter

from storyline.api.v1 import (
    attachments,
    boards,
    branches,
    comments,
    due_dates,
    events,
    feeds,
    milestones,
    notifications,
    openid,
    project_groups,
    projects,
    stories,
    subscription_events,
    subscriptions,
    systeminfo,
    tags,
    task_statuses,
    tasks,
    teams,
    user_preferences,
    user_tokens,
    users,
    worklists,
)

PREFIX = "/v1"
# Included one by one into the app under PREFIX (not nested in one /v1 router: FastAPI matches
# nested routers level by level, which made every request test each route several times). Most
# requested first; the order of routes within a module is kept, so route precedence is unchanged.
routers: list[APIRouter] = [
    module.router
    for module in (stories, tasks, comments, events, tags, projects, project_groups, branches, milestones,
                   systeminfo, task_statuses, users, user_tokens, user_preferences, teams, subscriptions,
                   subscription_events, openid, worklists, boards, due_dates, attachments, feeds, notifications)
]
