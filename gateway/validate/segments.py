"""Precise element-level checks of one segment: presence, repetitions, components, values
and syntax notes (P R E C L). Produces ``Defect``s with the positions acknowledgements need."""

from __future__ import annotations

from gateway.grammar.model import CompositeDef, ElementDef, SegmentDef, SyntaxRule
from gateway.report import Defect
from gateway.stream import SegmentToken
from gateway.validate.values import check_value


def _present(reps: list[list[str]]) -> bool:
    return any(c for rep in reps for c in rep)


def check_segment(sd: SegmentDef, tok: SegmentToken, *, decimal: str = ".",
                  loop_id: str | None = None, ascii_only: bool = False) -> list[Defect]:
    out: list[Defect] = []

    def add(code: str, msg: str, seq: int, ref: str, comp: int | None = None,
            rep: int | None = None, data_ele: str | None = None, value: str | None = None
            ) -> None:
        out.append(Defect(code, f"{tok.tag} at position {tok.position}: {msg}",
                          offset=tok.offset, segment=tok.tag, segment_position=tok.position,
                          element=ref, element_seq=seq, component_seq=comp, repetition=rep,
                          data_ele=data_ele, value=value, loop_id=loop_id))

    els = tok.elements
    if len(els) > len(sd.elements):
        extra = [i for i in range(len(sd.elements), len(els)) if _present(els[i])]
        if extra:
            n = extra[0] + 1
            add("element.too_many", f"{len(els)} elements, the segment defines "
                f"{len(sd.elements)}", n, f"{tok.tag}{n:02d}")
    presence: list[bool] = []
    for d in sd.elements:
        reps = els[d.seq - 1] if d.seq <= len(els) else [[""]]
        present = _present(reps)
        presence.append(present)
        if not present:
            if d.usage == "R":
                add("element.missing", f"mandatory {d.ref} ({d.name}) is missing", d.seq, d.ref,
                    data_ele=d.data_ele)
            continue
        if d.usage == "N":
            add("element.not_used", f"{d.ref} ({d.name}) is not used in this guide", d.seq,
                d.ref, data_ele=d.data_ele, value=_text(reps))
            continue
        if len(reps) > d.repeat:
            add("element.too_many_repetitions", f"{d.ref} repeats {len(reps)} times, at most "
                f"{d.repeat}", d.seq, d.ref, data_ele=d.data_ele)
        for r, comps in enumerate(reps[: d.repeat], start=1):
            rep = r if d.repeat > 1 else None
            if isinstance(d, ElementDef):
                if len(comps) > 1:
                    add("element.invalid_char", f"{d.ref} is a simple element but contains a "
                        "component separator", d.seq, d.ref, rep=rep, data_ele=d.data_ele,
                        value=_text([comps]))
                    continue
                if comps[0]:
                    bad = check_value(d, comps[0], decimal=decimal, ascii_only=ascii_only)
                    if bad:
                        add(bad[0], bad[1], d.seq, d.ref, rep=rep, data_ele=d.data_ele,
                            value=comps[0])
            else:
                _composite(d, comps, add, rep, decimal, ascii_only)
    for rule in sd.syntax:
        _rule(rule, presence, sd, add)
    return out


def _composite(d: CompositeDef, comps: list[str], add: object, rep: int | None,
               decimal: str, ascii_only: bool) -> None:
    assert callable(add)
    if len(comps) > len(d.components) and any(comps[len(d.components):]):
        add("element.too_many_components", f"{d.ref} has {len(comps)} components, at most "
            f"{len(d.components)}", d.seq, d.ref, rep=rep, data_ele=d.data_ele)
    presence: list[bool] = []
    for c in d.components:
        v = comps[c.seq - 1] if c.seq <= len(comps) else ""
        presence.append(bool(v))
        if not v:
            if c.usage == "R":
                add("element.missing", f"mandatory {c.ref} ({c.name}) is missing", d.seq, c.ref,
                    comp=c.seq, rep=rep, data_ele=c.data_ele)
            continue
        if c.usage == "N":
            add("element.not_used", f"{c.ref} is not used in this guide", d.seq, c.ref,
                comp=c.seq, rep=rep, data_ele=c.data_ele, value=v)
            continue
        bad = check_value(c, v, decimal=decimal, ascii_only=ascii_only)
        if bad:
            add(bad[0], bad[1], d.seq, c.ref, comp=c.seq, rep=rep, data_ele=c.data_ele, value=v)
    for rule in d.syntax:
        _rule(rule, presence, d, add, composite=d.seq)


def _rule(rule: SyntaxRule, presence: list[bool], owner: SegmentDef | CompositeDef,
          add: object, composite: int | None = None) -> None:
    assert callable(add)
    items = owner.elements if isinstance(owner, SegmentDef) else owner.components
    by_seq = {e.seq: (i, e) for i, e in enumerate(items)}

    def has(p: int) -> bool:
        return p in by_seq and presence[by_seq[p][0]]

    ps = rule.positions
    here = [p for p in ps if has(p)]
    first = ps[0]
    tag = owner.tag if isinstance(owner, SegmentDef) else owner.ref

    def report(code: str, p: int, why: str) -> None:
        ref = by_seq[p][1].ref if p in by_seq else f"{tag}{p:02d}"
        if composite is None:
            add(code, f"syntax note {rule.text} violated: {why}", p, ref,
                data_ele=by_seq[p][1].data_ele if p in by_seq else None)
        else:
            add(code, f"syntax note {rule.text} violated: {why}", composite, ref, comp=p)

    if rule.kind == "P" and here and len(here) != len(ps):
        missing = [p for p in ps if not has(p)]
        report("element.conditional_missing", missing[0], f"{_refs(tag, here)} present "
               f"requires {_refs(tag, missing)}")
    elif rule.kind == "R" and not here:
        report("element.conditional_missing", first, f"at least one of {_refs(tag, ps)} is "
               "required")
    elif rule.kind == "E" and len(here) > 1:
        report("element.exclusion", here[1], f"only one of {_refs(tag, ps)} may be present")
    elif rule.kind == "C" and has(first):
        missing = [p for p in ps[1:] if not has(p)]
        if missing:
            report("element.conditional_missing", missing[0], f"{_refs(tag, [first])} present "
                   f"requires {_refs(tag, missing)}")
    elif rule.kind == "L" and has(first) and len(here) < 2:
        report("element.conditional_missing", ps[1], f"{_refs(tag, [first])} present requires"
               f" at least one of {_refs(tag, ps[1:])}")


def _refs(tag: str, ps: list[int] | tuple[int, ...]) -> str:
    return ", ".join(f"{tag}{p:02d}" for p in ps)


def _text(reps: list[list[str]]) -> str:
    return "^".join(":".join(c) for c in reps)
