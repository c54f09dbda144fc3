"""Field paths over a record's plain dict form (``"parties[ship_to].address.city"``,
``"lines"``, ``"dates[0].value"``): read, set, append. Shared by inbound (building the dict)
and outbound (reading it); paths are parsed once each."""

from __future__ import annotations

from functools import cache
from typing import Any

from gateway.translate.mapfile import parse_path

parsed = cache(parse_path)


def get_path(scope: Any, path: str) -> Any:
    """The value at ``path``, or None when any step is missing."""
    for name, index in parsed(path):
        if not isinstance(scope, dict):
            return None
        scope = scope.get(name)
        if scope is None:
            return None
        if index is not None:
            if index.isdigit():
                scope = scope[int(index)] if int(index) < len(scope) else None
            else:
                scope = next((i for i in scope if i.get("role") == index), None)
            if scope is None:
                return None
    return scope


def set_path(scope: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (creating what is missing on the way; ``name[role]`` finds or adds the
    item with that role); a final ``name[...]`` appends."""
    *head, (name, index) = parsed(path)
    target = _descend(scope, head)
    if index is None:
        target[name] = value
    else:
        target.setdefault(name, []).append(value)


def append(scope: dict[str, Any], path: str, item: Any) -> None:
    """Append ``item`` to the list at ``path``."""
    *head, (name, _index) = parsed(path)
    _descend(scope, head).setdefault(name, []).append(item)


def _descend(scope: dict[str, Any], parts: list[tuple[str, str | None]]) -> dict[str, Any]:
    for name, index in parts:
        if index is None:
            scope = scope.setdefault(name, {})
            continue
        items: list[Any] = scope.setdefault(name, [])
        if index.isdigit():
            while len(items) <= int(index):
                items.append({})
            scope = items[int(index)]
        else:
            found = next((i for i in items if i.get("role") == index), None)
            if found is None:
                found = {"role": index}
                items.append(found)
            scope = found
    return scope
