"""The partner profile: one trading partner, as validated data (``partners/<id>.toml``).

A profile says who the partner is on the wire (``identities``: ISA qualifier and id with the
GS02 codes for X12, UNB S002 id and qualifier for EDIFACT), who *we* are towards it (``us``:
the sender of the envelopes we write), how what we send is written (``syntax``), which acks it
gets (``acks``, mapped onto ``gateway.acks.AckPolicy``), which documents travel in which
direction and through which map (``documents``), its transport endpoints by name
(``transports``), where its documents go in the ERP (``erp``), the ranges our control
numbers towards it take (``control_numbers``) and how long its archived files are kept
(``archive``).

Every model is frozen and forbids unknown fields. Cross-field rules raise a ``partner_rule``
error whose context carries the path (``loc``) of the offending field relative to the model, so
``gateway.partners.loader`` can point at the right line of the TOML file.

Map names are only checked for their syntax here; ``edi-gateway partners check`` loads the maps
they name (``gateway.translate.catalog``) and checks the names in ``checks``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    Field,
    model_validator,
)

from gateway.acks import AckPolicy
from gateway.edifact.charset import CHARSETS
from gateway.partners.endpoints import Erp, Transport
from gateway.partners.fields import (
    _ISA_ID_FORMATS,
    ACK_DOCUMENTS,
    MAX_CONTROL_NUMBER,
    STANDARDS,
    Char,
    Duration,
    EdifactId,
    EdifactQualifier,
    EdifactRouting,
    GsCode,
    IsaId,
    IsaQualifier,
    MapName,
    Name,
    NonEmpty,
    PartnerId,
    Standard,
    _Model,
    _pattern,
    gln_problem,
    rule,
)

# -- identities -----------------------------------------------------------------------------

class X12Identity(_Model):
    """The partner as an X12 sender: ISA05/ISA06, and the GS02 codes its groups carry."""

    isa_qualifier: IsaQualifier
    isa_id: IsaId
    gs_codes: tuple[GsCode, ...] = ()  # empty: the same as the ISA id

    @model_validator(mode="after")
    def _id_format(self) -> Self:
        fmt = _ISA_ID_FORMATS.get(self.isa_qualifier)
        if fmt and not (len(self.isa_id) == fmt[0] and self.isa_id.isdigit()):
            raise rule(("isa_id",), f"qualifier {self.isa_qualifier} needs {fmt[1]} "
                                    f"({fmt[0]} digits), not {self.isa_id!r}")
        return self

    @property
    def group_codes(self) -> tuple[str, ...]:
        return self.gs_codes or (self.isa_id,)

    def __str__(self) -> str:
        return f"{self.isa_qualifier}/{self.isa_id}"


class OwnX12Identity(_Model):
    """Us towards this partner in X12: the ISA07/ISA08 it sends to, the ISA05/ISA06 we send."""

    isa_qualifier: IsaQualifier
    isa_id: IsaId
    gs_code: GsCode | None = None  # GS02 of what we send; default: the ISA id

    @property
    def group_code(self) -> str:
        return self.gs_code or self.isa_id

    def __str__(self) -> str:
        return f"{self.isa_qualifier}/{self.isa_id}"


class EdifactIdentity(_Model):
    """A party in the UNB: S002/S003 id (0004/0010), qualifier (0007) and routing (0008/0014).

    Qualifier 14 means a GLN, whose GS1 check digit is verified."""

    id: EdifactId
    qualifier: EdifactQualifier | None = None
    routing: EdifactRouting | None = None

    @model_validator(mode="after")
    def _gln(self) -> Self:
        if self.qualifier == "14" and (problem := gln_problem(self.id)):
            raise rule(("id",), problem)
        return self

    def __str__(self) -> str:
        return f"{self.id}:{self.qualifier}" if self.qualifier else self.id


class Identities(_Model):
    x12: tuple[X12Identity, ...] = ()
    edifact: tuple[EdifactIdentity, ...] = ()


class OwnIdentities(_Model):
    x12: OwnX12Identity | None = None
    edifact: EdifactIdentity | None = None


# -- outbound syntax ------------------------------------------------------------------------

def _distinct(values: dict[str, str | None]) -> None:
    seen: dict[str, str] = {}
    for name, ch in values.items():
        if ch is None:
            continue
        if ch in seen:
            raise rule((name,), f"{ch!r} is already the {seen[ch]} separator")
        seen[ch] = name


class X12Delimiters(_Model):
    element: Char = "*"
    component: Char = ">"
    repetition: Char | None = None  # ISA11 from 00402 on; 005010 default "^"
    segment: Char = "~"

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        _distinct({"element": self.element, "component": self.component,
                   "repetition": self.repetition, "segment": self.segment})
        return self


class X12Syntax(_Model):
    """How we write X12 to this partner."""

    version: Literal["004010", "005010"] = "004010"
    isa12: Annotated[str, _pattern(r"00[2-8]\d\d", "an ISA12 version like 00401")] = "00401"
    gs_version: NonEmpty | None = None  # GS08 when it differs from version: "004010VICS"
    delimiters: X12Delimiters = X12Delimiters()
    newline: bool = False  # a line break after each segment terminator

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        # isa12 and the repetition separator follow the version unless given
        if isinstance(data, dict) and data.get("version") == "005010":
            data = dict(data)
            data.setdefault("isa12", "00501")
            delims = data.get("delimiters", {})
            if (isinstance(delims, dict) and "repetition" not in delims
                    and isinstance(data["isa12"], str) and data["isa12"] >= "00402"):
                data["delimiters"] = {**delims, "repetition": "^"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.isa12 < "00402" and self.delimiters.repetition is not None:
            raise rule(("delimiters", "repetition"),
                       f"ISA12 {self.isa12} has no repetition separator (ISA11 is 'U')")
        if self.isa12 >= "00402" and self.delimiters.repetition is None:
            raise rule(("delimiters", "repetition"),
                       f"ISA12 {self.isa12} needs a repetition separator (ISA11)")
        if self.gs_version and not self.gs_version.startswith(self.version):
            raise rule(("gs_version",), f"GS08 {self.gs_version!r} does not start with the "
                                        f"version {self.version}")
        return self

    @property
    def group_version(self) -> str:
        return self.gs_version or self.version


class EdifactSeparators(_Model):
    component: Char = ":"
    element: Char = "+"
    decimal: Literal[".", ","] = "."
    release: Char = "?"
    repetition: Char | None = None  # syntax version 4 only; default "*"
    segment: Char = "'"

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        _distinct({"component": self.component, "element": self.element,
                   "release": self.release, "repetition": self.repetition,
                   "segment": self.segment})
        return self


_DEFAULT_SEPARATORS = EdifactSeparators()


class EdifactSyntax(_Model):
    """How we write EDIFACT to this partner."""

    syntax_id: str = "UNOC"  # UNB S001 0001
    syntax_version: Annotated[int, Field(ge=1, le=4)] = 3  # UNB S001 0002
    directory: Annotated[str, _pattern(r"D\d\d[A-C]", "a directory like D96A or D01B")] = "D96A"
    una: bool = True  # write a UNA service string advice
    separators: EdifactSeparators = EdifactSeparators()
    newline: bool = False

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("syntax_version") == 4:
            seps = data.get("separators", {})
            if isinstance(seps, dict) and "repetition" not in seps:
                data = {**data, "separators": {**seps, "repetition": "*"}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.syntax_id not in CHARSETS:
            raise rule(("syntax_id",), f"{self.syntax_id!r} is not a syntax identifier "
                                       f"({', '.join(sorted(CHARSETS))})")
        if self.syntax_version < 4 and self.separators.repetition is not None:
            raise rule(("separators", "repetition"),
                       f"syntax version {self.syntax_version} has no repetition separator")
        plain = self.separators.model_copy(update={"repetition": None})
        if not self.una and plain != _DEFAULT_SEPARATORS:
            raise rule(("una",), "separators other than the defaults need una = true")
        return self


class Syntax(_Model):
    x12: X12Syntax = X12Syntax()
    edifact: EdifactSyntax = EdifactSyntax()


# -- acknowledgements -----------------------------------------------------------------------

class Acks(_Model):
    """Which acks the partner gets (``policy``) and what we expect back."""

    functional: Literal["auto", "997", "999", "none"] = "auto"
    ta1: Literal["auto", "always", "never"] = "auto"
    embed_ta1: bool = False
    contrl: Literal["auto", "always", "never"] = "auto"
    expect_ack_within: Duration | None = None  # overdue-ack alert for what we send
    tolerant_charset: bool = False  # accept UTF-8 under UNOA/UNOB/UNOC from this partner
    # a set the partner's map or a rejecting business check refuses is also rejected in the
    # functional ack (AK5/IK5 R, UCM 4, code "business rule"), so the partner resends it;
    # by default the ack says what the guide says and such a set is parked for our review
    reject_refused: bool = False

    @property
    def policy(self) -> AckPolicy:
        return AckPolicy(functional=self.functional, ta1=self.ta1, embed_ta1=self.embed_ta1,
                         contrl=self.contrl)


# -- documents ------------------------------------------------------------------------------

def _document_type(v: str) -> str:
    if v in ACK_DOCUMENTS:
        raise ValueError(f"{v} is an acknowledgement: configure it under [acks]")
    if not (re.fullmatch(r"\d{3}", v) or re.fullmatch(r"[A-Z]{6}", v)):
        raise ValueError(f"{v!r} is not a document type (X12 '850', EDIFACT 'ORDERS')")
    return v


DocumentType = Annotated[str, AfterValidator(_document_type)]


def document_standard(doc: str) -> Standard:
    return "x12" if doc.isdigit() else "edifact"


class DocumentRoute(_Model):
    direction: Literal["inbound", "outbound", "both"]
    map: MapName | None = None  # None: the generic map for the standard, version and document
    erp: Erp | None = None  # where this document goes; None: the partner's [erp]

    def carries(self, direction: Literal["inbound", "outbound"]) -> bool:
        return self.direction in (direction, "both")


# -- control numbers ------------------------------------------------------------------------

class NumberRange(_Model):
    start: Annotated[int, Field(ge=1, le=MAX_CONTROL_NUMBER)] = 1
    end: Annotated[int, Field(ge=1, le=MAX_CONTROL_NUMBER)] = MAX_CONTROL_NUMBER

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.start >= self.end:
            raise rule(("end",), f"end {self.end} must be greater than start {self.start}")
        return self


class ControlNumbers(_Model):
    """The ranges of the control numbers we write towards this partner (wrapping at ``end``)."""

    interchange: NumberRange = NumberRange()
    group: NumberRange = NumberRange()
    transaction: NumberRange = NumberRange()


# -- archive ----------------------------------------------------------------------------------

class Archive(_Model):
    """How long the archived bytes of this partner's files are kept. ``retention_days``: the
    bytes may be purged that many days after a file was received or sent, once nothing about
    it is still open (``edi-gateway archive purge``); None (the default) keeps them forever."""

    retention_days: Annotated[int, Field(ge=1)] | None = None


# -- the profile ----------------------------------------------------------------------------

class PartnerProfile(_Model):
    """One trading partner. Built by ``gateway.partners.loader`` from ``partners/<id>.toml``."""

    id: PartnerId
    name: NonEmpty
    environment: Literal["test", "production"]
    identities: Identities
    us: OwnIdentities = OwnIdentities()
    syntax: Syntax = Syntax()
    acks: Acks = Acks()
    documents: dict[DocumentType, DocumentRoute] = {}
    transports: dict[Name, Transport] = {}
    erp: Erp | None = None
    control_numbers: ControlNumbers = ControlNumbers()
    archive: Archive = Archive()
    # business checks of the partner's maps: check name -> warn, reject or off
    checks: dict[Name, Literal["warn", "reject", "off"]] = {}

    @property
    def standards(self) -> list[Standard]:
        """The standards the partner trades in, from its identities: ["x12", "edifact"]."""
        return [s for s in STANDARDS if getattr(self.identities, s)]

    @property
    def test(self) -> bool:
        return self.environment == "test"

    def documents_for(self, direction: Literal["inbound", "outbound"]) -> list[str]:
        return [doc for doc, route in self.documents.items() if route.carries(direction)]

    @model_validator(mode="after")
    def _rules(self) -> Self:
        standards = self.standards
        if not standards:
            raise rule(("identities",), "a partner needs at least one identity: "
                                        "[[identities.x12]] or [[identities.edifact]]")
        for std in standards:
            if getattr(self.us, std) is None:
                raise rule(("us", std), f"our own {_LABEL[std]} identity is missing "
                                        f"(the sender of what we send); add [us.{std}]")
        seen: set[str] = set()
        for std in standards:
            for n, ident in enumerate(getattr(self.identities, std)):
                key = f"{std} {ident}"
                if key in seen:
                    raise rule(("identities", std, n), f"{_LABEL[std]} identity {ident} is "
                                                       "listed twice")
                seen.add(key)
        for doc, route in self.documents.items():
            std = document_standard(doc)
            if std not in standards:
                raise rule(("documents", doc), f"{doc} is an {_LABEL[std]} document but the "
                                               f"partner has no {_LABEL[std]} identity")
            parts = route.map.split("/") if route.map else []
            if parts and parts[0] in STANDARDS and (
                    len(parts) != 3 or parts[0] != std or parts[2] != doc):
                raise rule(("documents", doc, "map"), f"a generic map for {doc} is named "
                                                      f"'{std}/<version>/{doc}'")
        return self


_LABEL = {"x12": "X12", "edifact": "EDIFACT"}
