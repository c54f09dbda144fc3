"""X12 maps compiled into Python per map and guide: a set's canonical JSON in one pass.

The reference path (``translate_message``) tokenizes every element, places the segments in a
loop tree, walks the map's bindings over it, then validates the record with pydantic and dumps
it: about 1.8 ms for a 3 KB set, six times the budget of 10 MB/s. Here a map is turned, once
per guide, into generated functions (one per segment tag per loop) that read the element
values straight from ``str.split`` and write JSON-form values (decimals and dates as text);
the segments are placed by the same rules as ``gateway.translate.tree`` through a table of
memoised transitions (``gateway.translate.streaming``); ``jsonform`` checks the result against
the model and orders it as ``model_dump`` does, leaving out None values and empty lists as
``canonical.compact_json`` does, and ``jsontext`` does the same writing the JSON text itself
(``translate_text``, for writers that keep nothing).

The result is the same as the reference path's or None, never different: whatever the
compiled code cannot vouch for (a code missing from a code set, a decimal not in plain form, a
value the model might refuse, a required field absent) makes ``run`` return None and the caller
translates that set the reference way, which also gives the defects. A map is compiled only
when streaming its bindings in document order writes the record exactly as walking them in
map order does (``streaming.order_safe``), and only for what this module knows: X12 maps without HL
hierarchies (the 856) or SSCC values; EDIFACT maps are not compiled. Cross-references and
defaults run on the JSON form as the reference path runs them on its dict (a value missing
from a table leaves the set to the reference path, which reports it); business checks need
the record, so a map with checks pays for one pydantic validation per set.
tests/translate/test_compiled.py holds both paths to the same output, byte for byte.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from itertools import repeat
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json

from gateway.grammar.model import (
    ElementDef,
    LoopNode,
    MessageGrammar,
    Node,
    SegmentDef,
    SegmentNode,
)
from gateway.stream import Message
from gateway.translate.jsonform import Fallback, Finalizer, condition, field_schema, finalizer
from gateway.translate.jsontext import emitter, needs_escape
from gateway.translate.mapfile import (
    Binding,
    ElementBinding,
    TranslationMap,
    _item,
    _unwrap,
    parse_path,
    resolve,
)
from gateway.translate.paths import append as _append
from gateway.translate.paths import get_path
from gateway.translate.paths import set_path as _set
from gateway.translate.rules import CheckAction, OrderLookup, run_checks, xref_in
from gateway.translate.rules import defaults as apply_defaults
from gateway.translate.streaming import Frame, Placer, Unsupported, find_node, order_safe
from gateway.validate.guides import lookup

Handler = Callable[[list[str], dict[str, Any]], None]  # (the segment's values, the scope)


_DATES: dict[str, str] = {}  # CCYYMMDD -> ISO: a file's dates repeat
_LOCK = threading.RLock()  # compiling a map and learning a new step (rare; runs stay lock-free)


def _date(v: str) -> str:
    iso = _DATES.get(v)
    if iso is not None:
        return iso
    if len(v) != 8 or not v.isdigit():
        raise Fallback
    try:
        iso = date(int(v[:4]), int(v[4:6]), int(v[6:])).isoformat()
    except ValueError:
        raise Fallback from None
    if len(_DATES) > 8192:
        _DATES.clear()
    _DATES[v] = iso
    return iso


def _int(v: str) -> int:
    if not (v.isdigit() and v.isascii() or v[:1] == "-" and v[1:].isdigit() and v.isascii()):
        raise Fallback
    return int(v)


def _n2(v: str) -> str:
    """An implied-two-decimals number as ``format(Decimal(v).scaleb(-2), "f")`` writes it."""
    _int(v)
    sign, digits = ("-", v[1:]) if v[0] == "-" else ("", v)
    digits = digits.lstrip("0").rjust(3, "0")
    return f"{sign}{digits[:-2]}.{digits[-2:]}"


class _Ctx:
    """The compiled bindings of one loop (or the message body)."""

    __slots__ = ("handlers", "loops")

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.loops: dict[str, tuple[_Ctx, str | None]] = {}  # loop id -> (ctx, each)


# the next state's row, scopes closed (-1: the segment is placed nowhere), the list a new
# scope is appended to (None: no new scope), the segment's handler
_Action = tuple["_Row", int, Any, Handler | None]


class _Row(dict[str, _Action]):
    """A state's actions by segment tag, each worked out on first sight."""

    __slots__ = ("cm", "state")

    def __init__(self, cm: CompiledMap, state: int) -> None:
        super().__init__()
        self.cm, self.state = cm, state

    def __missing__(self, tag: str) -> _Action:
        with _LOCK:  # worker threads may share a compiled map: one learns a step at a time
            return self[tag] if tag in self else self.cm.step(self.state, tag)


