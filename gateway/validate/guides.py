"""Which implementation guide applies to a message: X12 by GS08 and ST01 (``maps/x12``),
EDIFACT by the UNH message identifier (``maps/edifact``). Cached per process: the lookups run
once per transaction set on the hot path."""

from __future__ import annotations

from gateway.grammar.edifact_specs import EdifactGuides
from gateway.grammar.model import MessageGrammar
from gateway.grammar.x12_maps import X12Guides, read_map_index
from gateway.report import Defect, GroupReport
from gateway.stream import Message

_X12: dict[tuple[str, str], MessageGrammar | None] = {}
_EDIFACT: dict[tuple[str, ...], MessageGrammar | None] = {}
_VERSIONS: dict[str, bool] = {}


def x12_guide(gs08: str, st01: str) -> MessageGrammar | None:
    key = (gs08, st01)
    if key not in _X12:
        _X12[key] = X12Guides.get(gs08, st01)
    return _X12[key]


def edifact_guide(identifier: tuple[str, ...]) -> MessageGrammar | None:
    if identifier not in _EDIFACT:
        _EDIFACT[identifier] = EdifactGuides.get(identifier) if identifier else None
    return _EDIFACT[identifier]


def lookup(msg: Message) -> MessageGrammar | None:
    if msg.interchange.standard == "x12":
        return x12_guide(msg.group.version or "", msg.report.set_id)
    return edifact_guide(tuple(msg.report.message_identifier))


def x12_version_supported(gs08: str) -> bool:
    if gs08 not in _VERSIONS:
        _VERSIONS[gs08] = any(
            row.vriic in (gs08, gs08[:6])
            for folder in X12Guides.folders() for row in read_map_index(folder))
    return _VERSIONS[gs08]


def check_group(g: GroupReport, standard: str) -> None:
    """A group whose version no guide supports is rejected as a whole (AK9 code 2)."""
    if standard != "x12" or g.version is None:
        return
    if not x12_version_supported(g.version):
        g.errors.append(Defect("gs.version", f"group {g.control_number}: version {g.version!r}"
                               " (GS08) has no implementation guide here", offset=g.offset,
                               segment="GS", element="GS08", element_seq=8, value=g.version))
