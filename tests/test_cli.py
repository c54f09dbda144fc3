"""The command-line contract: exit codes, human lines, the JSON shape, ack files, inspect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "x12" / "corpus"
GOOD = CORPUS / "node-x12_850.edi"
TWO_ISA = CORPUS / "node-x12_850_two-interchanges.edi"
BAD = CORPUS / "ediengine_850_syntaxnotes_ERR.edi"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


def test_exit_0_when_everything_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["validate", str(GOOD)], capsys)
    assert code == 0
    assert "850 000000010 (group PO 1421 004010VICS): accepted" in out


def test_exit_1_and_error_lines_when_something_is_rejected(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["validate", str(GOOD), str(BAD)], capsys)
    assert code == 1
    lines = [ln.strip() for ln in out.splitlines() if "element.conditional_missing" in ln]
    assert lines, out
    # file:offset segment-position code message
    first = lines[0]
    file_offset, where, code_ = first.split(" ")[:3]
    assert file_offset.startswith(str(BAD) + ":") and file_offset.rsplit(":", 1)[1].isdigit()
    assert where == "PO1:13" and code_ == "element.conditional_missing"
    offset = int(file_offset.rsplit(":", 1)[1])
    assert BAD.read_bytes()[offset:].startswith(b"PO1*")


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary junk\xff" * 10,
                                     b"hello, this is a CSV file\n1,2,3\n"])
def test_exit_2_when_an_input_cannot_be_read(tmp_path: Path, content: bytes,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "in.edi"
    f.write_bytes(content)
    code, out = run(["validate", str(GOOD), str(f)], capsys)
    assert code == 2
    assert f"{f}:0 - file." in out


def test_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["validate", str(tmp_path / "nope.edi")], capsys)
    assert code == 2 and "cannot open" in out


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["validate", "--json", str(TWO_ISA), str(BAD)], capsys)
    assert code == 1
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["file"] for d in docs] == [str(TWO_ISA), str(BAD)]
    for d in docs:
        assert set(d) == {"file", "errors", "interchanges", "acks"}
        for ix in d["interchanges"]:
            assert set(ix) == {"standard", "sender", "receiver", "control_number", "version",
                               "status", "errors", "groups"}
            assert ix["standard"] == "x12"
            for g in ix["groups"]:
                assert set(g) == {"functional_id", "version", "control_number", "status",
                                  "errors", "transactions"}
                for t in g["transactions"]:
                    assert set(t) == {"set", "control_number", "status", "errors"}
                    assert t["status"] in ("accepted", "rejected")
                    for e in t["errors"]:
                        assert set(e) == {"code", "message", "offset", "segment",
                                          "segment_position", "element"}
        for a in d["acks"]:
            assert set(a) == {"type", "text"} and a["type"] in ("TA1", "997", "999", "CONTRL")
    assert len(docs[0]["interchanges"]) == 2 and docs[0]["interchanges"][0]["status"] == \
        "accepted"
    bad = docs[1]["interchanges"][0]
    assert bad["status"] == "rejected"
    assert bad["groups"][0]["transactions"][0]["errors"][0]["segment"] == "PO1"
    ack = docs[1]["acks"][0]
    assert ack["type"] == "997" and "AK5*R*5" in ack["text"] and "AK9*R*1*1*0" in ack["text"]


def test_ack_dir_writes_each_ack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["validate", "--ack-dir", str(tmp_path / "acks"), str(TWO_ISA)], capsys)
    assert code == 0
    files = sorted((tmp_path / "acks").iterdir())
    assert len(files) == 2 and all(f.read_text().startswith("ISA") for f in files)
    assert all("AK9*A*1*1*1" in f.read_text() for f in files)


def test_inspect_names_segments_and_elements(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["inspect", str(GOOD)], capsys)
    assert code == 0
    assert "BEG" in out and "Purchase Order Number" in out and "PO1" in out
    code, out = run(["inspect", "--json", str(GOOD)], capsys)
    tree = json.loads(out)
    segs = tree["interchanges"][0]["groups"][0]["messages"][0]["segments"]
    beg = next(s for s in segs if s["tag"] == "BEG")
    assert any(e.get("ref") == "BEG03" for e in beg["elements"])


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4000)
    exe = Path(sys.executable).parent / "edi-gateway"
    if not exe.exists():
        pytest.skip("console script edi-gateway not installed in this environment")
    p = subprocess.run([str(exe), "validate", str(junk)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2
    assert "Traceback" not in p.stdout + p.stderr


def test_demo_validates_the_example_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["demo"], capsys)
    assert code == 0
    summary = out.strip().splitlines()[-1]
    n, accepted = int(summary.split()[0]), int(summary.split()[2])
    assert n == accepted + 4 and accepted >= 20  # every valid_* accepted, the 4 broken_* not
    assert "--- 997 ---" in out and "--- 999 ---" in out and "--- CONTRL ---" in out
    assert ".acks.edi" not in out


def test_engine_pyx12_still_validates_edifact(capsys: pytest.CaptureFixture[str]) -> None:
    broken = ROOT / "fixtures/edifact/D96A/ORDERS/broken_missing_bgm.edi"
    code, out = run(["validate", "--engine", "pyx12", str(broken)], capsys)
    assert code == 1 and "segment.missing" in out
