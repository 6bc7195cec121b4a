"""The event types of the timeline (v1 `event_type` values)."""

STORY_EVENT_TYPES = (
    "story_created", "story_details_changed", "user_comment", "tags_added", "tags_deleted", "task_created",
    "task_details_changed", "task_status_changed", "task_priority_changed", "task_assignee_changed",
    "task_deleted",
)
# Storyline additions (additive event types; StoryBoard clients ask for explicit type lists).
SECURITY_EVENT_TYPES = ("story_disclosed",)
ATTACHMENT_EVENT_TYPES = ("attachment_added", "attachment_removed")
WORKLIST_EVENT_TYPES = (
    "worklist_created", "worklist_details_changed", "worklist_permission_created",
    "worklist_permissions_changed", "worklist_filters_changed", "worklist_contents_changed",
    "board_created", "board_details_changed", "board_permission_created", "board_permissions_changed",
    "board_lanes_changed",
)
# An importer's record of a change it has no other type for (a Launchpad activity-log entry): its
# event_info says what changed, from what to what (docs/migration.md). Never notified.
IMPORT_EVENT_TYPES = ("imported_activity",)
EVENT_TYPES = (STORY_EVENT_TYPES + WORKLIST_EVENT_TYPES + SECURITY_EVENT_TYPES + ATTACHMENT_EVENT_TYPES
               + IMPORT_EVENT_TYPES)

__all__ = ["ATTACHMENT_EVENT_TYPES", "EVENT_TYPES", "IMPORT_EVENT_TYPES", "SECURITY_EVENT_TYPES", "STORY_EVENT_TYPES",
           "WORKLIST_EVENT_TYPES"]
