"""benchmarks/v1_snapshot.py: the parts that decide what a difference is (the recording itself runs two
servers for minutes: its determinism was checked by recording one tree twice, 1,125 of 1,125 equal)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.v1_snapshot import _expand, _json_changes, compare


def test_json_changes_name_each_kind_of_difference() -> None:
    a = {"id": 1, "users": [{"id": 2}], "tags": ["x"], "title": "t"}
    b = {"id": 1, "users": [{"id": 2, "launchpad_name": None}], "tags": ["x", "y"], "title": "u"}
    assert sorted(_json_changes(a, b)) == [
        ("key added", ".users[*].launchpad_name", None, None),
        ("list length", ".tags[*]", 1, 2),
        ("value", ".title", "t", "u"),
    ]
    assert _json_changes({"a": 1, "b": 2}, {"b": 2, "a": 1}) == [("key order", "", ["a", "b"], ["b", "a"])]
    assert _json_changes(a, json.loads(json.dumps(a))) == []


def test_paths_expand_with_every_sample_value() -> None:
    ids = {"story_id": [1, 999999], "comment_id": [5], "project_ref": [3, "p-name"], "default": [1]}
    assert _expand("/v1/stories/{story_id}/comments/{comment_id}", ids) == [
        "/v1/stories/1/comments/5", "/v1/stories/999999/comments/5"]
    assert _expand("/v1/projects/{ref}", ids) == ["/v1/projects/3", "/v1/projects/p-name"]


def _snapshot(path: Path, body: str, status: int = 200) -> Path:
    answer = {"status": status, "headers": [["content-type", "application/json"]], "text": body}
    path.write_text(json.dumps({"tree": str(path), "commit": "0" * 40, "answers": {
        "/v1/stories": {"/v1/stories": dict.fromkeys(("anonymous", "regular", "superuser"), answer)}}}))
    return path


def test_compare_exits_1_on_any_difference(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    a = _snapshot(tmp_path / "a.json", '[{"id": 1}]')
    assert compare(a, _snapshot(tmp_path / "same.json", '[{"id": 1}]')) == 0
    assert compare(a, _snapshot(tmp_path / "b.json", '[{"id": 1, "cves": []}]')) == 1
    out = capsys.readouterr().out
    assert "key added [*].cves: 3" in out
