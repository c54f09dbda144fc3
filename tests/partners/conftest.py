from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# the smallest valid profile; tests append to it or replace lines in it
BASE = """\
id = "tp"
name = "Test Partner"
environment = "test"

[[identities.x12]]
isa_qualifier = "ZZ"
isa_id = "TESTPARTNER"

[us.x12]
isa_qualifier = "ZZ"
isa_id = "OURSELVES"
"""

Write = Callable[[str, str], Path]


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Write:
    """Write ``partners/<name>`` under a fresh working directory; messages then name
    ``partners/<name>`` just as ``edi-gateway partners check`` run from the repo does."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "partners").mkdir()

    def _write(name: str, text: str) -> Path:
        path = tmp_path / "partners" / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