class CompiledMap:
    def __init__(self, tmap: TranslationMap, grammar: MessageGrammar) -> None:
        if tmap.map.standard != "x12":
            raise Unsupported("only X12 maps")
        self.tmap = tmap
        self.xrefs = tmap.xrefs()
        model = _record_model(tmap)
        self.placer = Placer(grammar)
        self.rows: list[_Row] = [_Row(self, 0)]
        self.names: dict[str, Any] = {"Fallback": Fallback, "_date": _date, "_int": _int,
                                      "_n2": _n2, "_append": _append,
                                      "_set": _set}
        self.source: list[str] = []
        self.reach = 0
        self.segdef: SegmentDef | None = None  # the segment the handler being made reads
        self.written: dict[type, set[str]] = {}
        self.checked: dict[type, set[str]] = {}
        self.unchecked: dict[type, set[str]] = {}
        self.root = self._ctx(tmap.header, grammar.body, model)
        # cross-references and defaults write after the bindings: the finalizer checks those
        later = [(x.each, x.to) for x in tmap.xref.values()] + [
            (p.rpartition(".")[0], p.rpartition(".")[2]) for p in tmap.defaults]
        for each, path in later:
            owner, name = self.note(_items_model(model, each), path)
            self.unchecked.setdefault(owner, set()).add(name)
        trusted = {m: f - self.unchecked.get(m, set()) for m, f in self.checked.items()}
        fin = finalizer(model, self.written, trusted)
        if fin is None:
            raise Unsupported(f"no JSON form for {model.__name__}")
        self.finalize: Finalizer = fin
        # the JSON text straight away, when no string the map itself may write needs escaping
        self.emit = emitter(model, self.written, trusted) if not any(
            needs_escape(t) for t in _strings((tmap.codes, self.xrefs, tmap.defaults))
        ) else None
        ns = dict(self.names)
        exec(compile("\n".join(self.source), f"<map {tmap.source}>", "exec"), ns)
        self._bind(self.root, ns)

    # -- run ---------------------------------------------------------------------------------

    def run(self, msg: Message) -> dict[str, Any] | None:
        """The record of ``msg`` in its JSON form, or None: take the reference path."""
        got = self.collect(msg)
        if got is None:
            return None
        try:
            return self.finalize(got[0])
        except (Fallback, KeyError):
            return None

    def run_text(self, msg: Message) -> bytes | None:
        """``to_json(self.run(msg))``, written as text when the set allows (None: take the
        reference path)."""
        got = self.collect(msg)
        if got is None:
            return None
        data, text = got
        # validation has refused control characters: quotes and backslashes are what is left
        if self.emit is not None and '"' not in text and "\\" not in text:
            try:
                return self.emit(data).encode()
            except (Fallback, KeyError):
                pass  # e.g. more key orders than the text shapes take: the dict decides
        try:
            return to_json(self.finalize(data))
        except (Fallback, KeyError):
            return None

    def collect(self, msg: Message) -> tuple[dict[str, Any], str] | None:
        """The dict the bindings, cross-references and defaults build from ``msg`` (before
        the finalizer), with the set's text; None: take the reference path."""
        d = msg.delimiters
        es, cs, rs = d.element, d.component, d.repetition
        if msg.blob is not None:
            sep = msg.blob_sep.decode(msg.encoding)
            text = msg.blob.decode(msg.encoding, "replace")
            texts = text.split(sep)
        else:
            sep = es
            texts = [s.decode(msg.encoding, "replace") for s in msg.segments()]
            text = sep.join(texts)
        if cs in text or rs and rs in text:  # a value is its first repetition's first part
            segments: Iterable[list[str]] = (
                [x.split(rs)[0].split(cs)[0] if rs else x.split(cs)[0] for x in s.split(es)]
                for s in texts)
        else:  # split as the loop goes: no list of every segment's values (a tenth faster)
            segments = map(str.split, texts, repeat(es))
        data: dict[str, Any] = {}
        scope = data
        scopes = [data]
        row = self.rows[0]
        try:
            for p in segments:
                row, closed, opened, h = row[p[0]]
                if closed:
                    if closed < 0:
                        continue  # placed nowhere (validation has said so)
                    del scopes[-closed:]
                    scope = scopes[-1]
                if opened is not None:
                    item: dict[str, Any] = {}
                    scope.setdefault(opened, []).append(item)
                    scopes.append(item)
                    scope = item
                if h is not None:
                    h(p, scope)
            if self.xrefs and xref_in(self.xrefs, data, get_path, _set):
                return None  # a value missing from a table: the reference path says so
            if self.tmap.defaults:
                apply_defaults(self.tmap.defaults, data)
            return data, text
        except (Fallback, KeyError):  # KeyError: a code missing from a code set
            return None

    def step(self, state: int, tag: str) -> _Action:
        """What a segment does in a state: the placement, the scope it opens and its
        handler (worked out once per state and tag)."""
        new, closed, opened = self.placer.step(state, tag)
        while len(self.rows) < len(self.placer.states):
            self.rows.append(_Row(self, len(self.rows)))
        row = self.rows[new]
        action: _Action = (row, -1, None, None)
        if closed >= 0:
            # only loops whose binding has an ``each`` have a scope of their own: the frames
            # closed count in scopes, and a loop opened pushes one only when it has its own
            old = self.placer.states[state]
            frames = self.placer.states[new]
            ctx = self.ctx_of(frames)
            h = ctx.handlers.get(tag) if ctx is not None else None
            scoped = sum(self.each_of(old[:i + 1]) is not None
                         for i in range(len(old) - closed, len(old)))
            each = self.each_of(frames) if opened is not None else None
            action = (row, scoped, each, h)
        self.rows[state][tag] = action
        return action

    def each_of(self, frames: tuple[Frame, ...]) -> str | None:
        """The list the innermost frame's loop instances are appended to (None: it writes
        in the enclosing scope, or it is not mapped)."""
        if len(frames) < 2:
            return None
        parent = self.ctx_of(frames[:-1])
        loop = frames[-1][0]
        assert loop is not None
        lb = parent.loops.get(loop.loop_id) if parent is not None else None
        return lb[1] if lb is not None else None

    def ctx_of(self, frames: tuple[Frame, ...]) -> _Ctx | None:
        ctx: _Ctx | None = self.root
        for loop, _children, _index in frames[1:]:
            assert loop is not None
            got = ctx.loops.get(loop.loop_id) if ctx is not None else None
            ctx = got[0] if got is not None else None
        return ctx

    # -- compile -----------------------------------------------------------------------------

    def const(self, value: Any) -> str:
        name = f"K{len(self.names)}"
        self.names[name] = value
        return name

    def _ctx(self, bindings: list[Binding], children: tuple[Node, ...], model: Any) -> _Ctx:
        ctx = _Ctx()
        order_safe(bindings, children, model)
        by_tag: dict[str, list[Binding]] = {}
        for b in bindings:
            if b.hl is not None or b.nest is not None:
                raise Unsupported("HL hierarchies and nests")
            if b.loop is not None:
                node = find_node(children, b.loop, loop=True)
                if node is None:
                    continue  # not in this guide: never placed
                if b.loop in ctx.loops:
                    raise Unsupported(f"loop {b.loop} bound twice")
                assert isinstance(node, LoopNode)
                inner = model if b.each is None else resolve(model, b.each, listed=True)
                if b.each is not None and ("." in b.each or "[" in b.each):
                    raise Unsupported(f"loop {b.loop}: each {b.each!r} is a path")
                if b.each is not None:
                    self.note(model, b.each)
                ctx.loops[b.loop] = (self._ctx(b.segments, node.children, inner), b.each)
            elif b.segment is not None:
                by_tag.setdefault(b.segment, []).append(b)
        for tag, bs in by_tag.items():
            name = f"h{len(self.source)}_{tag}"
            node = find_node(children, tag, loop=False)
            self.segdef = node.segment if isinstance(node, SegmentNode) else None
            self.source += self._handler(name, bs, model)
            ctx.handlers[tag] = name  # type: ignore[assignment]  # bound after exec
        return ctx

    def _bind(self, ctx: _Ctx, ns: dict[str, Any]) -> None:
        ctx.handlers = {tag: ns[name] for tag, name in ctx.handlers.items()}  # type: ignore
        for child, _each in ctx.loops.values():
            self._bind(child, ns)

    def _handler(self, name: str, bindings: list[Binding], model: Any) -> list[str]:
        self.reach = 0  # the last fixed position read: shorter segments are padded to it
        out: list[str] = []
        for b in bindings:
            body: list[str] = []
            target_model = model if b.each is None or b.groups is not None else resolve(
                model, b.each, listed=True)
            if b.groups is not None:
                body += self._fill(b.elements, "s", model, "0")
                body += self._groups(b, model)
            else:
                t = "t" if b.each else "s"
                if b.each:
                    body.append("t = {}")
                body += self._fill(b.elements, t, target_model, "0")
                if b.pairs is not None:
                    pr = b.pairs
                    for f in list(pr.fields.values()) + ([pr.other] if pr.other else []):
                        _leaf(target_model, f, None, listed=f == pr.other)
                    codes = self.tmap.codes.get(pr.other_codes or "", {})
                    body += self._pairs(pr, t, target_model, codes)
                if b.each:
                    self.note(model, b.each)
                    conds = [f"t.get({f!r}) in {self.const(frozenset(v))}"
                             for f, v in b.skip.items()]
                    for f in b.skip:
                        if _leaf(target_model, f, None) in ("date", "decimal", "int"):
                            raise Unsupported(f"skip on {f}: compared as Python values")
                    add = _add("s", b.each, "t")
                    body += ([f"if not ({' or '.join(conds)}):"] + ["    " + x for x in add]
                             if conds else add)
            body = body or ["pass"]
            if b.where:
                conds = [f"p[{int(k)}] == {v!r}" for k, v in b.where.items()]
                self.reach = max([self.reach, *map(int, b.where)])
                out.append(f"    if {' and '.join(conds)}:")
                out += ["        " + x for x in body]
            else:
                out += ["    " + x for x in body]
        head = [f"def {name}(p, s):", "    n = len(p)"]
        if self.reach:  # trailing empty elements are left out of a segment
            head.append(f"    if n <= {self.reach}: p = p + [''] * ({self.reach + 1} - n)")
        return head + out

    def _fill(self, elements: dict[str, ElementBinding], t: str, model: Any,
              base: str) -> list[str]:
        out: list[str] = []
        for pos, eb in elements.items():
            if eb.direction == "out" or eb.constant is not None:
                continue
            kind = _leaf(model, eb.field, eb.format)
            if base != "0":
                i = f"{base} + {int(pos)}"
                out.append(f"v = p[{i}] if n > {i} else ''")
            else:
                self.reach = max(self.reach, int(pos))
                out.append(f"v = p[{int(pos)}]")
            out.append("if v:")
            table = self.tmap.codes[eb.codes] if eb.codes is not None else None
            if table is not None:
                out.append(f"    v = {self.const(table)}[v]")  # KeyError: a fallback too
            elif eb.format == "date":
                out.append("    v = _date(v)")
            elif eb.format == "int":
                out.append("    v = _int(v)")
            elif eb.format == "n2":
                out.append("    v = _n2(v)")
            elif eb.format is not None and not (eb.format == "decimal" and kind == "decimal"):
                raise Unsupported(f"format {eb.format}")
            longest = self.longest([int(pos)]) if base == "0" and eb.format is None else None
            out += ["    " + x for x in self.check(model, eb.field, codes=table,
                                                   longest=longest)]
            out += ["    " + x for x in _setter(t, eb.field)]
        return out

    def _groups(self, b: Binding, model: Any) -> list[str]:
        g = b.groups
        assert g is not None and b.each is not None
        item = resolve(model, b.each, listed=True)
        empty = " and ".join(f"(p[base + {k}] if n > base + {k} else '') == ''"
                             for k in range(1, g.size + 1))
        out = [f"for g in range({g.count}):", f"    base = {g.first} + g * {g.size} - 1",
               f"    if {empty}: continue", "    i = {}"]
        out += ["    " + x for x in self._fill(g.shared, "i", item, "0")]
        out += ["    " + x for x in self._fill(g.elements, "i", item, "base")]
        out += ["    " + x for x in _add("s", b.each, "i")]
        self.note(model, b.each)
        return out

    def _pairs(self, pr: Any, t: str, model: Any, codes: dict[str, str]) -> list[str]:
        """Qualifier/value pairs, as ``inbound._pairs`` reads them: every pair up to the last
        element there is; an unmapped qualifier is the reference path's defect. The pairs are
        unrolled, each inside the test that the segment reaches it (a third less time than a
        loop over the positions on a line's PO1)."""
        dispatch = ["if not v:",  # an empty value the model refuses, or nothing
                    "    if q: raise Fallback"]
        by_field: dict[str, list[str]] = {}
        for q, f in pr.fields.items():
            by_field.setdefault(f, []).append(q)
        longest = self.longest(range(pr.first + 1, pr.first + 2 * pr.count, 2))
        for f, qs in by_field.items():
            dispatch.append(f"elif q in {self.const(frozenset(qs))}:")
            dispatch += ["    " + x for x in self.check(model, f, longest=longest)]
            dispatch += ["    " + x for x in _setter(t, f)]
        if pr.other is not None:
            item = resolve(model, pr.other, listed=True)
            self.note(model, pr.other)
            k = self.const(codes)
            dispatch.append(f"elif q in {k}:")
            dispatch += ["    " + x for x in self.check(item, "value", longest=longest)]
            dispatch += ["    " + x for x in self.check(item, "qualifier", codes=codes)]
            dispatch.append(f"    _append({t}, {pr.other!r}, {{'qualifier': {k}[q], 'value': v}})")
        dispatch.append("else: raise Fallback")
        out: list[str] = []
        for n in range(pr.count):
            qs = pr.first + 2 * n
            pad = "    " * n
            out += [f"{pad}if n > {qs}:",
                    f"{pad}    q = p[{qs}]",
                    f"{pad}    v = p[{qs + 1}] if n > {qs + 1} else ''"]
            out += [f"{pad}    {x}" for x in dispatch]
        return out

    def note(self, model: Any, path: str) -> tuple[Any, str]:
        """Record which fields of which models the compiled code may write (the finalizer
        looks for those alone); the model and field the path ends at."""
        name = ""
        for name, index in parse_path(path):
            owner = model
            self.written.setdefault(model, set()).add(name)
            tp = model.model_fields[name].annotation
            if index is not None:
                model = _item(tp)
                if not index.isdigit():  # name[role] writes the role itself
                    self.written.setdefault(model, set()).add("role")
                    role = field_schema(model, "role")
                    ok = role["type"] == "literal" and index in role["expected"]
                    (self.checked if ok else self.unchecked).setdefault(model, set()).add(
                        "role")
            else:
                model = _unwrap(tp)
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                return owner, name
        return model, name

    def check(self, model: Any, path: str, var: str = "v",
              codes: dict[str, str] | None = None, longest: int | None = None) -> list[str]:
        """The lines checking a value about to be written at ``path`` as the finalizer would
        (nothing for a code set whose canonical values all fit the field); the field is then
        trusted by the finalizer, unless some other write to it goes unchecked. ``longest``:
        what validation lets the element hold, so a field at least that long needs no length
        check."""
        owner, name = self.note(model, path)
        schema = field_schema(owner, name)
        self.checked.setdefault(owner, set()).add(name)
        if codes is not None and schema["type"] == "literal" and set(codes.values()) <= set(
                schema["expected"]):
            return []
        cond = condition(schema, var, self.const, {}, True, longest=longest)
        return [] if cond == "True" else [f"if not ({cond}): raise Fallback"]

    def longest(self, positions: Iterable[int]) -> int | None:
        """The longest value validation lets the handler's segment hold at ``positions``."""
        seg = self.segdef
        if seg is None:
            return None
        sizes = []
        for pos in positions:
            e = seg.elements[pos - 1] if 0 < pos <= len(seg.elements) else None
            if not isinstance(e, ElementDef):
                return None
            sizes.append(e.max_len)
        return max(sizes) if sizes else None


