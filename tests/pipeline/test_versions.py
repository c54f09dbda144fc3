"""The map version recorded with each file covers the whole map: the partner map, the maps it
extends and the cross-reference tables it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

import gateway.pipeline.versions as versions_module
from gateway.pipeline.versions import map_hash


def test_a_map_version_changes_with_what_it_extends_and_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generic = tmp_path / "generic.toml"
    generic.write_text('[map]\nstandard = "x12"\n', encoding="utf-8")
    middle = tmp_path / "middle.toml"
    middle.write_text('[map]\nextends = "generic"\n', encoding="utf-8")
    partner = tmp_path / "partner.toml"
    partner.write_text('[map]\nextends = "middle"\n\n[xref.items]\neach = "lines"\n'
                       'from = "buyer_part_number"\nto = "sku"\nfile = "items.csv"\n',
                       encoding="utf-8")
    (tmp_path / "items.csv").write_text("partner,ours\nA1,SKU-1\n", encoding="utf-8")
    monkeypatch.setattr(versions_module, "map_path", lambda name: tmp_path / f"{name}.toml")

    seen = [map_hash(partner)]
    (tmp_path / "items.csv").write_text("partner,ours\nA1,SKU-2\n", encoding="utf-8")
    seen.append(map_hash(partner))  # a cross-reference changed
    generic.write_text('[map]\nstandard = "x12"\n# fixed\n', encoding="utf-8")
    seen.append(map_hash(partner))  # the generic map two levels down changed
    assert len(set(seen)) == 3 and map_hash(partner) == seen[-1]  # and it is stable
    assert map_hash(middle) != map_hash(generic)
    assert map_hash(tmp_path / "absent.toml") == "missing"
    (tmp_path / "items.csv").unlink()
    assert map_hash(partner) not in seen + ["missing"]  # a table gone is a change too
    partner.write_text("not = [toml", encoding="utf-8")
    assert map_hash(partner) != "missing"  # its bytes still name it
