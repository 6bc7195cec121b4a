"""Property-based tests of the visibility rule (storyboard-api-v1.md §5.2, security-vmt.md §3.2).

Hypothesis drives random sequences of operations through the HTTP API — make a story private or
public, set its user and team lists (story PUT and the access-list sub-resources), add and remove
team members, try to leave a private story with an empty list — and after every step compares what
each of a few users gets with a model of the rule: a story is visible when it is public, or the user
is on its list, or the user is in a team on its list. Superusers do not bypass the list. Every
answer's status is predicted by the model too (401 anonymous, 404 invisible, 400 refused), and a
refused request changes nothing.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from builders import Persona, make_persona
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

USERS = ("u0", "u1", "u2", "su")  # su is a superuser
VIEWERS = ("anon", *USERS)
TEAMS = ("A", "B")

actors = st.sampled_from(VIEWERS)
users = st.sampled_from(USERS)
teams = st.sampled_from(TEAMS)
user_lists = st.none() | st.lists(users, unique=True, max_size=3)
team_lists = st.none() | st.lists(teams, unique=True, max_size=2)


@dataclass
class Model:
    """What the rule says: the story's privacy, its access list and the teams' members."""

    private: bool = True
    users: set[str] = field(default_factory=lambda: {"u0"})
    teams: set[str] = field(default_factory=set)
    members: dict[str, set[str]] = field(default_factory=lambda: {t: set() for t in TEAMS})

    def sees(self, who: str) -> bool:
        if not self.private:
            return True
        return who in self.users or any(who in self.members[t] for t in self.teams)


@dataclass
class Env:
    client: TestClient
    admin: Persona
    people: dict[str, Persona | None]


@pytest.fixture(scope="module")
def env(fresh_app: Any) -> Any:
    with TestClient(fresh_app, raise_server_exceptions=False) as client:
        people: dict[str, Persona | None] = {"anon": None}
        for name in USERS:
            people[name] = make_persona(fresh_app, superuser=name == "su", name=f"Property {name}")
        yield Env(client, make_persona(fresh_app, superuser=True, name="Property Admin"), people)


_examples = itertools.count(1)


def machine(env: Env) -> type[RuleBasedStateMachine]:
    client, admin, people = env.client, env.admin, env.people

    def uid(name: str) -> int:
        p = people[name]
        assert p is not None
        return p.id

    def call(method: str, path: str, who: str | Persona, **kw: Any) -> Any:
        p = people[who] if isinstance(who, str) else who
        return client.request(method, path, headers=p.headers if p else {}, **kw)

    class StoryVisibility(RuleBasedStateMachine):
        """One private story of u0 (list: u0) and two empty teams per example."""

        def __init__(self) -> None:
            super().__init__()
            n = next(_examples)
            self.title = f"propstory{n}x{uuid.uuid4().hex[:10]}"
            self.team_ids = {}
            for t in TEAMS:
                r = call("POST", "/v1/teams", admin, json={"name": f"prop-{t}-{n}-{uuid.uuid4().hex[:6]}"})
                assert r.status_code == 200, r.text
                self.team_ids[t] = r.json()["id"]
            r = call("POST", "/v1/stories", "u0", json={"title": f"Story {self.title}", "private": True})
            assert r.status_code == 200, r.text
            self.sid = r.json()["id"]
            self.model = Model()

        def expect(self, r: Any, status: int, what: str) -> None:
            assert r.status_code == status, f"{what}: {r.status_code} {r.text[:300]} (model {self.model})"

        def gate(self, actor: str) -> int | None:
            """The refusal every story write starts with, if any."""
            if actor == "anon":
                return 401
            if not self.model.sees(actor):
                return 404
            return None

        # ---- story PUT ----------------------------------------------------------------------------

        @rule(actor=actors, private=st.none() | st.booleans(), users=user_lists, teams=team_lists)
        def put_story(self, actor: str, private: bool | None, users: list[str] | None,
                      teams: list[str] | None) -> None:
            body: dict[str, Any] = {}
            if private is not None:
                body["private"] = private
            if users is not None:
                body["users"] = [uid(u) for u in users]
            if teams is not None:
                body["teams"] = [self.team_ids[t] for t in teams]
            r = call("PUT", f"/v1/stories/{self.sid}", actor, json=body)
            m = self.model
            refused = self.gate(actor)
            if refused:
                return self.expect(r, refused, f"PUT {body} by {actor}")
            wants_private = m.private if private is None else private
            if wants_private and not m.private and actor not in ("u0", "su"):
                # Only the creator (u0), a security team or a superuser may hide a public story.
                return self.expect(r, 403, f"PUT {body} by {actor} hides a public story")
            if not wants_private:
                m.private, m.users, m.teams = False, set(), set()
                return self.expect(r, 200, f"PUT {body}")
            new_users = set(users) if users is not None else (set(m.users) if m.private else set())
            new_teams = set(teams) if teams is not None else (set(m.teams) if m.private else set())
            if not new_users and not new_teams:
                if users is not None or teams is not None:
                    return self.expect(r, 400, f"PUT {body} leaves the list empty")
                new_users = {actor}
            new_users.add("u0")  # the creator is always on a private story's list
            m.private, m.users, m.teams = True, new_users, new_teams
            self.expect(r, 200, f"PUT {body}")

        @rule(actor=actors)
        def make_private_with_empty_list(self, actor: str) -> None:
            body = {"private": True, "users": [], "teams": []}
            r = call("PUT", f"/v1/stories/{self.sid}", actor, json=body)
            # Hiding a public story is checked first: only the creator (u0) or a superuser may.
            hides = not self.model.private and actor not in ("u0", "su")
            self.expect(r, self.gate(actor) or (403 if hides else 400), f"PUT {body} by {actor}")

        # ---- access-list sub-resources ------------------------------------------------------------

        def change_list(self, actor: str, kind: str, item: str, add: bool) -> None:
            item_id = uid(item) if kind == "users" else self.team_ids[item]
            r = call("PUT" if add else "DELETE", f"/v1/stories/{self.sid}/{kind}/{item_id}", actor)
            m = self.model
            current = m.users if kind == "users" else m.teams
            what = f"{'add' if add else 'remove'} {kind} {item} by {actor}"
            refused = self.gate(actor)
            if refused:
                return self.expect(r, refused, what)
            if not m.private or (item in current) == add:
                return self.expect(r, 400, what)
            if not add and len(m.users) + len(m.teams) == 1:
                return self.expect(r, 400, f"{what}: the last entry")
            if not add and kind == "users" and item == "u0":
                return self.expect(r, 400, f"{what}: the creator stays")
            (current.add if add else current.remove)(item)
            self.expect(r, 200 if add else 204, what)

        @rule(actor=actors, user=users, add=st.booleans())
        def change_user_list(self, actor: str, user: str, add: bool) -> None:
            self.change_list(actor, "users", user, add)

        @rule(actor=actors, team=teams, add=st.booleans())
        def change_team_list(self, actor: str, team: str, add: bool) -> None:
            self.change_list(actor, "teams", team, add)

        # ---- team membership (superuser administration) -------------------------------------------

        @rule(team=teams, user=users)
        def add_member(self, team: str, user: str) -> None:
            r = call("PUT", f"/v1/teams/{self.team_ids[team]}/users/{uid(user)}", admin)
            self.expect(r, 200, f"add {user} to team {team}")
            self.model.members[team].add(user)

        @rule(team=teams, user=users)
        def remove_member(self, team: str, user: str) -> None:
            r = call("DELETE", f"/v1/teams/{self.team_ids[team]}/users/{uid(user)}", admin)
            members = self.model.members[team]
            self.expect(r, 204 if user in members else 404, f"remove {user} from team {team}")
            members.discard(user)

        # ---- what everyone sees -------------------------------------------------------------------

        @invariant()
        def everyone_sees_what_the_rule_says(self) -> None:
            m = self.model
            for who in VIEWERS:
                one = call("GET", f"/v1/stories/{self.sid}", who)
                listed = call("GET", "/v1/stories", who, params={"title": self.title})
                sees = m.sees(who)
                assert one.status_code == (200 if sees else 404), (who, one.status_code, m)
                assert listed.status_code == 200, listed.text
                assert [s["id"] for s in listed.json()] == ([self.sid] if sees else []), (who, m)
                assert listed.headers["X-Total"] == str(int(sees)), (who, m)
                # The query language's count and page (the rule with the viewer's list read first).
                found = call("GET", "/preview/search", who, params={"q": f'"{self.title}"'})
                assert found.status_code == 200, found.text
                assert [s["id"] for s in found.json()] == ([self.sid] if sees else []), (who, m)
                assert found.headers["X-Total"] == str(int(sees)), (who, m)
                if sees:
                    story = one.json()
                    assert story["private"] is m.private, (who, story, m)
                    names = {uid(u): u for u in USERS}
                    teams = {v: k for k, v in self.team_ids.items()}
                    assert {names[u["id"]] for u in story["users"]} == m.users, (who, story["users"], m)
                    assert {teams[t["id"]] for t in story["teams"]} == m.teams, (who, story["teams"], m)
                    assert not story["private"] or story["users"] or story["teams"], "a private story with no list"

    return StoryVisibility


def test_visibility_follows_the_rule(env: Env) -> None:
    run_state_machine_as_test(machine(env), settings=settings(
        max_examples=30, stateful_step_count=8, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
