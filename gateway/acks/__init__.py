"""Acknowledgements are renderings of the validation report: TA1, 997, 999 and CONTRL.

Pure functions: the caller passes an ``AckContext`` with the control-number source and the
time, so nothing here reads the clock, a counter or a file. ``render_acks`` applies the ack
policy to one inbound interchange; the ``render_*`` functions in ``gateway.acks.x12`` and
``gateway.acks.contrl`` render one kind each.

Who calls: the pipeline at ``InterchangeEnd``, after the raw bytes are archived; it archives
and sends the returned texts. Errors: ``GatewayError`` (code ``ack.control_number``) when the
number source hands out a number an envelope cannot carry; nothing else is expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gateway.acks.contrl import contrl_needed, render_contrl
from gateway.acks.numbers import AckContext, ControlNumbers, Sequence
from gateway.acks.x12 import (
    FunctionalAck,
    ack_kind,
    functional_groups,
    render_997,
    render_999,
    render_ta1,
    ta1_needed,
    ta1_segment,
)
from gateway.report import Ack, GroupReport, InterchangeReport

__all__ = [
    "AckContext", "AckPolicy", "ControlNumbers", "Sequence", "contrl_needed", "render_997",
    "render_999", "render_acks", "render_contrl", "render_ta1", "ta1_needed", "ta1_segment",
]


@dataclass(frozen=True, slots=True)
class AckPolicy:
    """Which acks a partner gets.

    ``functional``: "auto" sends a 997 for groups with GS08 before 005010 and a 999 from
    005010 on (two ack interchanges when one inbound interchange mixes them); "997" / "999"
    force one kind for every group; "none" sends neither.
    ``ta1``: "auto" when ISA14 = 1 or the envelope has defects (``ta1_needed``); "always";
    "never". ``embed_ta1`` puts the TA1 before the first GS of the functional ack instead of
    sending it as an interchange of its own (when there is no functional ack it stays alone).
    ``contrl``: "auto" when UNB0031 = 1 or anything was rejected; "always"; "never".
    """

    functional: Literal["auto", "997", "999", "none"] = "auto"
    ta1: Literal["auto", "always", "never"] = "auto"
    embed_ta1: bool = False
    contrl: Literal["auto", "always", "never"] = "auto"


DEFAULT_POLICY = AckPolicy()


def render_acks(ix: InterchangeReport, ctx: AckContext,
                policy: AckPolicy = DEFAULT_POLICY) -> list[Ack]:
    """The acks answering one inbound interchange, TA1 first; [] when none is due.

    Control numbers are taken in the order of the returned list.
    """
    if ix.standard == "edifact":
        if policy.contrl == "never" or not (policy.contrl == "always" or contrl_needed(ix)):
            return []
        text = render_contrl(ix, ctx)
        return [Ack("CONTRL", text, ix.control_number)] if text else []

    plan = _functional_plan(ix, policy)
    want_ta1 = policy.ta1 == "always" or (policy.ta1 == "auto" and ta1_needed(ix))
    embed = want_ta1 and policy.embed_ta1 and bool(plan)
    acks: list[Ack] = []
    if want_ta1 and not embed:
        ta1 = render_ta1(ix, ctx, force=True)
        if ta1:
            acks.append(Ack("TA1", ta1, ix.control_number))
    for n, (kind, groups) in enumerate(plan):
        render = render_997 if kind == "997" else render_999
        text = render(ix, ctx, groups=groups, with_ta1=embed and n == 0)
        if text:
            acks.append(Ack(kind, text, ix.control_number))
    return acks


def _functional_plan(ix: InterchangeReport,
                     policy: AckPolicy) -> list[tuple[FunctionalAck, list[GroupReport]]]:
    groups = functional_groups(ix)
    if policy.functional == "none" or not groups:
        return []
    if policy.functional != "auto":
        return [(policy.functional, groups)]
    plan: list[tuple[FunctionalAck, list[GroupReport]]] = []
    for kind in ("997", "999"):
        chosen = [g for g in groups if ack_kind(g, ix) == kind]
        if chosen:
            plan.append((kind, chosen))
    return plan
