"""JSON Schema and XSD for each canonical record, generated from the pydantic models.

``edi-gateway schemas`` writes ``<record_type>.schema.json`` and ``<record_type>.xsd`` into
``maps/canonical/``; ``--check`` reports the committed files that differ from what the models
produce now. Both outputs are deterministic, so a model change without regenerated files fails
the test suite.

- The JSON Schema (Draft 2020-12) is pydantic's ``model_json_schema`` (validation mode) with
  ``$schema`` and ``$id`` added. Field docstrings become descriptions.
- The XSD describes the XML form of :mod:`gateway.canonical.xml`, walking the same fields: one
  named complex type per model (an ``xs:sequence`` of an element per field, ``minOccurs="0"``
  for fields with a default, a wrapper element with ``maxOccurs`` items for tuples),
  ``xs:decimal`` with ``totalDigits``/``fractionDigits``/bounds for decimals, ``xs:date``,
  enumerations for ``Literal`` vocabularies, length and pattern facets for text. The shared
  scalar types and vocabularies of :mod:`gateway.canonical.common` become named simple types.
"""

from __future__ import annotations

import inspect
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel

from gateway.canonical import RECORD_TYPES, common, purchase_order, ship_notice
from gateway.canonical.xml import NAMESPACE, Shape, field_shapes, item_name, shape_of

XS = "http://www.w3.org/2001/XMLSchema"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Patterns the XSD regex dialect cannot read as they are; anchors aside, every other pattern is
# written unchanged. XML cannot carry the control characters TRIMMED excludes, so excluding
# tab, line feed and carriage return says the same thing.
XSD_PATTERNS = {common.TRIMMED: r"[^ \t\n\r]([^\t\n\r]*[^ \t\n\r])?"}

# Scalar types and vocabularies that get a named xs:simpleType (matched by shape).
NAMED_TYPES: dict[str, Any] = {
    "Code": common.Code, "Name": common.Name, "Text": common.Text,
    "LongText": common.LongText, "CurrencyCode": common.CurrencyCode,
    "CountryCode": common.CountryCode, "Gtin": common.Gtin, "Sscc": common.Sscc,
    "Scac": common.Scac, "Quantity": common.Quantity, "Amount": common.Amount,
    "UnitPrice": common.UnitPrice, "Percent": common.Percent,
    "WeightValue": common.WeightValue, "Count": common.Count, "Days": common.Days,
    "Purpose": common.Purpose, "UnitOfMeasure": common.UnitOfMeasure,
    "DateRole": common.DateRole, "PartyRole": common.PartyRole,
    "IdentifierQualifier": common.IdentifierQualifier,
    "ReferenceQualifier": common.ReferenceQualifier, "NoteTopic": common.NoteTopic,
    "ContactFunction": common.ContactFunction,
    "AllowanceChargeCode": common.AllowanceChargeCode, "TaxType": common.TaxType,
    "TaxCategory": common.TaxCategory, "Incoterm": common.Incoterm,
    "TransportMode": common.TransportMode, "OrderType": purchase_order.OrderType,
    "PriceBasis": purchase_order.PriceBasis, "PackagingType": ship_notice.PackagingType,
    "Date": date,
}


def _key(shape: Shape) -> tuple[Any, ...]:
    return (shape.base, tuple(sorted(shape.facets.items(), key=lambda kv: kv[0])))


_NAMED = {_key(shape_of(tp)): name for name, tp in NAMED_TYPES.items()}

# -- JSON Schema ---------------------------------------------------------------------------


def json_schema(record_type: str) -> dict[str, Any]:
    """The JSON Schema document of one record type."""
    schema = RECORD_TYPES[record_type].model_json_schema()
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": f"{NAMESPACE}:{record_type}", **schema}


def render_json_schema(record_type: str) -> bytes:
    text = json.dumps(json_schema(record_type), indent=2, ensure_ascii=False) + "\n"
    return text.encode("utf-8")

# -- XSD -----------------------------------------------------------------------------------


def _x(name: str) -> str:
    return f"{{{XS}}}{name}"


def _document(parent: etree._Element, text: str | None) -> None:
    if text:
        ann = etree.SubElement(parent, _x("annotation"))
        etree.SubElement(ann, _x("documentation")).text = inspect.cleandoc(text)


def _xsd_pattern(pattern: str) -> str:
    if pattern in XSD_PATTERNS:
        return XSD_PATTERNS[pattern]
    if not (pattern.startswith("^") and pattern.endswith("$")) or "(?" in pattern \
            or "\\u" in pattern:
        raise ValueError(f"pattern {pattern!r} needs an entry in XSD_PATTERNS")
    return pattern[1:-1]


