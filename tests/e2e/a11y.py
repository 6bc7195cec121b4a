"""axe-core (web/node_modules/axe-core, a devDependency of the web client) run in the page under test."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page
from webworld import ROOT

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Page, rules: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, with its default rules (WCAG 2.x A/AA and best
    practices; experimental rules left out): [{id, help, nodes: [html...]}]."""
    assert AXE.is_file(), f"{AXE} is missing: run `make web` (npm ci) first"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"rules": rules or {}}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["html"][:200] for n in v["nodes"]]}
            for v in result["violations"]]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], "\n".join(f"{v['id']}: {v['help']}: {v['nodes']}" for v in violations)
