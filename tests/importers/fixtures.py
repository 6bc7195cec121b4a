"""The fixture set of launchpad.md §7, as a World for the double: every trap at least once."""

from __future__ import annotations

from lpdouble import Bug, Change, FixtureWorld, Message, Task

LONG_TITLE = ("Instance fails to boot when the scheduler picks a host whose hypervisor reports stale "
              "resources after a live migration was aborted halfway through, leaving orphaned allocations "
              "in placement that are never cleaned up by the periodic task, which in turn makes the next "
              "boot request land on the same host again and fail the same way forever")
assert len(LONG_TITLE) > 255

APPORT = """nova-compute crashed after the upgrade.

ProblemType: Crash
DistroRelease: Ubuntu 24.04
Package: nova-compute 2:29.0.0-0ubuntu1
Architecture: amd64
ExecutablePath: /usr/bin/nova-compute

Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 1210, in _init_instance
    self.driver.plug_vifs(instance, net_info)
  File "/usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py", line 992, in plug_vifs
    raise exception.VirtualInterfacePlugException(*args)
nova.exception.VirtualInterfacePlugException: Failed to plug VIF *bridge* __qbr1234__

Steps: upgrade, restart *nova-compute*, watch it # fail."""

# Awkward text: a decomposed é (NFD), a lone surrogate, a bell, a right-to-left word, an emoji, a NUL.
UNICODE = "Cafe\u0301 au lait \ud800 breaks the \x07 parser: \u05e9\u05dc\u05d5\u05dd \U0001f41b \x00end"

PEOPLE = {
    "alice": ("Alice Example", False), "bob": ("Bob Builder", False), "carol": ("Carol Core", False),
    "dave": ("Dave Sec", False), "sam-a": ("Sam Smith", False), "sam-b": ("Sam Smith", False),
    "eve": ("Eve Reporter", False), "nova-coresec": ("Nova Core Security", True),
    "nova-bugs": ("Nova Bug Team", True),
}
TEAMS = {"nova-coresec": ["carol", "dave"], "nova-bugs": ["bob"]}


# Bug 1001's history after "added bug" (what each entry becomes: activity.py's table).
ACTIVITY_1001 = [
    Change(11, "bob", "nova: status", "New", "Confirmed"),  # todo -> todo: imported_activity
    Change(11, "bob", "nova: importance", "Undecided", "High", second=1),  # task_priority_changed
    Change(11, "bob", "nova: assignee", None, "Bob Builder (bob)", second=2),  # task_assignee_changed
    Change(12, "bob", "nova: status", "Confirmed", "In Progress"),  # task_status_changed
    Change(13, "alice", "tags", "scheduler", "kilo-backport-potential scheduler"),  # tags_added
    Change(13, "alice", "summary", "Scheduler ignores disabled hosts", "Scheduler ignores *disabled* hosts",
           second=1),  # story_details_changed
    Change(14, "carol", "bug task added", None, "nova/kilo"),  # nothing: task_created says it
    Change(14, "carol", "nova/kilo: milestone", None, "kilo-3", second=1),  # imported_activity
    Change(15, "alice", "attachment added", None,
           "fix-scheduler.patch https://bugs.launchpad.net/bugs/1001/+attachment/100"),  # nothing
    Change(15, "dave", "tags", "kilo-backport-potential scheduler old-tag",
           "kilo-backport-potential scheduler", second=1),  # tags_deleted
    Change(15, "bob", "glance: status", "New", "Invalid", second=2),  # nothing: glance is not imported
    Change(16, "bob", "nova: status", "In Progress", "Fix Released"),  # task_status_changed
]


def bugs() -> list[Bug]:
    return [
        # three tasks: a project, a project series with a milestone (only in bug_tasks), a second project;
        # messages over several pages, a patch, a deleted, a hidden and an attachment-only comment
        Bug(1001, "Scheduler ignores *disabled* hosts", "The scheduler keeps choosing disabled hosts.\n\n"
            "2026-11-02 10:00:01.123 ERROR nova.scheduler [req-1] No valid host\n"
            "2026-11-02 10:00:02.456 ERROR nova.scheduler [req-2] No valid host",
            "alice", [Task("nova", "Fix Released", "High", "bob", "liberty-1"),
                      Task("nova/kilo", "Fix Committed", "Medium", None, "kilo-3"),
                      Task("swift", "In Progress", "Low", "sam-b")],
            messages=[Message("bob", "Confirmed on master."),
                      Message("alice", "Here is a patch.", attachments=[("fix-scheduler.patch", "Patch",
                              b"--- a/nova/scheduler.py\n+++ b/nova/scheduler.py\n", "text/x-diff")]),
                      Message("eve", "This was rude spam", deleted=True),
                      Message("eve", "Buy cheap watches", hidden=True),
                      Message("carol", "", attachments=[("nova-compute.log", "Unspecified",
                              b"2026-11-02 ERROR boom\n", "text/plain")]),
                      Message("bob", "Merged in I1234."), Message("alice", "Released in 29.0.0.")],
            tags=["scheduler", "Kilo-Backport-Potential", "not a valid tag!"], subscribers=["bob", "nova-bugs"],
            created=10, updated=40, activity=list(ACTIVITY_1001)),  # a copy: tests append to it
        # a duplicate: only with omit_duplicates=false
        Bug(1002, "Disabled hosts picked again", "Same as 1001?", "eve", [Task("nova", "New", "Undecided")],
            duplicate_of=1001, created=12, updated=20,
            activity=[Change(13, "bob", "marked as duplicate", None, "1001")]),
        # private security: only with a token
        Bug(1003, "Token leak in logs", "Tokens are logged in clear at DEBUG.", "eve",
            [Task("nova", "Triaged", "Critical", "carol")],
            messages=[Message("carol", "Confirmed, working on a private patch.")],
            information_type="Private Security", subscribers=["carol", "nova-coresec", "nova-bugs"],
            cves=["CVE-2026-12345"], created=14, updated=30,
            activity=[Change(14, "eve", "information type", "Public", "Private Security", second=5),
                      Change(15, "carol", "nova: status", "New", "Triaged"),
                      Change(15, "carol", "nova: assignee", None, "Carol Core (carol)")]),
        # a 300-character title, an apport dump, awkward Unicode, Deferred and an unknown status
        Bug(1004, LONG_TITLE, APPORT, "sam-a",
            [Task("nova", "Deferred", "Wishlist"), Task("swift", "Needs Info", "Unknown")],
            messages=[Message("sam-b", UNICODE)], tags=["apport-crash"], created=16, updated=25),
        # closed, by the other Sam Smith; on swift only
        Bug(1005, "Swift proxy leaks sockets", "Sockets pile up.", "sam-b", [Task("swift", "Invalid", "Low")],
            messages=[Message("sam-a", "Cannot reproduce.")], created=18, updated=19),
        # many tasks (series of nova), only some in the project search
        Bug(1006, "Rename the config option everywhere", "Every release series needs the rename.", "bob",
            [Task("nova", "Confirmed", "Medium")] + [Task(f"nova/series-{n}", "New", "Low") for n in range(1, 11)]
            + [Task("glance", "New", "Low")],
            messages=[Message("alice", f"Backport {n} proposed.") for n in range(1, 8)], created=20, updated=22),
        # a bug on a project that is not imported
        Bug(1007, "Glance only", "Not ours.", "bob", [Task("glance", "New", "Low")], created=21, updated=21),
    ]


def fixture_world() -> FixtureWorld:
    return FixtureWorld(bugs(), PEOPLE, TEAMS, page_size=3)
