"""The benchmark generators and ``edi-gateway bench`` (no timing is asserted anywhere)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from gateway import bench, benchtranslate
from gateway.benchgen import (
    SIZES,
    Meta,
    generate_edifact,
    generate_edifact_translate,
    generate_x12,
    generate_x12_translate,
    meta_path,
)
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


# -- translate and generate -------------------------------------------------------------------

@pytest.fixture(scope="module")
def translate_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Meta]:
    path = tmp_path_factory.mktemp("benchtr") / "x12-translate.x12"
    return path, generate_x12_translate(path, TINY)


def test_translate_files_hold_what_the_maps_carry(translate_file: tuple[Path, Meta],
                                                  tmp_path: Path) -> None:
    path, meta = translate_file
    assert set(meta.by_type) == {"850", "810"} and all(n > 0 for n in meta.by_type.values())
    assert _reader_counts(path, "x12")["by_type"] == meta.by_type
    lines = [len(s.split(b"~PO1*")) - 1 for s in path.read_bytes().split(b"~ST*850*")[1:]]
    assert min(lines) <= 10 and max(lines) > 60  # documents of very different sizes
    edi = generate_edifact_translate(tmp_path / "edifact-translate.edi", TINY)
    assert set(edi.by_type) == {"ORDERS", "INVOIC"}
    assert _reader_counts(tmp_path / "edifact-translate.edi", "edifact")["sets"] == edi.sets


@needs_maps
@pytest.mark.parametrize("fmt", ["x12", "edifact"])
def test_translate_run_translates_every_set(fmt: str, translate_file: tuple[Path, Meta],
                                            tmp_path: Path) -> None:
    if fmt == "edifact":
        if benchtranslate.edifact_maps_missing():
            pytest.skip("no EDIFACT D96A ORDERS / INVOIC map yet")
        path = tmp_path / "edifact-translate.edi"
        meta = generate_edifact_translate(path, TINY)
    else:
        path, meta = translate_file
    counts = benchtranslate.translate_counts(path, "translate")
    assert counts["sets"] == counts["accepted"] == counts["translated"] == meta.sets
    assert counts["failed"] == counts["rejected"] == 0
    assert counts["segments"] == meta.segments and counts["json_bytes"] > meta.bytes
    alone = benchtranslate.translate_counts(path, "validate")
    assert alone["accepted"] == meta.sets and alone["translated"] == alone["json_bytes"] == 0


@needs_maps
def test_generated_interchanges_translate_back_to_the_records(
        translate_file: tuple[Path, Meta], tmp_path: Path) -> None:
    path, meta = translate_file
    records = benchtranslate.source_records(path)
    assert len(records) == meta.sets
    sink = io.StringIO()
    counts = benchtranslate.generate_into(records, 300_000, sink)
    text = sink.getvalue()
    assert counts["out_bytes"] == len(text) >= 300_000
    assert counts["records"] > len(records)  # cycled through the records
    assert text.count("ISA*") == counts["records"]
    out = tmp_path / "generated.x12"
    out.write_text(text, encoding="ascii")
    report = validate_file(out, Options())
    assert report.all_accepted and bench.summarise(report)["sets"] == counts["records"]
    again = [r for r, _ in benchtranslate.source_records(out)]
    assert again == [records[i % len(records)][0] for i in range(counts["records"])]


@needs_maps
def test_bench_translate_section_reports_figures(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench"
    code = cli_main(["bench", "--sizes", "tiny", "--only", "translate", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "| x12_tiny" not in text  # the validation section was not asked for
    rows = {(c[1].strip(), c[2].strip()): c for c in
            (line.split("|") for line in text.splitlines())
            if len(c) > 12 and c[1].strip().startswith(("x12-", "edifact-translate"))}
    want = {("x12-translate_tiny.x12", "validate"), ("x12-translate_tiny.x12", "translate"),
            ("x12-generate_tiny", "generate")}
    missing_maps = benchtranslate.edifact_maps_missing()
    if missing_maps:
        assert "edifact-translate_tiny: skipped: no EDIFACT map yet" in text
    else:
        want |= {("edifact-translate_tiny.edi", "validate"),
                 ("edifact-translate_tiny.edi", "translate")}
    assert set(rows) == want
    for c in rows.values():
        mb, wall, work, cpu, mb_s, docs_s, rss = (float(c[i].replace(",", ""))
                                                  for i in (3, 4, 5, 6, 7, 9, 10))
        assert mb > 0.15 and wall >= work > 0 and cpu > 0 and mb_s > 0 and docs_s > 0
        assert 10 < rss < 500
    for (file, mode), c in rows.items():
        if mode == "translate":
            accepted, rest = c[11].split("/", 1)
            m = re.search(r"(\d+) translated \((\d+) compiled\) / 0 not", rest)
            assert rest.startswith("0, ") and m and m.group(1) == accepted.strip(), rest
            # every X12 set takes the compiled maps; EDIFACT maps are not compiled
            assert m.group(2) == (m.group(1) if file.startswith("x12") else "0"), rest
    assert "X12 translate ≥ 10 MB/s on one core" in text
    assert "mapping costs no more than validation" in text
    saved = json.loads((out / "bench-results.json").read_text(encoding="utf-8"))
    assert {(r["file"], r["mode"]) for r in saved} == want
    gen = next(r for r in saved if r["mode"] == "generate")
    assert gen["out_bytes"] >= TINY and gen["records"] > 0 and gen["cpu_s"] > 0


def test_bench_pipeline_section_on_sqlite_and_postgresql(pg_url: str,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from gateway import benchpipeline

    rows = benchpipeline.bench(count=12, file=None, pg_url=pg_url)
    assert [(r["database"], r["workers"], r["senders"], r["delivered"], r["left"])
            for r in rows] == [
        # each run counts its own deliveries, also on the database the runs share; the last
        # two take their files from two partners
        ("sqlite", 1, 1, 12, 0), ("postgresql", 1, 1, 12, 0), ("postgresql", 2, 1, 12, 0),
        ("postgresql", 1, 2, 12, 0), ("postgresql", 2, 2, 12, 0)]
    benchpipeline.print_table(rows)
    out = capsys.readouterr().out
    assert "interchanges/s" in out and "from 2 partners" in out
    assert benchpipeline.targets(rows)[0][0].startswith("small files through the whole pipeline")
    # each run left its folder for the end (not to slow the next run's file creation), and
    # the bench removed them all then
    assert all(r["workdir"] for r in rows)
    assert not any(Path(r["workdir"]).exists() for r in rows)
