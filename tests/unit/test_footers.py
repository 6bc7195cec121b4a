"""References in commit messages and pull/merge request descriptions, as people really write them."""

from __future__ import annotations

import pytest

from storyline.integrations.footers import parse


def test_storyboard_footers() -> None:
    refs = parse("Fix the frobnicator\n\nTask: 4321\nStory: 2009876\nChange-Id: I5f0c\n")
    assert refs.tasks == [4321] and refs.stories == {2009876: "story"}


@pytest.mark.parametrize("line", ["Task: 12", "task:12", "TASK #12", "Task : 12", "task: #12", "Task 12",
                                  "  * Task: 12", "Related to task #12", "see Task:12."])
def test_task_spellings(line: str) -> None:
    assert parse(f"Subject\n\n{line}\n").tasks == [12]


def test_several_per_message_and_per_line() -> None:
    refs = parse("x\n\nTasks: 14, 15 and #16\nTask: 17\nStory: 3 Task: 18\ntask: 14\n")
    assert refs.tasks == [14, 15, 16, 17, 18] and refs.stories == {3: "story"}


def test_prose_is_not_a_reference() -> None:
    assert not parse("Run the task 4 times faster; the story 3 is told elsewhere")
    assert not parse("Task: 99999999999")  # beyond any id


def test_launchpad_footers() -> None:
    refs = parse("Fix\n\nCloses-Bug: #555\nPartial-Bug: 556\nRelated-Bug: 557\nFixes: bug # 558\n"
                 "Partial-Bug: lp bug # 559\nbug #560\nlp: #561\nImpacts-Bug: 562\nWeird-Bug: 563\n"
                 "clOSES-bug:#564\nCloses-Bug: #565, #566\nImplements: blueprint foo\nCo-Authored-By: A <a@b>\n")
    assert refs.stories == {555: "closes", 556: "partial", 557: "related", 558: "closes", 559: "partial",
                            560: "closes", 561: "closes", 562: "related", 563: "related", 564: "closes",
                            565: "closes", 566: "closes"}


def test_the_strongest_relation_wins() -> None:
    assert parse("Related-Bug: 5\nCloses-Bug: 5\nPartial-Bug: 5").stories == {5: "closes"}


def test_forge_closing_keywords() -> None:
    text = "Fixes #12, closes acme/widget#13 and resolved #14. Implements #15. See #16. Fixed: #17"
    assert parse(text, forge=True).stories == {12: "closes", 13: "closes", 14: "closes", 15: "closes", 17: "closes"}
    assert parse(text).stories == {}  # in a Gerrit commit message `Fixes #12` is not a forge keyword
