"""``edi-gateway generate``: a canonical record (JSON) to a partner's EDI, with the partner's
envelope, delimiters and version, and control numbers from a sequence (a fresh one per run
until the store of the running gateway keeps them)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from gateway.acks.numbers import ControlNumbers, Kind
from gateway.canonical import RECORD_TYPES
from gateway.errors import GatewayError
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.translate.mapfile import TranslationMap, load_map
from gateway.translate.outbound import generate_x12
from gateway.translate.rules import run_checks
from gateway.translate.run import partner_map
from gateway.x12.checks import FUNCTIONAL_IDS
from gateway.x12.writer import envelope_from_profile, group_from_profile

X12_SETS = {"purchase_order": "850", "order_acknowledgement": "855", "ship_notice": "856",
            "invoice": "810"}
EDIFACT_MESSAGES = {"purchase_order": "ORDERS", "order_acknowledgement": "ORDRSP",
                    "ship_notice": "DESADV", "invoice": "INVOIC"}


def generate_file(path: Path, *, partner: str, record_type: str | None = None,
                  partners_dir: Path = Path("partners"), now: datetime | None = None) -> str:
    record = load_record(path, record_type)
    profile = PartnerRegistry.load(partners_dir).get(partner)
    return generate_record(record, profile, ProfileNumbers(profile),
                           now or datetime.now().replace(microsecond=0))


def load_record(path: Path, record_type: str | None = None) -> BaseModel:
    """A canonical record from a JSON file (its ``record_type``, or ``record_type``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GatewayError(f"cannot read the record: {exc}", code="generate.input") from exc
    kind = record_type or (data.get("record_type") if isinstance(data, dict) else None)
    if kind not in RECORD_TYPES:
        raise GatewayError(f"unknown record type {kind!r} (give --type)",
                           code="generate.input")
    try:
        return RECORD_TYPES[kind].model_validate(data)
    except ValueError as exc:
        raise GatewayError(f"not a valid {kind}: {exc}", code="generate.input") from exc


def generate_record(record: BaseModel, profile: PartnerProfile, numbers: ControlNumbers,
                    now: datetime) -> str:
    """The partner's EDI for ``record``: its map, envelope, syntax and version; control
    numbers from ``numbers``; the map's checks first."""
    kind = str(record.model_dump(include={"record_type"})["record_type"])
    partner = profile.id
    if profile.syntax.x12 is None or "x12" not in profile.standards:
        if "edifact" in profile.standards:
            return _edifact(record, EDIFACT_MESSAGES[kind], profile, now, numbers)
        raise GatewayError(f"partner {partner} trades in neither X12 nor EDIFACT",
                           code="generate.no_map")
    set_id = X12_SETS[kind]
    where = partner_map(profile, set_id, profile.syntax.x12.version, "outbound")
    if not where.is_file():
        raise GatewayError(f"no map for {set_id} {profile.syntax.x12.version} yet "
                           f"({where.name})", code="generate.no_map")
    tmap = load_map(where)
    check(tmap, profile, record)
    group = group_from_profile(profile, FUNCTIONAL_IDS[set_id])
    return generate_x12(record, tmap, envelope_from_profile(profile), group, numbers, now)


def _edifact(record: BaseModel, message: str, profile: PartnerProfile, now: datetime,
             numbers: ControlNumbers) -> str:
    """One interchange in the partner's EDIFACT syntax and directory ([syntax.edifact])."""
    from gateway.edifact.writer import envelope_from_profile as edifact_envelope
    from gateway.translate.edifact_out import generate_edifact

    directory = profile.syntax.edifact.directory
    where = partner_map(profile, message, directory, "outbound")
    if not where.is_file():
        raise GatewayError(f"no map for {message} {directory} yet ({where.name})",
                           code="generate.no_map")
    tmap = load_map(where)
    check(tmap, profile, record)
    return generate_edifact(record, tmap, edifact_envelope(profile), numbers, now)


def check(tmap: TranslationMap, profile: PartnerProfile, record: BaseModel) -> None:
    """The map's business checks before anything is sent: a rejecting one stops it."""
    failed = [d.message for d in run_checks(tmap.checks, profile.checks, record, None)
              if not d.warning]
    if failed:
        raise GatewayError("the record fails the partner's checks: " + "; ".join(failed),
                           code="generate.check_failed")


class ProfileNumbers:
    """Control numbers from where the profile's ranges start (one fresh series per run: the
    running gateway's store keeps them across runs)."""

    def __init__(self, profile: PartnerProfile) -> None:
        ranges = profile.control_numbers
        self._next: dict[Kind, int] = {"interchange": ranges.interchange.start,
                                       "group": ranges.group.start,
                                       "transaction": ranges.transaction.start}

    def next(self, kind: Kind) -> int:
        n = self._next[kind]
        self._next[kind] = n + 1
        return n
