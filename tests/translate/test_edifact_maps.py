"""EDIFACT translation maps: composite-aware positions checked against the D96A segment
definitions at load time, with ``file:line: field: expected`` errors; DTM date formats."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gateway.translate import MapError, load_map, map_for
from gateway.translate.edifact_in import edifact_date
from gateway.translate.inbound import _Bad

HEAD = ('[map]\nstandard = "edifact"\nversion = "D96A"\nmessage = "ORDERS"\n'
        'record = "purchase_order"\n[codes.purpose]\n"9" = "new"\n')  # 7 lines


@pytest.mark.parametrize(("body", "line", "field", "what"), [
    ('[[header]]\nsegment = "BGM"\nelements."02.1" = { field = "number" }\n',
     10, "header.0.elements.02.1", "BGM02 is the simple data element 1004"),
    ('[[header]]\nloop = "SG2"\neach = "parties"\n  [[header.segments]]\n  segment = "NAD"\n'
     '  elements."02" = { field = "name" }\n',
     13, "header.0.segments.0.elements.02", "NAD02 is composite C082 (3039, 1131, 3055): "
     "a component 02.1..02.3"),
    ('[[header]]\nsegment = "DTM"\neach = "dates"\nelements."01.4" = { field = "role" }\n',
     11, "header.0.elements.01.4", "a component 01.1..01.3"),
    ('[[header]]\nsegment = "BGM"\nelements."2" = { field = "number" }\n',
     10, "header.0.elements.2", "an EDIFACT position of BGM"),
    ('[[header]]\nsegment = "BGM"\nelements."07" = { field = "number" }\n',
     10, "header.0.elements.07", "an element position of BGM (01..04)"),
    ('[[header]]\nsegment = "BGM"\nelements."02" = { field = "dates[order].value", '
     'format = "date" }\n', 10, "header.0.elements.02.format", "2380 value of C507"),
    ('[[header]]\nsegment = "BGM"\nelements."02" = { field = "number", format = "n2" }\n',
     10, "header.0.elements.02.format", "n2 is an X12 implied-decimal type"),
    ('[[header]]\nsegment = "BGM"\nelements."03" = { field = "purpose", codes = "purpose", '
     'default = "change" }\n', 10, "header.0.elements.03.default",
     "a value of code set 'purpose'"),
    ('[[header]]\nsegment = "BGM"\nwhere = { "01" = "220" }\n',
     10, "header.0.where.01", "BGM01 is composite C002"),
    ('[[header]]\nsegment = "BEG"\n', 9, "header.0.segment", "a segment of the message here"),
    ('[[header]]\nloop = "SG99"\n', 9, "header.0.loop", "a segment group of the message"),
    ('[[header]]\nloop = "SG2"\neach = "parties"\n  [[header.segments]]\n  segment = "LOC"\n',
     11, "header.0.segments", "the group's trigger segment NAD as the first binding"),
    ('[[header]]\nloop = "SG2"\nwhere = { "01.1" = "BY" }\neach = "parties"\n'
     '  [[header.segments]]\n  segment = "NAD"\n', 10, "header.0.where.01.1",
     "NAD01 is the simple data element 3035"),
    ('[[header]]\nloop = "SG25"\neach = "lines"\n  [[header.segments]]\n  segment = "LIN"\n'
     '  pairs.first = 2\n  pairs.count = 1\n  pairs.fields = { EN = "gtin" }\n',
     13, "header.0.segments.0.pairs.first", "composites (value, qualifier) of LIN"),
    ('[[header]]\nloop = "SG25"\neach = "lines"\n  [[header.segments]]\n  segment = "LIN"\n'
     '  pairs.first = 3\n  pairs.count = 1\n  pairs.fields = { EN = "gtin" }\n'
     '  pairs.inbound_only = ["SA"]\n', 16, "header.0.segments.0.pairs.inbound_only",
     "qualifiers of pairs.fields"),
    ('[[header]]\nloop = "SG25"\neach = "lines"\n  [[header.segments]]\n  segment = "LIN"\n'
     '  elements."01" = { field = "line_numbr" }\n', 13,
     "header.0.segments.0.elements.01.field", "PurchaseOrderLine has no field 'line_numbr'"),
])
def test_map_errors_name_file_line_field(tmp_path: Path, body: str, line: int, field: str,
                                         what: str) -> None:
    path = tmp_path / "ORDERS.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(MapError) as exc:
        load_map(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}:{line}: {field}: "), msg
    assert what in msg, msg


def test_groups_are_x12_only(tmp_path: Path) -> None:
    path = tmp_path / "ORDERS.toml"
    path.write_text(HEAD + '[[header]]\nsegment = "BGM"\ngroups.first = 1\ngroups.size = 1\n'
                    'groups.count = 1\ngroups.elements."1" = { field = "number" }\n',
                    encoding="utf-8")
    with pytest.raises(MapError, match=r":10: header\.0\.groups: element groups are X12 only"):
        load_map(path)


def test_unknown_directory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ORDERS.toml"
    path.write_text(HEAD.replace("D96A", "D99Z"), encoding="utf-8")
    with pytest.raises(MapError, match=r":4: map\.message: no implementation guide"):
        load_map(path)


@pytest.mark.parametrize("message", ["ORDERS", "INVOIC"])
def test_generic_maps_load(message: str) -> None:
    tmap = load_map(map_for("edifact", "D96A", message))
    assert tmap.map.standard == "edifact" and tmap.map.association == "EAN008"


@pytest.mark.parametrize(("raw", "fmt", "want"), [
    ("20240115", "102", date(2024, 1, 15)),
    ("20240115", "", date(2024, 1, 15)),
    ("202403040715", "203", date(2024, 3, 4)),
    ("20240304071530", "204", date(2024, 3, 4)),
    ("240115", "101", date(2024, 1, 15)),
    ("991231", "101", date(1999, 12, 31)),
])
def test_dtm_formats(raw: str, fmt: str, want: date) -> None:
    assert edifact_date(raw, fmt) == want


@pytest.mark.parametrize(("raw", "fmt", "what"), [
    ("20240115", "718", "date format '718' is not supported"),
    ("2024011", "102", "not a date in format 102 \\(8 digits\\)"),
    ("20241315", "102", "is not a date"),
    ("202403042575", "203", "not a time of day"),
    ("20240115", "203", "12 digits"),
])
def test_bad_dtm_values(raw: str, fmt: str, what: str) -> None:
    with pytest.raises(_Bad, match=what):
        edifact_date(raw, fmt)
