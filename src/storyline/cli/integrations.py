"""`storyline integrations ...` (code review sources, repository mappings, per-project rules) and
`storyline gerrit listen` (docs/integrations.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from storyline.cli.common import fail, find_project, find_user, settings, write_session

integrations_app = typer.Typer(help="Code review integration: Gerrit, GitHub and GitLab sources (preview).",
                               no_args_is_help=True)
gerrit_app = typer.Typer(help="Gerrit: read its stream-events (preview).", no_args_is_help=True)

BOT_HELP = ("The user the source acts as (id or e-mail), with that user's rights; default: a new bot user "
            "(login disabled) named after the source")
BASE_HELP = "Storyline's public address for the printed URL (default: the base_url setting)"


def _add(kind: str, name: str, origin: str | None, bot: str | None, base_url: str | None) -> tuple[str, str]:
    from storyline.integrations.sources import do_create_source, hook_path

    with write_session() as session:
        bot_user = find_user(session, bot) if bot else None
        _, secret = do_create_source(session, kind, name, origin=origin, bot_user=bot_user)
    base = (base_url or settings().public_url).rstrip("/")
    return base + hook_path(kind, name, secret), secret


@integrations_app.command("add-gerrit")
def add_gerrit(
    name: Annotated[str, typer.Argument(help="A name for this Gerrit (letters, digits, . _ -), part of the URL")],
    origin: Annotated[str, typer.Option("--origin", help="Gerrit's canonical URL (the webhooks plugin sends it "
                                        "as X-Origin-Url; other origins are refused)")],
    bot: Annotated[str | None, typer.Option("--bot", help=BOT_HELP)] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help=BASE_HELP)] = None,
) -> None:
    """Add a Gerrit source (preview). Prints the webhook URL, secret included, for Gerrit's
    webhooks.config; `storyline gerrit listen NAME` reads its stream-events instead or as well."""
    url, _ = _add("gerrit", name, origin, bot, base_url)
    typer.echo(url)
    typer.echo(f"# webhooks.config in refs/meta/config of the projects (or All-Projects):\n"
               f"#   [remote \"storyline\"]\n#     url = {url}\n#     event = patchset-created\n"
               f"#     event = change-merged\n#     event = change-abandoned\n#     event = change-restored\n"
               f"#     event = comment-added\n#     event = wip-state-changed\n#     event = private-state-changed\n"
               f"#     event = ref-updated", err=True)


@integrations_app.command("add-github")
def add_github(
    name: Annotated[str, typer.Argument(help="A name for this source (letters, digits, . _ -), part of the URL")],
    bot: Annotated[str | None, typer.Option("--bot", help=BOT_HELP)] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help=BASE_HELP)] = None,
) -> None:
    """Add a GitHub source (preview). Prints the payload URL and the secret to enter in the repository's
    (or organization's) webhook settings: content type application/json; events: pull requests, pull
    request reviews, pushes, check suites."""
    url, secret = _add("github", name, None, bot, base_url)
    typer.echo(f"url: {url}\nsecret: {secret}")


@integrations_app.command("add-gitlab")
def add_gitlab(
    name: Annotated[str, typer.Argument(help="A name for this source (letters, digits, . _ -), part of the URL")],
    bot: Annotated[str | None, typer.Option("--bot", help=BOT_HELP)] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help=BASE_HELP)] = None,
) -> None:
    """Add a GitLab source (preview). Prints the URL and the secret token to enter in the project's (or
    group's) webhook settings: merge request events, push events, pipeline events."""
    url, secret = _add("gitlab", name, None, bot, base_url)
    typer.echo(f"url: {url}\nsecret: {secret}")


@integrations_app.command("list")
def list_sources() -> None:
    """List the sources: name, kind, origin, bot user, deliveries, linked changes, last event (preview)."""
    from storyline.integrations.sources import sources_summary

    with write_session() as session:
        rows = sources_summary(session)
    for r in rows:
        last = r["last_event_at"].isoformat() if r["last_event_at"] else "-"
        typer.echo(f"{r['name']}\t{r['kind']}\t{r['origin'] or '-'}\tbot user {r['bot_user_id']}\t"
                   f"{r['deliveries']} deliveries\t{r['linked_changes']} linked changes\tlast stream event {last}")


@integrations_app.command("remove")
def remove_source(name: Annotated[str, typer.Argument(help="The source's name")]) -> None:
    """Remove a source, its deliveries and its linked changes (tasks keep their status) (preview)."""
    from storyline.errors import NotFound
    from storyline.integrations.sources import do_remove_source, get_source

    with write_session() as session:
        try:
            do_remove_source(session, get_source(session, name))
        except NotFound as exc:
            fail(exc.message)
    typer.echo(f"Removed {name}.")


@integrations_app.command("map")
def map_repository(
    repository: Annotated[str, typer.Argument(help="The repository as the source names it: openstack/nova")],
    project: Annotated[str, typer.Argument(help="The Storyline project (id or name)")],
) -> None:
    """Map a repository to a project explicitly (before the project's repo_url and its name) (preview)."""
    from storyline.integrations.sources import do_map_repository

    if not repository.strip() or len(repository) > 255:
        fail("the repository is 1 to 255 characters")
    with write_session() as session:
        target = find_project(session, project)
        do_map_repository(session, repository.strip(), target)
        name = target.name
    typer.echo(f"{repository} → {name}")


@integrations_app.command("unmap")
def unmap_repository(repository: Annotated[str, typer.Argument(help="The repository")]) -> None:
    """Remove an explicit mapping (preview)."""
    from storyline.errors import NotFound
    from storyline.integrations.sources import do_unmap_repository

    with write_session() as session:
        try:
            do_unmap_repository(session, repository)
        except NotFound as exc:
            fail(exc.message)
    typer.echo(f"{repository}: no explicit mapping")


@integrations_app.command("rules")
def project_rules(
    project: Annotated[str, typer.Argument(help="The project (id or name)")],
    set_: Annotated[list[str] | None, typer.Option("--set", metavar="RULE=VALUE",
                                                   help="Change a rule, e.g. --set on_upload=inprogress "
                                                        "--set assign_owner=false (repeatable)")] = None,
) -> None:
    """Show (and with --set change) a project's integration rules, as JSON (preview)."""
    from storyline.errors import StorylineError
    from storyline.integrations import rules

    changes = {}
    for item in set_ or []:
        key, sep, raw = item.partition("=")
        if not sep:
            fail(f"--set {item!r}: write RULE=VALUE")
        try:
            changes[key.strip()] = json.loads(raw.strip())
        except ValueError:
            changes[key.strip()] = raw.strip()
    with write_session() as session:
        target = find_project(session, project)
        try:
            result = rules.do_set_rules(session, target.id, changes) if changes else rules.rules_for(session, target.id)
        except StorylineError as exc:
            fail(f"{exc.field}: {exc.message}" if exc.field else exc.message, 2)
    typer.echo(json.dumps(result, indent=2))


@gerrit_app.command("listen")
def listen(
    name: Annotated[str, typer.Argument(help="The Gerrit source (storyline integrations add-gerrit)")],
    command: Annotated[str | None, typer.Option(
        "--command", help="The command printing the events, e.g. 'ssh -p 29418 bot@review.example.org gerrit "
        "stream-events' (or the events plugin's 'events stream --ids', resumed with --resume-after); "
        "default: read standard input")] = None,
    reconnect_delay: Annotated[float, typer.Option("--reconnect-delay", min=0.0,
                                                   help="Seconds before the first reconnection (doubling, "
                                                        "at most a minute)")] = 1.0,
    max_reconnects: Annotated[int | None, typer.Option("--max-reconnects", min=0,
                                                       help="Stop after this many reconnections "
                                                            "(default: never)")] = None,
) -> None:
    """Read Gerrit's stream-events and act on them (preview): one line per event handled, then a summary."""
    import logging
    import signal

    from storyline.cli.common import require_migrated
    from storyline.db import make_engine, make_sessionmaker
    from storyline.errors import NotFound
    from storyline.integrations.listen import Listener, summary
    from storyline.integrations.sources import Source, get_source

    config = settings()
    require_migrated(config.database_url)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    engine = make_engine(config.database_url)
    sessions = make_sessionmaker(engine, write=True)
    try:
        with sessions() as session:
            try:
                row = get_source(session, name)
            except NotFound as exc:
                fail(exc.message)
            if row.kind != "gerrit":
                fail(f"{name} is a {row.kind} source, not a Gerrit one")
            source = Source(row.id, row.name, row.kind, row.origin, row.secret_hash, row.secret, row.bot_user_id)
        listener = Listener(sessions, source, command=command, reconnect_delay=reconnect_delay,
                            max_reconnects=max_reconnects)

        def stop(_signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            counts = listener.run()
        except KeyboardInterrupt:
            listener.stop_process()
            counts = listener.counts
        typer.echo(summary(counts))
    finally:
        engine.dispose()
