"""Load ``partners/*.toml`` into ``PartnerProfile`` values, with errors that point at lines.

``load_folder(folder)`` reads every ``*.toml`` in the folder (sorted by name) and returns the
profiles that are valid together with a ``ProfileError`` for each problem. Each error prints
as ``file:line: field.path: message``, the line a person opens to fix it:

* TOML syntax errors take the line from ``tomllib``'s message (field ``toml``);
* pydantic errors take their field path from the error's ``loc`` and the line from
  ``key_lines``, a small scanner over the TOML text that records where each table header, key
  and array element starts (``[table]``, ``[table.sub]``, ``[[array]]``, dotted keys, inline
  tables and arrays). A field that is missing points at its table's header, or line 1;
* the same partner id in two files, or the same sender identity (standard, qualifier, id) in
  two profiles, is an error on the later file (files are taken in name order).

Who calls: ``PartnerRegistry.load`` (which raises when anything is wrong) and
``edi-gateway partners check`` (which prints every error).
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.errors import ConfigError
from gateway.partners.fields import Loc
from gateway.partners.profile import PartnerProfile


class ProfileError(ConfigError):
    """One problem in one profile file: ``file:line: field: message``."""

    code = "partner.invalid"

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        super().__init__(f"{file}:{line}: {field}: {message}")
        self.file = file
        self.line = line
        self.field = field
        self.detail = message


class ProfileErrors(ConfigError):
    """Several ``ProfileError``s at once; the message has one line per error."""

    code = "partner.invalid"

    def __init__(self, errors: Iterable[ProfileError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(e.message for e in self.errors))


@dataclass(frozen=True, slots=True)
class LoadedProfile:
    profile: PartnerProfile
    file: str  # as it is shown in messages: the folder given, joined with the file name
    lines: dict[Loc, int]  # key_lines of the file

    def line(self, loc: Loc) -> int:
        return line_for(self.lines, loc)


def load_folder(folder: Path | str) -> tuple[list[LoadedProfile], list[ProfileError]]:
    """Every valid profile of ``folder`` and every error; duplicates across files are errors.

    A folder that does not exist raises ``ConfigError`` (an empty one is fine)."""
    if not Path(folder).is_dir():
        raise ConfigError(f"{folder}: no such folder", code="partner.invalid")
    loaded: list[LoadedProfile] = []
    errors: list[ProfileError] = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            loaded.append(load_file(path))
        except ProfileErrors as exc:
            errors.extend(exc.errors)
    unique, dup_errors = _without_duplicates(loaded)
    return unique, errors + dup_errors


def load_file(path: Path | str, *, name: str | None = None) -> LoadedProfile:
    """One profile file; raises ``ProfileErrors`` listing every problem found in it."""
    label = name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileErrors([ProfileError(label, 1, "file", f"cannot read: {exc}")]) from exc
    return load_text(text, label)


def load_text(text: str, label: str) -> LoadedProfile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileErrors([_syntax_error(label, text, exc)]) from exc
    lines = key_lines(text)
    try:
        profile = PartnerProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileErrors(_validation_errors(label, data, lines, exc)) from exc
    return LoadedProfile(profile, label, lines)


# -- errors -----------------------------------------------------------------------------------

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_error(label: str, text: str, exc: tomllib.TOMLDecodeError) -> ProfileError:
    msg = str(exc)
    m = _AT.search(msg)
    if m:
        return ProfileError(label, int(m[1]), "toml",
                            f"syntax error at column {m[2]}: {msg[:m.start()]}")
    line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    return ProfileError(label, line, "toml", f"syntax error: {_AT_END.sub('', msg)}")


_AT_END = re.compile(r"\s*\(at end of document\)$")
_OWN_MESSAGE = ("missing", "extra_forbidden", "partner_rule", "value_error", "assertion_error")


def _validation_errors(label: str, data: dict[str, Any], lines: dict[Loc, int],
                       exc: ValidationError) -> list[ProfileError]:
    out: list[ProfileError] = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        loc: Loc = tuple(err["loc"]) + tuple(ctx.get("loc", ()))
        path = data_path(data, loc)
        kind = err["type"]
        if kind == "missing":
            message = "required field is missing"
        elif kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "partner_rule":
            message = str(ctx["message"])
        else:  # our own ValueErrors name the value; pydantic's do not
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            if kind not in _OWN_MESSAGE and isinstance(value, str | int | float | bool):
                message += f" (got {value!r})"
        out.append(ProfileError(label, line_for(lines, path), format_path(path), message))
    return sorted(out, key=lambda e: e.line)


def data_path(data: Any, loc: Loc) -> Loc:
    """The part of a pydantic ``loc`` that names keys of the data: union tags dropped, dict
    key markers dropped; a last part that is not in the data (a missing field) kept."""
    node = data
    path: list[str | int] = []
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif part == "[key]" or (isinstance(node, dict)
                                 and part in (node.get("type"), node.get("connector"))):
            continue  # the marker of a bad dict key, or a union tag ("sftp-poll")
        else:
            node = None  # a missing field (or a rule's path below one)
        path.append(part)
    return tuple(path)


def format_path(path: Loc) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"'
            out += f".{key}" if out else key
    return out or "(profile)"


def line_for(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of ``loc`` or of its longest recorded prefix; 1 when none is recorded."""
    for n in range(len(loc), 0, -1):
        if (line := lines.get(loc[:n])) is not None:
            return line
    return 1


