"""Launchpad people as users and teams (one user per Launchpad account, found again by its name)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from storyline.auth.service import legacy_openid_variants
from storyline.db import utcnow
from storyline.importers.launchpad import mapping
from storyline.importers.launchpad.fetch import Person
from storyline.importers.launchpad.records import Summary, add_refs, find_refs
from storyline.search import index as search_index
from storyline.sqltools import table_of
from storyline.users import service as users_service
from storyline.users.models import Team, TeamMember, User

FALLBACK = Person(name="janitor", display_name="Launchpad Janitor")
INVALID_EMAIL_DOMAIN = "launchpad.invalid"


class People:
    """Users and teams by Launchpad name, cached for the run (reset when a transaction is undone)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.users: dict[str, int] = {}
        self.teams: dict[str, int] = {}
        self.members_done: set[str] = set()

    def user_id(self, link: Any) -> int | None:
        name = mapping.person_name(link)
        return self.users.get(name) if name else None

    def ensure(self, session: Session, people: dict[str, Person], summary: Summary) -> None:
        persons = {n: p for n, p in people.items() if not p.is_team and n not in self.users}
        if persons:
            names = sorted(persons)
            for name, uid in session.execute(select(User.launchpad_name, User.id)
                                             .where(User.launchpad_name.in_(names))):
                assert name is not None  # one of `names`
                self.users[name] = uid
            missing = [persons[n] for n in names if n not in self.users]
            # An account that already holds the person's OpenID identifier is that person: a StoryBoard
            # user, or this person imported before under an earlier Launchpad name (the identifier stays
            # when a person is renamed). It takes the Launchpad name; no second account is made.
            openids = {variant: p for p in missing if p.openid for variant in legacy_openid_variants(p.openid)}
            if openids:
                for uid, openid, lp_name in session.execute(
                        select(User.id, User.openid, User.launchpad_name).where(User.openid.in_(list(openids)))):
                    assert openid is not None  # one of `openids`
                    person = openids[openid]
                    if person.name in self.users:
                        continue
                    if lp_name != person.name:
                        session.execute(update(User).where(User.id == uid).values(launchpad_name=person.name))
                        summary.updated["users"] += 1
                    self.users[person.name] = uid
            missing = [p for p in missing if p.name not in self.users]
            # Placeholder addresses: NAME@launchpad.invalid, or NAME.<random>@... when an account that
            # was once NAME on Launchpad (renamed since) still has that one.
            emails = {p.name: f"{p.name}@{INVALID_EMAIL_DOMAIN}" for p in missing}
            if emails:
                taken = set(session.execute(select(User.email).where(User.email.in_(list(emails.values()))))
                            .scalars())
                for name, email in emails.items():
                    if email in taken:
                        emails[name] = f"{name}.{secrets.token_hex(4)}@{INVALID_EMAIL_DOMAIN}"
            if missing:
                now = utcnow()
                rows = [{"full_name": p.display_name, "email": emails[p.name],
                         "openid": p.openid, "launchpad_name": p.name, "is_superuser": False,
                         "enable_login": True, "created_at": now} for p in missing]
                users = table_of(User)
                created = session.execute(insert(users).returning(users.c.id, users.c.launchpad_name,
                                                                  sort_by_parameter_order=True), rows).all()
                for uid, name in created:
                    self.users[name] = uid
                search_index.put_many(session, "user", [(uid, persons[name].display_name, "")
                                                        for uid, name in created])
                summary.created["users"] += len(created)

    def team_ids(self, session: Session, teams: list[Person], summary: Summary) -> dict[str, int]:
        """Teams by Launchpad name: the one imported before, else a team of the same name, else a new
        one. Their person members become members."""
        wanted = [t for t in teams if t.name not in self.teams]
        if wanted:
            refs = find_refs(session, "team", [t.name for t in wanted])
            for team in wanted:
                if team.name in refs:
                    self.teams[team.name] = refs[team.name][0]
                    continue
                tid = session.execute(select(Team.id).where(Team.name == team.name)).scalar_one_or_none()
                if tid is None:
                    tid = users_service.do_create_team(
                        session, {"name": team.name, "description": f"{team.display_name} (Launchpad team)"}).id
                    summary.created["teams"] += 1
                add_refs(session, "team", [(team.name, tid, None)])
                self.teams[team.name] = tid
        for team in teams:
            if team.name in self.members_done or not team.members:
                continue
            member_ids = [self.users[m] for m in team.members if m in self.users]
            if member_ids:
                present = set(session.execute(select(TeamMember.user_id).where(
                    TeamMember.team_id == self.teams[team.name], TeamMember.user_id.in_(member_ids))).scalars())
                rows = [{"team_id": self.teams[team.name], "user_id": u} for u in sorted(set(member_ids) - present)]
                if rows:
                    session.execute(insert(table_of(TeamMember)), rows)
                    summary.created["team memberships"] += len(rows)
            self.members_done.add(team.name)
        return {t.name: self.teams[t.name] for t in teams}

    def fallback(self) -> int | None:
        return self.users.get(FALLBACK.name)


__all__ = ["FALLBACK", "INVALID_EMAIL_DOMAIN", "People"]
