"""connector_for: a partner's ``[erp]`` table (or none) to a connector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from gateway.erp.factory import connector_for
from gateway.erp.file import FileConnector
from gateway.partners.endpoints import Erp, FileErp
from tests.erp.deliveries import PURCHASE_ORDER, delivery

ERP: TypeAdapter[Erp] = TypeAdapter(Erp)


def test_no_erp_table_writes_json_into_erp_out(tmp_path: Path) -> None:
    conn = connector_for(None, tmp_path)
    assert isinstance(conn, FileConnector) and conn.name == "file"
    receipt = conn.deliver(delivery())
    path = tmp_path / "erp-out" / receipt.erp_ref
    assert json.loads(path.read_text(encoding="utf-8")) == PURCHASE_ORDER.model_dump(mode="json")
    conn.close()


@pytest.mark.parametrize("fmt", ["json", "jsonl", "xml"])
def test_file_table_directory_is_under_the_data_dir(tmp_path: Path, fmt: str) -> None:
    settings = ERP.validate_python({"connector": "file", "directory": "exports/erp",
                                    "format": fmt})
    conn = connector_for(settings, tmp_path)
    assert isinstance(conn, FileConnector) and conn.format == fmt
    receipt = conn.deliver(delivery())
    assert receipt.created
    written = [p for p in (tmp_path / "exports" / "erp").iterdir() if not p.name.startswith(".")]
    assert len(written) == 1 and written[0].suffix == f".{fmt}"


def test_absolute_directory_stays(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    conn = connector_for(FileErp(connector="file", directory=str(elsewhere)), tmp_path / "data")
    assert isinstance(conn, FileConnector) and conn.directory == elsewhere


def test_file_format_is_one_of_json_jsonl_xml() -> None:
    assert FileErp(connector="file", directory="out").format == "json"
    with pytest.raises(ValidationError, match="'json', 'jsonl' or 'xml'"):
        FileErp.model_validate({"connector": "file", "directory": "out", "format": "csv"})


def test_file_table_keep_markers_reaches_the_connector(tmp_path: Path) -> None:
    from datetime import timedelta

    settings = ERP.validate_python({"connector": "file", "directory": "out",
                                    "keep_markers": "30d"})
    conn = connector_for(settings, tmp_path)
    assert isinstance(conn, FileConnector) and conn.keep_markers == timedelta(days=30)
    default = connector_for(ERP.validate_python({"connector": "file", "directory": "out"}),
                            tmp_path)
    assert isinstance(default, FileConnector)
    assert default.keep_markers == timedelta(days=400)
    with pytest.raises(ValidationError, match="duration"):
        ERP.validate_python({"connector": "file", "directory": "out", "keep_markers": "soon"})
