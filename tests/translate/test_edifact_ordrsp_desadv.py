"""The generic EDIFACT ORDRSP and DESADV maps (D96A), the D01B maps that extend the D96A ones,
nested CPS groups (packs in packs), and partner maps on EDIFACT maps."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.acks import Sequence
from gateway.canonical import RECORD_TYPES, compact_json
from gateway.canonical.acknowledgement import (
    AcknowledgementLine,
    LineConfirmation,
    OrderAcknowledgement,
)
from gateway.canonical.common import DateRef, Identifier, Party, Weight
from gateway.canonical.ship_notice import Pack, ShipItem, ShipNotice, ShipOrder
from gateway.edifact.writer import EdifactEnvelope
from gateway.errors import GatewayError
from gateway.translate import MapError, TranslationMap, load_map, map_for
from gateway.translate.edifact_out import generate_edifact
from tests.translate.util import _code, _dec, _opt, _text, back, mutate, translate

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "edifact"
ENVELOPE = EdifactEnvelope("8712345000011", "5400001000019", "14", "14", newline=True)

CASES = [("D96A", "ORDRSP", "valid_functional_group"), ("D96A", "DESADV", "valid_sscc_hierarchy"),
         ("D01B", "ORDERS", "valid_syntax4_repetition_separator"),
         ("D01B", "ORDRSP", "valid_order_response"),
         ("D01B", "DESADV", "valid_group_sscc_hierarchy"),
         ("D01B", "INVOIC", "valid_release_characters")]


def _map(directory: str, message: str) -> TranslationMap:
    return load_map(map_for("edifact", directory, message))


def round_trip(record: BaseModel, tmap: TranslationMap) -> str:
    text = generate_edifact(record, tmap, ENVELOPE, Sequence(1), datetime(2024, 1, 2, 3, 4))
    assert back(text, tmap) == record, text
    return text


# -- fixtures --------------------------------------------------------------------------------

@pytest.mark.parametrize(("directory", "message", "case"), CASES)
def test_fixture_translates_and_round_trips(directory: str, message: str, case: str) -> None:
    tmap = _map(directory, message)
    path = FIX / directory / message / f"{case}.edi"
    results = translate(path.read_bytes(), tmap)
    assert all(msg.report.errors == [] for _, msg in results)
    expected = json.loads(path.with_suffix(".record.json").read_text())
    record = results[0][0]
    assert compact_json(record) == expected
    text = round_trip(record, tmap)
    association = "EAN007" if (directory, message) == ("D01B", "DESADV") else (
        "EAN010" if directory == "D01B" else {"ORDRSP": "EAN005", "DESADV": "EAN005"}[message])
    assert f"UNH+1+{message}:D:{directory[1:]}:UN:{association}'" in text


@pytest.mark.parametrize(("message", "d96a", "d01b"), [
    ("ORDRSP", "valid_functional_group", "valid_order_response"),
    ("DESADV", "valid_sscc_hierarchy", "valid_group_sscc_hierarchy"),
    ("INVOIC", "valid_release_characters", "valid_release_characters")])
def test_d01b_maps_read_what_the_d96a_maps_read(message: str, d96a: str, d01b: str) -> None:
    # the same content in both directories: D01B renumbers groups and makes BGM 1004 and
    # NAD 3229 components; the records must not differ
    old = translate((FIX / "D96A" / message / f"{d96a}.edi").read_bytes(),
                    _map("D96A", message))[0][0]
    new = translate((FIX / "D01B" / message / f"{d01b}.edi").read_bytes(),
                    _map("D01B", message))[0][0]
    assert old is not None and new == old


def test_d01b_orders_renumbered_groups_are_read() -> None:
    po = translate((FIX / "D01B" / "ORDERS" / f"{CASES[2][2]}.edi").read_bytes(),
                   _map("D01B", "ORDERS"))[0][0]
    # SG28 lines, SG32 prices, SG37 store quantities, SG19/SG21 allowance percent (D96A:
    # SG25, SG28, SG33, SG18/SG20)
    assert [(ln.unit_price, ln.destinations[0].quantity) for ln in po.lines] == [
        (Decimal("1.80"), Decimal("48")), (Decimal("2.50"), Decimal("24")),
        (Decimal("3.15"), Decimal("12"))]
    assert po.allowances_charges[0].percent == Decimal("2.5")
    assert po.number == "PO-2024-00017" and po.totals.line_count == 3


def test_ordrsp_line_answers() -> None:
    [(ack, _), (second, _)] = translate(
        (FIX / "D96A" / "ORDRSP" / "valid_functional_group.edi").read_bytes(),
        _map("D96A", "ORDRSP"))
    assert (ack.status, ack.order_number, second.order_number) == (
        "accepted_with_changes", "PO-2024-00017", "PO-2024-00018")
    assert [c.status for ln in ack.lines for c in ln.confirmations] == ["accepted", "changed"]
    assert ack.lines[1].notes[0].text == "Only 20 of 24 available; rest cancelled"


def test_ordrsp_backorder_and_confirmed_price() -> None:
    data = (FIX / "D96A" / "ORDRSP" / "valid_functional_group.edi").read_bytes().replace(
        b"QTY+21:20'", b"QTY+21:24:CT'QTY+12:20'QTY+83:4'PRI+AAA:2.35'", 1).replace(
        b"UNT+17+RSP0001", b"UNT+20+RSP0001")
    [(ack, msg), _] = translate(data, _map("D96A", "ORDRSP"))
    assert msg.report.errors == []
    line = ack.lines[1]
    assert (line.quantity, line.unit) == (Decimal("24"), "carton")
    assert [(c.status, c.quantity, c.unit_price) for c in line.confirmations] == [
        ("changed", Decimal("20"), Decimal("2.35")), ("backordered", Decimal("4"), None)]
    text = round_trip(ack, _map("D96A", "ORDRSP"))
    assert "LIN+2+3+8712345000271:EN'QTY+21:24:CT'QTY+12:20'QTY+83:4'" in text.replace("\n", "")


def test_ordrsp_unknown_action_code_is_a_defect() -> None:
    data = (FIX / "D96A" / "ORDRSP" / "valid_functional_group.edi").read_bytes().replace(
        b"LIN+2+3+", b"LIN+2+99+", 1)
    [(ack, msg), _] = translate(data, _map("D96A", "ORDRSP"))
    assert ack is None
    assert [(d.segment, d.element, d.value) for d in msg.report.errors] == [
        ("LIN", "LIN02", "99")]


# -- DESADV: nested packs ------------------------------------------------------------------

PALLET = ShipNotice(
    number="DES-8810", dates=(DateRef(role="document", value=date(2024, 2, 1)),
                              DateRef(role="ship", value=date(2024, 2, 1))),
    parties=(Party(role="ship_to", identifiers=(Identifier(qualifier="gln",
                                                           value="5400001001016"),)),),
    lading_quantity=1, lading_packaging="pallet",
    gross_weight=Weight(value=Decimal("412.5"), unit="kilogram"),
    orders=(ShipOrder(order_number="PO-2024-00031", order_date=date(2024, 1, 29), packs=(
        Pack(sscc="387123450000000036", packaging="pallet",
             gross_weight=Weight(value=Decimal("410"), unit="kilogram"), packs=(
                 Pack(sscc="387123450000000043", packaging="carton", items=(
                     ShipItem(line_number="1", gtin="8712345000417", quantity=Decimal("6"),
                              unit="each", ordered_quantity=Decimal("12"),
                              lot_number="L24031", expiry_date=date(2024, 8, 31)),)),
                 Pack(sscc="387123450000000050", packaging="carton", items=(
                     ShipItem(line_number="1", gtin="8712345000417", quantity=Decimal("6"),
                              unit="each", lot_number="L24032"),)))),),
        items=(ShipItem(line_number="2", gtin="8712345000431", quantity=Decimal("1"),
                        unit="case"),)),))


def test_a_despatch_advice_of_several_orders_round_trips() -> None:
    """Each order's packs and items are written under the first order's place, each line
    with its order's RFF ON (SG16; SG18 in D01B), and read back under their orders."""
    first = PALLET.orders[0]
    other = first.model_copy(update={"order_number": "PO-2024-00032", "order_date": None})
    bare = ShipOrder(order_number="PO-2024-00033")  # listed, nothing of it in this delivery
    two = PALLET.model_copy(update={"orders": (first, other, bare)})
    text = round_trip(two, _map("D96A", "DESADV")).replace("\n", "")
    assert text.count("RFF+ON:PO-2024-00031'") == 1 + 3  # the header's, and its three lines'
    assert text.count("RFF+ON:PO-2024-00032'") == 1 + 3
    assert text.count("RFF+ON:PO-2024-00033'") == 1
    assert ("LIN+1++8712345000417:EN'QTY+12:6:PCE'QTY+21:12'RFF+ON:PO-2024-00031'PCI+36E'"
            in text)
    round_trip(two, _map("D01B", "DESADV"))
    # one order: no line references, the message as before
    assert "RFF+ON" not in round_trip(PALLET, _map("D96A", "DESADV")).split("CPS+1")[1]


