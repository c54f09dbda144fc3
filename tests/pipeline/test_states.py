"""The pipeline's state table: allowed moves happen, others stop with pipeline.bad_move."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gateway.errors import GatewayError
from gateway.pipeline.states import MOVES, move


@dataclass
class Row:
    status: str
    id: int = 7


@pytest.mark.parametrize(("kind", "start", "to"), [
    ("file", "archived", "processed"), ("file", "parked", "archived"),
    ("transaction", "accepted", "translated"), ("transaction", "translated", "delivered"),
    ("delivery", "parked", "pending"), ("expected_ack", "overdue", "accepted"),
    ("interchange", "receiving", "partially_accepted"), ("interchange", "accepted", "replaced"),
])
def test_allowed_moves(kind: str, start: str, to: str) -> None:
    row = Row(start)
    move(kind, row, to)
    assert row.status == to


@pytest.mark.parametrize(("kind", "start", "to"), [
    ("transaction", "rejected", "translated"),  # a rejected set is never translated
    ("delivery", "delivered", "pending"),  # nor delivered twice
    ("document", "delivered", "parked"),
    ("file", "sent", "processed"),
    ("expected_ack", "accepted", "overdue"),
])
def test_refused_moves(kind: str, start: str, to: str) -> None:
    row = Row(start)
    with pytest.raises(GatewayError) as err:
        move(kind, row, to)
    assert err.value.code == "pipeline.bad_move" and row.status == start
    assert f"no move from {start!r} to {to!r}" in err.value.message


def test_every_target_is_a_state_of_its_kind_or_final() -> None:
    for kind, table in MOVES.items():
        targets = {t for ts in table.values() for t in ts}
        finals = targets - set(table)
        assert finals <= {"processed", "sent", "accepted", "partially_accepted", "rejected",
                          "duplicate", "reconciled", "delivered", "parked", "overdue",
                          "replaced", "translated", "pending", "archived"}, (kind, finals)
