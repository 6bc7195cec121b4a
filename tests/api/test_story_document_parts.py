"""A story's search document in parts (SQLite; search/index.py): a comment rewrites the last part or
starts the next one, and a story still matches a query whose words are in different parts, through
every way of searching stories (/preview/search and /v1/stories/search). PostgreSQL keeps one
document per story: the same answers are required of it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from storyline.search import index as search_index


def word() -> str:
    return "w" + uuid.uuid4().hex[:12]


def found(client: Any, q: str) -> set[int]:
    r = client.get("/preview/search", params={"q": q})
    assert r.status_code == 200, r.text
    ids = {s["id"] for s in r.json()}
    if '"' not in q:  # v1's search takes words only (no phrases)
        r = client.get("/v1/stories/search", params={"q": q})
        assert r.status_code == 200, r.text
        assert {s["id"] for s in r.json()} == ids, q
    return ids


def parts(app: Any, story_id: int) -> list[tuple[int, str, str]]:
    """A story's rows of story_fts (SQLite): (part, title, body), in order."""
    rowids = {search_index.part_rowid(story_id, n): n for n in range(64)}
    with app.state.engine.connect() as conn:
        rows = conn.execute(text("SELECT rowid, title, body FROM story_fts WHERE rowid = :first "
                                 "OR rowid BETWEEN :lo AND :hi ORDER BY rowid"),
                            {"first": story_id, "lo": search_index.part_rowid(story_id, 1),
                             "hi": search_index.part_rowid(story_id, 65535)}).all()
    return [(rowids[r[0]], r[1], r[2]) for r in rows]


def test_story_parts_cut_between_lines() -> None:
    body = "\n".join(["a" * 50, "b" * 50, "c" * 200, "d" * 10])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_index, "PART_CHARS", 120)
        cut = search_index.story_parts("Title", body)
    assert cut == [("Title", "a" * 50 + "\n" + "b" * 50), ("", "c" * 200), ("", "d" * 10)]
    assert "\n".join(b for _, b in cut) == body
    assert search_index.story_parts("T", "") == [("T", "")]


def test_words_from_different_parts_match_one_story(app: Any, client: Any, api: Any, user: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "PART_CHARS", 120)
    in_title, in_description = word(), word()
    words = [word() for _ in range(12)]
    story = api.story(user, title=f"Parts {in_title}", description=f"About {in_description}")
    other = api.story(user, title=f"Other {words[0]}")  # one of the words, not the others
    sid = story["id"]
    comments = [api.ok("POST", f"/v1/stories/{sid}/comments", user,
                       json={"content": f"comment {n} says {w} and a little more text to fill the part"})
                for n, w in enumerate(words)]
    if app.state.engine.dialect.name == "sqlite":
        cut = parts(app, sid)
        assert len(cut) > 4 and [n for n, _, _ in cut] == list(range(len(cut)))
        assert cut[0][1] == f"Parts {in_title}" and all(title == "" for _, title, _ in cut[1:])
        assert all(len(body) <= 120 for _, _, body in cut)
        assert words[-1] in cut[-1][2] and words[0] in cut[0][2]

    assert found(client, f"{in_title} {words[-1]}") == {sid}            # the title and the newest comment
    assert found(client, f"{words[0]} {words[6]} {words[11]}") == {sid}  # three parts
    assert found(client, f"{in_description} {words[11][:-3]}") == {sid}  # the last word as a prefix
    assert found(client, words[0]) == {sid, other["id"]}
    assert found(client, f"{words[0]} {word()}") == set()                # a word no story has
    assert found(client, f'"says {words[5]}"') == {sid}                  # a phrase, within one comment
    assert found(client, f'"{words[5]} {words[6]}"') == set()            # not across two comments

    # A comment edited: the document is built again, in parts, without the old word.
    new = word()
    api.ok("PUT", f"/v1/stories/{sid}/comments/{comments[3]['comment_id']}", user, json={"content": f"now {new}"})
    assert found(client, f"{in_title} {new}") == {sid}
    assert found(client, words[3]) == set()
    assert found(client, f"{in_title} {words[11]}") == {sid}
    if app.state.engine.dialect.name == "sqlite":
        assert [n for n, _, _ in parts(app, sid)] == list(range(len(parts(app, sid))))

    # A story deleted: all its parts go.
    api.ok("DELETE", f"/v1/stories/{sid}")
    assert found(client, in_title) == set()
    if app.state.engine.dialect.name == "sqlite":
        assert parts(app, sid) == []


def test_a_comment_rewrites_only_the_last_part(app: Any, api: Any, user: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    if app.state.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL keeps one tsvector per story and appends a comment to it (no parts)")
    monkeypatch.setattr(search_index, "PART_CHARS", 100)
    sid = api.story(user, title="Growing")["id"]
    for n in range(6):
        api.ok("POST", f"/v1/stories/{sid}/comments", user, json={"content": f"comment number {n} " + "x" * 23})
    before = parts(app, sid)
    assert len(before) == 3 and len(before[-1][2]) == 81  # two 40-character comments a part
    api.ok("POST", f"/v1/stories/{sid}/comments", user, json={"content": "short"})
    after = parts(app, sid)
    assert after[:-1] == before[:-1]                                   # the earlier parts are untouched
    assert after[-1][0] == before[-1][0] and after[-1][2] == before[-1][2] + "\nshort"
    api.ok("POST", f"/v1/stories/{sid}/comments", user, json={"content": "y" * 150})  # does not fit: a part of its own
    assert parts(app, sid)[-1] == (after[-1][0] + 1, "", "y" * 150)


def test_a_comment_on_a_story_without_a_document_writes_it_whole(app: Any, client: Any, api: Any,
                                                                user: Any) -> None:
    """A story whose search document is missing (a row lost to a hand-made repair, say) gets it back,
    whole, with its next comment: on PostgreSQL the comment's statement appends to no row, and
    append_to_story then builds the document from the story (search.index.index_story)."""
    in_description, in_comment, in_new_comment = word(), word(), word()
    sid = api.story(user, title="Lost its document", description=f"About {in_description}")["id"]
    api.ok("POST", f"/v1/stories/{sid}/comments", user, json={"content": f"First {in_comment}"})
    assert found(client, in_comment) == {sid}
    with app.state.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DELETE FROM story_fts WHERE rowid = :id"), {"id": sid})
        else:
            conn.execute(text("DELETE FROM story_search WHERE id = :id"), {"id": sid})
    assert found(client, in_description) == set()
    api.ok("POST", f"/v1/stories/{sid}/comments", user, json={"content": f"Second {in_new_comment}"})
    for w in (in_description, in_comment, in_new_comment, f"{in_comment} {in_new_comment}"):
        assert found(client, w) == {sid}, w