def test_a_later_orders_pack_without_items_is_refused_not_dropped() -> None:
    """Nothing in the message would tell which order an empty pack belongs to."""
    first = PALLET.orders[0]
    other = ShipOrder(order_number="PO-2024-00032", packs=(Pack(sscc="387123450000000067",
                                                                packaging="pallet"),))
    with pytest.raises(GatewayError) as exc:
        generate_edifact(PALLET.model_copy(update={"orders": (first, other)}),
                         _map("D96A", "DESADV"), ENVELOPE, Sequence(1),
                         datetime(2024, 1, 2, 3, 4))
    assert exc.value.code == "outbound.not_carried"
    assert "orders[1] (PO-2024-00032) has a pack without items" in exc.value.message
    twice = PALLET.model_copy(update={"orders": (first, first)})
    with pytest.raises(GatewayError, match="same number"):
        generate_edifact(twice, _map("D96A", "DESADV"), ENVELOPE, Sequence(1),
                         datetime(2024, 1, 2, 3, 4))


def test_a_mixed_pallet_is_split_by_the_orders_its_lines_name() -> None:
    """As a supplier sends a consolidated delivery: one pallet with lines of two orders, a
    loose line that names no order (the first order's), and a line naming an order the header
    did not list (added after the listed ones)."""
    body = (b"RFF+ON:PO-2'CPS+1'PAC+1++201'LIN+9++8712345000998:EN'QTY+12:1'"
            b"CPS+2+1'PAC+1++201'PCI+33E'GIN+BJ+387123450000000036'"
            b"LIN+1++8712345000417:EN'QTY+12:6'RFF+ON:PO-1'"
            b"LIN+2++8712345000431:EN'QTY+12:4'RFF+ON:PO-2'"
            b"LIN+3++8712345000448:EN'QTY+12:2'RFF+ON:PO-3'"
            b"LIN+4++8712345000455:EN'QTY+12:1'")
    [(record, msg)] = translate(_desadv(body), _map("D96A", "DESADV"))
    assert msg.report.errors == [] and record is not None
    got = {o.order_number: ([p.sscc for p in o.packs],
                            [i.line_number for p in o.packs for i in p.items],
                            [i.line_number for i in o.items]) for o in record.orders}
    assert got == {"PO-1": (["387123450000000036"], ["1", "4"], ["9"]),
                   "PO-2": (["387123450000000036"], ["2"], []),
                   "PO-3": (["387123450000000036"], ["3"], [])}
    assert [o.order_number for o in record.orders] == ["PO-1", "PO-2", "PO-3"]
    assert all(p.packaging == "pallet" for o in record.orders for p in o.packs)


