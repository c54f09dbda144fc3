"""The canonical models: realistic records round-trip through JSON, stay frozen, refuse unknown
fields and floats, and keep every amount and quantity a Decimal."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from gateway.canonical import (
    RECORD_TYPES,
    AllowanceCharge,
    DateRef,
    Invoice,
    PurchaseOrder,
    PurchaseOrderLine,
    date_of,
)
from gateway.canonical.xml import field_shapes
from tests.canonical.examples import (
    EXAMPLES,
    PURCHASE_ORDER,
    SHIP_NOTICE,
)

NAMES = list(EXAMPLES)


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model class reachable from ``root``."""
    seen: list[type[BaseModel]] = [root]
    for model in seen:
        for _, _, shape in field_shapes(model):
            inner = shape.item or shape
            if inner.is_model and inner.base not in seen:
                seen.append(inner.base)
    return seen


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, BaseModel):
        return [leaf for name in type(value).model_fields
                for leaf in _leaves(getattr(value, name))]
    if isinstance(value, tuple | list):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


def test_record_types_are_named_by_their_discriminator() -> None:
    assert list(RECORD_TYPES) == ["purchase_order", "order_acknowledgement", "ship_notice",
                                  "invoice"]
    for name, model in RECORD_TYPES.items():
        assert model.model_fields["record_type"].default == name


@pytest.mark.parametrize("name", NAMES)
def test_json_round_trip(name: str) -> None:
    record = EXAMPLES[name]
    text = record.model_dump_json()
    assert type(record).model_validate_json(text) == record
    assert json.loads(text)["record_type"] == record.record_type
    assert type(record).model_validate(record.model_dump()) == record


@pytest.mark.parametrize("name", NAMES)
def test_decimals_never_floats(name: str) -> None:
    record = EXAMPLES[name]
    leaves = _leaves(record)
    assert not any(isinstance(v, float) for v in leaves)
    assert any(isinstance(v, Decimal) for v in leaves)
    # JSON carries decimals as strings in plain notation: nothing is a JSON number with a point
    loaded = json.loads(record.model_dump_json())
    assert not any(isinstance(v, float) for v in _leaves(loaded))


@pytest.mark.parametrize("root", list(RECORD_TYPES.values()), ids=list(RECORD_TYPES))
def test_no_float_in_any_model(root: type[BaseModel]) -> None:
    for model in _models(root):
        assert model.model_config.get("frozen") is True, model
        assert model.model_config.get("extra") == "forbid", model
        for name, info, shape in field_shapes(model):
            assert (shape.item or shape).base is not float, f"{model.__name__}.{name}"
            assert info.description, f"{model.__name__}.{name} has no description"


def test_floats_are_refused_and_plain_notation_is_written() -> None:
    line = PURCHASE_ORDER.lines[0]
    data = line.model_dump()
    with pytest.raises(ValidationError, match="float"):
        PurchaseOrderLine.model_validate({**data, "quantity": 1.5})
    with pytest.raises(ValidationError, match="float"):
        PurchaseOrderLine.model_validate_json(
            json.dumps({**json.loads(line.model_dump_json()), "unit_price": 2.45}))
    exp = line.model_copy(update={"quantity": Decimal("1E+3")})
    assert json.loads(exp.model_dump_json())["quantity"] == "1000"
    assert PurchaseOrderLine.model_validate({**data, "quantity": "12.250"}).quantity == \
        Decimal("12.25")


def test_decimal_precision_is_bounded() -> None:
    data = PURCHASE_ORDER.lines[0].model_dump()
    with pytest.raises(ValidationError):
        PurchaseOrderLine.model_validate({**data, "unit_price": "1.1234567"})
    with pytest.raises(ValidationError):
        PurchaseOrderLine.model_validate({**data, "unit_price": "-1"})
    with pytest.raises(ValidationError):
        PurchaseOrderLine.model_validate({**data, "quantity": "NaN"})


