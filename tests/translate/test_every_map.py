"""translate(generate(record)) == record through every generic map, including the maps that
extend another version's (X12 005010, EDIFACT D01B), with each document's record strategy.

The per-map test modules own the strategies (restricted to what each map carries) and run the
property on their own version; this module runs it on the versions they do not, and fails
when a generic map has no property at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.acks import Sequence
from gateway.stream import Delimiters
from gateway.translate.mapfile import MAPS, TranslationMap, load_map, map_for
from gateway.translate.outbound import generate_x12
from gateway.x12.writer import GroupHeader, X12Envelope
from tests.translate import test_810, test_855, test_856, test_edifact_ordrsp_desadv
from tests.translate import test_translate as test_850
from tests.translate.test_edifact_translate import _round_trip as edifact_round_trip
from tests.translate.test_edifact_translate import invoices as edifact_invoices
from tests.translate.test_edifact_translate import orders as edifact_orders
from tests.translate.util import back

X12_FUNCTIONAL = {"850": "PO", "810": "IN", "855": "PR", "856": "SH"}

STRATEGIES: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    "x12/850": test_850.orders, "x12/810": test_810.invoices,
    "x12/855": test_855.acknowledgements, "x12/856": test_856.ship_notices,
    "edifact/ORDERS": edifact_orders, "edifact/INVOIC": edifact_invoices,
    "edifact/ORDRSP": lambda: test_edifact_ordrsp_desadv.acks,
    "edifact/DESADV": lambda: test_edifact_ordrsp_desadv.notices,
}
# where the per-map modules already run the property
COVERED_ELSEWHERE = {("x12", "004010"), ("edifact", "D96A")}


def generic_maps() -> list[tuple[str, str, str]]:
    return sorted((p.parent.parent.name, p.parent.name, p.stem)
                  for p in MAPS.glob("*/*/*.toml"))


def test_every_generic_map_has_a_round_trip_property() -> None:
    found = generic_maps()
    assert len(found) >= 16  # X12 4 documents × 2 versions, EDIFACT 4 messages × 2
    for standard, _version, doc in found:
        assert f"{standard}/{doc}" in STRATEGIES, f"no record strategy for {standard} {doc}"


def x12_round_trip(record: BaseModel, tmap: TranslationMap) -> None:
    text = x12_text(record, tmap)
    assert back(text, tmap) == record, text


def x12_text(record: BaseModel, tmap: TranslationMap) -> str:
    """``record`` as one interchange in the map's version (5010 with a repetition separator)."""
    version = tmap.map.version
    five = version >= "005"
    envelope = X12Envelope("ZZ", "US", "ZZ", "THEM", isa12="00501" if five else "00401",
                           delimiters=Delimiters("*", ">", "~", repetition="^" if five else None))
    text = generate_x12(record, tmap, envelope,
                        GroupHeader(X12_FUNCTIONAL[tmap.map.message], "US", "THEM",
                                    f"{version}VICS"), Sequence(1), datetime(2024, 1, 2, 3, 4))
    return text


OTHER_VERSIONS = [m for m in generic_maps() if (m[0], m[1]) not in COVERED_ELSEWHERE]


@pytest.mark.parametrize(("standard", "version", "doc"), OTHER_VERSIONS,
                         ids=["/".join(m) for m in OTHER_VERSIONS])
def test_round_trip_on_the_other_versions(standard: str, version: str, doc: str) -> None:
    tmap = load_map(map_for(standard, version, doc))

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(record=STRATEGIES[f"{standard}/{doc}"]())
    def prop(record: BaseModel) -> None:
        if standard == "x12":
            x12_round_trip(record, tmap)
        else:
            edifact_round_trip(record, tmap)

    prop()
