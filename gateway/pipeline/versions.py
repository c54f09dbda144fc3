"""The versions of the settings an item is processed with: a content hash of the partner's
profile and of every map it names, recorded with each archived file. A map's hash covers
what it is made of: the file, the maps it ``extends`` (a partner map changes when the generic
map under it does) and the cross-reference tables (CSV) it reads."""

from __future__ import annotations

import hashlib
import time
import tomllib
from pathlib import Path

from gateway.partners import PartnerRegistry
from gateway.partners.profile import document_standard
from gateway.translate.mapfile import map_for, map_path


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


_SEEN: dict[tuple[int, str], tuple[float, dict[str, object]]] = {}
RECHECK = 2.0  # seconds: files arriving together share one reading of the maps


def versions(registry: PartnerRegistry, partner_id: str | None) -> dict[str, object]:
    if partner_id is None or partner_id not in registry:
        return {}
    key = (id(registry), partner_id)
    hit = _SEEN.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < RECHECK:
        return dict(hit[1])
    found = _versions(registry, partner_id)
    _SEEN[key] = (now, found)
    return dict(found)


def _versions(registry: PartnerRegistry, partner_id: str) -> dict[str, object]:
    profile = registry.get(partner_id)
    out: dict[str, object] = {"profile": _hash(profile.model_dump_json().encode())}
    maps: dict[str, str] = {}
    for doc, route in profile.documents.items():
        if route.map:
            path = map_path(route.map)
        else:
            std = document_standard(doc)
            syntax = getattr(profile.syntax, std, None)
            version = getattr(syntax, "version", None) or getattr(syntax, "directory", "")
            path = map_for(std, str(version), doc)
        maps[doc] = map_hash(path)
    out["maps"] = maps
    return out


def map_hash(path: Path) -> str:
    """The hash of the map at ``path`` with the maps it extends and the tables it reads
    ("missing" when the map itself cannot be read)."""
    h = hashlib.sha256()
    try:
        _feed(h, path, 0)
    except OSError:
        return "missing"
    return h.hexdigest()[:16]


# a map's bytes -> the tables it reads and the map it extends (read again only when it changes)
_PARTS: dict[bytes, tuple[list[str], str | None]] = {}


def _parts(data: bytes) -> tuple[list[str], str | None]:
    got = _PARTS.get(data)
    if got is None:
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            doc = {}  # (the map will fail to load; its bytes alone are its version)
        tables = [x["file"] for x in (doc.get("xref") or {}).values()
                  if isinstance(x, dict) and isinstance(x.get("file"), str)]
        parent = (doc.get("map") or {}).get("extends")
        if len(_PARTS) > 256:
            _PARTS.clear()
        got = _PARTS[data] = (tables, parent if isinstance(parent, str) else None)
    return got


def _feed(h: hashlib._Hash, path: Path, depth: int) -> None:
    data = path.read_bytes()
    h.update(len(data).to_bytes(8, "big") + data)
    tables, parent = _parts(data)
    for name in tables:
        try:
            table = (path.parent / name).read_bytes()
        except OSError:
            table = b"missing"
        h.update(len(table).to_bytes(8, "big") + table)
    if parent is not None and depth < 8:
        try:
            _feed(h, map_path(parent), depth + 1)
        except OSError:
            h.update(b"missing")
