"""The layers of docs/architecture.md, checked on the source: the domain packages never import the
HTTP layer (`storyline.api`), and stable code never imports `storyline.preview`."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "storyline"
HTTP = ("api/", "app.py", "preview/")  # the HTTP layer: routers, the app, preview routes


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def modules() -> list[tuple[str, set[str]]]:
    return [(str(p.relative_to(SRC)), imports(p)) for p in sorted(SRC.rglob("*.py"))]


def test_domain_packages_do_not_import_the_http_layer() -> None:
    found = modules()
    assert len(found) > 50
    bad = [f"{name} imports {m}" for name, used in found if not name.startswith(HTTP)
           for m in sorted(used) if m == "storyline.api" or m.startswith("storyline.api.")]
    assert bad == []


def test_stable_code_does_not_import_preview() -> None:
    bad = [f"{name} imports {m}" for name, used in modules() if not name.startswith(("preview/", "app.py"))
           for m in sorted(used) if m == "storyline.preview" or m.startswith("storyline.preview.")]
    assert bad == []