def test_pallet_of_cartons_round_trips_with_cps_ids() -> None:
    text = round_trip(PALLET, _map("D96A", "DESADV")).replace("\n", "")
    # the consignment (CPS 1, its loose item), the pallet (2 under 1), the cartons (3, 4
    # under 2), depth first
    assert ("CPS+1'PAC+1++201'LIN+2++8712345000431:EN'QTY+12:1:CS'CPS+2+1'PAC+1++201'"
            "MEA+PD+AAB+KGM:410'PCI+33E'GIN+BJ+387123450000000036'CPS+3+2'PAC+1++CT'"
            "PCI+33E'GIN+BJ+387123450000000043'LIN+1++8712345000417:EN'QTY+12:6:PCE'"
            "QTY+21:12'PCI+36E'DTM+361:20240831:102'GIN+BX+L24031'CPS+4+2'") in text
    assert "MEA+AAE+AAD+KGM:412.5'" in text
    round_trip(PALLET, _map("D01B", "DESADV"))


def _desadv(body: bytes) -> bytes:
    segs = body.count(b"'") + 2
    return (b"UNA:+.? 'UNB+UNOC:3+8712345000011:14+5400001000019:14+240120:1400+X1'"
            b"UNH+1+DESADV:D:96A:UN:EAN005'BGM+351+DES-1+9'RFF+ON:PO-1'" + body +
            b"UNT+" + str(segs + 2).encode() + b"+1'UNZ+1+X1'")