# -- duplicates -------------------------------------------------------------------------------

def identity_keys(profile: PartnerProfile) -> list[tuple[tuple[str, str, str], Loc]]:
    """The keys the registry resolves senders by, with their place in the profile."""
    out: list[tuple[tuple[str, str, str], Loc]] = []
    for n, x in enumerate(profile.identities.x12):
        out.append((("x12", x.isa_qualifier, x.isa_id), ("identities", "x12", n)))
    for n, e in enumerate(profile.identities.edifact):
        out.append((("edifact", e.qualifier or "", e.id), ("identities", "edifact", n)))
    return out


def _without_duplicates(loaded: list[LoadedProfile]
                        ) -> tuple[list[LoadedProfile], list[ProfileError]]:
    ids: dict[str, LoadedProfile] = {}
    owners: dict[tuple[str, str, str], LoadedProfile] = {}
    kept: list[LoadedProfile] = []
    errors: list[ProfileError] = []
    for lp in loaded:
        p = lp.profile
        first = ids.get(p.id)
        if first is not None:
            errors.append(ProfileError(lp.file, lp.line(("id",)), "id",
                                       f"partner id {p.id!r} is already used by {first.file}"))
            continue
        clash = False
        for key, loc in identity_keys(p):
            owner = owners.get(key)
            if owner is not None:
                where = f"{owner.file}:{owner.line(_loc_of(owner, key))}"
                errors.append(ProfileError(
                    lp.file, lp.line(loc), format_path(loc),
                    f"{show_identity(key)} is already partner {owner.profile.id!r} ({where})"))
                clash = True
        if clash:
            continue
        ids[p.id] = lp
        for key, _ in identity_keys(p):
            owners[key] = lp
        kept.append(lp)
    return kept, errors


def show_identity(key: tuple[str, str, str]) -> str:
    """How a sender key reads in messages: X12 sender ZZ/ACME, EDIFACT sender GLN:14."""
    std, qualifier, ident = key
    if std == "x12":
        return f"X12 sender {qualifier}/{ident}"
    return f"EDIFACT sender {ident}:{qualifier}" if qualifier else f"EDIFACT sender {ident}"


def _loc_of(lp: LoadedProfile, key: tuple[str, str, str]) -> Loc:
    return next(loc for k, loc in identity_keys(lp.profile) if k == key)


# -- where keys are in the TOML text ----------------------------------------------------------