@pytest.mark.parametrize("name", NAMES)
def test_frozen(name: str) -> None:
    record = EXAMPLES[name]
    with pytest.raises(ValidationError, match="frozen"):
        record.number = "X"  # type: ignore[misc]
    nested = record.parties[0]
    with pytest.raises(ValidationError, match="frozen"):
        nested.name = "X"  # type: ignore[misc]
    assert isinstance(record.parties, tuple)


@pytest.mark.parametrize("name", NAMES)
def test_extra_fields_forbidden(name: str) -> None:
    record = EXAMPLES[name]
    model = type(record)
    data = record.model_dump()
    with pytest.raises(ValidationError, match="extra"):
        model.model_validate({**data, "colour": "blue"})
    data["parties"][0]["nickname"] = "X"
    with pytest.raises(ValidationError, match="extra"):
        model.model_validate(data)


def test_record_type_is_a_discriminator() -> None:
    text = PURCHASE_ORDER.model_dump_json()
    with pytest.raises(ValidationError):
        Invoice.model_validate_json(text)
    data = PURCHASE_ORDER.model_dump()
    with pytest.raises(ValidationError):
        PurchaseOrder.model_validate({**data, "record_type": "invoice"})


def test_each_date_role_once() -> None:
    with pytest.raises(ValidationError, match="repeated: order"):
        PurchaseOrder.model_validate(
            {**PURCHASE_ORDER.model_dump(),
             "dates": [{"role": "order", "value": "2024-01-01"},
                       {"role": "order", "value": "2024-01-02"}]})
    assert date_of(PURCHASE_ORDER.dates, "cancel_after") == date(2024, 3, 20)
    assert date_of(PURCHASE_ORDER.dates, "invoice") is None


def test_text_is_trimmed_and_single_line() -> None:
    for bad in ["", " 4500", "4500 ", "45\n00", "45\t00", "4" * 36]:
        with pytest.raises(ValidationError):
            PurchaseOrder.model_validate({**PURCHASE_ORDER.model_dump(), "number": bad})
    ok = PurchaseOrder.model_validate({**PURCHASE_ORDER.model_dump(), "number": "PO 45/00-é"})
    assert ok.number == "PO 45/00-é"


def test_codes_and_identifiers_are_checked() -> None:
    data = PURCHASE_ORDER.model_dump()
    for field, bad in [("currency", "usd"), ("currency", "US"), ("purpose", "neu"),
                       ("type", "spot")]:
        with pytest.raises(ValidationError):
            PurchaseOrder.model_validate({**data, field: bad})
    line = data["lines"][0]
    for field, bad in [("gtin", "12345"), ("gtin", "01234567890A"), ("unit", "EA")]:
        with pytest.raises(ValidationError):
            PurchaseOrderLine.model_validate({**line, field: bad})
    with pytest.raises(ValidationError):
        PurchaseOrder.model_validate({**data, "lines": []})


def test_allowance_needs_amount_or_percent() -> None:
    with pytest.raises(ValidationError, match="amount or a percent"):
        AllowanceCharge(indicator="allowance", code="discount")
    with pytest.raises(ValidationError):
        AllowanceCharge(indicator="allowance", code="discount", percent=Decimal("101"))


def test_ship_notice_keeps_the_hierarchy() -> None:
    pallet = SHIP_NOTICE.orders[0].packs[0]
    assert pallet.packaging == "pallet" and pallet.sscc and len(pallet.sscc) == 18
    assert [p.packaging for p in pallet.packs] == ["carton", "carton", "case"]
    assert pallet.packs[0].items[0].lot_number == "L2402A"
    assert pallet.packs[0].items[0].expiry_date == date(2026, 2, 28)
    assert SHIP_NOTICE.orders[1].items[0].quantity == Decimal("6")
    with pytest.raises(ValidationError):
        pallet.model_validate({**pallet.model_dump(), "sscc": "12345"})


def test_dates_are_dates() -> None:
    with pytest.raises(ValidationError):
        DateRef.model_validate({"role": "order", "value": "2024-02-30"})
    with pytest.raises(ValidationError):
        DateRef.model_validate({"role": "whenever", "value": "2024-02-01"})