@pytest.mark.parametrize(("body", "element", "value", "what"), [
    (b"CPS+1'CPS+2+1'CPS+3+7'", "CPS02", "7", "parent '7' is not the id of any CPS"),
    (b"CPS+1'CPS+2+1'CPS+2+1'", "CPS01", "2", "id '2' is already the id of the CPS at "
     "position 5"),
    (b"CPS+1'CPS+2+3'CPS+3+2'", "CPS02", "3", "makes a cycle"),
])
def test_bad_cps_hierarchy_is_a_defect(body: bytes, element: str, value: str,
                                       what: str) -> None:
    [(record, msg)] = translate(_desadv(body), _map("D96A", "DESADV"))
    assert record is None
    assert msg.report.errors, msg.report.errors
    d = msg.report.errors[0]
    assert (d.code, d.segment, d.element, d.value) == ("st.business_rule", "CPS", element, value)
    assert what in d.message, d.message


def test_cps_in_any_order_nests_by_parent() -> None:
    body = (b"CPS+1'CPS+3+2'PAC+1++CT'LIN+1++8712345000417:EN'QTY+12:6'CPS+2+1'PAC+1++201'")
    [(record, msg)] = translate(_desadv(body), _map("D96A", "DESADV"))
    assert msg.report.errors == []
    [pallet] = record.orders[0].packs
    assert pallet.packaging == "pallet" and pallet.packs[0].items[0].quantity == Decimal("6")


# -- Hypothesis round trips, restricted to what each map carries ---------------------------

GLN = st.sampled_from(["5400001000019", "8712345000011", "5400001001016", "5400001002037"])
GTIN = st.sampled_from(["8712345000103", "8712345000271", "8712345000417", "08712345000011"])
SSCC = st.sampled_from(["387123450000000012", "387123450000000029", "387123450000000036",
                        "387123450000000043", "387123450000000050"])
DATES = st.dates(date(2000, 1, 1), date(2049, 12, 31))
UNITS = st.sampled_from(["each", "case", "carton", "kilogram"])


def _parties() -> st.SearchStrategy[tuple[Party, ...]]:
    party = st.builds(Party, role=st.sampled_from(["buyer", "seller", "ship_to"]),
                      name=_opt(_text(35)),
                      additional_names=st.lists(_text(35), max_size=4).map(tuple),
                      identifiers=st.tuples(st.builds(Identifier, qualifier=st.just("gln"),
                                                      value=GLN))
                      ).map(lambda p: p if p.name else p.model_copy(
                          update={"additional_names": ()}))
    return st.lists(party, max_size=3, unique_by=lambda p: p.role).map(tuple)


def _confirmations() -> st.SearchStrategy[tuple[LineConfirmation, ...]]:
    first = st.builds(LineConfirmation,
                      status=st.sampled_from(["accepted", "changed", "rejected"]),
                      quantity=_opt(_dec(0)), unit_price=_opt(_dec(2)),
                      schedule=_opt(st.builds(DateRef, role=st.sampled_from(
                          ["confirmed_delivery", "requested_delivery", "ship"]), value=DATES)))
    backorder = st.builds(LineConfirmation, status=st.just("backordered"),
                          quantity=st.just(Decimal("1")) | _dec(0))
    return st.tuples(first, _opt(backorder)).map(lambda t: tuple(c for c in t if c))


