"""Superuser and owner checks live in the services (docs/architecture.md, "The access layer"), checked on
the source: no HTTP module makes such a check itself, and none calls the unchecked `do_X` of a service
whose `do_X_as(session, viewer, ...)` is the checked entry point."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "storyline"
HTTP_DIRS = ("api", "preview")
# The permission checks of authz.py that belong in services. (`require_user`, authentication alone, may
# stay in a route.) api/deps.py's SuperuserFirst only orders a refusal before validation.
CHECKS = {"require_superuser", "require_self_or_superuser", "check_subscriber_filter"}
SERVICES = ("users/service.py", "projects/service.py", "stories/service.py", "stories/comments.py")


def _names(path: Path) -> set[str]:
    """Every name a module uses: plain names, attributes (`service.do_x`) and imported names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            found.update(alias.name for alias in node.names)
    return found


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def _unchecked() -> dict[str, str]:
    """`do_X` -> its service module, for every do_X that has a checked do_X_as beside it."""
    out: dict[str, str] = {}
    for rel in SERVICES:
        defined = _functions(SRC / rel)
        out.update({name: rel for name in defined if name.startswith("do_") and f"{name}_as" in defined})
    return out


def _http_modules() -> list[Path]:
    return sorted(p for d in HTTP_DIRS for p in (SRC / d).rglob("*.py"))


def test_the_services_have_checked_entry_points() -> None:
    unchecked = _unchecked()
    # A sample that must stay: the writes the audit found checked route by route.
    for name in ("do_create_team", "do_add_team_member", "do_create_token", "do_set_preferences",
                 "do_create_group", "do_update_branch", "do_delete_story", "do_delete_comment"):
        assert name in unchecked, name


def test_http_modules_make_no_superuser_or_owner_check() -> None:
    modules = _http_modules()
    assert len(modules) > 20
    bad = [f"{p.relative_to(SRC)} uses {name}" for p in modules if p.name != "deps.py"
           for name in sorted(_names(p) & CHECKS)]
    assert bad == []


def test_http_modules_call_only_the_checked_service_functions() -> None:
    unchecked = _unchecked()
    bad = [f"{p.relative_to(SRC)} calls {name} (use {name}_as in {unchecked[name]})"
           for p in _http_modules() for name in sorted(_names(p) & unchecked.keys())]
    assert bad == []
