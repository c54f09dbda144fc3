"""Golden files: every fixture ``fixtures/<standard>/<version>/<document>/<case>.edi`` has
beside it ``<case>.report.json`` (what ``validate --json`` reports, without the acks) and
``<case>.acks.edi`` (the acknowledgements, with a fixed clock and control numbers).

Run ``bin/test tests/test_golden.py --update-golden`` to rewrite them on purpose after a
deliberate change, then review the diff.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from gateway.acks import Sequence
from gateway.validate.run import Options, validate_file

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted(p for p in (ROOT / "fixtures").glob("*/*/*/*.edi")
                  if not p.name.endswith(".acks.edi") and "corpus" not in p.parts
                  and p.parts[-4] != "partners")  # partner cases: `edi-gateway map test`


def render(path: Path) -> tuple[str, str]:
    opts = Options(now=datetime(2026, 11, 22, 12, 0), numbers=Sequence(1))
    rel = path.relative_to(ROOT).as_posix()
    report = validate_file(path, opts, name=rel)
    doc = report.to_json()
    acks = doc.pop("acks")
    text = "".join(f"--- {a['type']}\n{a['text'].rstrip()}\n" for a in acks)
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n", text


@pytest.mark.parametrize("path", FIXTURES, ids=[p.relative_to(ROOT / "fixtures").as_posix()
                                                 for p in FIXTURES])
def test_golden(path: Path, request: pytest.FixtureRequest) -> None:
    report, acks = render(path)
    want_report = path.with_suffix(".report.json")
    want_acks = path.with_name(path.stem + ".acks.edi")
    if request.config.getoption("--update-golden") or not want_report.exists():
        want_report.write_text(report, encoding="utf-8")
        want_acks.write_text(acks, encoding="utf-8")
        if not request.config.getoption("--update-golden"):
            pytest.fail(f"no golden files for {path.name}: written now, review and commit them")
    assert report == want_report.read_text(encoding="utf-8")
    assert acks == want_acks.read_text(encoding="utf-8")


def test_valid_fixtures_are_accepted_and_broken_ones_rejected() -> None:
    for path in FIXTURES:
        doc = json.loads(render(path)[0])
        statuses = {t["status"] for ix in doc["interchanges"] for g in ix["groups"]
                    for t in g["transactions"]}
        if path.name.startswith("valid_"):
            assert statuses == {"accepted"} and not doc["errors"], path.name
        elif path.name.startswith("broken_"):
            assert "rejected" in statuses or doc["errors"] or any(
                ix["status"] == "rejected" for ix in doc["interchanges"]), path.name


def test_every_defect_names_its_offset_and_segment_position() -> None:
    """The issue's promise: every error carries a stable code, a message, the byte offset and
    the segment position (file-level junk outside any interchange has no position)."""
    for path in FIXTURES + sorted((ROOT / "fixtures").glob("*/corpus/**/*.edi")):
        if path.name.endswith(".acks.edi"):
            continue
        doc = json.loads(render(path)[0])
        found = [e for ix in doc["interchanges"] for e in ix["errors"]]
        found += [e for ix in doc["interchanges"] for g in ix["groups"] for e in g["errors"]]
        found += [e for ix in doc["interchanges"] for g in ix["groups"]
                  for t in g["transactions"] for e in t["errors"]]
        for e in found:
            assert e["code"] and e["message"], (path.name, e)
            assert e["offset"] is not None and e["segment_position"] is not None, (path.name, e)
