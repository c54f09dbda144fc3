"""The versions of the settings an item is processed with: a content hash of the partner's
profile and of every map it names, recorded with each archived file."""

from __future__ import annotations

import hashlib
import time
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
        maps[doc] = _file_hash(path)
    out["maps"] = maps
    return out


def _file_hash(path: Path) -> str:
    try:
        return _hash(path.read_bytes())
    except OSError:
        return "missing"
