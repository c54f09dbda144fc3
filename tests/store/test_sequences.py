"""Outbound control numbers from the store: ranges, wrapping, and no duplicates or gaps when
threads and processes draw from one sequence at once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.acks.numbers import KINDS, AckContext, ControlNumbers
from gateway.partners.profile import ControlNumbers as Ranges
from gateway.partners.profile import NumberRange
from gateway.store import sequences
from gateway.store.db import Store
from gateway.store.models import SequenceRow
from gateway.store.sequences import DbControlNumbers
from tests.store.draw import draw

ROOT = Path(__file__).resolve().parents[2]


def test_starts_at_the_range_start_and_wraps_at_its_end(store: Store) -> None:
    numbers = DbControlNumbers(store, "tp", Ranges(group=NumberRange(start=5, end=8)))
    assert [numbers.next("group") for _ in range(10)] == [5, 6, 7, 8, 5, 6, 7, 8, 5, 6]
    assert numbers.peek("group") == 7
    assert [numbers.next("interchange") for _ in range(3)] == [1, 2, 3]  # default range


def test_each_kind_and_partner_is_its_own_series(store: Store) -> None:
    a = DbControlNumbers(store, "a", Ranges(transaction=NumberRange(start=100, end=200)))
    b = DbControlNumbers(store, "b")
    assert [a.next(k) for k in KINDS] == [1, 1, 100]
    assert [a.next(k) for k in KINDS] == [2, 2, 101]
    assert [b.next(k) for k in KINDS] == [1, 1, 1]
    with store.session() as s:
        rows = {(r.partner_id, r.kind): r.last_value for r in s.scalars(select(SequenceRow))}
    assert rows == {("a", "interchange"): 2, ("a", "group"): 2, ("a", "transaction"): 101,
                    ("b", "interchange"): 1, ("b", "group"): 1, ("b", "transaction"): 1}


def test_a_changed_range_is_honoured(store: Store) -> None:
    DbControlNumbers(store, "tp").next("interchange")  # last = 1
    moved = DbControlNumbers(store, "tp", Ranges(interchange=NumberRange(start=500, end=900)))
    assert moved.peek("interchange") == 500
    assert [moved.next("interchange") for _ in range(2)] == [500, 501]
    narrowed = DbControlNumbers(store, "tp", Ranges(interchange=NumberRange(start=1, end=501)))
    assert narrowed.next("interchange") == 1  # 501 was the end: wraps
    assert narrowed.next("interchange") == 2


def test_numbers_continue_across_instances_and_restarts(store: Store) -> None:
    assert DbControlNumbers(store, "tp").next("group") == 1
    assert DbControlNumbers(store, "tp").next("group") == 2


def test_numbers_taken_within_a_rolled_back_transaction_are_not_used_up(
        store: Store) -> None:
    numbers = DbControlNumbers(store, "tp")
    assert numbers.next("transaction") == 1
    with pytest.raises(RuntimeError), store.session(write=True) as s, s.begin():
        inside = numbers.within(s)
        assert [inside.next("transaction"), inside.next("transaction")] == [2, 3]
        raise RuntimeError("the step failed")
    with store.session(write=True) as s, s.begin():
        assert numbers.within(s).next("transaction") == 2  # no gap
    assert numbers.next("transaction") == 3


def test_a_collecting_transaction_counts_in_memory_and_writes_the_last_back(
        store: Store) -> None:
    numbers = DbControlNumbers(store, "tp", Ranges(group=NumberRange(start=5, end=7)))
    assert numbers.next("group") == 5
    with store.session(write=True) as s, s.begin():
        sequences.collect(s)
        inside = numbers.within(s)
        assert [inside.next("group") for _ in range(4)] == [6, 7, 5, 6]  # the same wrap
        # another instance on the same transaction continues the same series
        assert DbControlNumbers(store, "tp", numbers.ranges).within(s).next("group") == 7
        sequences.write_taken(s)
    assert numbers.next("group") == 5


def test_a_rolled_back_savepoint_gives_its_collected_numbers_back(store: Store) -> None:
    numbers = DbControlNumbers(store, "tp")
    with store.session(write=True) as s, s.begin():
        sequences.collect(s)
        inside = numbers.within(s)
        assert [inside.next("interchange"), inside.next("interchange")] == [1, 2]
        sequences.write_taken(s)  # before the savepoint, as the worker does
        with pytest.raises(RuntimeError), s.begin_nested():
            assert [inside.next("interchange"), inside.next("transaction")] == [3, 1]
            raise RuntimeError("the step failed")
        sequences.forget_taken(s)
        assert [inside.next("interchange"), inside.next("transaction")] == [3, 1]  # no gap
        assert inside.next("interchange") == 4
        sequences.write_taken(s)
    assert [numbers.next("interchange"), numbers.next("transaction")] == [5, 2]


def test_it_is_the_ack_renderers_control_number_source(store: Store) -> None:
    numbers: ControlNumbers = DbControlNumbers(store, "tp")
    ctx = AckContext(numbers=numbers, now=datetime(2026, 1, 1))
    assert [ctx.take("interchange"), ctx.take("interchange")] == [1, 2]


def test_threads_and_two_processes_get_no_duplicates_and_no_gaps(db_url: str,
                                                                 store: Store) -> None:
    """4 threads here and 2 processes of 3 threads each draw from one sequence at once."""
    per_thread, threads_here, processes, threads_there = 40, 4, 2, 3
    cmd = [sys.executable, "-m", "tests.store.draw", db_url, "tp", "interchange",
           str(per_thread), str(threads_there)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(processes)]
    got: list[int] = []
    errors: list[BaseException] = []

    def here() -> None:
        try:
            got.extend(draw(db_url, "tp", "interchange", per_thread, threads_here))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=here)
    t.start()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        got.extend(json.loads(out))
    t.join()
    assert errors == []
    total = per_thread * (threads_here + processes * threads_there)
    assert len(got) == total
    assert sorted(got) == list(range(1, total + 1))  # every number once, none skipped
    assert DbControlNumbers(store, "tp").peek("interchange") == total + 1


@pytest.mark.parametrize("bad", [{"start": 0}, {"start": 9, "end": 9},
                                 {"end": 1_000_000_000}])
def test_profile_ranges_are_checked(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        NumberRange.model_validate(bad)
