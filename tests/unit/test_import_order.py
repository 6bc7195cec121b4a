"""Modules that other processes import first (the outbox's senders, the worker, the CLI) import cleanly on
their own: an import cycle shows only when a cycle's modules are entered from a particular side (the
notifications and timeline packages import each other's modules), which the app's own import order hides."""

import subprocess
import sys

import pytest

ENTRY_MODULES = [
    "storyline.notifications.mail", "storyline.notifications.digest", "storyline.notifications.mailin",
    "storyline.notifications.follow", "storyline.webhooks.delivery", "storyline.timeline",
    "storyline.feeds.atom", "storyline.integrations.receive", "storyline.worker", "storyline.cli",
]


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_module_imports_on_its_own(module: str) -> None:
    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
