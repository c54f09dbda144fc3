"""`edi-gateway translate` and `generate`: the JSON contract, exit codes, errors beside good
documents, partner resolution, and generate -> validate -> translate round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "fixtures/x12/004010/850"
GOOD = PO / "valid_dc_order_with_store_sdq.edi"
RECORD = PO / "valid_dc_order_with_store_sdq.record.json"
BAD = PO / "broken_beg03_too_long.edi"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_translate_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["translate", "--partner", "generic", "--json", str(GOOD)], capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"file", "documents", "errors"} and doc["errors"] == []
    (d,) = doc["documents"]
    assert set(d) == {"type", "partner", "interchange_control_number", "group_control_number",
                      "transaction_control_number", "record"}
    assert d["type"] == "purchase_order" and d["partner"] == "generic"
    assert d["record"] == json.loads(RECORD.read_text())


def test_bad_sets_are_errors_and_good_ones_still_come_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    both = tmp_path / "both.edi"
    both.write_bytes(GOOD.read_bytes() + b"\n" + BAD.read_bytes())
    code, out, _ = run(["translate", "--partner", "generic", "--json", str(both)], capsys)
    doc = json.loads(out)
    assert code == 1 and len(doc["documents"]) == 1
    assert any(e["code"] == "element.too_long" and e["set"] == "850" for e in doc["errors"])


def test_an_element_two_bindings_read_is_reported_once(
        capsys: pytest.CaptureFixture[str]) -> None:
    """BigBox's TD5 says LTL (L), which the generic map's mode codes do not hold; the generic
    map reads TD504 in two bindings (with a SCAC and without), and the error comes once."""
    sample = ROOT / "fixtures/partners/bigbox/inbound/850-store-distribution.edi"
    code, out, _ = run(["translate", "--partner", "generic", "--json", str(sample)], capsys)
    errors = json.loads(out)["errors"]
    assert code == 1 and [e["element"] for e in errors].count("TD504") == 1
    keys = [(e["code"], e["message"], e["offset"]) for e in errors]
    assert len(keys) == len(set(keys))


def test_sets_without_a_map_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    ack = ROOT / "fixtures/x12/004010/997/valid_partial_accept.edi"  # no 997 map
    code, out, _ = run(["translate", "--partner", "generic", "--json", str(ack)], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["documents"] == []
    assert [e["code"] for e in doc["errors"]] == ["translate.no_map"]


def test_unknown_sender_without_partner_is_a_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "partners").mkdir()
    code, out, _ = run(["translate", "--json", "--partners-dir", str(tmp_path / "partners"),
                        str(GOOD)], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["documents"] == []
    assert doc["errors"][0]["code"] == "partner.unknown"
    assert "no partner profile" in doc["errors"][0]["message"]


def test_unknown_partner_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["translate", "--partner", "nobody", str(GOOD)], capsys)
    assert code == 2 and "nobody" in err


def test_generate_validate_translate_round_trip(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, edi, _ = run(["generate", str(RECORD), "--partner", "acme-supply"], capsys)
    assert code == 0 and edi.startswith("ISA*")
    assert "*01*047382916" in edi  # the partner's identity from its profile
    out_file = tmp_path / "out.edi"
    out_file.write_text(edi)
    code, _, _ = run(["validate", str(out_file)], capsys)
    assert code == 0
    code, out, _ = run(["translate", "--partner", "generic", "--json", str(out_file)], capsys)
    assert code == 0
    assert json.loads(out)["documents"][0]["record"] == json.loads(RECORD.read_text())


def test_generate_without_a_map_says_so(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # EuroFresh on a directory that has no ORDERS map (D96A and D01B have maps), receiving
    # orders from us
    profile = (ROOT / "partners" / "eurofresh.toml").read_text(encoding="utf-8")
    assert '[documents.ORDERS]\ndirection = "inbound"\nmap = "eurofresh/ORDERS"' in profile
    profile = profile.replace('directory = "D96A"', 'directory = "D03A"').replace(
        '[documents.ORDERS]\ndirection = "inbound"\nmap = "eurofresh/ORDERS"',
        '[documents.ORDERS]\ndirection = "both"\n#')
    (tmp_path / "eurofresh.toml").write_text(profile, encoding="utf-8")
    code, _, err = run(["generate", str(RECORD), "--partner", "eurofresh", "--partners-dir",
                        str(tmp_path)], capsys)
    assert code == 2 and "generate.no_map" in err and "ORDERS D03A" in err


def test_generate_for_a_document_the_partner_does_not_receive(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["generate", str(RECORD), "--partner", "eurofresh"], capsys)
    assert code == 2 and "partner.document_not_agreed" in err
