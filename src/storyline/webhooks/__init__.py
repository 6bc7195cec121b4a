"""Outbound webhooks: a URL told of every story event of a project, a project group or everything,
signed with a per-hook secret, retried through the outbox, logged per hook (docs/notifications.md).

models.py (hooks, delivery log), service.py (who may add one; the writes), delivery.py (which hooks
an event goes to, the body, the signed request)."""
