"""The committed X12 maps are exactly what maps/x12/source/gen.py writes from its specs, so
the compact specs stay the source of truth and nobody edits the large XML by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyx12

ROOT = Path(__file__).resolve().parents[2]


def test_generator_reproduces_the_committed_maps(tmp_path: Path) -> None:
    codes = Path(pyx12.__file__).parent / "map" / "codes.xml"
    subprocess.run([sys.executable, str(ROOT / "maps/x12/source/gen.py"), str(tmp_path),
                    str(codes)], check=True, capture_output=True, timeout=300)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.xml"))
    committed = sorted(p.relative_to(ROOT / "maps/x12") for p in (ROOT / "maps/x12").glob("0*/*.xml"))
    assert generated == committed
    for rel in generated:
        assert (tmp_path / rel).read_bytes() == (ROOT / "maps/x12" / rel).read_bytes(), rel
