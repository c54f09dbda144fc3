"""A canonical record's JSON form straight from the plain dict a map builds, without pydantic.

``finalizer(Model, written, trusted)`` generates, once per compiled map, a function that takes
the dict the map builds (values already in their JSON form: decimals and dates as strings) and
returns exactly what ``canonical.compact_json(Model.model_validate(d))`` would (the JSON form
without None values and empty lists), fields in the model's order and defaults filled in, or
raises :class:`Fallback` when it cannot be sure that pydantic would accept the dict unchanged. The checks come from the models'
own core schemas (lengths, patterns, literals, decimal digits and places, integer bounds) and
are conservative: a value they cannot vouch for (a decimal with a leading zero, an exponent)
is a fallback, and the caller then takes the reference path (``translate_message``, pydantic)
for that set, which gives the same record or the defects. Why not pydantic here: validating and
dumping a record costs about 0.7 ms, four times what the compiled map costs to build it.

Only the validators this module knows are accepted (floats refused before a decimal, one date
per role, an allowance needing an amount or a percent); a model with any other validator has no
finalizer (None), and its maps are not compiled.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, cast

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from gateway.canonical.common import TRIMMED


class Fallback(Exception):
    """The fast path cannot vouch for this set: take the reference path."""


class Unsupported(Exception):
    """A model uses something the finalizers do not reproduce."""


Finalizer = Callable[[dict[str, Any]], dict[str, Any]]
# validators whose effect the generated code reproduces, by function name
_BEFORE_OK = {"_no_float"}  # floats never reach here: values are strings or ints
_AFTER_FIELD = {"_one_per_role"}
_AFTER_MODEL = {"_amount_or_percent"}


def finalizer(model: type[BaseModel], written: dict[type, set[str]],
              trusted: dict[type, set[str]]) -> Finalizer | None:
    """The JSON-form function of ``model`` (None when the model has validators it does not
    know). ``written``: the only fields a caller ever puts in the dicts of each model (a
    compiled map knows them); the others are not looked for, which is most of the cost.
    ``trusted``: fields whose values the caller has checked already (with ``condition``)."""
    try:
        return _Builder(written, trusted).build(model)
    except Unsupported:
        return None


def _unwrap(s: dict[str, Any], refs: dict[str, Any]) -> dict[str, Any]:
    while True:
        t = s["type"]
        if t == "definitions":
            refs.update({d["ref"]: d for d in s["definitions"]})
            s = s["schema"]
        elif t == "definition-ref":
            s = refs[s["schema_ref"]]
        elif t == "function-after" and _unwrap(s["schema"], refs)["type"] == "model":
            # a model validator wraps its model: ``_Builder.model`` reproduces it
            return _unwrap(s["schema"], refs)
        else:
            return s


def field_schema(cls: type[BaseModel], name: str) -> dict[str, Any]:
    """The schema of one value of field ``name`` of ``cls`` (an item's, for a list of
    values), defaults and None unwrapped."""
    return _values(cls)[name]


@functools.cache
def _values(cls: type[BaseModel]) -> dict[str, dict[str, Any]]:
    b = _Builder()
    b.model(cls, [])
    out = {}
    for n, _absent, schema in b.fields[cls]:
        schema = _unwrap(schema, b.refs)
        while schema["type"] == "function-after":
            schema = _unwrap(schema["schema"], b.refs)
        if schema["type"] in ("tuple", "list"):
            items = schema["items_schema"]
            schema = _unwrap(items[0] if isinstance(items, list) else items, b.refs)
        out[n] = schema
    return out


def _decimal_pattern(s: dict[str, Any]) -> str:
    """A regular expression accepting decimals in the form ``format(Decimal(v), "f")`` keeps
    unchanged (no leading zeros, no exponent, no sign on a non-negative type) whose digits
    fit the type: whole digits at most max_digits - decimal_places, places at most
    decimal_places. Anything else falls back."""
    places = s.get("decimal_places")
    digits = s.get("max_digits")
    if places is None or digits is None or set(s) - {"type", "max_digits", "decimal_places",
                                                     "ge", "le", "metadata",
                                                     "serialization"}:
        raise Unsupported(f"decimal schema {s}")
    if s.get("ge") not in (None, 0):
        raise Unsupported(f"decimal ge {s['ge']}")
    whole = digits - places
    sign = "" if s.get("ge") == 0 else "-?"
    frac = rf"(\.[0-9]{{1,{places}}})?" if places else ""
    return rf"{sign}(0|[1-9][0-9]{{0,{whole - 1}}}){frac}"


_Field = tuple[str, str, dict[str, Any]]  # name, what an absent field gives, its schema
_SHAPES = 64  # key orders worth a function of their own, per model; then the generic one


class _Builder:
    """Generates the finalizers of one record model and the models below it.

    Each model gets a dispatcher keyed by the dict's keys in their order (``tuple(d)``): the
    few orders a map produces each get a straight-line function made on first sight that
    reads the keys present, checks them and returns one dict display in model order; past
    ``_SHAPES`` orders the generic function (a lookup per field) serves.
    """

    def __init__(self, written: dict[type, set[str]] | None = None,
                 trusted: dict[type, set[str]] | None = None) -> None:
        self.written = written
        self.trusted = trusted or {}
        self.ns: dict[str, Any] = {"Fallback": Fallback}
        self.done: dict[type, str] = {}
        self.refs: dict[str, Any] = {}
        self.fields: dict[type, list[_Field]] = {}
        self.after: dict[type, list[str]] = {}
        self.count = 0

    def const(self, value: Any) -> str:
        name = f"K{len(self.ns)}"
        self.ns[name] = value
        return name

    def run(self, lines: list[str], label: str) -> None:
        exec(compile("\n".join(lines), f"<finalizer {label}>", "exec"), self.ns)

    def build(self, model: type[BaseModel]) -> Finalizer:
        lines: list[str] = []
        top = self.model(model, lines)
        self.run(lines, model.__name__)
        return self.ns[top]  # type: ignore[no-any-return]

    def model(self, cls: type[BaseModel], lines: list[str]) -> str:
        if cls in self.done:
            return self.done[cls]
        fname = f"fin_{cls.__name__}_{len(self.done)}"
        self.done[cls] = fname
        s = cls.__pydantic_core_schema__
        after: list[str] = []
        while True:
            if s["type"] == "definitions":
                self.refs.update({d["ref"]: d for d in s["definitions"]})
                s = s["schema"]
            elif s["type"] == "definition-ref":
                s = self.refs[s["schema_ref"]]
            elif s["type"] == "function-after":
                name = s["function"]["function"].__name__
                if name not in _AFTER_MODEL:
                    raise Unsupported(f"{cls.__name__}: model validator {name}")
                after.append(name)
                s = s["schema"]
            else:
                break
        if s["type"] != "model" or s["cls"] is not cls:
            raise Unsupported(f"{cls.__name__}: {s['type']}")
        inner = _unwrap(s["schema"], self.refs)
        if inner["type"] != "model-fields" or inner.get("computed_fields"):
            raise Unsupported(f"{cls.__name__}: {inner['type']}")
        self.fields[cls] = [self.field(cls, n, f["schema"]) for n, f in inner["fields"].items()]
        self.after[cls] = after
        body = self.generic(cls, fname, lines)
        shapes: dict[tuple[str, ...], Finalizer] = {}

        def make(keys: tuple[str, ...]) -> Finalizer:
            f = self.shape(cls, fname, keys) if len(shapes) < _SHAPES else self.ns[f"{fname}_all"]
            shapes[keys] = f
            return f

        self.ns[f"{fname}_S"], self.ns[f"{fname}_make"] = shapes, make
        lines += body + [f"def {fname}(d):", "    k = tuple(d)",
                         f"    return ({fname}_S.get(k) or {fname}_make(k))(d)"]
        return fname

    def generic(self, cls: type[BaseModel], fname: str, lines: list[str]) -> list[str]:
        """The generic form of ``cls``'s finalizer, ``{fname}_all``: one lookup per field."""
        known = self.known(cls)
        body = [f"def {fname}_all(d):",
                f"    if not d.keys() <= {self.const(frozenset(known))}: raise Fallback",
                "    o = {}"]
        for name, absent, schema in self.fields[cls]:
            key = repr(name)
            if name not in known:
                body += [] if absent == "None" else [
                    "    raise Fallback" if absent == "raise" else f"    o[{key}] = {absent}"]
                continue
            body += [f"    v = d.get({key})", "    if v is None:",
                     "        " + ("raise Fallback" if absent == "raise" else
                                   "pass" if absent == "None" else f"o[{key}] = {absent}"),
                     "    else:"]
            body += ["        " + x for x in self.value(
                schema, f"o[{key}]", lines, name in self.trusted.get(cls, ()))]
        if "_amount_or_percent" in self.after[cls]:
            body.append("    if 'amount' not in o and 'percent' not in o: raise Fallback")
        body.append("    return o")
        return body

    def known(self, cls: type[BaseModel]) -> set[str]:
        """The fields of ``cls`` the caller may write."""
        if self.written is None:
            return {n for n, _, _ in self.fields[cls]}
        return self.written.get(cls, set())

    def shape(self, cls: type[BaseModel], fname: str, keys: tuple[str, ...]) -> Finalizer:
        """A straight-line finalizer for dicts of ``cls`` with exactly ``keys``, in order."""
        self.count += 1
        name = f"{fname}_s{self.count}"
        fields = self.fields[cls]
        known = self.known(cls)
        present = set(keys)
        lines: list[str] = []
        body = [f"def {name}(d):"]
        out: list[str] = []
        refuse = not present <= known or ("_amount_or_percent" in self.after[cls]
                                          and not present & {"amount", "percent"})
        for n, (fname_, absent, schema) in enumerate(fields):
            key = repr(fname_)
            if fname_ in present:
                trust = fname_ in self.trusted.get(cls, ())
                value = self.value(schema, f"x{n}", lines, trust)
                if value == [f"x{n} = v"]:  # nothing to check or convert: read in place
                    out.append(f"{key}: d[{key}]")
                    continue
                body += [f"    v = d[{key}]"] + ["    " + x for x in value]
                out.append(f"{key}: x{n}")
            elif absent == "raise":
                refuse = True
            elif absent != "None":
                out.append(f"{key}: {absent}")
        if refuse:
            body = [f"def {name}(d):", "    raise Fallback"]
        else:
            body.append(f"    return {{{', '.join(out)}}}")
        self.run(lines + body, f"{cls.__name__} shape")
        return self.ns[name]  # type: ignore[no-any-return]

    def field(self, cls: type[BaseModel], name: str, s: dict[str, Any]) -> _Field:
        """(name, what an absent field gives: "raise", "None" (left out) or the code of its
        default's JSON form, the schema of a present value)."""
        fi = cls.model_fields[name]
        s = _unwrap(s, self.refs)
        default: Any = PydanticUndefined
        if s["type"] == "default":
            default = fi.default
            if fi.default_factory is not None:
                raise Unsupported(f"{cls.__name__}.{name}: default factory")
            s = _unwrap(s["schema"], self.refs)
        if s["type"] == "nullable":
            s = _unwrap(s["schema"], self.refs)
        if default is PydanticUndefined:
            absent = "raise"
        elif default is None:
            absent = "None"
        elif default == ():
            absent = "None"  # an empty list is left out, as ``canonical.compact_json`` does
        elif isinstance(default, (str, int, bool)):
            absent = repr(default)
        else:
            raise Unsupported(f"{cls.__name__}.{name}: default {default!r}")
        return name, absent, s

    def value(self, s: dict[str, Any], store: str, lines: list[str],
              trust: bool = False) -> list[str]:
        """Lines checking ``v`` against schema ``s`` and storing its JSON form in ``store``
        (nested models' finalizers go to ``lines``); ``trust``: single values (or a list's
        values) were checked when written."""
        s = _unwrap(s, self.refs)
        t = s["type"]
        checks: list[str] = []
        while t == "function-after":
            fn = s["function"]["function"].__name__
            if fn not in _AFTER_FIELD:
                raise Unsupported(f"field validator {fn}")
            checks.append(fn)
            s = _unwrap(s["schema"], self.refs)
            t = s["type"]
        if t == "tuple" or t == "list":
            items = s.get("items_schema")
            if t == "tuple":
                if not (isinstance(items, list) and len(items) == 1
                        and s.get("variadic_item_index") == 0):
                    raise Unsupported(f"tuple schema {s}")
                items = items[0]
            items = _unwrap(cast(dict[str, Any], items), self.refs)
            out = ["if type(v) is not list or not v: raise Fallback"]  # never written empty
            if s.get("min_length"):
                out.append(f"if len(v) < {int(s['min_length'])}: raise Fallback")
            if s.get("max_length") is not None:
                out.append(f"if len(v) > {int(s['max_length'])}: raise Fallback")
            if items["type"] == "model":
                fin = self.model(items["cls"], lines)
                # the dispatcher inlined: a shape function per item, looked up by its keys
                out.append(f"v = [({fin}_S.get(tuple(i)) or {fin}_make(tuple(i)))(i) "
                           "for i in v]")
            elif not trust:
                out += ["for i in v:", f"    if not ({self.scalar(items, 'i')}): raise Fallback"]
            for fn in checks:
                if fn == "_one_per_role":
                    out += ["r = [i['role'] for i in v]",
                            "if len(set(r)) != len(r): raise Fallback"]
            return out + [f"{store} = v"]
        if checks:
            raise Unsupported("a field validator on a single value")
        if t == "model":
            fin = self.model(s["cls"], lines)
            return ["if type(v) is not dict: raise Fallback", f"{store} = {fin}(v)"]
        if trust:
            return [f"{store} = v"]
        return [f"if not ({self.scalar(s, 'v')}): raise Fallback", f"{store} = v"]

    def scalar(self, s: dict[str, Any], var: str) -> str:
        return condition(s, var, self.const, self.refs)


