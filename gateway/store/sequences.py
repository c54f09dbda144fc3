"""Outbound control numbers from the store: ``DbControlNumbers`` (the ``ControlNumbers``
protocol of ``gateway.acks.numbers``), one series per partner and kind in ``sequences``.

Each ``next`` is its own short transaction made of one statement (``within(session)`` runs
the same statement inside the caller's transaction instead)::

    INSERT INTO sequences (partner_id, kind, last_value) VALUES (:p, :k, :start)
    ON CONFLICT (partner_id, kind) DO UPDATE SET last_value = CASE
        WHEN sequences.last_value >= :end OR sequences.last_value < :start THEN :start
        ELSE sequences.last_value + 1 END
    RETURNING last_value

The row holds the last number handed out, so what RETURNING gives is the number taken. The
database makes the statement atomic: PostgreSQL locks the row (a concurrent caller waits and
then sees the new value), SQLite holds its write lock (``BEGIN IMMEDIATE``; others wait on
``busy_timeout``). Workers in threads and processes therefore never get the same number, and a
number is used up only when its transaction commits, so the series has no gaps either. After
``end`` the series wraps to ``start``; a row left outside a changed range restarts at ``start``.

A transaction that takes many numbers (the worker's batch of small files, three numbers for
each file's ack) can ``collect`` them: after its first upsert of a series the row is its own
until it commits (the lock above), so the numbers that follow are counted in memory, with the
same wrap rule, and ``write_taken`` writes the last one back, one UPDATE per series, before
the commit and before a savepoint (so that rolling the savepoint back, then ``forget_taken``,
gives its numbers back: still no gap).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from gateway.acks.numbers import Kind
from gateway.partners.profile import ControlNumbers as Ranges
from gateway.partners.profile import NumberRange
from gateway.store.db import Store
from gateway.store.models import SequenceRow

_UPSERT = text(
    "INSERT INTO sequences (partner_id, kind, last_value) VALUES (:p, :k, :start) "
    "ON CONFLICT (partner_id, kind) DO UPDATE SET last_value = CASE "
    "WHEN sequences.last_value >= :end OR sequences.last_value < :start THEN :start "
    "ELSE sequences.last_value + 1 END RETURNING last_value")
_WRITE_BACK = text("UPDATE sequences SET last_value = :v WHERE partner_id = :p AND kind = :k")


class DbControlNumbers:
    """Control numbers of one partner, within the ranges of its profile
    (``profile.control_numbers``). Thread-safe; any number of instances and processes may
    share one series. A database failure raises SQLAlchemy's error: no number was taken."""

    def __init__(self, store: Store, partner_id: str, ranges: Ranges | None = None) -> None:
        self.store = store
        self.partner_id = partner_id
        self.ranges = ranges or Ranges()

    def statement(self, kind: Kind) -> tuple[TextClause, dict[str, object]]:
        """The upsert that takes the next number of ``kind`` (RETURNING it), and its
        parameters. One text for both databases (SQLite ≥ 3.35 and PostgreSQL share the
        syntax), so SQLAlchemy compiles it once instead of for every number."""
        rng: NumberRange = getattr(self.ranges, kind)
        return _UPSERT, {"p": self.partner_id, "k": kind, "start": rng.start, "end": rng.end}

    def next(self, kind: Kind) -> int:
        """The next number, in a transaction of its own (committed when it returns)."""
        with self.store.connect(write=True) as conn, conn.begin():
            stmt, params = self.statement(kind)
            return int(conn.execute(stmt, params).scalar_one())

    def within(self, session: Session) -> SessionControlNumbers:
        """The same series, drawn inside ``session``'s transaction: a number is used up only
        if that transaction commits, so a step that rolls back leaves no gap. Until then the
        series is locked for everyone else (the sequence row on PostgreSQL, the database on
        SQLite, where the session should be a ``store.session(write=True)``): keep such
        transactions short."""
        return SessionControlNumbers(self, session)

    def peek(self, kind: Kind) -> int:
        """The number ``next(kind)`` would return now (another worker may take it first)."""
        rng: NumberRange = getattr(self.ranges, kind)
        with self.store.session() as s:
            row = s.get(SequenceRow, (self.partner_id, kind))
        if row is None or row.last_value >= rng.end or row.last_value < rng.start:
            return rng.start
        return row.last_value + 1


class SessionControlNumbers:
    """``DbControlNumbers.within(session)``: numbers taken in the caller's transaction."""

    def __init__(self, numbers: DbControlNumbers, session: Session) -> None:
        self.numbers = numbers
        self.session = session

    def next(self, kind: Kind) -> int:
        taken: dict[tuple[str, str], _Taken] | None = self.session.info.get("sequences")
        if taken is None:
            return self._upsert(kind)
        rng: NumberRange = getattr(self.numbers.ranges, kind)
        key = (self.numbers.partner_id, kind)
        last = taken.get(key)
        if last is not None and (last.start, last.end) != (rng.start, rng.end):
            write_taken(self.session)  # (the profile's range changed meanwhile)
            last = None
        if last is None:
            last = taken[key] = _Taken(self._upsert(kind), rng.start, rng.end)
            return last.value
        last.value = last.start if last.value >= last.end or last.value < last.start \
            else last.value + 1
        last.unwritten = True
        return last.value

    def _upsert(self, kind: Kind) -> int:
        stmt, params = self.numbers.statement(kind)
        # (on the session's connection: the same transaction, without the ORM's execute)
        return int(self.session.connection().execute(stmt, params).scalar_one())


@dataclass
class _Taken:
    """The last number a collecting transaction took of a series (its row is locked)."""

    value: int
    start: int
    end: int
    unwritten: bool = False


def collect(session: Session) -> None:
    """Numbers ``within(session)`` after the first of each series come from memory from now
    on; the caller calls ``write_taken`` before it commits or begins a savepoint."""
    session.info["sequences"] = {}


def write_taken(session: Session) -> None:
    """Write the last number of each series taken in memory back to its row."""
    taken: dict[tuple[str, str], _Taken] = session.info.get("sequences", {})
    for (partner, kind), last in taken.items():
        if last.unwritten:
            session.connection().execute(_WRITE_BACK, {"v": last.value, "p": partner,
                                                       "k": kind})
            last.unwritten = False


def forget_taken(session: Session) -> None:
    """A savepoint was rolled back: the rows hold what ``write_taken`` wrote before it."""
    if "sequences" in session.info:
        session.info["sequences"] = {}
