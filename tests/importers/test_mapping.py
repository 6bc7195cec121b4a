"""The Launchpad importer's pure parts: value mapping, text, links, credentials, OAuth, OpenID discovery."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

import pytest

from storyline.auth.service import legacy_openid_variants
from storyline.importers.launchpad import activity, mapping
from storyline.importers.launchpad.client import Client, Credentials, read_credentials_file
from storyline.importers.launchpad.fetch import message_key, openid_from_html


@pytest.mark.parametrize(("lp", "ours"), [
    ("New", "todo"), ("Confirmed", "todo"), ("Triaged", "todo"), ("Incomplete", "todo"), ("Unknown", "todo"),
    ("Deferred", "todo"), ("In Progress", "inprogress"), ("Fix Committed", "merged"), ("Fix Released", "merged"),
    ("Opinion", "invalid"), ("Invalid", "invalid"), ("Won't Fix", "invalid"), ("Expired", "invalid"),
    ("Does Not Exist", "invalid"), ("Something New In 2030", "invalid")])
def test_statuses(lp: str, ours: str) -> None:
    assert mapping.task_status(lp) == ours


def test_importances_and_information_types() -> None:
    assert [mapping.priority(i) for i in ("Critical", "High", "Medium", "Undecided", "Unknown", "Low", "Wishlist",
                                          None, "Odd")] == ["high", "high", "medium", "medium", "medium", "low", "low",
                                                            "medium", "medium"]
    assert mapping.visibility({"information_type": "Private Security"}) == (True, True)
    assert mapping.visibility({"information_type": "Public Security"}) == (False, True)
    assert mapping.visibility({"information_type": "Proprietary"}) == (True, False)
    assert mapping.visibility({"private": True, "security_related": False}) == (True, False)  # 1.0, no type


def test_text_is_cleaned() -> None:
    text = mapping.clean("Cafe\u0301\r\nline\x00two\x07\tend \ud83d\udc1b \udc00")
    assert text == "Caf\u00e9\nlinetwo\tend \U0001f41b \ufffd"
    assert unicodedata.is_normalized("NFC", text)
    assert mapping.clean(None) == ""


def test_long_titles_are_cut_at_a_word_and_kept_whole_in_the_description() -> None:
    long = "word " * 80
    title, description = mapping.title_and_description(long, "Body.")
    assert len(title) <= 255 and title.endswith("word…")
    assert description == f"{long.strip()}\n\nBody."
    assert mapping.title_and_description("  Short   title ", None) == ("Short title", "")


def test_logs_are_fenced_and_prose_is_left_alone() -> None:
    text = ("It breaks *sometimes*.\n\nTraceback (most recent call last):\n  File \"a.py\", line 1\n"
            "ValueError: x\n\n2026-01-01 10:00:00 ERROR a\n2026-01-01 10:00:01 ERROR b\n\nThanks!")
    out = mapping.preformat(text)
    assert out.startswith("It breaks *sometimes*.\n\n```\nTraceback")
    assert "ValueError: x\n\n2026-01-01 10:00:00 ERROR a" in out  # neighbouring logs share a fence
    assert out.endswith("ERROR b\n```\n\nThanks!")
    assert mapping.preformat("ProblemType: Crash\nPackage: x 1.0").startswith("```\nProblemType")
    assert mapping.preformat("```\nalready code\n```\nmore") == "```\nalready code\n```\nmore"
    fenced = mapping.preformat("Traceback (most recent call last):\n  x = '```'")
    assert fenced.startswith("````\n") and fenced.endswith("\n````")


def test_tags_cves_dates_links_targets() -> None:
    assert mapping.tags(["Scheduler", "ok-1.2+x", "bad tag", "x" * 51, "scheduler"]) == ["scheduler", "ok-1.2+x"]
    assert mapping.cves([{"display_name": "CVE-2026-1234"}, {"sequence": "2025-99999"}, {"display_name": "nope"}]) \
        == ["CVE-2025-99999", "CVE-2026-1234"]
    assert str(mapping.date("2015-06-02T17:31:05.820479+00:00")) == "2015-06-02 17:31:05"
    assert str(mapping.date("2015-06-02T19:31:05+02:00")) == "2015-06-02 17:31:05"
    assert mapping.date("yesterday") is None
    assert mapping.person_name("https://api.launchpad.net/devel/~alice") == "alice"
    assert mapping.person_name(mapping.REDACTED) is None
    assert mapping.target({"bug_target_name": "nova/kilo"}) == ("nova", "kilo")
    assert mapping.target({"bug_target_name": "nova"}) == ("nova", None)
    assert mapping.target({"bug_target_name": "vim (Ubuntu)"}) is None
    assert message_key("https://api.launchpad.net/devel/nova/kilo/+bug/5/comments/12") == "5/12"


def test_links_map_onto_the_configured_root() -> None:
    client = Client("http://127.0.0.1:9/devel")
    assert client.api_root == "http://127.0.0.1:9/devel/"
    assert client.url("https://api.launchpad.net/devel/bugs/5") == "http://127.0.0.1:9/devel/bugs/5"
    assert client.url("https://api.launchpad.net/1.0/~alice") == "http://127.0.0.1:9/devel/~alice"
    assert client.url("https://launchpad.net/~alice") == "http://127.0.0.1:9/~alice"
    assert client.url("bugs/7") == "http://127.0.0.1:9/devel/bugs/7"
    assert client.path("https://api.launchpad.net/devel/nova/+bug/5") == "nova/+bug/5"
    real = Client("https://api.launchpad.net/devel/")
    assert real.web_root == "https://launchpad.net/"
    assert real.url("https://launchpad.net/~alice") == "https://launchpad.net/~alice"


def test_oauth_plaintext_header_and_credentials_file(tmp_path) -> None:
    header = Credentials(token="tok", token_secret="s&cret").header()
    assert header.startswith('OAuth realm="https://api.launchpad.net/", ')
    fields = dict(part.strip().split("=", 1) for part in header[6:].split(", "))
    fields = {k: unquote(v.strip('"')) for k, v in fields.items()}
    assert fields["oauth_consumer_key"] == "storyline" and fields["oauth_token"] == "tok"
    assert fields["oauth_signature_method"] == "PLAINTEXT" and fields["oauth_signature"] == "&s%26cret"
    path = tmp_path / "creds"
    path.write_text("[1]\nconsumer_key = my-app\nconsumer_secret = \naccess_token = T\naccess_secret = S\n")
    assert read_credentials_file(path) == Credentials(consumer_key="my-app", token="T", token_secret="S")
    path.write_text("not a credentials file")
    with pytest.raises(ValueError, match="not a launchpadlib credentials file"):
        read_credentials_file(path)


def test_openid_discovery_and_legacy_identifier_spellings() -> None:
    page = ('<html><head><link rel="openid.delegate" href="https://login.launchpad.net/+id/old" />'
            "<LINK REL='openid2.local_id' HREF='https://login.launchpad.net/+id/AbC123' ></head></html>")
    assert openid_from_html(page) == "https://login.launchpad.net/+id/AbC123"
    assert openid_from_html("<html></html>") is None
    variants = legacy_openid_variants("https://login.ubuntu.com/+id/AbC123/")
    assert "https://login.launchpad.net/+id/AbC123" in variants and len(variants) == 8
    assert legacy_openid_variants("https://openid.example.org/me") == ["https://openid.example.org/me"]


def _events(what: str, old: str | None, new: str | None, *, message: str | None = None,
            targets: tuple[str, ...] = ("nova", "nova/kilo")) -> list[tuple[str, dict[str, object], str | None]]:
    entry = {"datechanged": "2015-01-12T00:00:01.820479+00:00", "person_link": "https://api.launchpad.net/devel/~bob",
             "whatchanged": what, "oldvalue": old, "newvalue": new, "message": message}
    (change,) = activity.changes([entry])
    users = {"bob": 7, "sam-b": 9}
    return [(p.event_type, p.info, p.target) for p in activity.events(
        change, story_id=5, story_title="T", targets=set(targets), attachments=True,
        user_id=lambda name: users.get(name or ""))]


def test_activity_entries_as_events() -> None:
    """activity.py's table: each kind of Launchpad activity entry and the event it becomes."""
    (status,) = _events("nova/kilo: status", "Triaged", "Fix Released")
    assert status[0] == "task_status_changed" and status[2] == "nova/kilo"
    assert (status[1]["old_status"], status[1]["new_status"]) == ("todo", "merged")
    assert status[1]["launchpad"] == {"what_changed": "nova/kilo: status", "old_value": "Triaged",
                                      "new_value": "Fix Released", "message": None}
    assert _events("nova: status", "New", "Confirmed")[0][0] == "imported_activity"  # todo -> todo
    assert _events("glance: status", "New", "Invalid") == []  # a task that is not imported
    assert _events("vim (Ubuntu): status", "New", "Invalid") == []
    (prio,) = _events("nova: importance", "Wishlist", "Critical")
    assert (prio[0], prio[1]["old_priority"], prio[1]["new_priority"]) == ("task_priority_changed", "low", "high")
    (assign,) = _events("nova: assignee", "Bob Builder (bob)", "Sam Smith (sam-b)")
    assert (assign[1]["old_assignee_id"], assign[1]["new_assignee_id"]) == (7, 9)
    (unassign,) = _events("nova: assignee", "Sam Smith (sam-b)", None)
    assert (unassign[0], unassign[1]["new_assignee_id"]) == ("task_assignee_changed", None)
    tags = _events("tags", "a b c", "b c d e")
    assert [(t, i["tags"]) for t, i, _ in tags] == [("tags_added", ["d", "e"]), ("tags_deleted", ["a"])]
    (title,) = _events("summary", "Old", "New  title")
    assert (title[0], title[1]["story_title"]) == ("story_details_changed", "New title")
    (disclosed,) = _events("information type", "Private Security", "Public Security")
    assert (disclosed[0], disclosed[1]["information_type"]) == ("story_disclosed", "public_security")
    assert _events("visibility", "private", "public")[0][0] == "story_disclosed"
    assert _events("information type", "Public", "Private Security")[0][0] == "imported_activity"
    assert _events("bug", None, None, message="added bug") == []
    assert _events("bug task added", None, "nova/kilo") == []
    assert _events("bug task added", None, "glance")[0][0] == "imported_activity"
    assert _events("attachment added", None, "x.patch https://bugs.launchpad.net/bugs/1/+attachment/2") == []
    (dup,) = _events("marked as duplicate", None, "1001")
    assert dup[0] == "imported_activity" and (dup[1]["what_changed"], dup[1]["new_value"]) == ("marked as duplicate", "1001")
    assert activity.people_named([{"person_link": "https://api.launchpad.net/devel/~eve", "whatchanged": "nova: assignee",
                                   "oldvalue": "(unassigned)", "newvalue": "Carol Core (carol)"}]) == {"eve", "carol"}


def test_activity_changes_are_ordered_and_cleaned() -> None:
    entries = [{"datechanged": "2015-01-02T00:00:00+00:00", "whatchanged": "tags", "oldvalue": "", "newvalue": "b"},
               {"datechanged": "not a date", "whatchanged": "tags"},
               {"datechanged": "2015-01-01T00:00:00.5+00:00", "whatchanged": "description", "oldvalue": "x\x00y",
                "newvalue": "z" * 20_000},
               {"datechanged": "2015-01-03T00:00:00+00:00", "whatchanged": ""}]
    changes = activity.changes(entries)
    assert [c.what for c in changes] == ["description", "tags"]
    assert changes[0].old == "xy" and len(changes[0].new or "") <= activity.VALUE_MAX
    assert changes[0].when.microsecond == 500000  # kept: the watermark between runs compares them
