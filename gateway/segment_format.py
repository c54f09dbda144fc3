"""Formatting one outbound segment from its elements, shared by the X12 and EDIFACT writers.

An element is a ``str``, a ``tuple`` of components, or a sequence of repetitions (each a
``str`` or a ``tuple``); trailing empty elements, components and repetitions are dropped.
What a standard does with a value (X12 refuses a delimiter inside it, EDIFACT escapes it with
the release character) is the subclass's ``value``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar, TypeAlias

from gateway.errors import GatewayError

Element: TypeAlias = str | tuple[str, ...] | Sequence[str | tuple[str, ...]]


def where(tag: str, n: int, comp: int | None, rep: int | None) -> str:
    """``N102-02 (repetition 2)``: the place of a value, as errors name it."""
    place = f"{tag}{n:02d}" + (f"-{comp:02d}" if comp else "")
    return place + (f" (repetition {rep})" if rep else "")


class SegmentFormatter:
    tag_pattern: ClassVar[re.Pattern[str]]
    tag_rule: ClassVar[str]  # what a tag must look like, for the error
    no_repetition: ClassVar[str]  # why repetitions cannot be written, after "{tag}{n} has…"

    def __init__(self, element: str, component: str, repetition: str | None) -> None:
        self.element, self.component, self.repetition = element, component, repetition

    def segment(self, tag: str, elements: Sequence[Element]) -> str:
        if not self.tag_pattern.fullmatch(tag):
            raise GatewayError(f"segment tag {tag!r} is not {self.tag_rule}",
                               code="outbound.envelope")
        out = [tag]
        for n, e in enumerate(elements, start=1):
            if isinstance(e, str):
                out.append(self.value(e, tag, n, None, None))
            elif isinstance(e, tuple):
                out.append(self.composite(e, tag, n, None))
            else:
                if self.repetition is None:
                    raise GatewayError(f"{tag}{n:02d} has repetitions, {self.no_repetition}",
                                       code="outbound.envelope")
                reps = [self.value(r, tag, n, None, k) if isinstance(r, str)
                        else self.composite(r, tag, n, k) for k, r in enumerate(e, start=1)]
                while reps and not reps[-1]:
                    reps.pop()
                out.append(self.repetition.join(reps))
        while len(out) > 1 and not out[-1]:
            out.pop()
        return self.element.join(out)

    def composite(self, comps: tuple[str, ...], tag: str, n: int, rep: int | None) -> str:
        values = [self.value(c, tag, n, k, rep) for k, c in enumerate(comps, start=1)]
        while values and not values[-1]:
            values.pop()
        return self.component.join(values)

    def value(self, v: str, tag: str, n: int, comp: int | None, rep: int | None) -> str:
        raise NotImplementedError
