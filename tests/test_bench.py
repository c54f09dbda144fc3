"""The benchmark generators and ``edi-gateway bench`` (no timing is asserted anywhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import bench
from gateway.benchgen import SIZES, Meta, generate_edifact, generate_x12, meta_path
from gateway.cli import main as cli_main
from gateway.stream import GroupStart, InterchangeStart, Message
from gateway.validate.run import Options, validate_file

ROOT = Path(__file__).resolve().parent.parent
TINY = SIZES["tiny"]
MAPS = [ROOT / "maps/x12/004010/850.4010.xml", ROOT / "maps/x12/004010/856.4010.xml",
        ROOT / "maps/x12/004010/810.4010.xml", ROOT / "maps/edifact/D96A/ORDERS.xml",
        ROOT / "maps/edifact/D96A/DESADV.xml", ROOT / "maps/edifact/D96A/INVOIC.xml"]
needs_maps = pytest.mark.skipif(not all(p.exists() for p in MAPS),
                                reason="implementation guides (maps/x12/004010 850/856/810, "
                                "maps/edifact/D96A ORDERS/DESADV/INVOIC) are not present yet")
GENERATORS = {"x12": generate_x12, "edifact": generate_edifact}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Meta]]:
    d = tmp_path_factory.mktemp("benchgen")
    return {fmt: (d / f"{fmt}.edi", gen(d / f"{fmt}.edi", TINY))
            for fmt, gen in GENERATORS.items()}


@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_generator_is_deterministic(fmt: str, tmp_path: Path,
                                    files: dict[str, tuple[Path, Meta]]) -> None:
    path, meta = files[fmt]
    again = tmp_path / "again.edi"
    meta2 = GENERATORS[fmt](again, TINY)
    assert again.read_bytes() == path.read_bytes()
    assert meta2 == meta
    assert Meta.load(meta_path(path)) == meta
    assert meta.bytes == path.stat().st_size >= TINY
    other = GENERATORS[fmt](tmp_path / "other.edi", TINY, 1)
    assert (tmp_path / "other.edi").read_bytes() != path.read_bytes()
    assert other.seed == 1


def _reader_counts(path: Path, fmt: str) -> dict[str, object]:
    if fmt == "x12":
        from gateway.x12.reader import read_x12

        evs = read_x12(path)
    else:
        from gateway.edifact.reader import read_edifact

        evs = read_edifact(path)
    ix = groups = 0
    sets: list[Message] = []
    for ev in evs:
        if isinstance(ev, InterchangeStart):
            ix += 1
        elif isinstance(ev, GroupStart) and not ev.report.synthetic:
            groups += 1
        elif isinstance(ev, Message):
            sets.append(ev)
    by_type: dict[str, int] = {}
    for m in sets:
        by_type[m.report.set_id] = by_type.get(m.report.set_id, 0) + 1
    segments = sum(m.report.segment_count for m in sets) + 2 * groups + 2 * ix
    return {"interchanges": ix, "groups": groups, "sets": len(sets), "by_type": by_type,
            "segments": segments}


@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_meta_counts_match_the_reader(fmt: str, files: dict[str, tuple[Path, Meta]]) -> None:
    path, meta = files[fmt]
    seen = _reader_counts(path, fmt)
    assert seen == {"interchanges": meta.interchanges, "groups": meta.groups,
                    "sets": meta.sets, "by_type": meta.by_type, "segments": meta.segments}
    assert meta.interchanges > 1 and all(n > 0 for n in meta.by_type.values())
    if fmt == "edifact":
        assert meta.escaped_values > 0
        data = path.read_bytes()
        assert b"?+" in data and b"?'" in data


@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_split_points_fall_on_interchange_starts(fmt: str,
                                                files: dict[str, tuple[Path, Meta]]) -> None:
    path, meta = files[fmt]
    data = path.read_bytes()
    starts = bench.split_points(path, 3)
    assert starts[0] == 0 and starts == sorted(set(starts)) and len(starts) > 1
    header = b"ISA*" if fmt == "x12" else b"UNA:+.? 'UNB+"
    assert all(data[s:s + len(header)] == header for s in starts)
    ends = starts[1:] + [len(data)]
    parts = [bench._work(("read+envelope", str(path), a, b)) for a, b in zip(starts, ends, strict=True)]
    assert sum(p["sets"] for p in parts) == meta.sets
    assert sum(p["segments"] for p in parts) == meta.segments
    assert sum(p["envelope_errors"] for p in parts) == 0


@needs_maps
@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_generated_files_validate_with_every_set_accepted(
        fmt: str, files: dict[str, tuple[Path, Meta]]) -> None:
    path, meta = files[fmt]
    report = validate_file(path, Options())
    problems = [f"{t.set_id} {t.control_number}: {d.code} {d.message}"
                for ix in report.interchanges for g in ix.groups for t in g.transactions
                for d in t.errors if not d.warning]
    assert problems == []
    assert report.all_accepted
    counts = bench.summarise(report)
    assert counts["sets"] == counts["accepted"] == meta.sets
    assert len(report.acks) == meta.interchanges  # a 997 / CONTRL per interchange
    assert {a.type for a in report.acks} == {"997" if fmt == "x12" else "CONTRL"}


@needs_maps
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_small_files_validate_with_every_set_accepted(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / "small.edi"
    meta = GENERATORS[fmt](path, SIZES["small"])
    counts = bench.summarise(validate_file(path, Options()))
    assert counts["accepted"] == meta.sets and counts["rejected"] == 0


@needs_maps
def test_bench_command_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench"
    code = cli_main(["bench", "--sizes", "tiny", "--no-peers", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert (out / "x12_tiny.x12").exists() and (out / "edifact_tiny.edi.meta.json").exists()
    rows = [line for line in text.splitlines() if line.startswith("| x12_tiny")
            or line.startswith("| edifact_tiny")]
    modes = {line.split("|")[3].strip() for line in rows}
    assert modes == {"read+envelope", "validate+acks", "read+envelope x2", "validate+acks x2"}
    assert len(rows) == 8
    assert "COUNT MISMATCH" not in text and "failed" not in text
    for line in rows:
        accepted, rejected = line.split("|")[10].split()[0].split("/")
        assert int(accepted) > 0 and rejected == "0"
    assert "peak RSS" in text and "X12 validate+997 ≥ 25 MB/s" in text
    assert (out / "bench-results.json").exists()
    # a second run reuses the generated files
    before = (out / "x12_tiny.x12").stat().st_mtime_ns
    assert cli_main(["bench", "--sizes", "tiny", "--no-peers", "--workers", "1",
                     "--out", str(out)]) == 0
    assert (out / "x12_tiny.x12").stat().st_mtime_ns == before
    assert "x2" not in capsys.readouterr().out.split("| target")[0]


def test_unknown_size_is_refused(tmp_path: Path) -> None:
    assert cli_main(["bench", "--sizes", "huge", "--out", str(tmp_path)]) == 2
