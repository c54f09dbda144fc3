"""Segment text → tag and elements (element → repetitions → components).

Message segments are handed out as ``LazyToken``s: a ``SegmentToken`` whose ``elements`` are
split from the segment text on first access (then it is a plain ``SegmentToken``), because
building the nested lists is most of the cost of reading and a validator may not need them all.

Segments without a release character are split with ``str.split``. Segments that hold one: each released character is swapped for a private-use
placeholder (left to right, so ``???+`` is a released ``?`` then a released ``+``), the text is
split as usual and the placeholders are put back in the values that hold one. Text that already
holds such placeholders takes a small regular-expression tokenizer instead.

A release character in front of an ordinary character is dropped and the character kept; one at
the very end of a segment is kept as it is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, ClassVar

from gateway.stream import Elements, SegmentToken

_PH_RELEASE, _PH_ELEMENT, _PH_COMPONENT, _PH_REPETITION = "\ue000", "\ue001", "\ue002", "\ue003"
_PH_FIRST = "\ue000"


def split_plain(text: str, element: str, component: str,
                repetition: str | None) -> tuple[str, Elements]:
    """Tokenize a segment without release characters (what the reader's fast path does)."""
    parts = text.split(element)
    tag = parts[0]
    if component in tag:
        tag = tag.split(component)[0]
    if repetition is not None and repetition in text:
        return tag, [[r.split(component) for r in e.split(repetition)] for e in parts[1:]]
    return tag, [[e.split(component)] for e in parts[1:]]


@lru_cache(maxsize=32)
def _drop_release(release: str) -> re.Pattern[str]:
    # a release character before any other character (or the terminator): keep the character
    return re.compile(re.escape(release) + "(.)", re.S)


def split_released(text: str, element: str, component: str, release: str,
                   repetition: str | None) -> tuple[str, Elements]:
    """Tokenize a segment whose text holds the release character."""
    if max(text, default="") >= _PH_FIRST:  # may hold a placeholder already
        return _split_regex(text, element, component, release, repetition)
    t = text.replace(release + release, _PH_RELEASE)
    t = t.replace(release + element, _PH_ELEMENT).replace(release + component, _PH_COMPONENT)
    if repetition is not None:
        t = t.replace(release + repetition, _PH_REPETITION)
    if release in t:  # before an ordinary character; a last one has nothing to release
        t = _drop_release(release).sub(r"\1", t)
    tag, elements = split_plain(t, element, component, repetition)
    restore = {ord(_PH_RELEASE): release, ord(_PH_ELEMENT): element,
               ord(_PH_COMPONENT): component, ord(_PH_REPETITION): repetition or ""}
    for reps in elements:
        for comps in reps:
            for i, c in enumerate(comps):
                if c and max(c) >= _PH_FIRST:
                    comps[i] = c.translate(restore)
    if max(tag, default="") >= _PH_FIRST:
        tag = tag.translate(restore)
    return tag, elements


@lru_cache(maxsize=32)
def _pattern(element: str, component: str, release: str, repetition: str | None) -> re.Pattern[str]:
    seps = "".join(re.escape(c) for c in element + component + (repetition or ""))
    rel = re.escape(release)
    return re.compile(f"{rel}(.)|([{seps}])|[^{rel}{seps}]+|(.)", re.S)


def _split_regex(text: str, element: str, component: str, release: str,
                 repetition: str | None) -> tuple[str, Elements]:
    rx = _pattern(element, component, release, repetition)
    elements: Elements = []
    reps: list[list[str]] = []
    comps: list[str] = []
    buf: list[str] = []
    for m in rx.finditer(text):
        idx = m.lastindex
        if idx == 1 or idx == 3:
            buf.append(m.group(idx))
        elif idx == 2:
            comps.append("".join(buf))
            buf = []
            sep = m.group(2)
            if sep == component:
                continue
            reps.append(comps)
            comps = []
            if sep == element:
                elements.append(reps)
                reps = []
        else:
            buf.append(m.group(0))
    comps.append("".join(buf))
    reps.append(comps)
    elements.append(reps)
    tag = elements[0][0][0]
    return tag, elements[1:]


_SLOT: Any = SegmentToken.__dict__["elements"]  # the slot behind SegmentToken.elements
_get_slot = _SLOT.__get__
_set_slot = _SLOT.__set__


def split_text(text: str, element: str, component: str, release: str | None,
               repetition: str | None) -> tuple[str, Elements]:
    if release is not None and release in text:
        return split_released(text, element, component, release, repetition)
    return split_plain(text, element, component, repetition)


class LazyToken(SegmentToken):
    """A ``SegmentToken`` that splits its elements from the segment text on first access.

    It adds no slot: until then the ``elements`` slot holds the text, and the service
    characters are class attributes (``lazy_class`` makes one subclass per set). Once split,
    the object becomes a plain ``SegmentToken``, so later reads cost nothing extra.
    """

    __slots__ = ()
    element: ClassVar[str] = "+"
    component: ClassVar[str] = ":"
    release: ClassVar[str | None] = "?"
    repetition: ClassVar[str | None] = None

    def __init__(self, tag: str, elements: str | Elements, offset: int, position: int) -> None:
        # ``elements`` is the segment text; a list (dataclasses.replace) is taken as it is
        self.tag = tag
        _set_slot(self, elements)
        self.offset = offset
        self.position = position
        if type(elements) is not str:
            object.__setattr__(self, "__class__", SegmentToken)

    @property
    def elements(self) -> Elements:
        value = _get_slot(self, SegmentToken)
        if type(value) is str:
            value = split_text(value, self.element, self.component, self.release,
                               self.repetition)[1]
            _set_slot(self, value)
            object.__setattr__(self, "__class__", SegmentToken)
        return value  # type: ignore[no-any-return]

    @elements.setter
    def elements(self, value: Elements) -> None:
        _set_slot(self, value)
        object.__setattr__(self, "__class__", SegmentToken)

    def __eq__(self, other: object) -> bool:
        self.elements  # noqa: B018 - materialise, then compare as SegmentTokens
        if isinstance(other, LazyToken):
            other.elements  # noqa: B018
        return self == other

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[SegmentToken], tuple[str, Elements, int, int]]:
        # pickle / copy as a plain SegmentToken: the subclass is made at run time
        return SegmentToken, (self.tag, self.elements, self.offset, self.position)

    def __repr__(self) -> str:
        self.elements  # noqa: B018
        return repr(self)


def segment_text(tok: SegmentToken) -> str | None:
    """The text of a message segment whose elements were not split yet, else None.

    The text is decoded, without terminator or layout, release characters still in. It lets a
    validator match a whole segment with one pattern before anything is split.
    """
    if isinstance(tok, LazyToken):
        value = _get_slot(tok, SegmentToken)
        if type(value) is str:
            return value
    return None


@lru_cache(maxsize=64)
def lazy_class(element: str, component: str, release: str | None,
               repetition: str | None) -> type[LazyToken]:
    """The ``LazyToken`` subclass for one set of service characters."""
    attrs = {"__slots__": (), "element": element, "component": component, "release": release,
             "repetition": repetition, "__module__": __name__, "__qualname__": "LazyToken"}
    return type("LazyToken", (LazyToken,), attrs)
