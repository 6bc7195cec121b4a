"""Atom feeds (RFC 4287) of a story, a project, a project group, a user's activity and any story search.

Read-only views of the timeline (`storyline.timeline`): each entry is a story event (story created or
changed, comment, task change, tags, attachments, disclosure) of a story the reader may see, by the
one visibility rule (`authz.story_visible`); a story the reader cannot see contributes nothing. The
reader is anonymous, the caller of the API, or the user of a feed token (`?token=`), a token that
reads feeds and nothing else (`api/deps.get_feed_viewer`). See docs/notifications.md, "Feeds".

    queries.py   the newest events of a feed's scope, visible to the reader, and what entries need
    atom.py      the entries' words and the Atom document
"""
