"""``edi-gateway partners list``: the JSON contract later issues rely on, and the table."""

from __future__ import annotations

import json

import pytest

from gateway.cli import main

from .conftest import BASE, ROOT, Write


def test_list_json_shape(capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["partners", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == [
        {"id": "acme-supply", "name": "Acme Supply Co.", "standards": ["x12"]},
        {"id": "bigbox", "name": "BigBox Stores, Inc.", "standards": ["x12"]},
        {"id": "eurofresh", "name": "EuroFresh Retail NV", "standards": ["edifact"]},
        {"id": "northwind-5010", "name": "Northwind Retail", "standards": ["x12"]},
    ]


def test_list_table(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["partners", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "ENV", "STANDARDS", "SENDER", "IDS"]
    assert lines[1].split()[0] == "acme-supply" and lines[1].endswith("01/047382916")
    assert lines[3].split()[0] == "eurofresh" and lines[3].endswith("5400001000019:14")


def test_list_with_both_standards_and_a_broken_file(
        write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    write("tp.toml", BASE + '\n[[identities.edifact]]\nid = "TP"\n\n[us.edifact]\nid = "US"\n')
    write("broken.toml", "id = ")
    assert main(["partners", "list", "--json", "--dir", "partners"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == [
        {"id": "tp", "name": "Test Partner", "standards": ["x12", "edifact"]}]
    assert captured.err.startswith("partners/broken.toml:1: toml: syntax error")
