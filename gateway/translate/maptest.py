"""``edi-gateway map test``: a partner's golden cases, run through its profile and maps.

Cases live under ``fixtures/partners/<partner>/``:

- ``inbound/<case>.edi`` (or ``.edifact``) is translated as that partner's file; the result
  (the ``translate --json`` document, pretty-printed) must equal ``<case>.expected.json``, and
  the acknowledgements its profile asks for (997, 999, TA1, CONTRL) ``<case>.expected.acks.edi``;
- ``outbound/<case>.json`` is a canonical record generated as EDI for that partner, with a
  fixed clock (:data:`CLOCK`) and the control numbers starting where the profile's ranges
  start; the EDI must equal ``<case>.expected.edi`` and pass our own validation;
- ``orders/*.json`` are purchase orders (canonical JSON) the checks against the PO know,
  besides the purchase orders among the outbound cases.

A failing case shows a unified diff of expected and actual. ``--update`` rewrites the expected
files from what the maps produce now (on purpose: review the diff in git afterwards).
"""

from __future__ import annotations

import difflib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.canonical import PurchaseOrder
from gateway.errors import GatewayError
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.stream import Message
from gateway.translate.generate import ProfileNumbers, generate_file
from gateway.translate.mapfile import load_map
from gateway.translate.run import translate_file
from gateway.validate.run import Options, validate_file

CLOCK = datetime(2026, 1, 5, 10, 30)
CASES = Path("fixtures/partners")
INBOUND_SUFFIXES = (".edi", ".edifact", ".x12", ".txt")


@dataclass
class CaseResult:
    partner: str
    case: str  # "inbound/850-stores.edi"
    status: str  # "pass", "fail", "updated", "missing"
    detail: str = ""  # the diff, or what went wrong


def run_cases(partner: str | None = None, *, cases_dir: Path = CASES,
              partners_dir: Path = Path("partners"), update: bool = False) -> list[CaseResult]:
    """Every case of ``partner`` (every partner with a folder when None)."""
    if partner is not None:
        folders = [cases_dir / partner]
        if not folders[0].is_dir():
            raise GatewayError(f"no golden cases for partner {partner} "
                               f"(expected the folder {cases_dir / partner})",
                               code="maptest.no_cases")
    else:
        folders = sorted(p for p in cases_dir.iterdir() if p.is_dir()) if cases_dir.is_dir() \
            else []
    results: list[CaseResult] = []
    for folder in folders:
        orders = load_orders(folder / "orders")
        for edi in sorted((folder / "inbound").glob("*")):
            if edi.suffix in INBOUND_SUFFIXES and not edi.name.endswith(".acks.edi"):
                results.append(_inbound(folder.name, edi, orders, partners_dir, update))
                results.append(_acks(folder.name, edi, partners_dir, update, orders))
        for rec in sorted((folder / "outbound").glob("*.json")):
            if not rec.name.endswith(".expected.json"):
                results.append(_outbound(folder.name, rec, partners_dir, update))
    return results


def load_orders(folder: Path) -> dict[str, PurchaseOrder]:
    """The partner's ``orders/*.json`` and the purchase orders among its outbound cases (the
    orders we send it are the ones its acknowledgements, ship notices and invoices answer)."""
    orders: dict[str, PurchaseOrder] = {}
    if not folder.is_dir() and folder.name != "orders":
        raise GatewayError(f"{folder}: no such folder of purchase orders", code="maptest.bad_order")
    sent = [p for p in sorted((folder.parent / "outbound").glob("*.json"))
            if not p.name.endswith(".expected.json") and _record_type(p) == "purchase_order"]
    for path in [*sorted(folder.glob("*.json")), *sent]:
        try:
            po = PurchaseOrder.model_validate_json(path.read_bytes())
        except ValueError as exc:
            raise GatewayError(f"{path}: not a purchase order record: {exc}",
                               code="maptest.bad_order") from None
        orders[po.number] = po
    return orders


