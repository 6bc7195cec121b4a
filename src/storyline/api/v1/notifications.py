"""/v1/notifications: the links of notification e-mail that work without a login (Storyline addition)."""

from __future__ import annotations

from html import escape

from fastapi import Path
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from storyline.api.deps import SessionDep
from storyline.api.routing import Router
from storyline.notifications.service import read_unsubscribe_token, unsubscribe

router = Router(prefix="/notifications", tags=["notifications"])

TokenPath = Path(max_length=200, description="The signed token of a List-Unsubscribe link")


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
        "<meta name=\"viewport\" content=\"width=device-width\"></head>"
        "<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em\">"
        f"<h1>{escape(title)}</h1>{body}</body></html>",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.get("/unsubscribe/{token}", response_class=HTMLResponse,
            responses={404: {"description": "A forged or altered link"}})
def unsubscribe_page(token: str = TokenPath, session: Session = SessionDep) -> HTMLResponse:
    """A page asking to confirm (a GET changes nothing: mail scanners open links)."""
    link = read_unsubscribe_token(session, token)
    return _page("Stop these e-mails?",
                 (f"<p>You get e-mail about the {escape(link.label)} because you follow it. "
                  "Unsubscribe to stop following it; your other subscriptions stay as they are.</p>"
                  if link.target_type != "email" else
                  "<p>Unsubscribe to stop every e-mail notification; your inbox in Storyline stays.</p>")
                 + "<form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>")


@router.post("/unsubscribe/{token}", response_class=HTMLResponse,
             responses={404: {"description": "A forged or altered link"}})
def unsubscribe_now(token: str = TokenPath, session: Session = SessionDep) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058: mail clients POST `List-Unsubscribe=One-Click`), or the page's button."""
    link = read_unsubscribe_token(session, token)
    removed = unsubscribe(session, link)
    if link.target_type == "email":
        return _page("Unsubscribed", "<p>You will get no more e-mail notifications"
                     + ("." if removed else " (you had turned them off already).") + "</p>")
    return _page("Unsubscribed", f"<p>You no longer follow the {escape(link.label)}"
                 + ("." if removed else " (you had stopped following it already).") + "</p>")
