"""A canonical record's JSON text straight from the plain dict a compiled map builds.

``emitter(Model, written, trusted)`` is ``jsonform.finalizer``'s twin: the same checks, the
same key orders and defaults, but each shape function returns the record's compact JSON text
(one f-string per shape) instead of an ordered dict that ``pydantic_core.to_json`` then walks.
Building the dict and serialising it cost about a third of what a compiled map spends on a
set; the text costs half of that.

What it relies on, which the caller must make sure of: no string value needs escaping in JSON
(no ``"``, ``\\`` or control character). The compiled map checks that once per set on the
set's text (validation has already refused control characters), and at compile time on every
string its code tables, cross-references and defaults can write; else it takes the dict path.
Numbers are ints (``str(int)`` is their JSON form); decimals and dates are already text.
Then ``emit(d).encode() == to_json(finalize(d))``, which tests/translate/test_compiled.py
checks on every set it compares. A dict with more than ``jsonform._SHAPES`` key orders for
one model raises ``jsonform.Fallback`` here: the caller takes the dict path for that set.
"""

from __future__ import annotations

from ast import literal_eval
from collections.abc import Callable
from typing import Any, cast

from pydantic import BaseModel
from pydantic_core import to_json

from gateway.translate.jsonform import Unsupported, _Builder, _unwrap

Emitter = Callable[[dict[str, Any]], str]
_TEXT = ("str", "literal", "decimal", "date")  # schema types whose JSON form is a string


def emitter(model: type[BaseModel], written: dict[type, set[str]],
            trusted: dict[type, set[str]]) -> Emitter | None:
    """The JSON-text function of ``model`` (None when the model has something the
    finalizers do not reproduce); arguments as for ``jsonform.finalizer``."""
    try:
        return cast(Emitter, _TextBuilder(written, trusted).build(model))
    except Unsupported:
        return None


def needs_escape(text: str) -> bool:
    """Whether ``text`` holds a character JSON escapes."""
    return '"' in text or "\\" in text or any(c < " " for c in text)


class _TextBuilder(_Builder):
    """``jsonform._Builder`` writing text: shapes return f-strings, nested models and lists
    of them are their text already, and there is no generic form (past the shapes a set
    takes the dict path)."""

    def generic(self, cls: type[BaseModel], fname: str, lines: list[str]) -> list[str]:
        return [f"def {fname}_all(d):", "    raise Fallback"]

    def shape(self, cls: type[BaseModel], fname: str, keys: tuple[str, ...]) -> Any:
        self.count += 1
        name = f"{fname}_s{self.count}"
        present = set(keys)
        lines: list[str] = []
        body = [f"def {name}(d):"]
        parts: list[tuple[str, str | None]] = []  # (literal JSON text, variable after it)
        refuse = not present <= self.known(cls) or (
            "_amount_or_percent" in self.after[cls] and not present & {"amount", "percent"})
        for n, (field, absent, schema) in enumerate(self.fields[cls]):
            key = '"' + field + '":'  # field names are identifiers
            sep = "," if parts else ""
            if field in present:
                trust = field in self.trusted.get(cls, ())
                checks, (before, after) = self.text_value(schema, f"x{n}", lines, trust)
                if checks == [f"x{n} = v"]:  # nothing to check or convert
                    body.append(f"    x{n} = d[{field!r}]")
                else:
                    body += [f"    v = d[{field!r}]"] + ["    " + x for x in checks]
                parts += [(sep + key + before, f"x{n}"), (after, None)]
            elif absent == "raise":
                refuse = True
            elif absent != "None":
                parts.append((sep + key + to_json(literal_eval(absent)).decode(), None))
        if refuse:
            body = [f"def {name}(d):", "    raise Fallback"]
        else:
            template = "".join(text.replace("{", "{{").replace("}", "}}") +
                               (f"{{{var}}}" if var else "") for text, var in parts)
            body.append("    return f" + repr("{{" + template + "}}"))
        self.run(lines + body, f"{cls.__name__} text shape")
        return self.ns[name]

    def text_value(self, s: dict[str, Any], store: str, lines: list[str], trust: bool
                   ) -> tuple[list[str], tuple[str, str]]:
        """Lines checking ``v`` and putting its JSON text (or the inside of it) in ``store``,
        and the literal text around ``store`` in the record."""
        s = _unwrap(s, self.refs)
        checks: list[str] = []
        while s["type"] == "function-after":
            checks.append(s["function"]["function"].__name__)
            s = _unwrap(s["schema"], self.refs)
        if s["type"] in ("tuple", "list"):
            items = s.get("items_schema")
            items = _unwrap(cast(dict[str, Any], items[0] if isinstance(items, list)
                                 else items), self.refs)
            if items["type"] != "model":
                if checks:
                    raise Unsupported(f"field validators {checks} on a list of values")
                out = self.value(s, store, lines, trust)[:-1]  # all but "store = v"
                if _kind(items) == "int":
                    return out + [f"{store} = ','.join(map(str, v))"], ("[", "]")
                return out + [f"{store} = '\",\"'.join(v)"], ('["', '"]')
            out = ["if type(v) is not list or not v: raise Fallback"]  # never written empty
            if s.get("min_length"):
                out.append(f"if len(v) < {int(s['min_length'])}: raise Fallback")
            if s.get("max_length") is not None:
                out.append(f"if len(v) > {int(s['max_length'])}: raise Fallback")
            for fn in checks:
                if fn != "_one_per_role":
                    raise Unsupported(f"field validator {fn}")
                # on the dicts, before they become text (an item without a role is refused
                # by its shape function)
                out += ["r = [i.get('role') for i in v]",
                        "if len(set(r)) != len(r): raise Fallback"]
            fin = self.model(items["cls"], lines)
            out.append(f"{store} = ','.join([({fin}_S.get(tuple(i)) or "
                       f"{fin}_make(tuple(i)))(i) for i in v])")
            return out, ("[", "]")
        if checks:
            raise Unsupported("a field validator on a single value")
        if s["type"] == "model":
            fin = self.model(s["cls"], lines)
            return ["if type(v) is not dict: raise Fallback", f"{store} = {fin}(v)"], ("", "")
        return self.value(s, store, lines, trust), ("", "") if _kind(s) == "int" else ('"', '"')


def _kind(s: dict[str, Any]) -> str:
    while s["type"] == "function-before":
        s = s["schema"]
    if s["type"] == "int":
        return "int"
    if s["type"] in _TEXT:
        return "text"
    raise Unsupported(f"JSON text of {s['type']}")

