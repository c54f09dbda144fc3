"""The profile models on their own: defaults, derived values and the rules between fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.acks import AckPolicy
from gateway.errors import ConfigError
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.partners.fields import gln_check_digit, gln_problem
from gateway.partners.profile import Acks, EdifactSyntax, X12Syntax


def profile(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "tp", "name": "TP", "environment": "production",
        "identities": {"x12": [{"isa_qualifier": "ZZ", "isa_id": "TP"}]},
        "us": {"x12": {"isa_qualifier": "ZZ", "isa_id": "US"}},
    }
    data.update(extra)
    return data


def rule_message(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        PartnerProfile.model_validate(data)
    [err] = info.value.errors()
    return str(err["msg"])


def test_minimal_profile_defaults() -> None:
    p = PartnerProfile.model_validate(profile())
    assert p.standards == ["x12"] and not p.test
    assert p.acks.policy == AckPolicy()
    assert p.identities.x12[0].group_codes == ("TP",)
    assert p.us.x12 is not None and p.us.x12.group_code == "US"
    assert p.control_numbers.interchange.end == 999_999_999
    assert p.syntax.x12.isa12 == "00401" and p.syntax.x12.group_version == "004010"
    assert p.documents == {} and p.transports == {} and p.erp is None


def test_profiles_are_frozen() -> None:
    p = PartnerProfile.model_validate(profile())
    with pytest.raises(ValidationError):
        p.name = "other"


@pytest.mark.parametrize(("text", "expected"), [
    ("90s", timedelta(seconds=90)), ("15m", timedelta(minutes=15)),
    ("24h", timedelta(hours=24)), ("1h30m", timedelta(minutes=90)),
    ("2d", timedelta(days=2)), ("PT4H", timedelta(hours=4)), (3600, timedelta(hours=1)),
])
def test_durations(text: str | int, expected: timedelta) -> None:
    assert Acks.model_validate({"expect_ack_within": text}).expect_ack_within == expected


@pytest.mark.parametrize("text", ["soon", "0s", "-5", "4 hours"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValidationError):
        Acks.model_validate({"expect_ack_within": text})


def test_gln_check_digit() -> None:
    assert gln_check_digit("540000100001") == 9
    assert gln_check_digit("871234500001") == 1
    assert gln_problem("5400001000019") is None
    assert gln_problem("540000100001") == "'540000100001' is not a GLN (13 digits) as " \
                                          "qualifier 14 requires"


def test_x12_syntax_follows_the_version() -> None:
    s = X12Syntax.model_validate({"version": "005010"})
    assert (s.isa12, s.delimiters.repetition) == ("00501", "^")
    s = X12Syntax.model_validate({"version": "005010", "delimiters": {"repetition": "!"}})
    assert s.delimiters.repetition == "!"
    s = X12Syntax.model_validate({"version": "005010", "isa12": "00401"})
    assert s.delimiters.repetition is None
    with pytest.raises(ValidationError, match="does not start with the version 004010"):
        X12Syntax.model_validate({"gs_version": "005010X222"})
    with pytest.raises(ValidationError, match="letters, digits and space are data"):
        X12Syntax.model_validate({"delimiters": {"segment": "S"}})


def test_edifact_syntax() -> None:
    s = EdifactSyntax.model_validate({"syntax_id": "UNOC", "syntax_version": 4})
    assert s.separators.repetition == "*"
    with pytest.raises(ValidationError, match="'UNOZ' is not a syntax identifier"):
        EdifactSyntax.model_validate({"syntax_id": "UNOZ"})
    with pytest.raises(ValidationError, match="need una = true"):
        EdifactSyntax.model_validate({"una": False, "separators": {"segment": "~"}})
    with pytest.raises(ValidationError, match="has no repetition separator"):
        EdifactSyntax.model_validate({"separators": {"repetition": "*"}})


def test_at_least_one_identity() -> None:
    assert rule_message(profile(identities={})) == (
        "a partner needs at least one identity: [[identities.x12]] or [[identities.edifact]]")


@pytest.mark.parametrize(("transport", "message"), [
    ({"type": "sftp-server", "username": "p"}, "give authorized_keys or password_env"),
    ({"type": "rest", "auth": "basic", "secret_env": "P"}, "auth 'basic' needs a username"),
    ({"type": "rest"}, "auth 'bearer' needs secret_env"),
    ({"type": "folder", "inbox": "in", "format": "csv"}, "format 'csv' needs a csv_map"),
    ({"type": "sftp-server", "username": "p", "password_env": "lower"},
     "'lower' is not the name of an environment variable"),
])
def test_transport_rules(transport: dict[str, Any], message: str) -> None:
    assert message in rule_message(profile(transports={"t": transport}))


def test_registry_refuses_a_missing_folder(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="no such folder"):
        PartnerRegistry.load(tmp_path / "nope")