def condition(s: dict[str, Any], var: str, const: Callable[[Any], str],
              refs: dict[str, Any], validated: bool = False, longest: int | None = None) -> str:
    """A condition true only when pydantic accepts ``var`` as it is and dumps it
    unchanged. ``validated``: ``var`` is an element value of a set that passed validation,
    which refuses control characters, so trimmed text needs only its ends looked at;
    ``longest``: validation refused values longer than that (no length check when the field
    takes as many)."""
    s = _unwrap(s, refs)
    t = s["type"]
    while t == "function-before":
        fn = s["function"]["function"].__name__
        if fn not in _BEFORE_OK:
            raise Unsupported(f"before validator {fn}")
        s = _unwrap(s["schema"], refs)
        t = s["type"]
    if t == "str":
        if set(s) - {"type", "min_length", "max_length", "pattern", "metadata"}:
            raise Unsupported(f"str schema {s}")
        pattern = s.get("pattern")
        low = max(int(s.get("min_length") or 0), 1 if pattern == TRIMMED else 0)
        # a validated value is text; only pairs can give an empty one, and they say so
        conds = [] if validated else [f"type({var}) is str"]
        low = 0 if validated and low == 1 else low
        if validated and longest is not None and s.get("max_length") is not None and (
                longest <= s["max_length"]):
            pass  # validation has kept the value within the field's length
        elif s.get("max_length") is not None:
            conds.append(f"{low} <= len({var}) <= {int(s['max_length'])}" if low else
                         f"len({var}) <= {int(s['max_length'])}")
        elif low:
            conds.append(f"len({var}) >= {low}")
        if pattern == TRIMMED:
            # no control characters, no space at either end (isprintable is stricter)
            conds.append(f"{var}[0] > ' ' < {var}[-1]" + (
                "" if validated else f" and {var}.isprintable()"))
        elif pattern is not None:
            # Python's "$" also matches before a final newline; pydantic's does not
            rx = re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)
            conds.append(f"{const(rx.search)}({var})")
        return " and ".join(conds) or "True"
    if t == "literal":
        expected = s["expected"]
        if not all(isinstance(e, str) for e in expected):
            raise Unsupported(f"literal {expected}")
        return f"{var} in {const(frozenset(expected))}"
    if t == "decimal":
        plain = re.compile(_decimal_pattern(s)).fullmatch
        cond = ("" if validated else f"type({var}) is str and ") + f"{const(plain)}({var})"
        if s.get("le") is not None:
            from decimal import Decimal

            cond += f" and {const(Decimal)}({var}) <= {const(Decimal(s['le']))}"
        return cond
    if t == "int":
        if set(s) - {"type", "ge", "le", "metadata"}:
            raise Unsupported(f"int schema {s}")
        lo, hi = s.get("ge"), s.get("le")
        cond = f"type({var}) is int"
        if lo is not None:
            cond += f" and {var} >= {int(lo)}"
        if hi is not None:
            cond += f" and {var} <= {int(hi)}"
        return cond
    if t == "date" and set(s) <= {"type", "metadata"}:
        # only the map's date conversion writes dates, as ISO text of a real date
        return f"type({var}) is str and len({var}) == 10"
    raise Unsupported(f"schema {t}")
