"""The one way in: every transport ends here with the bytes it received.

``ingest`` archives the bytes (fsynced, content-addressed) and then, in one transaction, records
the file, its first events and its ``process`` work. Only when it returns may the transport
say "received" (remove the dropped file, answer the SFTP close, send the MDN or HTTP 202). If the
archive or the database cannot take the bytes it raises, and the transport keeps the file or
gives the partner a negative answer: nothing is accepted that is not safely stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from gateway.faults import crash_point
from gateway.pipeline.context import Context, event
from gateway.store import rows
from gateway.store.models import File, Work


@dataclass(frozen=True, slots=True)
class Incoming:
    """One received file for ``ingest_many``: its bytes, or the path of a file holding
    them (a big one is copied into the archive in chunks, never read whole)."""

    data: bytes | Path
    name: str
    source: str
    partner_id: str | None = None


def ingest(ctx: Context, data: bytes | Path, *, name: str, source: str,
           partner_id: str | None = None) -> int:
    """Archive ``data`` (bytes, or a file's path) and queue it for processing; the new
    ``files.id``."""
    return ingest_many(ctx, [Incoming(data, name, source, partner_id)])[0]


def ingest_many(ctx: Context, files: Sequence[Incoming]) -> list[int]:
    """``ingest`` for several files at once (a group commit): their bytes archived with two
    file-system flushes for the lot (``Archive.put_many``), their rows in one transaction; the
    new ``files.id``s in order. All or none: when it raises, none of them is accepted and the
    transport keeps every one (taking them again later is harmless)."""
    if not files:
        return []
    if len(files) == 1:
        items = [ctx.archive.put(files[0].data)]
    else:
        items = ctx.archive.put_many([f.data for f in files])
    crash_point("ingest-after-archive")
    now = ctx.clock()
    ids: list[int] = []
    with ctx.store.connect(write=True) as c, c.begin():
        for f, item in zip(files, items, strict=True):
            profile = ctx.registry.get(f.partner_id) if f.partner_id else None
            keep = None
            if profile is not None and profile.archive.retention_days is not None:
                keep = now + timedelta(days=profile.archive.retention_days)
            fid = rows.add(c, File, {
                "direction": "in", "kind": "edi", "partner_id": f.partner_id, "name": f.name,
                "source": f.source, "sha256": item.sha256, "size": item.size,
                "received_at": now, "status": "archived", "reason": None,
                "settings": settings_of(ctx, f.partner_id), "keep_until": keep,
                "purged_at": None})
            event(c, ctx, "file", fid, "received", "ok", f"{f.name} via {f.source}")
            event(c, ctx, "file", fid, "archived", "ok", item.sha256)
            rows.add(c, Work, {"item_kind": "file", "item_id": fid, "step": "process",
                               "partner_id": f.partner_id, "not_before": now, "attempts": 0,
                               "claimed_by": None, "claimed_until": None})
            ids.append(fid)
    crash_point("ingest-after-commit")
    return ids


def settings_of(ctx: Context, partner_id: str | None) -> dict[str, object]:
    """The effective settings an item is processed with: the profile's and maps' versions
    (their content hashes), so a later replay can say what changed."""
    from gateway.pipeline.versions import versions

    return versions(ctx.registry, partner_id)
