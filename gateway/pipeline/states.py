"""The states of the pipeline's items and the moves allowed between them: one table per kind.

Every status change of a file, interchange, transaction set, document, delivery or expected
ack goes through :func:`move`, which refuses a move the table does not allow
(``pipeline.bad_move``): a bug that would, say, deliver a rejected set or send a parked file
stops at the step (the worker parks the item) instead of writing a wrong state.

    inbound file    archived → processed | parked          (replay: processed, parked → archived)
    outbound file   archived → sent                        (replay: sent → archived)
    interchange     receiving → accepted | partially_accepted | rejected | parked | duplicate
                    any → replaced (the file is processed again)
    set             accepted → translated | rejected | parked | duplicate | reconciled
                    translated, parked → rejected (its group was rejected);  translated →
                    delivered
    document        translated → delivered | parked | rejected;  parked → translated (replay),
                    rejected
    delivery        pending → delivered | parked;  parked → pending (replay)
    expected ack    awaiting → accepted | rejected | overdue;  overdue → accepted | rejected
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gateway.errors import GatewayError

MOVES: dict[str, dict[str, frozenset[str]]] = {
    "file": {
        "archived": frozenset({"processed", "parked", "sent", "archived"}),
        "processed": frozenset({"archived"}),
        "parked": frozenset({"archived", "parked"}),
        "sent": frozenset({"archived"}),
    },
    "interchange": {
        "receiving": frozenset({"accepted", "partially_accepted", "rejected", "parked",
                                "duplicate", "replaced"}),
        **{s: frozenset({"replaced"}) for s in ("accepted", "partially_accepted", "rejected",
                                                 "parked", "duplicate", "replaced", "sent")},
    },
    "transaction": {
        "accepted": frozenset({"translated", "rejected", "parked", "duplicate", "reconciled"}),
        "translated": frozenset({"delivered", "rejected"}),
        "parked": frozenset({"rejected"}),
    },
    "document": {
        "translated": frozenset({"delivered", "parked", "rejected"}),
        "parked": frozenset({"translated", "rejected"}),
        "delivered": frozenset(),
        "generated": frozenset(),
    },
    "delivery": {
        "pending": frozenset({"delivered", "parked", "pending"}),
        "parked": frozenset({"pending"}),
    },
    "expected_ack": {
        "awaiting": frozenset({"accepted", "rejected", "overdue"}),
        "overdue": frozenset({"accepted", "rejected"}),
    },
}


class HasStatus(Protocol):
    status: str


@dataclass
class Item:
    """A row's id and status, for steps that write their rows without ORM objects."""

    id: int
    status: str


def move(kind: str, row: HasStatus, to: str) -> None:
    """Set ``row.status`` to ``to`` if the table allows it from where the row is."""
    allowed = MOVES[kind].get(row.status, frozenset())
    if to not in allowed:
        raise GatewayError(f"{kind} {getattr(row, 'id', '?')}: no move from {row.status!r} to "
                           f"{to!r} (allowed: {', '.join(sorted(allowed)) or 'none'})",
                           code="pipeline.bad_move")
    row.status = to