def key_lines(text: str) -> dict[Loc, int]:
    """Map each key path of a TOML document to the 1-based line where it is defined.

    Paths use the data's shape: ``("identities", "x12", 0, "isa_id")`` for the ``isa_id`` key
    in the first ``[[identities.x12]]`` table; array elements get their index. Only called on
    text that ``tomllib`` accepted, so the scanner can be lenient.
    """
    return _Scanner(text).run()


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.lines: dict[Loc, int] = {}
        self.arrays: dict[Loc, int] = {}  # array-of-tables path -> current index

    def line(self) -> int:
        return bisect.bisect_right(self.starts, self.pos)

    def record(self, path: Loc) -> None:
        for n in range(1, len(path) + 1):
            self.lines.setdefault(path[:n], self.line())

    def run(self) -> dict[Loc, int]:
        t = self.text
        table: Loc = ()
        while True:
            self.skip(newlines=True)
            if self.pos >= len(t):
                return self.lines
            if t[self.pos] == "[":
                table = self.header()
            else:
                parts = self.key()
                self.skip()
                self.pos += 1  # "="
                self.skip()
                path = table + parts
                self.record(path)
                self.value(path)

    def header(self) -> Loc:
        is_array = self.text.startswith("[[", self.pos)
        self.pos += 2 if is_array else 1
        parts = self.key()
        resolved: list[str | int] = []
        for n, part in enumerate(parts):
            resolved.append(part)
            last = n == len(parts) - 1
            if tuple(resolved) in self.arrays and not (last and is_array):
                resolved.append(self.arrays[tuple(resolved)])
        path: Loc = tuple(resolved)
        if is_array:
            index = self.arrays.get(path, -1) + 1
            self.arrays[path] = index
            path = (*path, index)
        self.record(path)
        self.skip()
        self.pos += 2 if is_array else 1
        return path

    def skip(self, newlines: bool = False) -> None:
        t = self.text
        while self.pos < len(t):
            c = t[self.pos]
            if c in " \t\r" or (newlines and c == "\n"):
                self.pos += 1
            elif c == "#":
                end = t.find("\n", self.pos)
                self.pos = len(t) if end < 0 else end
            else:
                return

    def key(self) -> Loc:
        parts: list[str | int] = []
        t = self.text
        while True:
            self.skip()
            if t.startswith(('"', "'"), self.pos):
                start = self.pos
                self.string()
                raw = t[start:self.pos]
                parts.append(tomllib.loads(f"k = {raw}")["k"])
            else:
                m = _BARE.match(t, self.pos)
                end = m.end() if m else self.pos + 1
                parts.append(t[self.pos:end])
                self.pos = end
            self.skip()
            if not t.startswith(".", self.pos):
                return tuple(parts)
            self.pos += 1

    def string(self) -> None:
        t = self.text
        quote = t[self.pos]
        if t.startswith(quote * 3, self.pos):
            i = self.pos + 3
            while i < len(t):
                if quote == '"' and t[i] == "\\":
                    i += 2
                elif t.startswith(quote * 3, i):
                    i += 3
                    while i < len(t) and t[i] == quote:  # up to two quotes end the content
                        i += 1
                    break
                else:
                    i += 1
            self.pos = i
            return
        i = self.pos + 1
        while i < len(t) and t[i] != quote:
            i += 2 if quote == '"' and t[i] == "\\" else 1
        self.pos = i + 1

    def value(self, path: Loc) -> None:
        t = self.text
        c = t[self.pos] if self.pos < len(t) else ""
        if c in "\"'":
            self.string()
        elif c == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip(newlines=True)
                if self.pos >= len(t) or t[self.pos] == "]":
                    self.pos += 1
                    return
                self.record((*path, index))
                self.value((*path, index))
                index += 1
                self.skip(newlines=True)
                if t.startswith(",", self.pos):
                    self.pos += 1
        elif c == "{":
            self.pos += 1
            while True:
                self.skip(newlines=True)
                if self.pos >= len(t) or t[self.pos] == "}":
                    self.pos += 1
                    return
                inner = path + self.key()
                self.skip()
                self.pos += 1  # "="
                self.skip()
                self.record(inner)
                self.value(inner)
                self.skip(newlines=True)
                if t.startswith(",", self.pos):
                    self.pos += 1
        else:  # number, boolean, date: up to the next delimiter
            m = _SCALAR.match(t, self.pos)
            self.pos = m.end() if m else self.pos + 1
