"""Imports every model so that Base.metadata is complete (Alembic, tests)."""

from storyline.attachments.models import Attachment, AttachmentBlob
from storyline.auth.models import AuthorizationCode, PendingLogin, RefreshToken, UserIdentity
from storyline.importers.models import ImportRef
from storyline.integrations.models import (
    ChangeLink,
    IntegrationDelivery,
    IntegrationSource,
    ProjectRules,
    RepositoryMapping,
    ReviewChange,
)
from storyline.notifications.models import DigestMark, InstanceSecret
from storyline.outbox import OutboxRow
from storyline.planning.models import (
    Board,
    BoardLane,
    DueDate,
    DueDateBoard,
    DueDateItem,
    DueDateWorklist,
    FilterCriterion,
    PlanningPermission,
    PlanningPermissionTeam,
    PlanningPermissionUser,
    PriorityList,
    StaleMark,
    StaleRule,
    Worklist,
    WorklistFilter,
    WorklistItem,
)
from storyline.projects.models import Branch, Milestone, Project, ProjectGroup, ProjectGroupMember
from storyline.search.models import SavedView
from storyline.security.models import StoryAudit
from storyline.stories.models import (
    Comment,
    CommentHistory,
    Event,
    Story,
    StoryTag,
    StoryTeam,
    StoryUser,
    Tag,
    Task,
)
from storyline.subscriptions.models import Subscription, SubscriptionEvent
from storyline.users.models import AccessToken, Team, TeamMember, TeamProject, User, UserPreference
from storyline.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "ChangeLink", "IntegrationDelivery", "IntegrationSource", "ProjectRules", "RepositoryMapping", "ReviewChange",
    "OutboxRow", "ImportRef", "DigestMark", "InstanceSecret",
    "Attachment", "AttachmentBlob",
    "AuthorizationCode", "PendingLogin", "RefreshToken", "StoryAudit", "UserIdentity",
    "AccessToken", "Branch", "Comment", "CommentHistory", "Event", "Milestone", "Project", "ProjectGroup",
    "ProjectGroupMember", "Story", "StoryTag", "StoryTeam", "StoryUser", "Subscription",
    "SubscriptionEvent", "Tag", "Task", "Team", "TeamMember", "TeamProject", "User", "UserPreference",
    "Board", "BoardLane", "DueDate", "DueDateBoard", "DueDateItem", "DueDateWorklist", "FilterCriterion",
    "PlanningPermission", "PlanningPermissionTeam", "PlanningPermissionUser", "PriorityList", "Worklist",
    "WorklistFilter", "WorklistItem", "StaleMark", "StaleRule",
    "Webhook", "WebhookDelivery",
    "SavedView",
]
