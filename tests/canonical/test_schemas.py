"""The committed JSON Schemas and XSDs: current with the models, valid documents, and what
the records' JSON and XML forms conform to."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from gateway.canonical import RECORD_TYPES
from gateway.canonical.schemas import XS, json_schema, render_all, render_xsd
from gateway.canonical.xml import NAMESPACE, from_xml, to_element, to_xml
from gateway.cli import main
from tests.canonical.examples import EXAMPLES, INVOICE, PURCHASE_ORDER, SHIP_NOTICE
from tests.canonical.jsonschema_subset import check_schema, validate

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "maps" / "canonical"
NAMES = list(EXAMPLES)


@cache
def xsd(record_type: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema((COMMITTED / f"{record_type}.xsd").read_bytes())


def committed_json(record_type: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(
        (COMMITTED / f"{record_type}.schema.json").read_text(encoding="utf-8"))
    return loaded


def test_committed_files_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["schemas", "--check"])
    assert code == 0, "stale schema files, run `edi-gateway schemas`:\n" + capsys.readouterr().out
    assert sorted(p.name for p in COMMITTED.iterdir()) == sorted(render_all())


def test_check_names_stale_and_missing_files(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{r}.{ext}" for r in RECORD_TYPES for ext in ("schema.json", "xsd"))
    capsys.readouterr()
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "invoice.xsd").write_bytes(b"<stale/>")
    (tmp_path / "ship_notice.schema.json").unlink()
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "invoice.xsd" in out and "ship_notice.schema.json" in out
    assert "purchase_order" not in out
    assert (tmp_path / "invoice.xsd").read_bytes() == b"<stale/>"  # --check writes nothing


def test_generation_is_deterministic() -> None:
    assert render_all() == render_all()


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_json_schema_is_a_draft_2020_12_document(record_type: str) -> None:
    doc = committed_json(record_type)
    assert check_schema(doc) == []
    assert doc == json_schema(record_type)
    assert doc["$id"] == f"{NAMESPACE}:{record_type}"
    props = doc["properties"]
    assert isinstance(props, dict)
    assert props["record_type"]["const"] == record_type
    assert doc["additionalProperties"] is False


@pytest.mark.parametrize("name", NAMES)
def test_examples_conform_to_their_json_schema(name: str) -> None:
    record = EXAMPLES[name]
    doc = committed_json(record.record_type)
    instance = json.loads(record.model_dump_json())
    assert validate(instance, doc, doc) == []
    broken = {**instance, "currency": "usd", "surprise": 1}
    assert len(validate(broken, doc, doc)) == 2


def test_json_schema_describes_decimals_as_strings() -> None:
    doc = committed_json("purchase_order")
    defs = doc["$defs"]
    assert isinstance(defs, dict)
    quantity = defs["PurchaseOrderLine"]["properties"]["quantity"]
    assert quantity["type"] == "string" and "pattern" in quantity
    assert quantity["description"] == "Ordered quantity."
    root: dict[str, object] = {"$defs": defs}
    assert validate("12.5", quantity, root) == []
    assert validate(12.5, quantity, root) != []
    assert validate("1E+3", quantity, root) != []


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
def test_xsd_is_a_valid_schema_and_current(record_type: str) -> None:
    assert (COMMITTED / f"{record_type}.xsd").read_bytes() == render_xsd(record_type)
    schema = xsd(record_type)
    assert schema.target_namespace == NAMESPACE
    assert list(schema.elements) == [record_type]


@pytest.mark.parametrize("name", NAMES)
def test_examples_validate_against_their_xsd_and_round_trip(name: str) -> None:
    record = EXAMPLES[name]
    data = to_xml(record)
    xsd(record.record_type).validate(data)
    assert from_xml(data, type(record)) == record
    assert from_xml(etree.tostring(to_element(record)), type(record)) == record


def _tree(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def _ns(path: str) -> str:
    return "/".join(f"{{{NAMESPACE}}}{p}" for p in path.split("/"))


def test_xml_form() -> None:
    root = _tree(to_xml(PURCHASE_ORDER))
    assert root.tag == _ns("purchase_order")
    assert root.findtext(_ns("number")) == "4500012345"
    line = root.find(_ns("lines/line"))
    assert line is not None
    assert line.findtext(_ns("unit_price")) == "2.4500"  # plain notation, scale kept
    stores = [d.findtext(_ns("location/value"))
              for d in line.iterfind(_ns("destinations/destination"))]
    assert stores == ["0231", "0456", "1187"]
    assert root.find(_ns("totals/amount")) is not None
    assert root.find(_ns("delivery_terms/description")) is None  # None is left out
    second = root.findall(_ns("lines/line"))[1]
    assert second.find(_ns("destinations")) is None  # an empty tuple is left out
    ship = _tree(to_xml(SHIP_NOTICE))
    cartons = ship.findall(_ns("orders/order/packs/pack/packs/pack"))
    assert len(cartons) == 3 and cartons[0].findtext(_ns("items/item/lot_number")) == "L2402A"


def _set(path: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        el = root.find(_ns(path))
        assert el is not None
        el.text = text
    return change


def _remove(root: etree._Element) -> None:
    el = root.find(_ns("number"))
    assert el is not None
    root.remove(el)


def _empty_lines(root: etree._Element) -> None:
    el = root.find(_ns("lines"))
    assert el is not None
    el.clear()


@pytest.mark.parametrize("change", [
    _remove, _set("currency", "usd"), _set("lines/line/quantity", "1.2345678"),
    _set("lines/line/unit", "EA"), _set("dates/date/value", "2024-03-01Z"),
    _set("number", " 4500"), lambda r: r.append(etree.Element(_ns("colour"))), _empty_lines,
], ids=["missing", "enum", "digits", "unit", "date", "space", "extra", "empty-list"])
def test_xsd_and_from_xml_refuse_what_the_model_refuses(
        change: Callable[[etree._Element], None]) -> None:
    root = _tree(to_xml(PURCHASE_ORDER))
    change(root)
    data = etree.tostring(root)
    assert not xsd("purchase_order").is_valid(data)
    with pytest.raises(ValueError):
        from_xml(data, type(PURCHASE_ORDER))


def test_from_xml_refuses_the_wrong_root_and_entities() -> None:
    with pytest.raises(ValueError, match="expected <invoice>"):
        from_xml(to_xml(PURCHASE_ORDER), type(INVOICE))
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<invoice xmlns="urn:edi-gateway:canonical"><number>&e;</number></invoice>')
    with pytest.raises(ValueError):
        from_xml(evil, type(INVOICE))
    with pytest.raises(ValueError, match="not well-formed"):
        from_xml(b"<invoice", type(INVOICE))


def test_xsd_is_precise() -> None:
    root = etree.fromstring(render_xsd("purchase_order"))
    ns = {"xs": XS}

    def simple(name: str) -> etree._Element:
        found = root.find(f"xs:simpleType[@name='{name}']/xs:restriction", ns)
        assert found is not None, name
        return found

    quantity = simple("Quantity")
    assert quantity.get("base") == "xs:decimal"
    assert quantity.find("xs:totalDigits", ns).get("value") == "15"
    assert quantity.find("xs:fractionDigits", ns).get("value") == "6"
    assert simple("Date").get("base") == "xs:date"
    units = [e.get("value") for e in simple("UnitOfMeasure").findall("xs:enumeration", ns)]
    assert "each" in units and "case" in units
    line = root.find("xs:complexType[@name='PurchaseOrderLine']/xs:sequence", ns)
    fields = {e.get("name"): e for e in line.findall("xs:element", ns)}
    assert list(fields)[:2] == ["line_number", "buyer_part_number"]
    assert fields["quantity"].get("minOccurs") is None
    assert fields["unit_price"].get("minOccurs") == "0"
    sdq = fields["destinations"].find("xs:complexType/xs:sequence/xs:element", ns)
    assert sdq.get("name") == "destination" and sdq.get("maxOccurs") == "unbounded"
    percent = simple("Percent")
    assert percent.find("xs:maxInclusive", ns).get("value") == "100"
    assert Decimal(percent.find("xs:minInclusive", ns).get("value")) == 0