def _record_type(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # reported by its own case
    return data.get("record_type") if isinstance(data, dict) else None


def _inbound(partner: str, edi: Path, orders: dict[str, Any], partners_dir: Path,
             update: bool) -> CaseResult:
    name = f"inbound/{edi.name}"
    expected = edi.with_name(edi.name.rsplit(".", 1)[0] + ".expected.json")
    try:
        result = translate_file(edi, partner=partner, partners_dir=partners_dir,
                                orders=orders)
    except GatewayError as exc:
        return CaseResult(partner, name, "fail", f"{exc.code}: {exc.message}")
    doc = result.to_json()
    doc["file"] = edi.name
    actual = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return _compare(partner, name, expected, actual, update)


def _refusing(profile: PartnerProfile, orders: dict[str, Any]) -> Callable[[Message], None]:
    """For a profile with ``reject_refused``: translate each accepted set so that what the map
    or a check refuses is rejected in the ack, as the running gateway does."""
    from gateway.translate.inbound import translate_message
    from gateway.translate.run import generic_map_path, partner_map

    def hook(msg: Message) -> None:
        if msg.report.status != "accepted" or msg.report.set_id in ("997", "999", "CONTRL"):
            return
        try:
            where = partner_map(profile, msg.report.set_id, generic_map_path(msg).parent.name,
                                "inbound")
        except GatewayError:
            return
        if where.is_file():
            before = len(msg.report.errors)
            translate_message(msg, load_map(where), checks=profile.checks, orders=orders.get)
            msg.report.errors[before:] = [d for d in msg.report.errors[before:]
                                          if not d.warning]

    return hook


def _acks(partner: str, edi: Path, partners_dir: Path, update: bool,
          orders: dict[str, Any]) -> CaseResult:
    """The acknowledgements we answer the file with, as the partner's profile asks (997, 999,
    TA1, CONTRL), with the fixed clock and the profile's control numbers."""
    name = f"inbound/{edi.name} acks"
    expected = edi.with_name(edi.name.rsplit(".", 1)[0] + ".expected.acks.edi")
    try:
        profile = PartnerRegistry.load(partners_dir).get(partner)
    except GatewayError as exc:
        return CaseResult(partner, name, "fail", f"{exc.code}: {exc.message}")
    opts = Options(policy=profile.acks.policy, numbers=ProfileNumbers(profile), now=CLOCK,
                   tolerant_charset=profile.acks.tolerant_charset,
                   on_message=_refusing(profile, orders) if profile.acks.reject_refused
                   else None)
    report = validate_file(edi, opts, name=edi.name)
    actual = "".join(a.text if a.text.endswith("\n") else a.text + "\n" for a in report.acks)
    return _compare(partner, name, expected, actual, update)


def _outbound(partner: str, rec: Path, partners_dir: Path, update: bool) -> CaseResult:
    name = f"outbound/{rec.name}"
    expected = rec.with_suffix(".expected.edi")
    try:
        actual = generate_file(rec, partner=partner, partners_dir=partners_dir, now=CLOCK)
    except GatewayError as exc:
        return CaseResult(partner, name, "fail", f"{exc.code}: {exc.message}")
    report = validate_file(io.BytesIO(actual.encode()), Options(acks=False), name=name)
    problems = [f"{d.code} {d.message}" for ix in report.interchanges for d in ix.errors] + [
        f"set {t.control_number}: {d.code} {d.message}" for ix in report.interchanges
        for g in ix.groups for t in g.transactions for d in t.errors if not d.warning]
    if problems or report.errors:
        problems += [f"{d.code} {d.message}" for d in report.errors]
        return CaseResult(partner, name, "fail", "what we generate does not validate:\n  "
                          + "\n  ".join(problems))
    return _compare(partner, name, expected, actual, update)


def _compare(partner: str, name: str, expected: Path, actual: str, update: bool) -> CaseResult:
    if update:
        old = expected.read_text(encoding="utf-8") if expected.is_file() else None
        if old == actual:
            return CaseResult(partner, name, "pass")
        expected.write_text(actual, encoding="utf-8")
        return CaseResult(partner, name, "updated", f"wrote {expected.name}")
    if not expected.is_file():
        return CaseResult(partner, name, "missing",
                          f"no {expected.name} yet: run `edi-gateway map test --partner "
                          f"{partner} --update` and review it")
    want = expected.read_text(encoding="utf-8")
    if want == actual:
        return CaseResult(partner, name, "pass")
    diff = difflib.unified_diff(_lines(want), _lines(actual), f"expected/{expected.name}",
                                f"actual/{expected.name}", n=2)
    return CaseResult(partner, name, "fail", "".join(diff))


def _lines(text: str) -> list[str]:
    """Lines for the diff; an EDI file without line breaks is split after each terminator."""
    if text.count("\n") <= 1 and len(text) > 200:
        term = text[105] if text.startswith("ISA") and len(text) > 105 else "'"
        return [s + term + "\n" for s in text.rstrip("\n").split(term) if s]
    return text.splitlines(keepends=True)
