"""``edi-gateway inspect``: the parsed tree of a file with segment and element names from the
implementation guide, for people onboarding a partner (human form) and for scripts (JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from gateway.errors import ReadError
from gateway.grammar.model import CompositeDef, ElementDef, SegmentDef
from gateway.stream import GroupStart, InterchangeEnd, InterchangeStart, Message, SegmentToken
from gateway.validate import guides
from gateway.validate.run import detect, events
from gateway.validate.structure import walk


def _element_json(d: ElementDef | CompositeDef | None, seq: int, reps: list[list[str]]
                  ) -> dict[str, Any]:
    out: dict[str, Any] = {"position": seq}
    if d is not None:
        out["ref"] = d.ref
        out["name"] = d.name
        out["data_element"] = d.data_ele
    if isinstance(d, CompositeDef):
        comps = []
        for r in reps:
            comps.append([{"ref": c.ref, "name": c.name, "value": r[c.seq - 1]}
                          for c in d.components if c.seq <= len(r) and r[c.seq - 1]])
        out["components"] = comps if len(comps) > 1 else comps[0]
    else:
        values = [":".join(r) for r in reps]
        out["value"] = values if len(values) > 1 else values[0]
    return out


def segment_json(tok: SegmentToken, sd: SegmentDef | None, loop: str | None
                 ) -> dict[str, Any]:
    defs = {e.seq: e for e in sd.elements} if sd else {}
    return {
        "tag": tok.tag, "name": sd.name if sd else None, "loop": loop,
        "position": tok.position, "offset": tok.offset,
        "elements": [_element_json(defs.get(i), i, reps)
                     for i, reps in enumerate(tok.elements, start=1)
                     if any(c for r in reps for c in r)],
    }


def _message_json(msg: Message) -> dict[str, Any]:
    grammar = guides.lookup(msg)
    tokens = msg.tokens()
    if grammar is None:
        segs = [segment_json(t, None, None) for t in tokens]
    else:
        segs = [segment_json(t, node.segment if node else None, loop)
                for t, node, loop, _ in walk(grammar, tokens) if t.tag]
    return {"set": msg.report.set_id, "control_number": msg.report.control_number,
            "guide": f"{grammar.message_id} {grammar.version}" if grammar else None,
            "segments": segs}


def inspect_tree(path: Path) -> dict[str, Any]:
    with open(path, "rb") as f:
        head = f.read(4096)
        f.seek(0)
        standard = detect(head)
        if standard is None:
            raise ReadError(f"{path}: no ISA, UNA or UNB header", code="file.not_edi")
        from gateway.validate.run import Options

        tree: dict[str, Any] = {"file": str(path), "standard": standard, "interchanges": []}
        for ev in events(f, standard, Options()):
            if isinstance(ev, InterchangeStart):
                ix = ev.report
                cur: dict[str, Any] = {"sender": ix.sender, "receiver": ix.receiver,
                                       "control_number": ix.control_number,
                                       "version": ix.version,
                                       "delimiters": ix.delimiters, "groups": []}
                tree["interchanges"].append(cur)
            elif isinstance(ev, GroupStart):
                g = ev.report
                cur["groups"].append({"functional_id": g.functional_id, "version": g.version,
                                      "control_number": g.control_number, "messages": []})
            elif isinstance(ev, Message):
                cur["groups"][-1]["messages"].append(_message_json(ev))
            elif isinstance(ev, InterchangeEnd):
                cur["status"] = ev.report.status
    return tree


def inspect_file(path: Path, *, as_json: bool, out: IO[str]) -> int:
    try:
        tree = inspect_tree(path)
    except (ReadError, OSError) as exc:
        out.write(f"{path}: {exc}\n")
        return 2
    if as_json:
        out.write(json.dumps(tree, ensure_ascii=False, indent=1) + "\n")
        return 0
    for ix in tree["interchanges"]:
        out.write(f"interchange {ix['control_number']} {ix['version']} {ix['sender']} -> "
                  f"{ix['receiver']}\n")
        for g in ix["groups"]:
            out.write(f"  group {g['functional_id'] or '-'} {g['control_number'] or '-'} "
                      f"{g['version'] or '-'}\n")
            for m in g["messages"]:
                out.write(f"    {m['set']} {m['control_number']} (guide: {m['guide']})\n")
                for s in m["segments"]:
                    loop = f" [{s['loop']}]" if s["loop"] else ""
                    out.write(f"      {s['position']:>4} {s['tag']}{loop} {s['name'] or '?'}\n")
                    for e in s["elements"]:
                        label = e.get("ref") or f"{s['tag']}{e['position']:02d}"
                        if "components" in e:
                            comps = e["components"]
                            value = " ".join(f"{c['ref']}={c['value']}" for c in
                                             (comps if isinstance(comps, list) and comps and
                                              isinstance(comps[0], dict) else []))
                        else:
                            value = e["value"]
                        out.write(f"           {label} {e.get('name', '?')}: {value}\n")
    return 0
