"""Launchpad values as Storyline values (launchpad.md §2, §5, §6): statuses, importances, information
types, text, titles, tags and dates. Pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

STATUS = {
    "New": "todo", "Confirmed": "todo", "Triaged": "todo", "Incomplete": "todo", "Unknown": "todo",
    "Incomplete (with response)": "todo", "Incomplete (without response)": "todo", "Deferred": "todo",
    "In Progress": "inprogress",
    "Fix Committed": "merged", "Fix Released": "merged",
    "Opinion": "invalid", "Invalid": "invalid", "Won't Fix": "invalid", "Expired": "invalid",
    "Does Not Exist": "invalid",
}
# Every status searchTasks knows, passed explicitly: by default it returns open bugs only (§5.1).
ALL_STATUSES = ("New", "Incomplete", "Opinion", "Invalid", "Won't Fix", "Expired", "Confirmed", "Triaged",
                "In Progress", "Fix Committed", "Fix Released", "Unknown", "Deferred", "Does Not Exist")
IMPORTANCE = {"Critical": "high", "High": "high", "Medium": "medium", "Undecided": "medium",
              "Unknown": "medium", "Low": "low", "Wishlist": "low"}
# information_type -> (private, security); Proprietary and Embargoed are private and flagged for review.
INFORMATION_TYPES = {
    "Public": (False, False), "Public Security": (False, True), "Private Security": (True, True),
    "Private": (True, False), "User Data": (True, False), "Proprietary": (True, False),
    "Embargoed": (True, False), "Embargoed Security": (True, True),
}
REVIEW_TYPES = {"Proprietary", "Embargoed"}
REDACTED = "tag:launchpad.net:2008:redacted"
TITLE_MAX = 255
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9+.\-_]*$")
CVE_RE = re.compile(r"^CVE-\d{4}-\d{4,}$")


def task_status(lp_status: str | None) -> str:
    """Storyline's task status; unknown strings are `invalid` (the raw value is kept beside it)."""
    return STATUS.get(lp_status or "", "invalid" if lp_status else "todo")


def priority(importance: str | None) -> str:
    return IMPORTANCE.get(importance or "", "medium")


def visibility(bug: dict[str, Any]) -> tuple[bool, bool]:
    """(private, security) of a bug: its information type, else the derived booleans."""
    itype = bug.get("information_type")
    if isinstance(itype, str) and itype in INFORMATION_TYPES:
        return INFORMATION_TYPES[itype]
    return bool(bug.get("private")), bool(bug.get("security_related"))


# ---- text -----------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(value: Any) -> str:
    """Text safe for every backend and client: lone surrogates replaced, NFC, newlines as \\n, control
    characters other than newline and tab removed (NUL included: PostgreSQL refuses it)."""
    if value is None:
        return ""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # surrogates: pair them if they pair, replace the rest
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when there is one in the last third."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit * 2 // 3:
        head = head[:space]
    return head.rstrip() + "…"


def title_and_description(title: Any, description: Any) -> tuple[str, str]:
    """Story title and description: a title longer than 255 characters is cut at a word boundary and
    kept whole at the top of the description (§5.7); logs and apport dumps are preformatted (§5.8)."""
    full = " ".join(clean(title).split()) or "(no title)"
    body = preformat(clean(description))
    if len(full) > TITLE_MAX:
        return cut(full, TITLE_MAX), f"{full}\n\n{body}" if body else full
    return full, body


_LOG_LINE = re.compile(
    r"^(\s{2,}|\t|Traceback \(most recent call last\)|  File \"|\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[\s*\d+\.\d+\]|"
    r"[A-Z][A-Za-z0-9_.]*(Error|Exception):|(DEBUG|INFO|WARNING|ERROR|CRITICAL|TRACE)\b|\$ |# |[a-z]+@[\w.-]+:|"
    r"[A-Z][A-Za-z]+(\.[A-Za-z0-9_]+)*: |\S+\.(py|c|go|sh):\d+)")
_APPORT = re.compile(r"^(ProblemType|DistroRelease|Package|Architecture|ApportVersion|Uname|ProcVersionSignature|"
                     r"SourcePackage|ExecutablePath|Dependencies|Date|InstallationDate|CurrentDesktop):")


def _looks_preformatted(block: list[str]) -> bool:
    lines = [line for line in block if line.strip()]
    if not lines:
        return False
    if any(_APPORT.match(line) or line.startswith("Traceback (most recent call last)") for line in lines):
        return True
    if any("```" in line for line in lines):
        return False  # already Markdown code
    loggy = sum(1 for line in lines if _LOG_LINE.match(line))
    return len(lines) >= 2 and loggy * 2 >= len(lines)


def preformat(text: str) -> str:
    """Launchpad text is plain text. Paragraphs that are logs, tracebacks or apport dumps are fenced
    as code so Markdown renders them verbatim; prose is left as written."""
    if not text.strip():
        return text.strip("\n")
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    out: list[str] = []
    pending: list[str] = []  # consecutive preformatted paragraphs share one fence

    def flush() -> None:
        if pending:
            body = "\n".join(pending).rstrip("\n")
            fence = "```"
            while fence in body:
                fence += "`"
            out.append(f"{fence}\n{body}\n{fence}")
            pending.clear()

    for block in blocks:
        if not block:
            continue
        if _looks_preformatted(block):
            if pending:
                pending.append("")
            pending.extend(block)
        else:
            flush()
            out.append("\n".join(block))
    flush()
    return "\n\n".join(out)


def tags(values: Any) -> list[str]:
    """Launchpad tags as Storyline tags: lower case, at most 50 characters, valid names only."""
    out: list[str] = []
    for value in values or []:
        tag = clean(value).strip().lower()
        if tag and len(tag) <= 50 and TAG_RE.match(tag) and tag not in out:
            out.append(tag)
    return out


def cves(entries: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for entry in entries:
        name = entry.get("display_name") or (f"CVE-{entry['sequence']}" if entry.get("sequence") else None)
        if isinstance(name, str) and CVE_RE.match(name.strip()) and name.strip() not in out:
            out.append(name.strip())
    return sorted(out)


def moment(value: Any) -> dt.datetime | None:
    """An ISO-8601 Launchpad date as naive UTC with its microseconds (None when it is not one)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo is not None else parsed


def date(value: Any) -> dt.datetime | None:
    """An ISO-8601 Launchpad date as naive UTC, whole seconds (what Storyline stores)."""
    parsed = moment(value)
    return None if parsed is None else parsed.replace(microsecond=0)


def link_tail(link: Any) -> str | None:
    """The last path segment of a link: a person's `~name`, a milestone's name, a bug number."""
    if not isinstance(link, str) or not link or link == REDACTED:
        return None
    return link.rstrip("/").rsplit("/", 1)[-1]


def person_name(link: Any) -> str | None:
    tail = link_tail(link)
    return tail[1:] if tail and tail.startswith("~") else None


def target(task: dict[str, Any]) -> tuple[str, str | None] | None:
    """(project, series or None) of a bug task on a project or project series; None for a
    distribution or package task (`vim (Ubuntu)`, `ubuntu/+source/vim`)."""
    name = task.get("bug_target_name")
    if not isinstance(name, str) or not name or " " in name or "+source" in name:
        return None
    project, _, series = name.partition("/")
    if not project or "/" in series:
        return None
    return project, series or None


__all__ = ["ALL_STATUSES", "clean", "cut", "date", "person_name", "preformat", "priority", "tags", "target",
           "task_status", "title_and_description", "visibility"]
