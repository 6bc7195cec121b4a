"""Storyline: a task tracker for large open-source communities."""

__version__ = "0.1.0"
