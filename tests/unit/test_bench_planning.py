"""The benchmark's planning dataset, its browser pages and its report (pure logic, no server)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from benchmarks import browser
from benchmarks.dataset import SEARCH_WORDS, Loaded, Sizes, make_plan
from benchmarks.run import board_cards, browser_pages, parse_args, table, worklist_items

SMALL = Sizes(projects=5, stories=40, huge_tasks=20, planning_stories=30, cards=25)


def test_planning_stories_have_no_tasks_and_leave_the_ordinary_dataset_alone() -> None:
    plan = make_plan(SMALL, seed=7)
    assert len(plan.planning) == 30
    assert all(not s.tasks and not s.tags and s.comment is None for s in plan.planning)
    assert len({s.title for s in plan.planning}) == 30
    words = {w for s in plan.planning for w in f"{s.title} {s.description}".split()}
    assert not words & set(SEARCH_WORDS)           # the search reads answer the same with them
    without = make_plan(Sizes(**{**SMALL.__dict__, "planning_stories": 0}), seed=7)
    assert without.stories == plan.stories and without.huge == plan.huge and without.cards == plan.cards
    assert without.fingerprint != plan.fingerprint
    assert make_plan(SMALL, seed=7).fingerprint == plan.fingerprint


def test_the_automatic_list_holds_the_planning_stories_and_every_story_without_open_or_merged_work() -> None:
    plan = make_plan(SMALL, seed=7)
    all_invalid = sum(1 for s in plan.stories if all(t.status == "invalid" for t in s.tasks))
    assert plan.auto_expected == 30 + all_invalid
    # Make one ordinary story all-invalid: it joins the list.
    stories = list(plan.stories)
    victim = next(i for i, s in enumerate(stories) if any(t.status != "invalid" for t in s.tasks))
    s = stories[victim]
    stories[victim] = replace(s, tasks=tuple(replace(t, status="invalid") for t in s.tasks))
    changed = replace(plan, stories=tuple(stories))
    assert changed.auto_expected == plan.auto_expected + 1


def test_the_board_has_six_lanes_of_distinct_cards_mixing_stories_and_tasks() -> None:
    plan = make_plan(SMALL, seed=7)
    assert len(plan.lanes) == 6 and len(set(plan.lanes)) == 6
    assert len(plan.cards) == 25
    assert len({c.story for c in plan.cards}) == 25          # distinct ordinary stories
    per_lane = Counter(c.lane for c in plan.cards)
    assert set(per_lane) == set(range(6)) and max(per_lane.values()) - min(per_lane.values()) <= 1
    assert sum(len(plan.lane_cards(lane)) for lane in range(6)) == 25
    kinds = Counter(c.item_type for c in plan.cards)
    assert kinds["task"] and kinds["story"] > kinds["task"]
    lanes_with_tasks = {c.lane for c in plan.cards if c.item_type == "task"}
    assert len(lanes_with_tasks) > 2                         # tasks are not all in one or two lanes
    # No more cards than ordinary stories.
    assert len(make_plan(Sizes(**{**SMALL.__dict__, "cards": 500}), seed=7).cards) == 40
    # Requests: every object of the plan is one request, the planning ones included.
    base = make_plan(Sizes(**{**SMALL.__dict__, "planning_stories": 0, "cards": 0}), seed=7)
    assert plan.request_count == base.request_count + 30 + 25


def test_board_and_worklist_rows_count_cards() -> None:
    board = {"lanes": [{"worklist": {"items": [{}, {}]}}, {"worklist": {"items": []}}, {"worklist": {"items": [{}]}}]}
    assert board_cards(board) == 3
    assert board_cards({"lanes": []}) == 0
    assert worklist_items({"items": [{}] * 7}) == 7


def test_browser_pages_use_the_huge_story_and_the_busiest_project() -> None:
    plan = make_plan(SMALL, seed=7)
    counts = plan.project_story_counts()
    assert sum(counts) == sum(len({t.project for t in s.tasks}) for s in (plan.huge, *plan.stories))
    loaded = Loaded(target="x", project_ids=[101, 102, 103, 104, 105], huge_id=9, story_ids=[])
    story, project = browser_pages(plan, loaded)
    assert story.path == "/story/9" and story.target_ms == 500
    busiest = counts.index(max(counts))
    assert project.path == f"/project/{101 + busiest}?size=50"
    assert f">= {min(50, max(counts))} " in project.ready
    assert project.target_ms is None


def test_browser_summary_median_best_and_target() -> None:
    s = browser.summary([700.0, 300.0, 450.0, 520.0, 480.0], target_ms=500)
    assert (s["median_ms"], s["best_ms"], s["worst_ms"], s["runs"]) == (480.0, 300.0, 700.0, 5)
    assert s["passed"] is True
    assert browser.summary([501.0], target_ms=500)["passed"] is False
    assert "passed" not in browser.summary([10.0, 20.0])
    with pytest.raises(ValueError):
        browser.summary([])
    with pytest.raises(ValueError):
        browser.list_ready(0)


def test_quick_and_full_sizes() -> None:
    full = parse_args([])
    assert (full.planning_stories, full.board_cards, full.browser_runs, full.no_browser) == (10_000, 500, 7, False)
    quick = parse_args(["--quick", "--no-browser"])
    assert (quick.planning_stories, quick.board_cards, quick.browser_runs, quick.no_browser) == (500, 120, 3, True)
    assert parse_args(["--quick", "--planning-stories", "0"]).planning_stories == 0


def _read(p50: float | None, rps: float, requests: int, errors: dict[str, int], rows: int | None) -> dict:
    return {"p50_ms": p50, "p95_ms": p50, "rps": rps, "requests": requests, "errors": errors, "rows": rows,
            "other_cpu_pct": 1.0}


def test_report_shows_a_peer_that_fails_every_request_without_a_ratio() -> None:
    result = {
        "meta": {"date": "2026-11-30", "db": "sqlite", "requests": 10, "clients": 4, "cpus": 2,
                 "sizes": {"projects": 30, "stories": 3000, "huge_tasks": 1500, "planning_stories": 10_000,
                           "lanes": 6, "cards": 500}},
        "ours": {"server": "storyline", "load": {"seconds": 1, "requests": 2}},
        "peer": {"server": "storyboard", "load": {"seconds": 3, "requests": 2}},
        "endpoints": {
            "board": {"group": "planning", "ours": _read(10.0, 100.0, 10, {}, 500),
                      "peer": _read(200.0, 5.0, 10, {}, 500), "throughput_ratio": 20.0},
            "auto_items": {"group": "planning", "ours": _read(900.0, 2.0, 10, {}, 10_052),
                           "peer": _read(None, 0.0, 0, {"500": 10}, None), "throughput_ratio": None},
        },
        "browser": {"runs": 3, "chromium": "1", "other_cpu_pct": 2.0, "pages": {
            "huge_story_page": {"label": "huge", "rows_in_page": 30, **browser.summary([400.0, 450.0, 900.0], 500)}}},
    }
    text = table(result)
    assert "-- planning reads" in text
    line = next(x for x in text.splitlines() if x.startswith("auto_items"))
    assert "10052/-" in line and "SB err" in line
    assert "no ratio, StoryBoard failed every request (10 x HTTP 500); ours answered 10" in text
    assert ">= 10x StoryBoard rps: PASS (20.0x)" in text
    assert "huge_story_page" in text and "median     450 ms" in text and "PASS" in text
