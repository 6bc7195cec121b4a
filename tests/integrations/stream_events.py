"""Stands in for `ssh -p 29418 bot@gerrit events stream --ids [--resume-after ID]` in the listener's
tests: prints the events of a file (one JSON object per line, each with the events plugin's `id`),
those after ID when given `--resume-after ID`, then ends as a dropped connection does. The first run
also prints a line that is not JSON (an SSH banner) and stops after `--drop-after N` events; every
run appends its arguments to the log file, so the test sees what the listener asked for.

Usage: stream_events.py EVENTS LOG [--drop-after N] [--resume-after ID]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    events_file, log_file, *rest = argv
    drop_after = int(rest[rest.index("--drop-after") + 1]) if "--drop-after" in rest else None
    resume = rest[rest.index("--resume-after") + 1] if "--resume-after" in rest else None
    log = Path(log_file)
    runs = log.read_text().splitlines() if log.exists() else []
    with log.open("a") as f:
        f.write(json.dumps(rest) + "\n")
    lines = Path(events_file).read_text().splitlines()
    if resume is not None:
        ids = [json.loads(line).get("id") for line in lines]
        lines = lines[ids.index(resume) + 1:] if resume in ids else lines
    first = not runs
    if first:
        print("Welcome to Gerrit Code Review", flush=True)
        if drop_after is not None:
            lines = lines[:drop_after]
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