def _restriction(parent: etree._Element, shape: Shape) -> None:
    """Fill ``parent`` (an xs:simpleType) with the restriction a scalar shape stands for."""
    base, f = shape.base, shape.facets
    facets: list[tuple[str, Any]] = []
    if get_origin(base) is Literal:
        xs_base = "xs:string"
        facets += [("enumeration", v) for v in get_args(base)]
    elif base is str:
        xs_base = "xs:string"
        facets += [(n, f[k]) for k, n in (("min_length", "minLength"),
                                          ("max_length", "maxLength")) if k in f]
        if "pattern" in f:
            facets.append(("pattern", _xsd_pattern(f["pattern"])))
    elif base is bool:
        xs_base = "xs:boolean"
    elif base in (int, Decimal):
        xs_base = "xs:integer" if base is int else "xs:decimal"
        facets += [(n, f[k]) for k, n in (("max_digits", "totalDigits"),
                                          ("decimal_places", "fractionDigits"),
                                          ("ge", "minInclusive"), ("gt", "minExclusive"),
                                          ("le", "maxInclusive"), ("lt", "maxExclusive"))
                   if k in f]
    elif base is date:
        xs_base = "xs:date"
        facets.append(("pattern", "[0-9]{4}-[0-9]{2}-[0-9]{2}"))  # no time zone suffix
    else:
        raise TypeError(f"no XSD type for {base!r}")
    r = etree.SubElement(parent, _x("restriction"), base=xs_base)
    for name, value in facets:
        text = "true" if value is True else "false" if value is False else str(value)
        etree.SubElement(r, _x(name), value=text)


def _type_of(shape: Shape, el: etree._Element, models: list[type[BaseModel]]) -> None:
    """Give the element ``el`` the type of one value of ``shape``."""
    if shape.is_model:
        if shape.base not in models:
            models.append(shape.base)
        el.set("type", shape.base.__name__)
        return
    named = _NAMED.get(_key(shape))
    if named is not None:
        el.set("type", named)
    else:
        _restriction(etree.SubElement(el, _x("simpleType")), shape)


def _field_element(seq: etree._Element, name: str, required: bool, shape: Shape,
                   doc: str | None, models: list[type[BaseModel]]) -> None:
    el = etree.SubElement(seq, _x("element"), name=name)
    min_items = int(shape.facets.get("min_length", 0)) if shape.item is not None else 0
    if not required or (shape.item is not None and min_items == 0):
        el.set("minOccurs", "0")
    _document(el, doc)
    if shape.item is None:
        _type_of(shape, el, models)
        return
    inner = etree.SubElement(etree.SubElement(el, _x("complexType")), _x("sequence"))
    item = etree.SubElement(inner, _x("element"), name=item_name(name))
    if min_items > 1:
        item.set("minOccurs", str(min_items))
    max_items = shape.facets.get("max_length")
    item.set("maxOccurs", str(max_items) if max_items is not None else "unbounded")
    _type_of(shape.item, item, models)


def _complex_type(root: etree._Element, model: type[BaseModel],
                  models: list[type[BaseModel]]) -> None:
    ct = etree.SubElement(root, _x("complexType"), name=model.__name__)
    _document(ct, model.__doc__)
    seq = etree.SubElement(ct, _x("sequence"))
    for name, info, shape in field_shapes(model):
        _field_element(seq, name, info.is_required(), shape, info.description, models)


def xsd(record_type: str) -> etree._Element:
    """The XSD of one record type's XML form, as an lxml element."""
    model = RECORD_TYPES[record_type]
    root = etree.Element(_x("schema"), nsmap={"xs": XS, None: NAMESPACE},
                         targetNamespace=NAMESPACE, elementFormDefault="qualified")
    _document(root, f"{record_type}: the XML form of gateway.canonical "
                    f"{model.__name__}, generated by `edi-gateway schemas`.")
    etree.SubElement(root, _x("element"), name=record_type, type=model.__name__)
    models: list[type[BaseModel]] = [model]
    done = 0
    while done < len(models):  # models found while writing a type are written after it
        _complex_type(root, models[done], models)
        done += 1
    used = {el.get("type") for el in root.iter(_x("element"))}
    for name, tp in NAMED_TYPES.items():
        if name in used:
            st = etree.SubElement(root, _x("simpleType"), name=name)
            _restriction(st, shape_of(tp))
    return root


def render_xsd(record_type: str) -> bytes:
    data: bytes = etree.tostring(xsd(record_type), xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data

# -- files ---------------------------------------------------------------------------------


def render_all() -> dict[str, bytes]:
    """File name → content, for every record type's JSON Schema and XSD."""
    files: dict[str, bytes] = {}
    for record_type in RECORD_TYPES:
        files[f"{record_type}.schema.json"] = render_json_schema(record_type)
        files[f"{record_type}.xsd"] = render_xsd(record_type)
    return files


def write(out: Path) -> list[Path]:
    """Write every schema file into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in render_all().items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written


def stale(out: Path) -> list[Path]:
    """The schema files in ``out`` that are missing or differ from what the models produce."""
    return [out / name for name, data in render_all().items()
            if not (out / name).is_file() or (out / name).read_bytes() != data]