acks = st.builds(
    OrderAcknowledgement, number=_opt(_code(1, 20)),
    status=st.sampled_from(["accepted", "accepted_with_changes", "rejected"]),
    order_number=_code(1, 20),
    dates=st.tuples(st.builds(DateRef, role=st.just("document"), value=DATES), _opt(
        st.builds(DateRef, role=st.just("order"), value=DATES))).map(
        lambda t: tuple(d for d in t if d)),
    currency=_opt(st.sampled_from(["EUR", "USD"])), parties=_parties(),
    lines=st.lists(st.builds(AcknowledgementLine, line_number=st.integers(1, 999).map(str),
                             gtin=GTIN, quantity=_dec(0), unit=UNITS,
                             confirmations=_confirmations()),
                   max_size=3, unique_by=lambda ln: ln.line_number).map(tuple))


def _items(least: int = 0) -> st.SearchStrategy[tuple[ShipItem, ...]]:
    lot = st.tuples(_code(1, 20), _opt(DATES)) | st.just((None, None))
    item = st.builds(lambda n, g, q, u, o, lt: ShipItem(
        line_number=n, gtin=g, quantity=q, unit=u, ordered_quantity=o, lot_number=lt[0],
        expiry_date=lt[1]), st.integers(1, 99).map(str), GTIN, _dec(0), UNITS, _opt(_dec(0)), lot)
    return st.lists(item, min_size=least, max_size=2).map(tuple)


def _packs(depth: int, filled: bool = False) -> st.SearchStrategy[tuple[Pack, ...]]:
    """Packs in packs; ``filled``: each pack (of an order after the first) holds an item."""
    inner = _packs(depth - 1) if depth else st.just(())
    pack = st.builds(Pack, sscc=_opt(SSCC), packaging=st.sampled_from(["pallet", "carton",
                                                                        "case"]),
                     gross_weight=_opt(st.builds(Weight, value=_dec(1), unit=st.sampled_from(
                         ["kilogram", "pound"]))),
                     packs=inner, items=_items(1 if filled else 0))
    return st.lists(pack, max_size=2).map(tuple)


def _orders() -> st.SearchStrategy[tuple[ShipOrder, ...]]:
    """One order, or several: a despatch advice of several orders names each line's order."""
    def order(filled: bool) -> st.SearchStrategy[ShipOrder]:
        return st.builds(ShipOrder, order_number=_code(1, 20), order_date=_opt(DATES),
                         packs=_packs(2, filled), items=_items())

    return st.tuples(order(False), st.lists(order(True), max_size=2)).map(
        lambda t: (t[0], *t[1])).filter(
        lambda os: len({o.order_number for o in os}) == len(os))


notices = st.builds(
    ShipNotice, number=_code(1, 20),
    dates=st.tuples(st.builds(DateRef, role=st.just("document"), value=DATES)),
    parties=_parties(), lading_quantity=_opt(st.integers(1, 99)), orders=_orders())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=acks)
