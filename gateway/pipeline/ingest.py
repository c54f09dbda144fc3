"""The one way in: every transport ends here with the bytes it received.

``ingest`` archives the bytes (fsynced, content-addressed) and then, in one transaction, records
the file, its first events and its ``process`` work. Only when it returns may the transport
say "received" (remove the dropped file, answer the SFTP close, send the MDN or HTTP 202). If the
archive or the database cannot take the bytes it raises, and the transport keeps the file or
gives the partner a negative answer: nothing is accepted that is not safely stored.
"""

from __future__ import annotations

from datetime import timedelta

from gateway.faults import crash_point
from gateway.pipeline.context import Context, event
from gateway.store import rows
from gateway.store.models import File, Work


def ingest(ctx: Context, data: bytes, *, name: str, source: str,
           partner_id: str | None = None) -> int:
    """Archive ``data`` and queue it for processing; the new ``files.id``."""
    item = ctx.archive.put(data)
    crash_point("ingest-after-archive")
    now = ctx.clock()
    profile = ctx.registry.get(partner_id) if partner_id else None
    keep = None
    if profile is not None and profile.archive.retention_days is not None:
        keep = now + timedelta(days=profile.archive.retention_days)
    settings = settings_of(ctx, partner_id)
    with ctx.store.connect(write=True) as c, c.begin():
        fid = rows.add(c, File, {
            "direction": "in", "kind": "edi", "partner_id": partner_id, "name": name,
            "source": source, "sha256": item.sha256, "size": item.size, "received_at": now,
            "status": "archived", "reason": None, "settings": settings, "keep_until": keep,
            "purged_at": None})
        event(c, ctx, "file", fid, "received", "ok", f"{name} via {source}")
        event(c, ctx, "file", fid, "archived", "ok", item.sha256)
        rows.add(c, Work, {"item_kind": "file", "item_id": fid, "step": "process",
                           "partner_id": partner_id, "not_before": now, "attempts": 0,
                           "claimed_by": None, "claimed_until": None})
    crash_point("ingest-after-commit")
    return fid


def settings_of(ctx: Context, partner_id: str | None) -> dict[str, object]:
    """The effective settings an item is processed with: the profile's and maps' versions
    (their content hashes), so a later replay can say what changed."""
    from gateway.pipeline.versions import versions

    return versions(ctx.registry, partner_id)
