"""The file connector: canonical JSON, XML and JSON lines into a folder, written atomically,
one document per idempotency key even across restarts, crashes and racing workers."""

from __future__ import annotations

import dataclasses
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import xmlschema

from gateway.canonical import RECORD_TYPES
from gateway.canonical.xml import from_xml
from gateway.erp import Receipt, Rejected, Retry
from gateway.erp.file import CANONICAL_SCHEMAS, KEYS, FileConnector, file_name, key_hash
from gateway.erp.payload import dumps, envelope
from tests.erp.deliveries import EXAMPLES, PURCHASE_ORDER, delivery


def exported(folder: Path) -> list[Path]:
    """What an importer sees: the files in the folder, without hidden ones."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def hidden_temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# -- json ------------------------------------------------------------------------------------

def test_json_file_holds_the_canonical_record(tmp_path: Path) -> None:
    out = tmp_path / "erp-out"  # created on the first delivery
    receipt = FileConnector(out).deliver(delivery())
    [path] = exported(out)
    assert receipt == Receipt(path.name, created=True)
    assert path.name == f"bigbox_purchase_order_{PURCHASE_ORDER.number}_{path.stem[-8:]}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == PURCHASE_ORDER.model_dump(mode="json")
    assert type(PURCHASE_ORDER).model_validate(data) == PURCHASE_ORDER
    assert hidden_temp_files(out) == []


def test_a_delivery_may_leave_the_folder_fsyncs_to_its_caller(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    unsynced: set[Path] = set()
    FileConnector(tmp_path).deliver(dataclasses.replace(delivery(), unsynced=unsynced))
    [path] = exported(tmp_path)
    marker = tmp_path / KEYS / key_hash(delivery().idempotency_key)[:2]
    assert unsynced == {tmp_path, marker}  # the export's folder and its marker's
    assert len(synced) == 1  # the export's bytes only, before it got its name
    synced.clear()
    FileConnector(tmp_path / "alone").deliver(delivery())
    assert len(synced) == 2  # without a caller to do it: the folder too


def test_same_key_twice_is_one_file(tmp_path: Path) -> None:
    conn = FileConnector(tmp_path)
    first = conn.deliver(delivery())
    second = conn.deliver(delivery())
    assert first.created and not second.created
    assert second.erp_ref == first.erp_ref
    assert len(exported(tmp_path)) == 1


def test_same_key_after_a_restart_is_found(tmp_path: Path) -> None:
    first = FileConnector(tmp_path).deliver(delivery())
    again = FileConnector(tmp_path).deliver(delivery())  # a new process
    assert (first.created, again.created) == (True, False)
    assert len(exported(tmp_path)) == 1


def test_key_is_remembered_after_the_erp_took_the_file_away(tmp_path: Path) -> None:
    conn = FileConnector(tmp_path)
    path = tmp_path / conn.deliver(delivery()).erp_ref
    path.unlink()  # the ERP imported it
    assert FileConnector(tmp_path).deliver(delivery()).created is False
    assert exported(tmp_path) == []


def test_crash_after_the_file_before_its_marker(tmp_path: Path) -> None:
    """The state a crash between publishing the file and writing the marker leaves."""
    conn = FileConnector(tmp_path)
    name = conn.deliver(delivery()).erp_ref
    for marker in (tmp_path / KEYS).rglob("*"):
        if marker.is_file() and marker.name != ".lock":
            marker.unlink()
    again = FileConnector(tmp_path).deliver(delivery())
    assert again == Receipt(name, created=False, message="already exported")
    assert [p.name for p in exported(tmp_path)] == [name]


def test_other_control_numbers_for_the_same_po_are_another_file(tmp_path: Path) -> None:
    conn = FileConnector(tmp_path)
    a = conn.deliver(delivery("bigbox:000000905:905:0001"))
    b = conn.deliver(delivery("bigbox:000000906:906:0001"))
    assert a.created and b.created and a.erp_ref != b.erp_ref
    assert len(exported(tmp_path)) == 2


def test_names_are_safe_on_any_file_system(tmp_path: Path) -> None:
    record = PURCHASE_ORDER.model_copy(update={"number": "../PO 12/3:4*?"})
    d = delivery("../evil:1:2:3", record=record, partner="../x")
    name = file_name(d, "json")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert name.startswith("x_purchase_order_PO-12-3-4_") and name.endswith(".json")
    receipt = FileConnector(tmp_path).deliver(d)
    assert (tmp_path / receipt.erp_ref).is_file()


def test_racing_workers_create_one_file(tmp_path: Path) -> None:
    def one(_: int) -> bool:
        return FileConnector(tmp_path).deliver(delivery()).created

    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(one, range(32)))
    assert created.count(True) == 1
    assert len(exported(tmp_path)) == 1
    assert hidden_temp_files(tmp_path) == []


# -- xml -------------------------------------------------------------------------------------

@pytest.mark.parametrize("example", list(EXAMPLES))
def test_xml_file_conforms_to_the_committed_xsd(tmp_path: Path, example: str) -> None:
    record = EXAMPLES[example]
    d = delivery(f"bigbox:1:1:{example}", record=record)
    receipt = FileConnector(tmp_path, "xml").deliver(d)
    path = tmp_path / receipt.erp_ref
    assert path.suffix == ".xml" and receipt.created
    schema = xmlschema.XMLSchema(str(CANONICAL_SCHEMAS / f"{d.document_type}.xsd"))
    schema.validate(str(path))
    assert from_xml(path.read_bytes(), RECORD_TYPES[d.document_type]) == record


def test_xml_the_xsd_refuses_is_rejected_and_nothing_written(tmp_path: Path) -> None:
    # model_construct skips pydantic's checks, as a map bug might: the XSD still catches it
    bad = PURCHASE_ORDER.model_construct(**{**dict(PURCHASE_ORDER), "number": "X" * 36})
    with pytest.raises(Rejected, match=r"does not conform to purchase_order\.xsd"):
        FileConnector(tmp_path, "xml").deliver(delivery(record=bad))
    assert exported(tmp_path) == []


# -- unwritable folder -------------------------------------------------------------------------

def test_unwritable_folder_is_retry_and_goes_out_once_fixed(tmp_path: Path) -> None:
    blocker = tmp_path / "mount"
    blocker.write_text("not a folder")  # e.g. a share that is not mounted
    conn = FileConnector(blocker / "erp-out")
    with pytest.raises(Retry, match="cannot write into"):
        conn.deliver(delivery())
    blocker.unlink()  # the operator fixes it
    assert conn.deliver(delivery()).created


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_retry(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(Retry, match="Permission denied"):
            FileConnector(tmp_path / "out").deliver(delivery())
    finally:
        tmp_path.chmod(0o700)


# -- jsonl -----------------------------------------------------------------------------------

def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_appends_one_envelope_per_document(tmp_path: Path) -> None:
    conn = FileConnector(tmp_path, "jsonl", today=lambda: date(2026, 3, 14))
    a, b = delivery("bigbox:1:1:0001"), delivery("bigbox:1:1:0002", record=EXAMPLES["invoice"])
    ra, rb = conn.deliver(a), conn.deliver(b)
    path = tmp_path / "documents-2026-03-14.jsonl"
    assert exported(tmp_path) == [path]
    assert ra == Receipt("documents-2026-03-14.jsonl@0")
    assert rb.erp_ref == f"documents-2026-03-14.jsonl@{len(dumps(envelope(a))) + 1}"
    assert lines(path) == [json.loads(dumps(envelope(a))), json.loads(dumps(envelope(b)))]
    assert lines(path)[1]["record"] == EXAMPLES["invoice"].model_dump(mode="json")


def test_jsonl_redelivery_adds_no_line_even_another_day(tmp_path: Path) -> None:
    day = [date(2026, 3, 14)]
    conn = FileConnector(tmp_path, "jsonl", today=lambda: day[0])
    first = conn.deliver(delivery())
    day[0] = date(2026, 3, 15)
    again = FileConnector(tmp_path, "jsonl", today=lambda: day[0]).deliver(delivery())
    assert again == Receipt(first.erp_ref, created=False, message="already exported")
    assert [p.name for p in exported(tmp_path)] == ["documents-2026-03-14.jsonl"]
    assert len(lines(tmp_path / "documents-2026-03-14.jsonl")) == 1


def test_jsonl_crash_in_the_middle_of_a_line(tmp_path: Path) -> None:
    """A crash after the marker, half-way through the line: the partial line is cut away and
    the redelivery writes it once."""
    conn = FileConnector(tmp_path, "jsonl", today=lambda: date(2026, 3, 14))
    a, b, c = (delivery(f"bigbox:1:1:000{i}") for i in (1, 2, 3))
    conn.deliver(a)
    path = tmp_path / "documents-2026-03-14.jsonl"
    offset = path.stat().st_size
    # the state the crash leaves: b's marker (written first) and half of b's line
    marker = conn._marker(b.idempotency_key)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_bytes(dumps({"file": path.name, "offset": offset}))
    with path.open("ab") as f:
        f.write(dumps(envelope(b))[:50])
    assert conn.deliver(c).created  # another document first: it repairs the tail
    assert conn.deliver(b).created  # b's line is not where its marker says: written now
    assert conn.deliver(b).created is False
    keys = [line["idempotency_key"] for line in lines(path)]
    assert keys == [a.idempotency_key, c.idempotency_key, b.idempotency_key]


def test_jsonl_racing_workers_write_one_line_per_key(tmp_path: Path) -> None:
    keys = [f"bigbox:1:1:{i:04d}" for i in range(6)] * 5

    def one(key: str) -> bool:
        conn = FileConnector(tmp_path, "jsonl", today=lambda: date(2026, 3, 14))
        return conn.deliver(delivery(key)).created

    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(one, keys))
    assert created.count(True) == 6
    written = [line["idempotency_key"] for line in lines(tmp_path / "documents-2026-03-14.jsonl")]
    assert sorted(written) == sorted(set(keys))


def test_a_key_exported_as_json_is_not_exported_again_as_jsonl(tmp_path: Path) -> None:
    FileConnector(tmp_path, "json").deliver(delivery())
    assert FileConnector(tmp_path, "jsonl").deliver(delivery()).created is False
