"""The example profiles in partners/ load, describe what their comments say, and check clean."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.acks import AckPolicy
from gateway.cli import main
from gateway.partners import PartnerRegistry, load_folder
from gateway.partners.fields import gln_problem

from .conftest import ROOT

EXAMPLES = ("acme-supply", "bigbox", "eurofresh", "northwind-5010")


def registry() -> PartnerRegistry:
    return PartnerRegistry.load(ROOT / "partners")


def test_every_example_loads_without_errors() -> None:
    loaded, errors = load_folder(ROOT / "partners")
    assert [str(e) for e in errors] == []
    assert sorted(lp.profile.id for lp in loaded) == list(EXAMPLES)
    for lp in loaded:  # partners/<id>.toml
        assert lp.file.endswith(f"{lp.profile.id}.toml")


def test_partners_check_is_clean_on_the_repo(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["partners", "check"]) == 0
    out = capsys.readouterr().out
    assert out == "partners: 4 partner profile(s) OK (edifact, x12), every map loads\n"


def test_bigbox_is_a_004010_retailer_with_997s() -> None:
    p = registry().get("bigbox")
    assert p.standards == ["x12"] and p.environment == "production"
    assert p.documents_for("inbound") == ["850"]
    assert sorted(p.documents_for("outbound")) == ["810", "855", "856"]
    assert p.syntax.x12.version == "004010" and p.syntax.x12.isa12 == "00401"
    assert p.syntax.x12.group_version == "004010VICS"
    assert p.syntax.x12.delimiters.repetition is None
    assert p.acks.policy == AckPolicy(functional="997", ta1="auto")
    assert p.acks.expect_ack_within == timedelta(hours=4)
    assert p.control_numbers.interchange.start == 100000
    assert p.transports["as2"].type == "as2"
    assert p.erp is not None and p.erp.connector == "tryton"


def test_acme_supply_is_a_supplier_answering_our_850s() -> None:
    p = registry().get("acme-supply")
    assert p.documents_for("outbound") == ["850"]
    assert sorted(p.documents_for("inbound")) == ["810", "855", "856"]
    assert p.identities.x12[0].isa_qualifier == "01"  # DUNS
    assert p.acks.functional == "997"
    poll = p.transports["sftp"]
    assert poll.type == "sftp-poll" and poll.interval == timedelta(minutes=10)


def test_eurofresh_is_eancom_d96a_with_glns_and_contrl() -> None:
    p = registry().get("eurofresh")
    assert p.standards == ["edifact"]
    assert p.documents_for("inbound") == ["ORDERS"]
    assert sorted(p.documents_for("outbound")) == ["DESADV", "INVOIC"]
    assert p.identities.edifact[0].qualifier == "14"
    assert gln_problem(p.identities.edifact[0].id) is None
    assert p.us.edifact is not None and gln_problem(p.us.edifact.id) is None
    s = p.syntax.edifact
    assert (s.syntax_id, s.syntax_version, s.directory, s.una) == ("UNOC", 3, "D96A", True)
    assert p.acks.contrl == "always" and p.acks.tolerant_charset


def test_northwind_is_005010_with_999s() -> None:
    p = registry().get("northwind-5010")
    assert p.syntax.x12.version == "005010" and p.syntax.x12.isa12 == "00501"
    assert p.syntax.x12.delimiters.repetition == "^"
    assert p.acks.policy.functional == "999" and p.acks.policy.embed_ta1
    assert p.test
    assert {t.type for t in p.transports.values()} == {"sftp-server", "rest"}


def test_examples_use_every_transport_type() -> None:
    types = {t.type for p in registry() for t in p.transports.values()}
    assert types == {"sftp-server", "sftp-poll", "as2", "rest", "folder"}


def test_eurofreshs_despatch_advice_of_two_orders_reads_back_as_it_was_written() -> None:
    """The golden case of a delivery filling two of their orders: each line carries its
    order's RFF ON, and the generic map reads the notice back with each pallet under its
    order."""
    from gateway.canonical.ship_notice import ShipNotice
    from gateway.translate.run import translate_file

    case = ROOT / "fixtures/partners/eurofresh/outbound/despatch-two-orders"
    out = translate_file(case.with_suffix(".expected.edi"), partner="generic")
    assert out.errors == []
    [doc] = out.documents
    back = ShipNotice.model_validate(doc["record"])
    assert back == ShipNotice.model_validate_json(case.with_suffix(".json").read_text())
    assert [[p.sscc for p in o.packs] for o in back.orders] == [["387123450000001019"],
                                                                ["387123450000001026"]]
