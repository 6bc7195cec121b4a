"""`storyline import launchpad` and `storyline import storyboard`: bring another tracker over (docs/migration.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from storyline.cli.common import fail, require_migrated, settings, shown_url

import_app = typer.Typer(help="Import another tracker's data.", no_args_is_help=True)


def _since(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--since {value!r} is not a date (YYYY-MM-DD or an ISO date and time)", 2)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _project_map(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        lp, sep, name = value.partition("=")
        if not sep or not lp.strip() or not name.strip():
            fail(f"--project-map {value!r}: write LAUNCHPAD_PROJECT=STORYLINE_PROJECT", 2)
        out[lp.strip()] = name.strip()
    return out


@import_app.command("launchpad")
def launchpad(
    api_root: Annotated[str, typer.Option("--api-root", help="Launchpad's web service root, e.g. "
                                          "https://api.launchpad.net/devel/")],
    project: Annotated[list[str], typer.Option("--project", help="A Launchpad project whose bugs to import "
                                               "(repeatable)")],
    token: Annotated[str | None, typer.Option("--token", help="OAuth access token (private bugs need one "
                                              "of a security-team member)")] = None,
    token_secret: Annotated[str, typer.Option("--token-secret", help="OAuth access token secret")] = "",
    consumer_key: Annotated[str, typer.Option("--consumer-key", help="OAuth consumer key")] = "storyline",
    credentials: Annotated[str | None, typer.Option("--credentials", help="launchpadlib's credentials "
                                                    "file (instead of --token)")] = None,
    project_map: Annotated[list[str] | None, typer.Option("--project-map", help="LP=NAME: import Launchpad "
                                                          "project LP into Storyline project NAME "
                                                          "(default: the same name)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only bugs changed since this date "
                                              "(ISO date or date and time, UTC)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fetch and map everything, write nothing")] = False,
    web_root: Annotated[str | None, typer.Option("--web-root", help="Where people's Launchpad pages are "
                                                 "(OpenID discovery); default: derived from --api-root")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Bugs fetched at once")] = 16,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=5000, help="Bugs per transaction")] = 200,
    no_attachments: Annotated[bool, typer.Option("--no-attachments", help="Leave attachments out")] = False,
    no_openid: Annotated[bool, typer.Option("--no-openid", help="Skip the OpenID discovery of people")] = False,
    no_activity: Annotated[bool, typer.Option("--no-activity", help="Leave bugs' activity logs (their "
                                              "history) out of the timelines")] = False,
    retries: Annotated[int, typer.Option("--retries", min=0, max=50, help="Tries after a 5xx or a timeout")] = 8,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
) -> None:
    """Import every bug with a task on the named Launchpad projects: all statuses, duplicates, private
    bugs (with a token), comments, attachments, subscribers and people. Idempotent and resumable."""
    from storyline.importers.launchpad.client import Credentials, read_credentials_file
    from storyline.importers.launchpad.run import ImportFailed, Options, report, run

    if credentials and token:
        fail("give --token or --credentials, not both", 2)
    creds: Credentials | None = None
    if credentials:
        try:
            creds = read_credentials_file(credentials)
        except ValueError as exc:
            fail(str(exc), 2)
    elif token:
        creds = Credentials(consumer_key=consumer_key or "storyline", token=token, token_secret=token_secret)
    elif token_secret:
        fail("--token-secret needs --token", 2)
    conf = settings()
    url = conf.database_url
    require_migrated(url)
    options = Options(
        api_root=api_root, projects=list(dict.fromkeys(project)), project_map=_project_map(project_map or []),
        credentials=creds, since=_since(since), dry_run=dry_run, batch_size=batch_size, concurrency=concurrency,
        attachments=not no_attachments, openid=not no_openid, web_root=web_root, retries=retries,
        progress=not quiet, vmt_team=conf.vmt_team, activity=not no_activity,
        embargo_max_days=conf.embargo_max_days)
    try:
        result = run(options, url)
    except ImportFailed as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc), 2)
    typer.echo(report(result, options))
    if result.interrupted:
        raise typer.Exit(130)
    if result.summary.errors:
        typer.echo(f"storyline: {len(result.summary.errors)} error(s) importing from {api_root} into "
                   f"{shown_url(url)}; fix them and run again (what was imported stays)", err=True)
        raise typer.Exit(1)


@import_app.command("storyboard")
def storyboard(
    url: Annotated[str | None, typer.Option("--url", help="StoryBoard's API root, e.g. "
                                            "https://storyboard.example.org/api/v1 (with --token)")] = None,
    token: Annotated[str | None, typer.Option("--token", help="A StoryBoard superuser's API token")] = None,
    database: Annotated[str | None, typer.Option("--database", help="StoryBoard's database instead of its API: "
                                                 "mysql+pymysql://USER:PASSWORD@HOST/DATABASE (brings private "
                                                 "stories and everyone's preferences too)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and compare everything, write nothing")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="API requests at once")] = 8,
    retries: Annotated[int, typer.Option("--retries", min=0, max=50, help="Tries after a 5xx or a timeout")] = 6,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=10000, help="Rows per transaction")] = 1000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines")] = False,
) -> None:
    """Import a whole StoryBoard: users, teams, projects, groups, branches, milestones, stories, tasks,
    comments and their history, events, tags, subscriptions, worklists, boards, due dates, permissions and
    preferences, each under its StoryBoard id. Idempotent: a second run changes nothing."""
    from storyline.importers.common import ImportFailed
    from storyline.importers.storyboard.run import Options, report, run

    if url and not token:
        fail("--url needs --token (a StoryBoard superuser's)", 2)
    if bool(url) == bool(database):
        fail("give --url and --token (StoryBoard's API) or --database (its database), one of them", 2)
    target = settings().database_url
    require_migrated(target)
    options = Options(url=url, token=token, database=database, dry_run=dry_run, concurrency=concurrency,
                      retries=retries, chunk=batch_size, progress=not quiet)
    try:
        result = run(options, target)
    except ImportFailed as exc:
        fail(str(exc))
    typer.echo(report(result, options))
