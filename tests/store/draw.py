"""``python -m tests.store.draw URL PARTNER KIND COUNT THREADS``: draws COUNT control numbers
in each of THREADS threads from the store's sequence and prints them as one JSON list (the
process half of the concurrency test in test_sequences.py). Exits 1 if any draw failed."""

from __future__ import annotations

import json
import sys
import threading
from typing import cast

from gateway.acks.numbers import Kind
from gateway.store.db import open_store
from gateway.store.sequences import DbControlNumbers


def draw(url: str, partner: str, kind: str, count: int, threads: int) -> list[int]:
    """The numbers drawn; raises the first error of any thread."""
    store = open_store(url)
    numbers = DbControlNumbers(store, partner)
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait()
        try:
            mine = [numbers.next(cast(Kind, kind)) for _ in range(count)]
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
            return
        with lock:
            got.extend(mine)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    store.close()
    if errors:
        raise errors[0]
    return got


if __name__ == "__main__":
    url, partner, kind, count, threads = sys.argv[1:6]
    print(json.dumps(draw(url, partner, kind, int(count), int(threads))))
