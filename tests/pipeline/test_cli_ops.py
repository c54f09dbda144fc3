"""The operators' command line on a data folder: trace (human and the JSON contract), replay,
send, acks, archive verify."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.pipeline.ingest import ingest
from gateway.pipeline.worker import drain
from gateway.service import Settings, build_context

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "fixtures" / "partners"
CHECKS_850 = CASES / "bigbox" / "inbound" / "850-business-checks.edi"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder where BigBox's two-order file went through the pipeline."""
    d = tmp_path / "var"
    ctx = build_context(Settings(data_dir=d, archive_dir=tmp_path / "archive",
                                 scheduler=False))
    ingest(ctx, CHECKS_850.read_bytes(), name=CHECKS_850.name, source="folder",
           partner_id="bigbox")
    drain(ctx)
    ctx.store.close()
    return d


def args(data: Path, *more: str) -> list[str]:
    return [*more, "--data-dir", str(data), "--archive", str(data.parent / "archive")]


def test_trace_json_contract(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args(data, "trace", "BB4410031", "--json")) == 0
    chain = json.loads(capsys.readouterr().out)
    assert chain["key"] == "BB4410031"
    for item in chain["items"]:
        assert {"kind", "id", "status", "partner", "events"} <= set(item)
    kinds = [i["kind"] for i in chain["items"]]
    assert kinds[0] == "file" and "delivery" in kinds
    assert main(args(data, "trace", "no-such-key", "--json")) == 1
    assert json.loads(capsys.readouterr().out) == {"key": "no-such-key", "items": []}


def test_trace_shows_why_a_set_is_parked(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args(data, "trace", "BB4410032")) == 0
    out = capsys.readouterr().out
    assert "transaction" in out and "[parked]" in out
    assert "check line_count: the document says 3 lines" in out
    assert "archive/" in out  # the raw file's place in the archive


def test_replay_cli(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args(data, "replay", "--parked", "--partner", "bigbox")) == 0
    out = capsys.readouterr().out
    assert "queued to process again" in out and "1 item(s) queued" in out
    assert main(args(data, "replay", "file:999")) == 2
    assert "replay.unknown" in capsys.readouterr().err
    assert main(args(data, "replay", "delivery:1", "--from-step", "process")) == 2
    assert main(args(data, "replay", "delivery:1")) == 0
    assert "delivered already" in capsys.readouterr().out


def test_send_then_acks(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = CASES / "bigbox" / "outbound" / "810-invoice.json"
    assert main(args(data, "send", str(record), "--partner", "bigbox")) == 0
    assert "queued as outbound file" in capsys.readouterr().out
    assert main(args(data, "acks", "--json")) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["partner"] == "bigbox" and row["set"] == "810" and row["status"] == "awaiting"
    assert main(args(data, "acks", "--overdue")) == 0
    assert "0 acknowledgement(s) overdue or rejected" in capsys.readouterr().out
    bad = data.parent / "bad.json"
    bad.write_text(json.dumps({**json.loads(record.read_text()),
                               "totals": {"total_amount": "1.00", "line_count": 3}}))
    assert main(args(data, "send", str(bad), "--partner", "bigbox")) == 2
    assert "generate.check_failed" in capsys.readouterr().err


def test_archive_verify_finds_an_altered_file(data: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args(data, "archive", "verify")) == 0
    capsys.readouterr()
    archive = data.parent / "archive"
    victim = next(p for p in archive.rglob("*") if p.is_file())
    victim.chmod(0o644)
    victim.write_bytes(b"tampered")
    assert main(args(data, "archive", "verify")) == 1
    assert victim.name in capsys.readouterr().out
    shutil.rmtree(archive)


def test_serve_refuses_a_broken_profile_with_its_line(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    partners = tmp_path / "partners"
    shutil.copytree(ROOT / "partners", partners)
    bad = partners / "bigbox.toml"
    bad.write_text(bad.read_text().replace('functional = "997"', 'functional = "998"'))
    code = main(["serve", "--data-dir", str(tmp_path / "var"), "--archive",
                 str(tmp_path / "archive"), "--partners-dir", str(partners)])
    assert code == 2
    err = capsys.readouterr().err
    assert "edi-gateway serve: partner.invalid:" in err and "bigbox.toml:" in err
    assert "acks.functional" in err