def _setter(scope: str, path: str) -> list[str]:
    """Lines doing ``paths.set_path(scope, path, v)`` without parsing the path per value
    (a ``name[role]`` step, which searches, still calls it)."""
    parts = parse_path(path)
    if any(i is not None and not i.isdigit() for _, i in parts):
        return [f"_set({scope}, {path!r}, v)"]
    out, x = [], scope
    for n, (name, index) in enumerate(parts[:-1]):
        y = f"x{n}"
        if index is None:
            out += [f"{y} = {x}.get({name!r})", f"if {y} is None: {y} = {x}[{name!r}] = {{}}"]
        else:
            out += [f"{y} = {x}.setdefault({name!r}, [])",
                    f"while len({y}) <= {int(index)}: {y}.append({{}})",
                    f"{y} = {y}[{int(index)}]"]
        x = y
    name, index = parts[-1]
    out.append(f"{x}[{name!r}] = v" if index is None else f"{x}.setdefault({name!r}, []).append(v)")
    return out


def _add(scope: str, each: str, item: str) -> list[str]:
    """Lines appending ``item`` to the list ``each`` of ``scope`` (``paths.append``)."""
    if "." in each or "[" in each:
        return [f"_append({scope}, {each!r}, {item})"]
    return [f"l = {scope}.get({each!r})", f"if l is None: {scope}[{each!r}] = [{item}]",
            f"else: l.append({item})"]


