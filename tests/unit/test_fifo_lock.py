"""db.FifoLock, the thread lock under SQLite's write lock: waiters get it in the order they came, a
wait with a timeout gives up cleanly, and a lock handed over just as a wait ran out is not lost."""

from __future__ import annotations

import threading
import time

from storyline.db import FifoLock, SQLiteWriteLock


def test_waiters_get_the_lock_in_arrival_order() -> None:
    lock = FifoLock()
    assert lock.acquire()
    order: list[int] = []
    threads = []
    for n in range(8):
        def wait(n: int = n) -> None:
            assert lock.acquire()
            order.append(n)
            lock.release()
        t = threading.Thread(target=wait)
        t.start()
        threads.append(t)
        # each waiter queued before the next one starts
        deadline = time.monotonic() + 5
        while len(lock._waiters) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    # The releasing thread asks again at once: it must queue behind the eight, not barge ahead.
    lock.release()
    assert lock.acquire(timeout=5)
    order.append(99)
    lock.release()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4, 5, 6, 7, 99]


def test_a_wait_that_runs_out_leaves_the_queue() -> None:
    lock = FifoLock()
    assert lock.acquire()
    started = time.monotonic()
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(timeout=0.05)))
    t.start()
    t.join(5)
    assert got == [False] and time.monotonic() - started >= 0.05
    assert not lock._waiters
    lock.release()
    assert lock.acquire(timeout=0)  # free again: the timed-out waiter holds nothing
    lock.release()


def test_the_write_lock_counts_its_waiters_and_queues_them(tmp_path: object) -> None:
    lock = SQLiteWriteLock(f"{tmp_path}/db.sqlite")
    lock.acquire()
    done = threading.Event()

    def writer() -> None:
        lock.acquire()
        done.set()
        lock.release()

    t = threading.Thread(target=writer)
    t.start()
    deadline = time.monotonic() + 5
    while lock.waiting != 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert lock.waiting == 1 and not done.is_set()
    lock.release()
    t.join(5)
    assert done.is_set() and lock.waiting == 0
