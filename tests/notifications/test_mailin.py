"""Reply by e-mail, end to end: a notification's Reply-To address, a reply written as a mail client
writes it, `storyline mail-in` reading it from a pipe (and as an LMTP server); refusals change nothing."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage

from builders import uniq
from mailserver import MailApp, mail_app, mail_db, smtp  # noqa: F401  (fixtures)
from test_email import comment, follow, outbox_empty, story_with_task

from benchmarks.servers import free_port


def env_for(m: MailApp) -> dict[str, str]:
    settings = m.app.state.settings
    return dict(os.environ, STORYLINE_DATABASE_URL=settings.database_url,
                STORYLINE_MAIL_REPLY_DOMAIN=settings.mail_reply_domain)


def mail_in(m: MailApp, raw: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "storyline.cli", "mail-in", *args], input=raw,
                          capture_output=True, env=env_for(m), timeout=60)


def reply(to: str, sender: str, text: str, *, subject: str = "Re: [Story] x", auto: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Someone <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uniq('reply')}@client.example>"
    if auto:
        msg["Auto-Submitted"] = auto
    msg.set_content(text)
    return bytes(msg)


REPLY_TEXT = """Thanks, I will test the patch tonight.

Cheers
--\x20
Ada, sent from a phone

On Thu, 3 Dec 2026 at 10:00, Storyline <storyline@storyline.test> wrote:
> Someone commented
> the fix is ready
"""


def comments_of(m: MailApp, story_id: int, who) -> list[str]:
    return [c["content"] for c in m.api.ok("GET", f"/v1/stories/{story_id}/comments", who)]


def notification(m: MailApp):
    author, follower = m.persona(), m.persona()
    story, _ = story_with_task(m, author)
    follow(m, follower, "story", story["id"])
    comment(m, author, story["id"], "the fix is ready")
    [msg] = m.smtp.wait_for(follower.email)
    return author, follower, story, msg["Reply-To"].addresses[0].addr_spec


def test_a_reply_becomes_a_comment_by_its_sender_once(mail_app: MailApp):
    m = mail_app
    author, follower, story, address = notification(m)
    r = mail_in(m, reply(address, follower.email.upper(), REPLY_TEXT))
    assert r.returncode == 0, r.stderr
    assert comments_of(m, story["id"], author)[-1] == "Thanks, I will test the patch tonight.\n\nCheers"
    events = m.api.ok("GET", f"/v1/stories/{story['id']}/events", author)
    assert events[-1]["event_type"] == "user_comment" and events[-1]["author_id"] == follower.id
    # The MTA delivering it again: still one comment.
    again = mail_in(m, reply(address, follower.email, REPLY_TEXT))
    assert again.returncode == 0 and b"received already" in again.stdout
    assert comments_of(m, story["id"], author).count("Thanks, I will test the patch tonight.\n\nCheers") == 1
    # The author, who follows the story, is told by e-mail as for any comment.
    assert any(msg["X-Storyline-Event"] == "user_comment" for msg in m.smtp.wait_for(author.email))


def test_refusals_bounce_with_a_reason_and_change_nothing(mail_app: MailApp):
    m = mail_app
    author, follower, story, address = notification(m)
    before = comments_of(m, story["id"], author)
    local, domain = address.split("@")
    forged = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    cases = [
        (reply(forged, follower.email, "forged"), 67, "not valid"),
        (reply(address, "mallory@example.org", "not the recipient"), 77, "belongs to someone else"),
        (reply(address, follower.email, "> only a quote\n"), 65, "no text of its own"),
        (reply(address, follower.email, "I am away", auto="auto-replied"), 65, "automatic replies"),
        (reply("someone@elsewhere.example", follower.email, "wrong domain"), 67, "no reply+"),
    ]
    for raw, code, reason in cases:
        r = mail_in(m, raw)
        assert r.returncode == code, (reason, r.returncode, r.stderr)
        assert reason in r.stderr.decode(), r.stderr
    assert comments_of(m, story["id"], author) == before


def test_no_reply_to_a_story_the_sender_may_no_longer_see(mail_app: MailApp):
    m = mail_app
    author, listed = m.persona(), m.persona()
    story = m.api.story(author, title="Private reply target", private=True, users=[author.id, listed.id])
    follow(m, listed, "story", story["id"])
    comment(m, author, story["id"], "please check")
    [msg] = m.smtp.wait_for(listed.email)
    address = msg["Reply-To"].addresses[0].addr_spec
    m.api.ok("PUT", f"/v1/stories/{story['id']}", author, json={"users": [author.id]})
    r = mail_in(m, reply(address, listed.email, "can I still comment?"))
    assert r.returncode == 77 and b"not found" in r.stderr
    assert comments_of(m, story["id"], author) == ["please check"]


def test_lmtp_listener(mail_app: MailApp):
    m = mail_app
    author, follower, story, address = notification(m)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "storyline.cli", "mail-in", "--lmtp", f"127.0.0.1:{port}"],
                              env=env_for(m), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                lmtp = smtplib.LMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the LMTP listener did not start"
                time.sleep(0.1)
        with lmtp:
            try:
                lmtp.sendmail(follower.email, ["nobody@elsewhere.example"], reply(address, follower.email, "x"))
                raise AssertionError("a recipient outside the reply domain was accepted")
            except smtplib.SMTPRecipientsRefused:
                pass
            lmtp.sendmail(follower.email, [address], reply(address, follower.email, "Sent through LMTP"))
        outbox_empty(m)
        assert comments_of(m, story["id"], author)[-1] == "Sent through LMTP"
    finally:
        server.terminate()
        server.wait(10)
