"""The Launchpad importer's pure parts: value mapping, text, links, credentials, OAuth, OpenID discovery."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

import pytest

from storyline.auth.service import legacy_openid_variants
from storyline.importers.launchpad import mapping
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
