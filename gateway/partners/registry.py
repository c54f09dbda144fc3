"""The partner registry: profiles by id, and the partner of an inbound interchange.

``PartnerRegistry.load("partners")`` loads every profile (``gateway.partners.loader``) and
raises ``ProfileErrors`` when any is wrong: the gateway does not start half-configured.
``resolve(ix)`` finds the partner of an interchange from its envelope:

* X12: ISA05 qualifier + ISA06 id (trailing padding ignored) against ``[[identities.x12]]``;
* EDIFACT: UNB S002 id + qualifier (0004, 0007) against ``[[identities.edifact]]``;

and then checks that the interchange is addressed to us: ISA07/ISA08 or UNB S003 must be the
profile's ``[us.<standard>]`` identity.

Who calls: the pipeline, after the envelope is read and before validation. Errors:
``UnknownPartner`` (``partner.unknown``) when no profile has the sender,
``WrongReceiver`` (``partner.wrong_receiver``) when the sender is known but the receiver is
not us. Neither is retryable: the file is parked until someone onboards the partner or fixes
the profile.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from gateway.errors import ConfigError
from gateway.partners.loader import (
    LoadedProfile,
    ProfileErrors,
    identity_keys,
    load_folder,
    show_identity,
)
from gateway.partners.profile import PartnerProfile
from gateway.report import InterchangeReport


class UnknownPartner(ConfigError):
    """No profile has this sender (or no profile has this id, from ``get``)."""

    code = "partner.unknown"

    def __init__(self, message: str, *, standard: str | None = None, sender: str | None = None,
                 qualifier: str | None = None) -> None:
        super().__init__(message)
        self.standard = standard
        self.sender = sender
        self.qualifier = qualifier


class WrongReceiver(ConfigError):
    """The sender is a known partner but the interchange is not addressed to us."""

    code = "partner.wrong_receiver"

    def __init__(self, message: str, *, partner: PartnerProfile) -> None:
        super().__init__(message)
        self.partner = partner


def _key(standard: str, qualifier: str | None, ident: str | None) -> tuple[str, str, str]:
    ident = (ident or "").rstrip(" ") if standard == "x12" else (ident or "")
    return standard, (qualifier or "").strip(), ident


class PartnerRegistry:
    """Profiles by id and by sender identity. Immutable once built."""

    def __init__(self, profiles: Iterable[PartnerProfile | LoadedProfile]) -> None:
        self._by_id: dict[str, PartnerProfile] = {}
        self._files: dict[str, str] = {}
        self._by_sender: dict[tuple[str, str, str], PartnerProfile] = {}
        for item in profiles:
            profile = item.profile if isinstance(item, LoadedProfile) else item
            if profile.id in self._by_id:
                raise ConfigError(f"partner id {profile.id!r} given twice",
                                  code="partner.invalid")
            self._by_id[profile.id] = profile
            if isinstance(item, LoadedProfile):
                self._files[profile.id] = item.file
            for key, _ in identity_keys(profile):
                if key in self._by_sender:
                    raise ConfigError(f"{show_identity(key)} is in partners "
                                      f"{self._by_sender[key].id!r} and {profile.id!r}",
                                      code="partner.invalid")
                self._by_sender[key] = profile

    @classmethod
    def load(cls, folder: Path | str) -> PartnerRegistry:
        """Every profile in ``folder``; ``ProfileErrors`` (all of them) when any is wrong."""
        loaded, errors = load_folder(folder)
        if errors:
            raise ProfileErrors(errors)
        return cls(loaded)

    def __iter__(self) -> Iterator[PartnerProfile]:
        return iter(sorted(self._by_id.values(), key=lambda p: p.id))

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, partner_id: object) -> bool:
        return partner_id in self._by_id

    def get(self, partner_id: str) -> PartnerProfile:
        try:
            return self._by_id[partner_id]
        except KeyError:
            raise UnknownPartner(f"no partner profile with id {partner_id!r}") from None

    def file(self, partner_id: str) -> str | None:
        """The file the profile was loaded from, as shown in messages (None when built)."""
        return self._files.get(partner_id)

    def find(self, standard: str, qualifier: str | None, sender: str | None
             ) -> PartnerProfile | None:
        return self._by_sender.get(_key(standard, qualifier, sender))

    def resolve(self, ix: InterchangeReport, *, source: str | None = None) -> PartnerProfile:
        """The partner that sent ``ix``; ``source`` names the file in messages."""
        where = _where(ix, source)
        label = "X12" if ix.standard == "x12" else "EDIFACT"
        if not ix.sender:
            raise UnknownPartner(f"{where}: no sender id in the {label} envelope, so no "
                                 "partner can be found", standard=ix.standard)
        profile = self.find(ix.standard, ix.sender_qualifier, ix.sender)
        if profile is None:
            raise UnknownPartner(
                f"{where}: unknown {label} sender {_FIELDS[ix.standard][0]} "
                f"{_show(ix, 'sender')}: no partner profile has this identity (add it to "
                f"[[identities.{ix.standard}]] of a partners/*.toml)",
                standard=ix.standard, sender=ix.sender, qualifier=ix.sender_qualifier)
        expected = _ours(profile, ix.standard)
        if _key(ix.standard, ix.receiver_qualifier, ix.receiver) != expected:
            ours = _show_key(ix.standard, expected) if expected else "none"
            raise WrongReceiver(
                f"{where}: {label} interchange from partner {profile.id!r} is addressed to "
                f"{_FIELDS[ix.standard][1]} {_show(ix, 'receiver')}, not to us ({ours}, "
                f"[us.{ix.standard}] of {self.file(profile.id) or profile.id})",
                partner=profile)
        return profile


_FIELDS = {"x12": ("ISA05/ISA06", "ISA07/ISA08"), "edifact": ("UNB S002", "UNB S003")}


def _ours(profile: PartnerProfile, standard: str) -> tuple[str, str, str] | None:
    if standard == "x12":
        x = profile.us.x12
        return None if x is None else _key(standard, x.isa_qualifier, x.isa_id)
    e = profile.us.edifact
    return None if e is None else _key(standard, e.qualifier, e.id)


def _where(ix: InterchangeReport, source: str | None) -> str:
    what = f"interchange {ix.control_number or '(no control number)'} at byte {ix.offset}"
    return f"{source}: {what}" if source else what


def _show(ix: InterchangeReport, role: str) -> str:
    ident = getattr(ix, role) or ""
    qualifier = getattr(ix, f"{role}_qualifier") or ""
    return _show_key(ix.standard, _key(ix.standard, qualifier, ident))


def _show_key(standard: str, key: tuple[str, str, str]) -> str:
    """ISA ids as qualifier/id ("ZZ/ACME"), UNB ids as id:qualifier ("5400001000019:14")."""
    _, qualifier, ident = key
    if standard == "x12":
        return f"{qualifier}/{ident}"
    return f"{ident}:{qualifier}" if qualifier else ident
