"""`storyline projects load FILE.yaml`: bulk-load projects and groups from an OpenStack-style
`projects.yaml`.

The file is a list of entries such as::

    - project: openstack/nova
      description: OpenStack Compute (Nova)
      use-storyboard: true
      groups:
        - nova
        - openstack

Which entries are loaded: when *any* entry of the file has a `use-storyboard` key (as in
OpenStack's project-config, which lists every repository), only entries with `use-storyboard: true`
are loaded; when *no* entry has the key (a file written for Storyline alone), every entry is loaded.

What loading does, in one transaction (all entries are checked before anything is written):
missing projects are created (with their restricted `master` branch); an existing project's
description is updated when the entry has a `description` that differs; missing groups are created
with title = name; missing memberships are added. Nothing is ever removed, so loading the same file
again changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeGuard

import typer

from storyline.cli.common import fail, write_session
from storyline.schemas import NAME_PATTERN

projects_app = typer.Typer(help="Manage projects in bulk.", no_args_is_help=True)

FLAG = "use-storyboard"
NAME = re.compile(NAME_PATTERN)
_CHUNK = 500


@dataclass
class Entry:
    name: str
    description: str | None
    has_description: bool
    groups: list[str] = field(default_factory=list)


@dataclass
class Summary:
    selected: int = 0
    skipped: int = 0
    projects_created: int = 0
    projects_updated: int = 0
    projects_unchanged: int = 0
    groups_created: int = 0
    memberships_added: int = 0

    def lines(self, path: str, dry_run: bool) -> list[str]:
        verb = "would load" if dry_run else "loaded"
        return [
            f"{path}: {verb} {self.selected} projects ({self.skipped} entries skipped: not `{FLAG}: true`)",
            f"projects: {self.projects_created} created, {self.projects_updated} updated, "
            f"{self.projects_unchanged} unchanged",
            f"groups: {self.groups_created} created",
            f"memberships: {self.memberships_added} added",
        ]


def _valid_name(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and 3 <= len(value) <= 100 and NAME.fullmatch(value) is not None


def parse(data: Any) -> tuple[list[Entry], int, list[str]]:
    """(entries to load, number skipped, problems). Checks every entry before anything is written."""
    if data is None:
        return [], 0, []
    if not isinstance(data, list):
        return [], 0, ["the file must contain a list of entries (`- project: name ...`)"]
    problems: list[str] = []
    flagged = any(isinstance(item, dict) and FLAG in item for item in data)
    merged: dict[str, Entry] = {}
    skipped = 0
    for index, item in enumerate(data, start=1):
        where = f"entry {index}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping with a `project` key")
            continue
        if FLAG in item and not isinstance(item[FLAG], bool):
            problems.append(f"{where}: `{FLAG}` must be true or false")
            continue
        if flagged and item.get(FLAG) is not True:
            skipped += 1
            continue
        name = item.get("project")
        if not _valid_name(name):
            problems.append(
                f"{where}: `project` must be a name of 3-100 letters and digits, optionally separated "
                f"by single _ - . or / characters (got {name!r})"
            )
            continue
        where = f"entry {index} ({name})"
        description = item.get("description")
        if description is not None and not isinstance(description, str):
            problems.append(f"{where}: `description` must be text")
            continue
        if description is not None and "\x00" in description:
            problems.append(f"{where}: `description` must not contain NUL characters")
            continue
        groups = item.get("groups") or []
        if not isinstance(groups, list):
            problems.append(f"{where}: `groups` must be a list of group names")
            continue
        bad = [g for g in groups if not _valid_name(g)]
        if bad:
            problems.append(f"{where}: invalid group name(s) {', '.join(map(repr, bad))}")
            continue
        entry = merged.get(name)
        if entry is None:
            entry = merged[name] = Entry(name, None, False)
        if "description" in item:
            entry.description, entry.has_description = description, True
        entry.groups.extend(g for g in groups if g not in entry.groups)
    return list(merged.values()), skipped, problems


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def load(session: Any, entries: list[Entry], summary: Summary) -> None:
    """Apply `entries` through the project services (idempotent)."""
    from sqlalchemy import select

    from storyline.projects import service
    from storyline.projects.models import Project, ProjectGroup, ProjectGroupMember

    names = [e.name for e in entries]
    projects: dict[str, Project] = {}
    for chunk in _chunks(names):
        rows = session.execute(select(Project).where(Project.name.in_(chunk))).scalars()
        projects.update((p.name, p) for p in rows)
    group_names = sorted({g for e in entries for g in e.groups})
    groups: dict[str, ProjectGroup] = {}
    for chunk in _chunks(group_names):
        rows = session.execute(select(ProjectGroup).where(ProjectGroup.name.in_(chunk))).scalars()
        groups.update((g.name, g) for g in rows)
    for name in group_names:
        if name not in groups:
            groups[name] = service.do_create_group(session, {"name": name, "title": name})
            summary.groups_created += 1

    for entry in entries:
        project = projects.get(entry.name)
        if project is None:
            data = {"name": entry.name, "description": entry.description}
            project = service.do_create_project(session, data)
            projects[entry.name] = project
            summary.projects_created += 1
        elif entry.has_description and project.description != entry.description:
            service.do_update_project(session, project, {"description": entry.description})
            summary.projects_updated += 1
        else:
            summary.projects_unchanged += 1

    ids = [projects[e.name].id for e in entries]
    members: set[tuple[int, int]] = set()
    for i in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(ProjectGroupMember.project_group_id, ProjectGroupMember.project_id)
            .where(ProjectGroupMember.project_id.in_(ids[i:i + _CHUNK]))
        )
        members.update((gid, pid) for gid, pid in rows)
    for entry in entries:
        project = projects[entry.name]
        for group_name in entry.groups:
            group = groups[group_name]
            if (group.id, project.id) not in members:
                service.do_add_group_project(session, group, project)
                members.add((group.id, project.id))
                summary.memberships_added += 1


@projects_app.command("load")
def load_command(
    path: Annotated[Path, typer.Argument(
        metavar="FILE.yaml", exists=True, dir_okay=False, readable=True,
        help="An OpenStack-style projects.yaml")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, write nothing")] = False,
) -> None:
    """Create or update projects and project groups from a projects.yaml (idempotent).

    If any entry has a `use-storyboard` key, only entries with `use-storyboard: true` are loaded;
    if none has it, every entry is loaded. Missing projects and groups (title = name) are created,
    descriptions updated, memberships added; nothing is removed.
    """
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        fail(f"{path}: not a readable YAML file: {exc}")
    entries, skipped, problems = parse(data)
    if problems:
        for problem in problems:
            typer.echo(f"storyline: {path}: {problem}", err=True)
        fail(f"{path}: {len(problems)} invalid entries; nothing was loaded")
    summary = Summary(selected=len(entries), skipped=skipped)

    class _DryRun(Exception):
        pass

    try:
        with write_session() as session:
            load(session, entries, summary)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    for line in summary.lines(str(path), dry_run):
        typer.echo(line)
