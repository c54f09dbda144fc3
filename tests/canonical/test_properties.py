"""Generated records of every type survive JSON and XML round trips and conform to their
committed JSON Schema and XSD."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from gateway.canonical import RECORD_TYPES
from gateway.canonical.strategies import TEXT_CHARACTERS, gs1_check_digit, records
from gateway.canonical.xml import from_xml, to_xml
from tests.canonical.jsonschema_subset import validate

COMMITTED = Path(__file__).resolve().parents[2] / "maps" / "canonical"


@cache
def xsd(record_type: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema((COMMITTED / f"{record_type}.xsd").read_bytes())


@cache
def json_schema(record_type: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (COMMITTED / f"{record_type}.schema.json").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_round_trips_and_schemas(record_type: str, data: st.DataObject) -> None:
    model = RECORD_TYPES[record_type]
    record: BaseModel = data.draw(records(record_type), label=record_type)
    assert isinstance(record, model)

    text = record.model_dump_json()
    assert model.model_validate_json(text) == record
    schema = json_schema(record_type)
    assert validate(json.loads(text), schema, schema) == []

    xml = to_xml(record)
    xsd(record_type).validate(xml)
    assert from_xml(xml, model) == record


def _strings(value: Any) -> list[str]:
    if isinstance(value, BaseModel):
        return [s for name in type(value).model_fields for s in _strings(getattr(value, name))]
    if isinstance(value, tuple):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("record_type", list(RECORD_TYPES))
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_generated_text_is_edi_safe(record_type: str, data: st.DataObject) -> None:
    record = data.draw(records(record_type))
    for s in _strings(record):
        assert set(s) <= set(TEXT_CHARACTERS), s
        assert not set(s) & set("*~^|><:+'?\\")


def test_gs1_check_digit() -> None:
    assert gs1_check_digit("01234567890") == "5"  # UPC-A 012345678905
    assert gs1_check_digit("00614141123456789") == "0"  # GS1's SSCC example
