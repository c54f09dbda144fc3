"""Every map the gateway has, and the profiles' references to them: what ``partners check``
adds to the profile checks.

Each map file under ``maps/translate/`` and ``maps/partners/`` must load (``load_map``); each
map a profile names must exist and be a map of that document; each check a profile sets in
``[checks]`` must be a check of one of its maps. Problems come back as ``ProfileError``s
(``file:line: field: message``), the same shape as the profile errors.
"""

from __future__ import annotations

from pathlib import Path

from gateway.partners.loader import LoadedProfile, ProfileError
from gateway.partners.profile import document_standard
from gateway.translate.mapfile import (
    MAPS,
    PARTNER_MAPS,
    MapError,
    TranslationMap,
    load_map,
    map_for,
    map_path,
)


def map_files() -> list[Path]:
    return sorted(MAPS.rglob("*.toml")) + sorted(PARTNER_MAPS.rglob("*.toml"))


def check_maps(profiles: list[LoadedProfile]) -> list[ProfileError]:
    errors: list[ProfileError] = []
    loaded: dict[Path, TranslationMap | None] = {}
    for path in map_files():
        try:
            loaded[path] = load_map(path)
        except MapError as exc:
            loaded[path] = None
            file, line, field, message = _split(exc.message)
            errors.append(ProfileError(file, line, field, message))
    for lp in profiles:
        errors.extend(_profile_maps(lp, loaded))
    return errors


def _split(message: str) -> tuple[str, int, str, str]:
    head, _, rest = message.partition(": ")
    file, _, line = head.rpartition(":")
    field, _, what = rest.partition(": ")
    root = str(MAPS.parent.parent) + "/"
    return file.removeprefix(root), int(line) if line.isdigit() else 1, field, what


def _profile_maps(lp: LoadedProfile, loaded: dict[Path, TranslationMap | None]
                  ) -> list[ProfileError]:
    p = lp.profile
    errors: list[ProfileError] = []
    used: list[TranslationMap] = []
    for doc, route in p.documents.items():
        loc = ("documents", doc, "map")
        std = document_standard(doc)
        if route.map is not None:
            path = map_path(route.map)
        else:
            version = p.syntax.x12.version if std == "x12" and p.syntax.x12 else (
                p.syntax.edifact.directory if std == "edifact" and p.syntax.edifact else "")
            path = map_for(std, str(version), doc)
        if not path.is_file():
            what = f"no map {route.map!r}" if route.map else f"no generic map for {doc} yet"
            errors.append(ProfileError(lp.file, lp.line(loc if route.map else loc[:2]),
                                       ".".join(loc), f"{what} ({_rel(path)})"))
            continue
        tmap = loaded.get(path) if path in loaded else _load(path)
        if tmap is None:
            continue  # its own error is reported with the map's file and line
        if tmap.map.message != doc:
            errors.append(ProfileError(lp.file, lp.line(loc), ".".join(loc),
                                       f"{route.map} maps {tmap.map.message}, not {doc}"))
        used.append(tmap)
    known = {c.key for m in used for c in m.checks}
    for name in p.checks:
        if name not in known:
            errors.append(ProfileError(lp.file, lp.line(("checks", name)), f"checks.{name}",
                                       f"not a check of this partner's maps "
                                       f"({', '.join(sorted(known)) or 'none'})"))
    return errors


def _load(path: Path) -> TranslationMap | None:
    try:
        return load_map(path)
    except MapError:
        return None


def _rel(path: Path) -> str:
    return str(path).removeprefix(str(MAPS.parent.parent) + "/")
