"""The benchmark runs end to end in a tiny configuration (a real server, real HTTP, a real headless
Chromium on the built web client, no peer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.dataset import Sizes, make_plan

REPO = Path(__file__).resolve().parents[2]
READS = ("get_story", "huge_story_tasks", "list_stories", "search_stories", "list_tasks", "story_events",
         "board", "lane_items", "auto_worklist", "auto_items")
FLOOR_READS = ("get_story", "huge_story_tasks")


def test_bench_runs_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    res = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--stories", "20", "--huge-tasks", "30",
         "--planning-stories", "15", "--board-cards", "14", "--browser-runs", "1",
         "--requests", "5", "--warmup", "1", "--output", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert "huge_story_tasks" in res.stdout

    data = json.loads(out.read_text())
    assert data["meta"]["sizes"]["stories"] == 20
    assert data["meta"]["sizes"]["huge_tasks"] == 30
    assert data["peer"] is None
    assert data["ours"]["problems"] == []
    assert data["ours"]["load"]["requests"] > 0
    assert set(data["endpoints"]) == set(READS)
    for name in READS:
        ours = data["endpoints"][name]["ours"]
        assert ours["requests"] == 5, (name, ours)
        assert ours["errors"] == {}, (name, ours)
        assert ours["p50_ms"] > 0 and ours["p95_ms"] >= ours["p50_ms"], (name, ours)
        assert ours["rps"] > 0, (name, ours)
        assert ours["rows"] is not None, (name, ours)
    assert data["endpoints"]["huge_story_tasks"]["ours"]["rows"] == 30
    assert data["endpoints"]["get_story"]["ours"]["rows"] == 1
    # Planning: the board's 14 cards over 6 lanes (the first lane holds 3), the automatic list's
    # 15 planning stories plus the ordinary stories without open or merged work.
    assert data["endpoints"]["board"]["ours"]["rows"] == 14
    assert data["endpoints"]["lane_items"]["ours"]["rows"] == 3
    plan = make_plan(Sizes(**data["meta"]["sizes"]), seed=data["meta"]["seed"])
    assert plan.auto_expected >= 15
    assert data["endpoints"]["auto_worklist"]["ours"]["rows"] == plan.auto_expected
    assert data["endpoints"]["auto_items"]["ours"]["rows"] == plan.auto_expected
    assert data["meta"]["sizes"]["planning_stories"] == 15
    # The browser section: both pages loaded once, in milliseconds from navigation start.
    pages = data["browser"]["pages"]
    assert set(pages) == {"huge_story_page", "project_list_page"}, data["browser"]
    for page in pages.values():
        assert page["runs"] == 1 and 0 < page["median_ms"] < 30_000, page
        assert page["rows_in_page"] > 0, page
    assert "passed" in pages["huge_story_page"]
    assert "huge_story_page" in res.stdout
    for name in FLOOR_READS:
        e = data["endpoints"][name]
        assert e["ours"]["floor"]["p50_ms"] > 0, e
        assert e["ours"]["floor"]["same_json"] is True, e
        assert e["ours"]["one_client"]["p50_ms"] > 0, e
        assert e["floor_ratio"] > 0, e