def test_ordrsp_round_trip(record: OrderAcknowledgement) -> None:
    round_trip(record, _map("D96A", "ORDRSP"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=notices)
def test_desadv_round_trip(record: ShipNotice) -> None:
    round_trip(record, _map("D96A", "DESADV"))
    round_trip(record, _map("D01B", "DESADV"))


# -- map checks: nested levels, D01B versions, EDIFACT partner maps -----------------------

HEAD = ('[map]\nstandard = "edifact"\nversion = "D96A"\nmessage = "DESADV"\n'
        'record = "ship_notice"\n')  # 5 lines


@pytest.mark.parametrize(("body", "line", "field", "what"), [
    ('[[header]]\nloop = "SG10"\nnest = { recurse = "packs" }\n  [[header.segments]]\n'
     '  segment = "CPS"\n', 8, "header.0.nest.recurse", "recurse is for a child level"),
    ('[[header]]\nloop = "SG10"\nnest = {}\n  [[header.segments]]\n  segment = "CPS"\n'
     '  [[header.segments]]\n  loop = "SG10"\n  each = "orders[0].packs"\n'
     '  nest = { recurse = "items" }\n    [[header.segments.segments]]\n'
     '    segment = "CPS"\n', 14, "header.0.segments.1.nest.recurse", "a list of Pack"),
    ('[[header]]\nloop = "SG10"\nnest = { id = "04" }\n  [[header.segments]]\n'
     '  segment = "CPS"\n', 8, "header.0.nest.id", "an element position of CPS (01..03)"),
    ('[[header]]\nloop = "SG10"\nnest = {}\n  [[header.segments]]\n  segment = "CPS"\n'
     '  [[header.segments]]\n  loop = "SG10"\n  each = "orders[0].packs"\n  nest = {}\n'
     '    [[header.segments.segments]]\n    segment = "CPS"\n  [[header.segments]]\n'
     '  loop = "SG11"\n    [[header.segments.segments]]\n    segment = "PAC"\n', 17,
     "header.0.segments.2", "child levels come after the level's own segments"),
    ('[[header]]\nloop = "SG15"\nnest = {}\n  [[header.segments]]\n  segment = "LIN"\n',
     7, "header.0.loop", "a segment group of the message here, or the group of the enclosing"),
])
def test_nest_errors(tmp_path: Path, body: str, line: int, field: str, what: str) -> None:
    path = tmp_path / "DESADV.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(MapError) as exc:
        load_map(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}:{line}: {field}: "), msg
    assert what in msg, msg


def test_nest_is_edifact_only(tmp_path: Path) -> None:
    path = tmp_path / "850.toml"
    path.write_text('[map]\nstandard = "x12"\nversion = "004010"\nmessage = "850"\n'
                    'record = "purchase_order"\n[[header]]\nloop = "N1"\nnest = {}\n',
                    encoding="utf-8")
    with pytest.raises(MapError, match=r":8: header\.0\.nest: EDIFACT maps only"):
        load_map(path)


PARTNER = '[map]\nextends = "edifact/D96A/ORDERS"\n'  # 2 lines


def _partner(tmp_path: Path, body: str) -> TranslationMap:
    path = tmp_path / "p.toml"
    path.write_text(PARTNER + body, encoding="utf-8")
    (tmp_path / "gln.csv").write_text("partner,ours\n5400001001016,DC-ANTWERPEN\n",
                                      encoding="utf-8")
    return load_map(path)


@pytest.mark.parametrize(("body", "line", "field", "what"), [
    ('[[change]]\nat = "SG2/NAD"\nelements."02.4" = { field = "name" }\n', 5,
     "change.0.elements.02.4", "NAD02 is composite C082 (3039, 1131, 3055): a component "
     "02.1..02.3"),
    ('[[change]]\nat = "SG2/NAD"\nelements."02.3" = { field = "nme" }\n', 5,
     "change.0.elements.02.3.field", "Party has no field 'nme'"),
    ('[[change]]\nat = "SG2/NAD[01=XX]"\n', 4, "change.0.at",
     "a binding of the inherited map here"),
    ('[[add]]\ninto = "SG25"\nsegment = "BGM"\n', 5, "add.0.segment",
     "a segment of the message here"),
    ('[[add]]\nsegment = "FTX"\nwhere = { "01" = "PUR" }\nelements."04" = { field = "notes" }\n',
     6, "add.0.elements.04", "FTX04 is composite C108"),
    ('[xref.dp]\neach = "parties"\nfrom = "identifiers[0].valu"\nto = "our_location"\n'
     'file = "gln.csv"\n', 3, "xref.dp", "Identifier has no field 'valu'"),
    ('[[checks]]\nrule = "required"\nfields = ["lines.gtn"]\n', 5, "checks.0.fields",
     "no field 'gtn'"),
    ('[map.renumber]\nSG2 = "SG3"\n', 3, "map.renumber", "another version of the message"),
])
def test_edifact_partner_map_errors(tmp_path: Path, body: str, line: int, field: str,
                                    what: str) -> None:
    with pytest.raises(MapError) as exc:
        _partner(tmp_path, body)
    msg = str(exc.value)
    assert msg.startswith(f"{tmp_path / 'p.toml'}:{line}: {field}: "), msg
    assert what in msg, msg


def test_version_without_renumbering_names_the_binding(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[map]\nextends = "edifact/D96A/ORDERS"\nversion = "D01B"\n',
                    encoding="utf-8")
    with pytest.raises(MapError) as exc:
        load_map(path)
    assert ":3: map.version: the inherited binding header.0.elements.02 does not fit the " \
           "D01B guide: BGM02 is composite C106" in str(exc.value)


def test_edifact_partner_map_changes_adds_and_cross_references(tmp_path: Path) -> None:
    tmap = _partner(tmp_path, (
        '[[change]]\nat = "SG2/NAD"\nelements."02.3" = { field = "identifiers[0].qualifier", '
        'codes = "id_qualifier", default = "gln" }\n'
        '[[add]]\ninto = "SG25"\nsegment = "FTX"\nwhere = { "01" = "PUR" }\n'
        'elements."04.1" = { field = "description", direction = "in" }\n'
        '[xref.dp]\neach = "parties"\nfrom = "identifiers[0].value"\nto = "our_location"\n'
        'when = { role = "ship_to" }\nfile = "gln.csv"\n'
        '[[checks]]\nrule = "line_count"\n'))
    data = (FIX / "D96A" / "ORDERS" / "valid_two_orders.edi").read_bytes()
    data = data.replace(b"NAD+DP+5400001001016::9'", b"NAD+DP+5400001001016'", 1)
    results = translate(data, tmap)
    po, msg = results[0]
    assert msg.report.errors == [], msg.report.errors
    [dp] = [p for p in po.parties if p.role == "ship_to"]
    # no 3055: the partner's default says GLN; the GLN is our DC
    assert (dp.identifiers[0].qualifier, dp.our_location) == ("gln", "DC-ANTWERPEN")
    # the FTX added to the line group is placed after the inherited IMD/QTY, in guide order
    [lines] = [b for b in tmap.header if b.loop == "SG25"]
    tags = [b.segment or b.loop for b in lines.segments]
    assert tags.index("FTX") > tags.index("QTY") and tags.count("FTX") == 2


def test_partner_checks_run_on_edifact(tmp_path: Path) -> None:
    tmap = _partner(tmp_path, '[[checks]]\nrule = "line_count"\n')
    data = (FIX / "D96A" / "ORDERS" / "valid_two_orders.edi").read_bytes().replace(
        b"CNT+2:3'", b"CNT+2:5'", 1)
    po, msg = translate(data, tmap)[0]
    assert po is None
    assert "check line_count: the document says 5 lines" in msg.report.errors[0].message


def test_every_edifact_map_loads() -> None:
    for directory in ("D96A", "D01B"):
        for message, record in [("ORDERS", "purchase_order"), ("ORDRSP",
                                 "order_acknowledgement"), ("DESADV", "ship_notice"),
                                ("INVOIC", "invoice")]:
            tmap = _map(directory, message)
            assert (tmap.map.version, tmap.map.record) == (directory, record)
            assert RECORD_TYPES[record] is not None


@pytest.mark.parametrize("seed", range(3))
def test_mutated_despatch_advices_of_several_orders_never_crash(tmp_path: Path,
                                                                seed: int) -> None:
    """Odd values (an order number gone, lines naming orders, broken CPS ids) in despatch
    advices of several orders: each message gives its record or coded defects, never an
    exception."""
    from gateway.translate.run import translate_file

    first = PALLET.orders[0]
    two = PALLET.model_copy(update={"orders": (first, first.model_copy(
        update={"order_number": "PO-2024-00032"}), ShipOrder(order_number="PO-3"))})
    text = "".join(generate_edifact(two, _map("D96A", "DESADV"), ENVELOPE, Sequence(n),
                                    datetime(2024, 1, 2, 3, 4)) for n in range(1, 41))
    data = mutate(text.replace("\n", "").encode(), b"'", b"+",
                  (b"UNA:", b"UNB", b"UNZ", b"UNH", b"UNT"),
                  [b"", b"ON", b"ON:PO-9", b"ON:", b"ON:PO-2024-00032", b"7", b"2", b"1",
                   b"33E", b"36E", b"BJ", b"x" * 40, b"A:B:C"], 30, seed)
    path = tmp_path / "desadv.edi"
    path.write_bytes(data)
    out = translate_file(path, partner="generic")
    assert out.documents and out.errors  # both good and refused messages
    assert all(e.get("code") for e in out.errors)
    for doc in out.documents:
        notice = ShipNotice.model_validate(doc["record"])
        assert len({o.order_number for o in notice.orders}) == len(notice.orders)
