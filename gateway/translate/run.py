"""Translate whole files into canonical records: what ``edi-gateway translate`` runs.

Each file is read and validated exactly as ``validate`` does (``gateway.validate.run``); every
accepted transaction set whose guide has a map is translated with it: by the map's compiled
form (``gateway.translate.compiled``) when it has one, else, and for any set the compiled form
cannot vouch for, by ``translate_message``; both give the same JSON. Rejected sets, sets
without a map and sets whose content the map cannot carry come back as errors, with the
engine's codes and the set's control numbers; the good ones still come out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gateway.canonical import compact_json
from gateway.canonical.purchase_order import PurchaseOrder
from gateway.errors import GatewayError
from gateway.partners import PartnerProfile, PartnerRegistry
from gateway.partners.profile import document_standard
from gateway.report import Defect, FileReport, TransactionReport
from gateway.stream import Message
from gateway.translate.compiled import translate_json, translate_text
from gateway.translate.inbound import translate_message
from gateway.translate.mapfile import TranslationMap, load_map, map_for, map_path
from gateway.validate.run import Options, validate_file


class RecordText(bytes):
    """A record as its compact JSON text (UTF-8), which ``translate_file(record_text=True)``
    puts in a document instead of the record's dict; ``document_json`` writes it in."""


def document_json(doc: dict[str, Any]) -> bytes:
    """A document's compact JSON, its record written in as it is when it is ``RecordText``."""
    from pydantic_core import to_json

    record = doc.get("record")
    if not isinstance(record, RecordText):
        return to_json(doc)
    keys = list(doc)
    at = keys.index("record")
    head = to_json({k: doc[k] for k in keys[:at]})
    tail = to_json({k: doc[k] for k in keys[at + 1:]})
    return (head[:-1] + (b"," if at else b"") + b'"record":' + record +
            (b"," + tail[1:] if len(tail) > 2 else b"}"))


@dataclass
class Translation:
    report: FileReport
    documents: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.report.file, "documents": self.documents, "errors": self.errors}

    @property
    def exit_code(self) -> int:
        if self.report.unreadable:
            return 2
        return 0 if not self.errors else 1


def _context(msg: Message) -> dict[str, Any]:
    return {"set": msg.report.set_id,
            "interchange_control_number": msg.interchange.control_number,
            "group_control_number": msg.group.control_number,
            "transaction_control_number": msg.report.control_number}


def generic_map_path(msg: Message) -> Path:
    """The generic map of a set (what ``--partner generic`` uses), found from its envelope."""
    ix = msg.interchange
    if ix.standard == "x12":
        return map_for("x12", (msg.group.version or "")[:6], msg.report.set_id)
    ident = msg.report.message_identifier
    directory = "".join(ident[1:3]).upper() if len(ident) >= 3 else ""
    return map_for("edifact", directory, msg.report.set_id)


def inbound_map_path(msg: Message, profile: PartnerProfile | None) -> Path:
    """The map that translates ``msg`` for ``profile``: the one its profile names, else the
    generic map (also for no profile). GatewayError when the partner does not send that
    document."""
    where = generic_map_path(msg)
    if profile is None:
        return where
    return partner_map(profile, msg.report.set_id, where.parent.name, "inbound")


def partner_map(profile: PartnerProfile, doc: str, version: str,
                direction: Literal["inbound", "outbound"]) -> Path:
    """The map a partner's profile names for a document in a direction (its generic map when
    the route names none). GatewayError when the partner does not exchange that document."""
    route = profile.documents.get(doc)
    if route is None or not route.carries(direction):
        said = f"only {route.direction}" if route else "not listed"
        raise GatewayError(f"partner {profile.id} does not exchange {doc} {direction} "
                           f"(documents.{doc} in its profile: {said})",
                           code="partner.document_not_agreed")
    std = document_standard(doc)
    return map_path(route.map) if route.map else map_for(std, version, doc)


