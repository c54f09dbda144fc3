"""Resolving the partner of real inbound interchanges from their envelope ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ConfigError
from gateway.partners import PartnerRegistry, UnknownPartner, WrongReceiver, load_text
from gateway.report import InterchangeReport
from gateway.validate.run import Options, validate_file

from .conftest import ROOT, Write

X12 = ROOT / "fixtures" / "x12"
EDIFACT = ROOT / "fixtures" / "edifact"


def interchanges(path: Path) -> list[InterchangeReport]:
    report = validate_file(path, Options(envelope_only=True, acks=False))
    assert report.interchanges, report.errors
    return report.interchanges


def x12_profile(pid: str, qualifier: str, isa_id: str, us_qualifier: str, us_id: str) -> str:
    return f"""\
id = "{pid}"
name = "{pid}"
environment = "production"

[[identities.x12]]
isa_qualifier = "{qualifier}"
isa_id = "{isa_id}"

[us.x12]
isa_qualifier = "{us_qualifier}"
isa_id = "{us_id}"
"""


def edifact_profile(pid: str, ident: str, qualifier: str | None, us: str,
                    us_qualifier: str | None) -> str:
    q = f'qualifier = "{qualifier}"\n' if qualifier else ""
    uq = f'qualifier = "{us_qualifier}"\n' if us_qualifier else ""
    return f"""\
id = "{pid}"
name = "{pid}"
environment = "production"

