"""Every acknowledgement we produce for the fixtures validates with our own grammars:
CONTRLs against maps/edifact, 999s against maps/x12/005010, 997s against maps/x12/004010
(pyx12 checks the 997s too, in tests/validate/test_differential.py)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from gateway.acks import Sequence
from gateway.validate.run import Options, validate_file

ROOT = Path(__file__).resolve().parents[2]
INPUTS = sorted(p for p in (ROOT / "fixtures").glob("*/*/*/*.edi")
                if not p.name.endswith(".acks.edi") and "corpus" not in p.parts)


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_our_acks_validate(path: Path) -> None:
    report = validate_file(path, Options(now=datetime(2026, 11, 22, 12, 0), numbers=Sequence(7)))
    for ack in report.acks:
        if ack.type == "TA1":
            continue  # an interchange with a TA1 only has no guide to check against
        again = validate_file(io.BytesIO(ack.text.encode("utf-8")), Options(acks=False),
                              name=f"{path.name}:{ack.type}")
        statuses = [t.status for ix in again.interchanges for g in ix.groups
                    for t in g.transactions]
        assert statuses and set(statuses) == {"accepted"}, (ack.text, again.to_json())
        assert all(ix.status == "accepted" for ix in again.interchanges), again.to_json()


def test_some_of_each_ack_kind_were_checked() -> None:
    kinds: set[str] = set()
    for path in INPUTS:
        kinds |= {a.type for a in validate_file(path, Options()).acks}
    assert {"997", "999", "CONTRL"} <= kinds
