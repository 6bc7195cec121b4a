"""An API process's startup is frozen out of the garbage collector's walks while it serves
(storyline.heap): a full collection then walks what was built since, not the 200,000-odd objects of
the modules, routes and schemas, which took 110-220 ms per collection with every request waiting."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from storyline.app import create_app
from storyline.config import Settings
from storyline.migrate import upgrade


def test_the_startup_is_frozen_while_the_app_serves_and_thawed_when_it_stops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/heap.db"
    upgrade(url)
    with TestClient(create_app(Settings(database_url=url, worker_in_process=False))) as client:
        assert client.get("/v1/projects").status_code == 200
        frozen = gc.get_freeze_count()
        assert frozen > 50_000  # the modules, routes, schemas, engine
        walked = len(gc.get_objects())  # what a full collection walks: the frozen objects are not in it
        assert walked < frozen / 5, (walked, frozen)
    assert gc.get_freeze_count() == 0  # stopped: what the app built may be collected again


def test_objects_frozen_are_still_freed_when_their_last_reference_goes() -> None:
    import weakref

    from storyline import heap

    class Thing:
        pass

    thing = Thing()
    gone = weakref.ref(thing)
    heap.freeze()
    try:
        del thing  # reference counting frees it: the freeze only keeps cycles out of the collector
        assert gone() is None
    finally:
        heap.thaw()
