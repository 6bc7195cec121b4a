"""Code review and forges: task status follows Gerrit, GitHub and GitLab (docs/integrations.md).

- `events`: the sources' payloads, normalized; `footers`: references in commit messages;
- `sources`: sources, their secrets and authentication, repository → project mapping;
- `receive`: deliveries deduplicated and queued (outbox kind "integration"), or handled at once;
- `service`: the rules, applied as the source's bot user through the task and comment services;
- `listen`: `storyline gerrit listen` (stream-events); `rules`: per-project rules; `queries`: reads.

Importing `receive` registers the outbox handler; the preview router imports it, so every API
process (which delivers the outbox) has it.
"""
