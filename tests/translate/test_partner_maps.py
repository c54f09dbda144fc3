"""Partner maps: inheritance and patches, cross-references, defaults, business checks, the
errors onboarding staff see, and `map test` / `partners check` over them."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.canonical import Invoice, PurchaseOrder
from gateway.cli import main
from gateway.translate import mapfile
from gateway.translate.mapfile import MapError, load_map, map_path
from gateway.translate.maptest import CaseResult, run_cases
from gateway.translate.outbound import generate_segments
from gateway.translate.rules import Check, run_checks
from gateway.translate.run import translate_file

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "fixtures" / "partners"
BIGBOX_850 = CASES / "bigbox" / "inbound" / "850-store-distribution.edi"
CHECKS_850 = CASES / "bigbox" / "inbound" / "850-business-checks.edi"
INVOICE = CASES / "bigbox" / "outbound" / "810-invoice.json"


def partner_map(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- inheritance ----------------------------------------------------------------------------

def test_partner_map_inherits_and_patches(tmp_path: Path) -> None:
    generic = load_map(map_path("x12/004010/850"))
    tmap = load_map(map_path("bigbox/850-sdq"))
    tags = [b.segment or b.loop for b in tmap.header]
    # BigBox's TD5 is the generic one now: no second TD5 binding
    assert tags == [b.segment or b.loop for b in generic.header]
    # an added segment lands in guide order among the inherited bindings
    path = partner_map(tmp_path, '[map]\nextends = "x12/004010/850"\n\n[[remove]]\n'
                       'at = "TD5[02=2]"\n\n[[add]]\nsegment = "TD5"\nwhere = { "02" = "2" }\n'
                       'elements."03" = { field = "carrier.scac" }\n')
    patched = [(b.segment or b.loop, b.where) for b in load_map(path).header]
    at = patched.index(("DTM", {}))
    assert patched[at:at + 4] == [("DTM", {}), ("TD5", {}), ("TD5", {"02": "2"}), ("N9", {})]
    assert list(tmap.codes["unit"])[:2] == ["CS", "PC"]  # the partner's codes come first
    assert tmap.codes["unit"]["CA"] == "case"  # and the generic ones stay
    assert tmap.tables["items"]["100200300"] == "AHG-TUMBLER-20-BLK"
    assert {c.key for c in tmap.checks} == {"line_count", "destination_quantities",
                                           "upc_on_every_line"}


def test_bigbox_850_cross_references_defaults_and_added_segment() -> None:
    out = translate_file(BIGBOX_850, partner="bigbox", partners_dir=ROOT / "partners")
    assert out.errors == []
    po = PurchaseOrder.model_validate(out.documents[0]["record"])
    assert po.currency == "USD"  # [defaults]: BigBox sends no CUR
    assert po.carrier is not None and po.carrier.scac == "ODFL"
    assert po.carrier.transport_mode == "ltl"
    assert [line.sku for line in po.lines] == ["AHG-TUMBLER-20-BLK", "AHG-MUG-SET-4-WHT",
                                               "AHG-FRENCH-PRESS-1L"]
    assert po.lines[0].unit == "case" and po.lines[1].unit == "each"
    assert [d.our_location for d in po.lines[0].destinations] == [
        "STORE-COLUMBUS-01", "STORE-DAYTON-02", "STORE-TOLEDO-07"]
    ship_to = next(p for p in po.parties if p.role == "ship_to")
    assert ship_to.our_location == "DC-EAST"
    # the same file through the generic map: no SKU, no TD5, and CS is not a generic unit
    generic = translate_file(BIGBOX_850, partner="generic")
    assert generic.documents == [] and "code 'CS' is not in code set 'unit'" in str(
        generic.errors)


def test_checks_reject_one_set_and_warn_on_another() -> None:
    out = translate_file(CHECKS_850, partner="bigbox", partners_dir=ROOT / "partners")
    assert [d["record"]["number"] for d in out.documents] == ["BB4410031"]
    warnings = out.documents[0]["warnings"]
    assert [w["message"] for w in warnings] == [
        "check upc_on_every_line: lines.gtin is required (item 2)"]
    rejected = [e["message"] for e in out.errors if e["transaction_control_number"] == "0002"]
    assert rejected == [
        "lines[1].buyer_part_number: '100200399' is not in the cross-reference 'items'",
        "check line_count: the document says 3 lines (CTT01 / CNT) but has 2",
        "check destination_quantities: line 1: the store quantities add up to 18, "
        "the line orders 24"]
    assert out.exit_code == 1


def test_profile_turns_checks_to_warn_or_off(tmp_path: Path) -> None:
    profiles = tmp_path / "partners"
    shutil.copytree(ROOT / "partners", profiles)
    text = (profiles / "bigbox.toml").read_text()
    (profiles / "bigbox.toml").write_text(
        text + '\n[checks]\nline_count = "warn"\ndestination_quantities = "off"\n')
    out = translate_file(CHECKS_850, partner="bigbox", partners_dir=profiles)
    rejected = [e["message"] for e in out.errors if e["transaction_control_number"] == "0002"]
    assert rejected == [
        "lines[1].buyer_part_number: '100200399' is not in the cross-reference 'items'"]


def test_outbound_partner_map_reverses_the_cross_reference() -> None:
    record = Invoice.model_validate_json(INVOICE.read_bytes())
    segments = generate_segments(record, load_map(map_path("bigbox/810")))
    it1 = [els for tag, els in segments if tag == "IT1"]
    assert it1[0][:8] == ["1", "4", "CS", "57.6", "", "IN", "100200300", "UP"]
    assert it1[1][2] == "PC"


def test_outbound_checks_stop_a_bad_invoice(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(INVOICE.read_text())
    data["totals"]["total_amount"] = "900.00"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["generate", str(bad), "--partner", "bigbox"]) == 2
    err = capsys.readouterr().err
    assert "generate.check_failed" in err and "total 900.00 does not match" in err


# -- errors name the file, line and field ---------------------------------------------------

@pytest.mark.parametrize(("body", "line", "expected"), [
    ('[map]\nextends = "x12/004010/999"\n', 2,
     "map.extends: an existing map; 'x12/004010/999' would be maps/translate/x12/004010/999.toml"),
    ('[map]\nextends = "x12/004010/850"\n\n[[remove]]\nat = "PO1/XYZ"\n', 5,
     "remove.0.at: a binding of the inherited map here (PO1, PID[01=F], PO4, SAC, SDQ, DTM,"
     " MSG), not 'XYZ'"),
    ('[map]\nextends = "x12/004010/850"\n\n[[change]]\nat = "N1"\nelements."01" = '
     '{ field = "role" }\n', 5, "change.0.at: 'N1' is a loop; change its segments (N1/<segment>)"),
    ('[map]\nextends = "x12/004010/850"\n\n[[add]]\ninto = "PO1"\nsegment = "REF"\n'
     'elements."02" = { field = "department" }\n', 7,
     "add.0.elements.02.field: 'department': PurchaseOrderLine has no field 'department'"),
    ('[map]\nextends = "x12/004010/850"\n\n[[add]]\nsegment = "TD5"\n'
     'elements."04" = { field = "carrier.transport_mode", codes = "modes" }\n', 6,
     "add.0.elements.04.codes: a code set of [codes]"),
    ('[map]\nextends = "x12/004010/850"\n\n[xref.items]\neach = "lines"\nfrom = "buyer_part_'
     'number"\nto = "sku"\nfile = "nowhere.csv"\n', 8, "xref.items.file: cannot read nowhere.csv"),
    ('[map]\nextends = "x12/004010/850"\n\n[[checks]]\nrule = "required"\n', 4,
     "checks.0.fields: the fields a required check needs"),
    ('[map]\nextends = "x12/004010/850"\n\n[defaults]\n"lines.colour" = "red"\n', 5,
     "defaults.lines.colour: 'colour': PurchaseOrderLine has no field 'colour'"),
])
def test_map_errors_point_at_the_line(tmp_path: Path, body: str, line: int,
                                      expected: str) -> None:
    path = partner_map(tmp_path, body)
    with pytest.raises(MapError) as err:
        load_map(path)
    assert err.value.message.startswith(f"{path}:{line}: {expected}")


def test_xref_csv_needs_its_header(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("4412,SKU-1\n")
    path = partner_map(tmp_path, '[map]\nextends = "x12/004010/850"\n\n[xref.items]\n'
                       'each = "lines"\nfrom = "buyer_part_number"\nto = "sku"\nfile = "t.csv"\n')
    with pytest.raises(MapError, match="t.csv: the first row must be 'partner,ours'"):
        load_map(path)


def test_extends_cycle_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapfile, "PARTNER_MAPS", tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.toml").write_text('[map]\nextends = "x/b"\n')
    (tmp_path / "x" / "b.toml").write_text('[map]\nextends = "x/a"\n')
    with pytest.raises(MapError, match="a chain of at most 8 maps"):
        load_map(tmp_path / "x" / "a.toml")


def test_version_override_rechecks_the_inherited_bindings() -> None:
    tmap = load_map(map_path("x12/005010/850"))
    assert tmap.map.version == "005010"
    assert len(tmap.header) == len(load_map(map_path("x12/004010/850")).header)


# -- business checks on records -------------------------------------------------------------

def _invoice(**changes: Any) -> Invoice:
    data = json.loads(INVOICE.read_text())
    data.update(changes)
    return Invoice.model_validate(data)


def _order(price: str, qty: str) -> PurchaseOrder:
    return PurchaseOrder.model_validate({
        "number": "BB4410023", "type": "standard", "lines": [
            {"line_number": "1", "gtin": "012345678905", "quantity": qty, "unit": "case",
             "unit_price": price}]})


def test_checks_against_the_purchase_order() -> None:
    inv = _invoice()
    checks = [Check(rule="po_price"), Check(rule="po_quantity", action="warn")]
    found = run_checks(checks, {}, inv, {"BB4410023": _order("57.60", "4")}.get)
    # lines 2 and 3 are not on this (one-line) order
    assert [d.message for d in found] == [
        "check po_price: line 2: not on purchase order BB4410023",
        "check po_price: line 3: not on purchase order BB4410023",
        "check po_quantity: line 2: not on purchase order BB4410023",
        "check po_quantity: line 3: not on purchase order BB4410023"]
    found = run_checks(checks, {}, inv, {"BB4410023": _order("55.00", "3")}.get)
    assert "check po_price: line 1: price 57.60 differs from the order's 55.00" in [
        d.message for d in found]
    over = [d for d in found if "more than the 3 ordered" in d.message]
    assert len(over) == 1 and over[0].warning
    unknown = run_checks(checks, {"po_quantity": "off"}, inv, {}.get)
    assert [d.message for d in unknown] == ["check po_price: purchase order BB4410023 is "
                                            "not known"]


def test_amount_checks_add_up_with_tolerance() -> None:
    ok = _invoice()
    assert run_checks([Check(rule="total_amount"), Check(rule="line_amounts")], {}, ok,
                      None) == []
    lines = json.loads(INVOICE.read_text())["lines"]
    lines[0]["amount"] = "230.45"
    bad = _invoice(lines=lines)
    found = run_checks([Check(rule="line_amounts"), Check(rule="total_amount",
                                                          tolerance=Decimal("0.10"))],
                       {}, bad, None)
    assert [d.message for d in found] == [
        "check line_amounts: line 1: amount 230.45 is not quantity 4 × price 57.60 = "
        "230.40"]


# -- map test and partners check ------------------------------------------------------------

@pytest.mark.parametrize("result", run_cases(cases_dir=CASES, partners_dir=ROOT / "partners"),
                         ids=lambda r: f"{r.partner}/{r.case}")
def test_every_partner_golden_case(result: CaseResult) -> None:
    assert result.status == "pass", result.detail


def test_map_test_passes_on_the_repo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "test", "--partner", "bigbox"]) == 0
    out = capsys.readouterr().out
    assert "PASS    bigbox inbound/850-store-distribution.edi" in out
    assert "PASS    bigbox outbound/810-invoice.json" in out


def test_map_test_shows_a_diff_and_update_rewrites(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(CASES / "bigbox", cases / "bigbox")
    expected = cases / "bigbox" / "outbound" / "810-invoice.expected.edi"
    expected.write_text(expected.read_text().replace("IT1*1*4*CS", "IT1*1*4*CA"))
    args = ["map", "test", "--partner", "bigbox", "--cases-dir", str(cases)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "FAIL    bigbox outbound/810-invoice.json" in out
    assert "-IT1*1*4*CA*57.6**IN*100200300" in out and "+IT1*1*4*CS*57.6**IN*100200300" in out
    assert main([*args, "--update"]) == 0
    assert "UPDATED bigbox outbound/810-invoice.json" in capsys.readouterr().out
    assert "IT1*1*4*CS" in expected.read_text()
    assert main(args) == 0
    (cases / "bigbox" / "inbound" / "850-store-distribution.expected.json").unlink()
    assert main(args) == 1
    assert "MISSING bigbox inbound/850-store-distribution.edi" in capsys.readouterr().out
    assert main(["map", "test", "--partner", "nobody", "--cases-dir", str(cases)]) == 2


def test_partners_check_names_missing_maps_and_unknown_checks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profiles = tmp_path / "partners"
    profiles.mkdir()
    text = (ROOT / "partners" / "bigbox.toml").read_text()
    text = text.replace('map = "bigbox/850-sdq"', 'map = "bigbox/850-nope"')
    (profiles / "bigbox.toml").write_text(text + '\n[checks]\nline_cuont = "warn"\n')
    assert main(["partners", "check", "--dir", str(profiles)]) == 1
    out = capsys.readouterr().out.splitlines()
    lines = text.splitlines()
    map_line = lines.index('map = "bigbox/850-nope"') + 1
    assert f"{profiles}/bigbox.toml:{map_line}: documents.850.map: no map 'bigbox/850-nope' " \
           "(maps/partners/bigbox/850-nope.toml)" in out
    assert any(line.startswith(f"{profiles}/bigbox.toml:{len(lines) + 3}: checks.line_cuont: "
                               "not a check of this partner's maps") for line in out)
