"""``place``, how the ``send`` step puts an archived outbound file (an ack) into a partner's
folder: a second name of the archived item, a copy where no hard link can be made, and never
a write through a name that shares the archived item's bytes."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import gateway.pipeline.deliver as deliver_module
from gateway.archive import Archive
from gateway.pipeline.deliver import place, write_atomic

DATA = b"ISA*00*...~IEA*1*000000001~"


def test_the_outbound_file_is_the_archived_item_under_a_second_name(tmp_path: Path) -> None:
    item = Archive(tmp_path / "archive").put(DATA)
    out = tmp_path / "outbound"
    out.mkdir()
    unsynced: set[Path] = set()
    place(item.path, DATA, out / "ack.edi", defer=unsynced)
    assert os.path.samefile(item.path, out / "ack.edi")
    assert unsynced == {out}  # its folder is left to the worker's sync before the commit
    place(item.path, DATA, out / "ack.edi")  # again (a replay): harmless
    assert sorted(p.name for p in out.iterdir()) == ["ack.edi"]
    (out / "ack.edi").unlink()  # the partner took it: the archive keeps its own name
    assert Archive(tmp_path / "archive").get(item.sha256) == DATA


def test_without_hard_links_a_copy_is_written(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    item = Archive(tmp_path / "archive").put(DATA)

    def no_link(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(deliver_module.os, "link", no_link)
    place(item.path, DATA, tmp_path / "ack.edi")
    assert (tmp_path / "ack.edi").read_bytes() == DATA
    assert not os.path.samefile(item.path, tmp_path / "ack.edi")


def test_a_name_left_linked_to_the_archive_is_never_written_through(tmp_path: Path) -> None:
    item = Archive(tmp_path / "archive").put(DATA)
    os.link(item.path, tmp_path / ".ack.edi.tmp")  # left by a crash mid-replace
    write_atomic(tmp_path / "ack.edi", b"other bytes")
    assert (tmp_path / "ack.edi").read_bytes() == b"other bytes"
    assert item.path.read_bytes() == DATA
    os.link(item.path, tmp_path / "old.edi")  # an earlier file of that name: replaced
    other = Archive(tmp_path / "archive").put(b"new bytes")
    place(other.path, b"new bytes", tmp_path / "old.edi")
    assert (tmp_path / "old.edi").read_bytes() == b"new bytes"
    assert item.path.read_bytes() == DATA
    assert not (tmp_path / ".old.edi.tmp").exists()
