"""The XML form of the canonical records, derived from the pydantic models.

One rule turns a model into XML, and :mod:`gateway.canonical.schemas` turns the same rule into
the XSD that XML validates against:

- the root element is the record type (``<purchase_order>``), in namespace :data:`NAMESPACE`;
- every field is an element of the same name, in field order; ``None`` fields are left out;
- a tuple field is a wrapper element holding one element per item, named in the singular
  (``<lines><line>…</line></lines>``); an empty tuple is left out;
- scalars are text: decimals in plain notation (``12.50``), dates as ``YYYY-MM-DD``, booleans
  as ``true``/``false``.

``from_xml(to_xml(r), type(r)) == r`` for every record. ``from_xml`` raises ``ValueError`` when
the XML does not have the record's shape (pydantic's ``ValidationError`` is one), and never
resolves entities or fetches anything over the network.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from lxml import etree  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel
from pydantic.fields import FieldInfo

NAMESPACE = "urn:edi-gateway:canonical"

M = TypeVar("M", bound=BaseModel)

# Constraint attributes read from pydantic / annotated-types metadata.
_FACETS = ("min_length", "max_length", "pattern", "max_digits", "decimal_places",
           "ge", "gt", "le", "lt")
_IRREGULAR = {"taxes": "tax", "allowances_charges": "allowance_charge"}


@dataclass(frozen=True)
class Shape:
    """What one field (or one tuple item) looks like once typing wrappers are peeled off.

    ``base`` is a model class, ``tuple`` (then ``item`` describes one item), or a scalar type
    (``str``, ``int``, ``bool``, ``Decimal``, ``date``, an ``Enum``) or a ``Literal``.
    """

    base: Any
    facets: dict[str, Any] = field(default_factory=dict)
    optional: bool = False
    item: Shape | None = None

    @property
    def is_model(self) -> bool:
        return isinstance(self.base, type) and issubclass(self.base, BaseModel)


def _collect(meta: Any, facets: dict[str, Any]) -> None:
    if isinstance(meta, FieldInfo):
        for m in meta.metadata:
            _collect(m, facets)
        return
    for name in _FACETS:
        value = getattr(meta, name, None)
        if value is not None:
            facets[name] = value


def shape_of(annotation: Any, metadata: Any = ()) -> Shape:
    """The :class:`Shape` of a field annotation plus its pydantic field metadata."""
    facets: dict[str, Any] = {}
    for m in metadata:
        _collect(m, facets)
    optional = False
    tp = annotation
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            base, *extra = get_args(tp)
            for m in extra:
                _collect(m, facets)
            tp = base
        elif hasattr(tp, "__supertype__"):  # typing.NewType
            tp = tp.__supertype__
        elif origin in (Union, types.UnionType):
            rest = [a for a in get_args(tp) if a is not type(None)]
            if len(rest) != 1 or len(rest) == len(get_args(tp)):
                raise TypeError(f"only `X | None` unions have an XML form, not {tp}")
            optional = True
            tp = rest[0]
        elif origin is tuple:
            args = get_args(tp)
            if len(args) != 2 or args[1] is not Ellipsis:
                raise TypeError(f"only tuple[X, ...] has an XML form, not {tp}")
            return Shape(tuple, facets, optional, shape_of(args[0]))
        else:
            return Shape(tp, facets, optional)


def field_shapes(model: type[BaseModel]) -> list[tuple[str, FieldInfo, Shape]]:
    """Each field of ``model`` in order, with its :class:`Shape`."""
    return [(name, info, shape_of(info.annotation, info.metadata))
            for name, info in model.model_fields.items()]


def item_name(field_name: str) -> str:
    """The element name of one item of a tuple field: the field name in the singular."""
    if field_name in _IRREGULAR:
        return _IRREGULAR[field_name]
    if field_name.endswith("ies"):
        return field_name[:-3] + "y"
    if field_name.endswith("s"):
        return field_name[:-1]
    raise ValueError(f"tuple field {field_name!r} should be named in the plural")


def root_name(record_type: type[BaseModel]) -> str:
    """The root element name of a record: the default of its ``record_type`` field."""
    info = record_type.model_fields.get("record_type")
    if info is None or not isinstance(info.default, str):
        raise TypeError(f"{record_type.__name__} has no record_type default")
    return info.default


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def scalar_text(value: object) -> str:
    """The XML text of a scalar value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, str | int):
        return str(value)
    raise TypeError(f"no XML form for {type(value).__name__}")


def _append(parent: etree._Element, name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, tuple):
        if not value:
            return
        wrapper = etree.SubElement(parent, _q(name))
        for item in value:
            _append(wrapper, item_name(name), item)
    elif isinstance(value, BaseModel):
        _fill(etree.SubElement(parent, _q(name)), value)
    else:
        etree.SubElement(parent, _q(name)).text = scalar_text(value)


def _fill(el: etree._Element, model: BaseModel) -> None:
    for name in type(model).model_fields:
        _append(el, name, getattr(model, name))


def to_element(record: BaseModel) -> etree._Element:
    """The record as an lxml element named after its record type."""
    root = etree.Element(_q(root_name(type(record))), nsmap={None: NAMESPACE})
    _fill(root, record)
    return root


def to_xml(record: BaseModel) -> bytes:
    """The record as an indented UTF-8 XML document."""
    data: bytes = etree.tostring(to_element(record), xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]  # skips comments and PIs


def _local(el: etree._Element) -> str:
    qname = etree.QName(el)
    if qname.namespace != NAMESPACE:
        raise ValueError(f"element {el.tag} at line {el.sourceline} is not in {NAMESPACE}")
    name: str = qname.localname
    return name


def _read(el: etree._Element, shape: Shape) -> Any:
    if shape.item is not None:
        expected = item_name(_local(el))
        items = []
        for child in _children(el):
            if _local(child) != expected:
                raise ValueError(f"<{_local(el)}> holds <{expected}> elements, "
                                 f"not <{_local(child)}> (line {child.sourceline})")
            items.append(_read(child, shape.item))
        return items
    if shape.is_model:
        return _read_model(el, shape.base)
    return el.text or ""


def _read_model(el: etree._Element, model: type[BaseModel]) -> dict[str, Any]:
    shapes = {name: shape for name, _, shape in field_shapes(model)}
    data: dict[str, Any] = {}
    for child in _children(el):
        name = _local(child)
        if name in data:
            raise ValueError(f"<{name}> repeated at line {child.sourceline}")
        shape = shapes.get(name)
        # an unknown element is handed on as it is: extra="forbid" reports it
        data[name] = _read(child, shape) if shape is not None else child.text
    return data


def from_xml(data: bytes, record_type: type[M]) -> M:
    """Parse the XML form of a record of type ``record_type`` back into the record."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from exc
    expected = root_name(record_type)
    if _local(root) != expected:
        raise ValueError(f"root element is <{_local(root)}>, expected <{expected}>")
    return record_type.model_validate(_read_model(root, record_type))