def _strings(value: Any) -> Iterable[str]:
    """Every string in nested dicts, lists and tuples (keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _strings(v)


def _items_model(model: Any, path: str) -> Any:
    """The model of the dicts ``rules.items(data, path)`` walks ("lines.destinations")."""
    for name in path.split(".") if path else []:
        tp = model.model_fields[name].annotation
        model = _item(tp) or _unwrap(tp)
    return model


def _record_model(tmap: TranslationMap) -> Any:
    from gateway.canonical import RECORD_TYPES

    return RECORD_TYPES[tmap.map.record]


def _leaf(model: Any, path: str, fmt: str | None, *, listed: bool = False) -> str:
    """The kind of value at ``path`` ("date", "decimal", "int", "text"), checked against the
    element's format: the compiled code writes what that format gives, and the finalizer
    vouches for text only when pydantic would have been given text too."""
    tp = resolve(model, path, listed=listed)
    if listed:
        return "list"
    item = _item(tp)
    tp = _unwrap(item if item is not None else tp)
    kind = ("date" if tp is date else "decimal" if tp is Decimal else
            "int" if tp is int else "text")
    wants = {"date": "date", "int": "int", "decimal": "decimal", "n2": "decimal"}.get(fmt or "")
    if fmt == "sscc" or (wants or kind) != kind or kind == "date" and fmt != "date":
        raise Unsupported(f"{path}: format {fmt} into a {kind} value")
    return kind


_COMPILED: dict[tuple[int, int], tuple[TranslationMap, MessageGrammar, CompiledMap | None]] = {}


def compiled(tmap: TranslationMap, grammar: MessageGrammar) -> CompiledMap | None:
    """The compiled form of ``tmap`` for ``grammar`` (None when it has none)."""
    key = (id(tmap), id(grammar))
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is tmap and hit[1] is grammar:
        return hit[2]
    with _LOCK:
        hit = _COMPILED.get(key)
        if hit is not None and hit[0] is tmap and hit[1] is grammar:
            return hit[2]
        try:
            cm: CompiledMap | None = CompiledMap(tmap, grammar)
        except Unsupported:
            cm = None
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        _COMPILED[key] = (tmap, grammar, cm)
        return cm


def translate_json(msg: Message, tmap: TranslationMap, *,
                   checks: dict[str, CheckAction] | None = None,
                   orders: OrderLookup | None = None) -> dict[str, Any] | None:
    """``msg``'s record as ``canonical.compact_json`` gives it, by the
    compiled map; None when the map has no compiled form, the set was not validated and
    accepted, or it needs the reference path. The map's business checks run as in
    ``translate_message`` (on the record validated from the JSON: it needs pydantic, so a map
    with checks costs more): a rejecting one leaves the set to the reference path, warnings go
    to ``msg.report.errors`` as that path puts them."""
    data: dict[str, Any] | None = _translate(msg, tmap, checks, orders, False)[0]
    return data


def translate_text(msg: Message, tmap: TranslationMap, *,
                   checks: dict[str, CheckAction] | None = None,
                   orders: OrderLookup | None = None) -> bytes | None:
    """``to_json(translate_json(...))``: the record's compact JSON text, made as text
    (``jsontext``) when the set and the map allow, which is cheaper than the dict and its
    serialisation. For streaming writers that keep nothing (``translate --json``, the bench)."""
    if tmap.checks:  # the checks need the record, made from the dict
        data = translate_json(msg, tmap, checks=checks, orders=orders)
        return None if data is None else to_json(data)
    cm = _compiled_for(msg, tmap)
    return cm.run_text(msg) if cm is not None else None


def translate_record(msg: Message, tmap: TranslationMap, *,
                     checks: dict[str, CheckAction] | None = None,
                     orders: OrderLookup | None = None) -> BaseModel | None:
    """The record itself, as ``translate_message`` would give it, by the compiled map (one
    pydantic validation of its JSON form); None as for ``translate_json``. The pipeline's
    process step, which keeps and delivers records, calls this."""
    record: BaseModel | None = _translate(msg, tmap, checks, orders, True)[1]
    return record


def _translate(msg: Message, tmap: TranslationMap, checks: dict[str, CheckAction] | None,
               orders: OrderLookup | None, want: bool) -> tuple[Any, Any]:
    cm = _compiled_for(msg, tmap)
    data = cm.run(msg) if cm is not None else None
    if data is None or not (tmap.checks or want):
        return data, None
    from gateway.canonical import RECORD_TYPES

    record = RECORD_TYPES[tmap.map.record].model_validate(data)
    if tmap.checks:
        defects = run_checks(tmap.checks, checks or {}, record, orders, data)
        if any(not d.warning for d in defects):
            return None, None
        for d in defects:
            d.offset = d.offset if d.offset is not None else msg.report.offset
        msg.report.errors.extend(defects)
    return data, record


def _compiled_for(msg: Message, tmap: TranslationMap) -> CompiledMap | None:
    """The compiled form of ``tmap`` for ``msg``'s guide, when ``msg`` may take it."""
    if not msg.validated or msg.report.status != "accepted":
        return None  # the compiled code leans on validation (no control characters)
    grammar = lookup(msg)
    return compiled(tmap, grammar) if grammar is not None else None