def translate_file(path: Path, *, partner: str | None = None,
                   partners_dir: Path = Path("partners"),
                   orders: dict[str, Any] | None = None,
                   on_document: Callable[[dict[str, Any]], None] | None = None,
                   record_text: bool = False) -> Translation:
    """``partner``: "generic" uses the generic maps alone; a partner id names whose sample
    this is; None resolves the partner from each interchange's envelope ids. ``orders``:
    purchase orders by number, for the partner maps' checks against the PO (orders the file
    itself carries are added as they are read). ``record_text``: the caller writes the
    documents with ``document_json`` and does not read their records, which may then come
    as ``RecordText`` (cheaper to make than the dict and its serialisation)."""
    maps: dict[Path, TranslationMap] = {}
    known = dict(orders or {})
    out = Translation(FileReport(str(path)))
    registry: PartnerRegistry | None = None
    if partner != "generic":
        registry = PartnerRegistry.load(partners_dir)
        if partner is not None:
            registry.get(partner)  # an unknown id is a ConfigError for the caller

    compiled_orders: dict[str, dict[str, Any]] = {}  # purchase orders, in their JSON form
    emit = on_document or out.documents.append  # a caller that streams keeps nothing here
    # the file's own purchase orders are kept only for maps that check against the PO
    # (a big file of orders through maps without such checks keeps none)
    keep_orders = registry is not None and _checks_orders(registry, partner, maps)

    routes: dict[tuple[Any, ...], TranslationMap | tuple[str, str]] = {}

    def order(number: str) -> Any:
        if number not in known and number in compiled_orders:
            known[number] = PurchaseOrder.model_validate(compiled_orders.pop(number))
        return known.get(number)

    def on_message(msg: Message) -> None:
        ctx = _context(msg)
        who = partner or "generic"
        if registry is not None and partner is None:
            try:
                who = registry.resolve(msg.interchange).id
            except Exception as exc:  # UnknownPartner / WrongReceiver: said once per set
                out.errors.append({**ctx, "code": getattr(exc, "code", "partner.unknown"),
                                   "message": str(exc)})
                return
        if msg.report.status != "accepted":
            return  # reported with the engine's codes below, after the whole file
        profile = registry.get(who) if registry is not None else None
        # the map of a partner's document in a version, looked up once (not a stat per set)
        key = (who, msg.interchange.standard, msg.group.version, msg.report.set_id,
               *msg.report.message_identifier)
        route = routes.get(key)
        if route is None:
            route = routes[key] = _route(msg, profile, maps)
        if isinstance(route, tuple):
            out.errors.append({**ctx, "code": route[0], "message": route[1]})
            return
        tmap = route
        before = len(msg.report.errors)
        actions = profile.checks if profile else None
        head = {"partner": who, **{k: v for k, v in ctx.items() if k != "set"}}
        if record_text and not keep_orders and not tmap.checks:
            text = translate_text(msg, tmap)
            if text is not None:
                emit({"type": tmap.map.record, **head, "record": RecordText(text),
                      **_warnings(msg, before)})
                return
        # the compiled map, when it has one and can vouch for the set
        data = translate_json(msg, tmap, checks=actions, orders=order)
        if data is not None:
            if keep_orders and data["record_type"] == "purchase_order":
                compiled_orders[data["number"]] = data
            emit({"type": data["record_type"], **head, "record": data,
                  **_warnings(msg, before)})
            return
        record = translate_message(msg, tmap, checks=actions, orders=order)
        if record is not None:
            if keep_orders and record.record_type == "purchase_order":
                known[record.number] = record
            emit({"type": record.record_type, **head, "record": compact_json(record),
                  **_warnings(msg, before)})

    out.report = validate_file(path, Options(acks=False, on_message=on_message),
                               name=str(path))
    for d in out.report.errors:
        out.errors.append(d.to_json())
    for ix in out.report.interchanges:
        for d in ix.errors:
            if not d.warning:
                out.errors.append({"interchange_control_number": ix.control_number,
                                   **d.to_json()})
        for g in ix.groups:
            for t in g.transactions:
                _rejected(out, ix.control_number, g.control_number, t)
    return out


def _route(msg: Message, profile: PartnerProfile | None, maps: dict[Path, TranslationMap]
           ) -> TranslationMap | tuple[str, str]:
    """The map that translates ``msg`` for ``profile`` (None: the generic maps), loaded into
    ``maps``; or the error (code, message) that says why there is none."""
    try:
        where = inbound_map_path(msg, profile)
    except GatewayError as exc:
        return exc.code, exc.message
    if not where.is_file():
        return "translate.no_map", f"no map for {msg.report.set_id} yet ({where.name})"
    return maps.get(where) or maps.setdefault(where, load_map(where))


ORDER_RULES = ("po_price", "po_quantity")  # the business checks that look up the PO


def _checks_orders(registry: PartnerRegistry, partner: str | None,
                   maps: dict[Path, TranslationMap] | None = None) -> bool:
    """Whether a map the run may use (the partner's, or any partner's when the envelope
    decides) has a check against the purchase order. ``maps``: the run's loaded maps, which
    the ones loaded here join."""
    maps = {} if maps is None else maps
    profiles = [registry.get(partner)] if partner is not None else list(registry)
    for profile in profiles:
        for route in profile.documents.values():
            if not route.map or not route.carries("inbound"):
                continue
            where = map_path(route.map)
            try:
                tmap = maps.get(where) or maps.setdefault(where, load_map(where))
            except GatewayError:
                return True  # cannot tell: keep them (the set reports the broken map)
            if any(c.rule in ORDER_RULES for c in tmap.checks):
                return True
    return False


def _warnings(msg: Message, before: int) -> dict[str, Any]:
    found = [d.to_json() for d in msg.report.errors[before:] if d.warning]
    return {"warnings": found} if found else {}


def _rejected(out: Translation, ic: str | None, gc: str | None, t: TransactionReport) -> None:
    for d in t.errors:
        if not d.warning:
            out.errors.append({"set": t.set_id, "interchange_control_number": ic,
                               "group_control_number": gc,
                               "transaction_control_number": t.control_number,
                               **Defect.to_json(d)})
