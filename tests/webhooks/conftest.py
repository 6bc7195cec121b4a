"""The webhook tests' fixtures: a real HTTP receiver on loopback and an app that delivers to it."""

from receiver import hook_app, hook_db, receiver, smtp  # noqa: F401