[[identities.edifact]]
id = "{ident}"
{q}
[us.edifact]
id = "{us}"
{uq}"""


@pytest.fixture
def registry(write: Write) -> PartnerRegistry:
    """Profiles whose identities match senders found in fixtures/."""
    write("northwind.toml", x12_profile("northwind", "ZZ", "NORTHWINDRET", "ZZ", "ACMEHOMEGOODS"))
    write("abc.toml", x12_profile("abc", "12", "4405197800", "01", "999999999"))
    write("edinet.toml", x12_profile("edinet", "01", "000123456", "ZZ", "TEST2"))
    write("eurofresh.toml", edifact_profile("eurofresh", "5400001000019", "14",
                                            "8712345000011", "14"))
    write("plain.toml", edifact_profile("plain", "SENDERID", None, "RECEIVERID", None))
    return PartnerRegistry.load("partners")


def test_x12_sender_resolves_by_qualifier_and_id(registry: PartnerRegistry) -> None:
    [ix] = interchanges(X12 / "004010" / "850" / "valid_dc_order_with_store_sdq.edi")
    assert (ix.sender_qualifier, ix.sender) == ("ZZ", "NORTHWINDRET")
    assert registry.resolve(ix).id == "northwind"


def test_isa_padding_is_ignored(registry: PartnerRegistry) -> None:
    # ISA06 is "4405197800     " (padded to 15), ISA08 "TEST2" in a short ISA
    for ix in interchanges(X12 / "004010" / "850" / "node-x12_850_two-interchanges.edi"):
        assert registry.resolve(ix).id == "abc"
    [ix] = interchanges(X12 / "004010" / "850" / "edinet_x12.850a_indented_short-ISA.edi")
    assert registry.resolve(ix).id == "edinet"
    padded = InterchangeReport("x12", "4405197800     ", "999999999      ", "1", "00401",
                               sender_qualifier="12", receiver_qualifier="01")
    assert registry.resolve(padded).id == "abc"


def test_the_qualifier_must_match_too(registry: PartnerRegistry) -> None:
    [ix] = interchanges(X12 / "004010" / "850" / "valid_dc_order_with_store_sdq.edi")
    ix.sender_qualifier = "01"
    with pytest.raises(UnknownPartner):
        registry.resolve(ix)


def test_edifact_sender_resolves_by_unb_id_and_qualifier(registry: PartnerRegistry) -> None:
    [ix] = interchanges(EDIFACT / "D96A" / "ORDERS" / "valid_two_orders.edi")
    assert (ix.sender, ix.sender_qualifier) == ("5400001000019", "14")
    assert registry.resolve(ix).id == "eurofresh"
    [ix] = interchanges(EDIFACT / "D96A" / "ORDERS" / "pydifact_order2_D96A_UNOC_no-UNZ.edi")
    assert registry.resolve(ix).id == "plain"


def test_unknown_x12_sender_names_sender_qualifier_and_file(registry: PartnerRegistry) -> None:
    path = X12 / "004010" / "850" / "ediengine_850_composite_SLN.edi"
    [ix] = interchanges(path)
    with pytest.raises(UnknownPartner) as info:
        registry.resolve(ix, source="fixtures/x12/004010/850/ediengine_850_composite_SLN.edi")
    err = info.value
    assert isinstance(err, ConfigError) and err.code == "partner.unknown"
    assert (err.standard, err.qualifier, err.sender) == ("x12", "ZZ", "ABCDEFGHIJKLMNO")
    assert str(err) == (
        "fixtures/x12/004010/850/ediengine_850_composite_SLN.edi: interchange 000003438 at "
        "byte 0: unknown X12 sender ISA05/ISA06 ZZ/ABCDEFGHIJKLMNO: no partner profile has "
        "this identity (add it to [[identities.x12]] of a partners/*.toml)")


def test_unknown_edifact_sender(registry: PartnerRegistry) -> None:
    [ix] = interchanges(EDIFACT / "D96A" / "ORDERS" / "pydifact_order_D96A_EAN008_no-UNZ.edi")
    with pytest.raises(UnknownPartner) as info:
        registry.resolve(ix, source="in.edi")
    assert str(info.value) == (
        "in.edi: interchange 807 at byte 10: unknown EDIFACT sender UNB S002 12345678:8: no "
        "partner profile has this identity (add it to [[identities.edifact]] of a "
        "partners/*.toml)")


def test_an_interchange_without_unb_has_no_sender(registry: PartnerRegistry) -> None:
    [ix] = interchanges(EDIFACT / "D01B" / "ORDERS" / "edifact-rs_D01B_ORDERS_no-UNB-envelope.edi")
    with pytest.raises(UnknownPartner, match="no sender id in the EDIFACT envelope"):
        registry.resolve(ix)


def test_known_sender_addressed_to_someone_else(registry: PartnerRegistry) -> None:
    [ix] = interchanges(X12 / "004010" / "850" / "valid_dc_order_with_store_sdq.edi")
    ix.receiver = "SOMEONEELSE"
    with pytest.raises(WrongReceiver) as info:
        registry.resolve(ix, source="in.edi")
    assert info.value.code == "partner.wrong_receiver"
    assert info.value.partner.id == "northwind"
    assert str(info.value) == (
        "in.edi: interchange 000001001 at byte 0: X12 interchange from partner 'northwind' is "
        "addressed to ISA07/ISA08 ZZ/SOMEONEELSE, not to us (ZZ/ACMEHOMEGOODS, [us.x12] of "
        "partners/northwind.toml)")


def test_example_profiles_resolve_fixtures() -> None:
    reg = PartnerRegistry.load(ROOT / "partners")
    [ix] = interchanges(X12 / "005010" / "850" / "valid_prepack_direct_to_store.edi")
    assert reg.resolve(ix).id == "northwind-5010"
    [ix] = interchanges(EDIFACT / "D96A" / "ORDERS" / "valid_two_orders.edi")
    assert reg.resolve(ix).id == "eurofresh"
    # Northwind's 004010 orders in fixtures/ go to ACMEHOMEGOODS, not to our 005010 id
    [ix] = interchanges(X12 / "004010" / "850" / "valid_dc_order_with_store_sdq.edi")
    with pytest.raises(WrongReceiver, match="not to us .ZZ/LITTLEFEET"):
        reg.resolve(ix)


def test_registry_lookups(registry: PartnerRegistry) -> None:
    assert len(registry) == 5 and "abc" in registry
    assert [p.id for p in registry] == ["abc", "edinet", "eurofresh", "northwind", "plain"]
    assert registry.get("abc").standards == ["x12"]
    assert registry.file("abc") == "partners/abc.toml"
    with pytest.raises(UnknownPartner, match="no partner profile with id 'nope'"):
        registry.get("nope")
    assert registry.find("edifact", "14", "5400001000019") is registry.get("eurofresh")


def test_registry_built_from_profiles_refuses_shared_identities() -> None:
    a = load_text(x12_profile("a", "ZZ", "SAME", "ZZ", "US"), "a.toml").profile
    b = load_text(x12_profile("b", "ZZ", "SAME", "ZZ", "US"), "b.toml").profile
    with pytest.raises(ConfigError, match="X12 sender ZZ/SAME is in partners 'a' and 'b'"):
        PartnerRegistry([a, b])
