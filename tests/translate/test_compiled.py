"""The compiled maps (gateway/translate/compiled.py) give what the reference path gives.

Every set is translated both ways: the compiled form's JSON, when it vouches for the set, must
equal ``translate_message`` then ``canonical.compact_json``, key order
included; when it does not (None), the reference path decides. On generated records and on the
benchmark's files the compiled form must vouch (else it would be a slow path in disguise).
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic_core import to_json

from gateway.benchgen import generate_x12_translate
from gateway.canonical import compact_json
from gateway.stream import Message
from gateway.translate import run as translate_run
from gateway.translate.compiled import _n2, compiled, translate_json, translate_text
from gateway.translate.inbound import translate_message
from gateway.translate.mapfile import TranslationMap, load_map, map_for
from gateway.translate.maptest import load_orders
from gateway.translate.run import RecordText, document_json, translate_file
from gateway.validate.guides import lookup, x12_guide
from gateway.validate.run import Options, validate_file
from tests.translate.test_every_map import STRATEGIES, x12_text
from tests.translate.util import mutate

ROOT = Path(__file__).resolve().parent.parent.parent
X12_MAPS = [(v, d) for v in ("004010", "005010") for d in ("850", "855", "810")]


def _both(msg: Message, tmap: TranslationMap) -> tuple[Any, Any]:
    text = translate_text(msg, tmap)  # first: the reference path adds defects to the report
    fast = translate_json(msg, tmap)
    # the JSON text (jsontext) is the dict's JSON, byte for byte, or both are None
    assert text == (to_json(fast) if fast is not None else None)
    record = translate_message(msg, tmap)
    ref = compact_json(record) if record is not None else None
    return fast, ref


def _sets(source: Path | bytes) -> list[tuple[Any, Any]]:
    """(compiled, reference) for every accepted set of a file that a generic X12 map
    translates."""
    out: list[tuple[Any, Any]] = []

    def on(msg: Message) -> None:
        if msg.interchange.standard != "x12" or msg.report.status != "accepted":
            return
        where = map_for("x12", (msg.group.version or "")[:6], msg.report.set_id)
        if where.is_file():
            out.append(_both(msg, load_map(where)))

    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    validate_file(stream, Options(acks=False, on_message=on))
    return out


def _same(pairs: list[tuple[Any, Any]]) -> int:
    """Assert agreement; the number of sets the compiled form vouched for."""
    for fast, ref in pairs:
        if ref is None:
            assert fast is None  # never vouches for what the reference path refuses
        elif fast is not None:
            assert fast == ref
            assert list(fast) == list(ref)  # model order, as model_dump writes it
    return sum(fast is not None for fast, _ in pairs)


def test_benchmark_file_all_compiled(tmp_path: Path) -> None:
    path = tmp_path / "translate.x12"
    generate_x12_translate(path, 200_000)
    pairs = _sets(path)
    assert len(pairs) > 40
    assert _same(pairs) == len(pairs)


def test_translated_messages_leave_no_garbage_for_the_collector(tmp_path: Path) -> None:
    """A message freed when its set is done, by reference counting: no cycle keeps it (and
    its bytes) until a full collection, or a big file's memory grows with the file."""
    import gc

    path = tmp_path / "translate.x12"
    generate_x12_translate(path, 120_000)
    tmap = load_map(map_for("x12", "004010", "850"))
    seen: list[int] = []

    def on_message(msg: Message) -> None:
        if msg.report.set_id == "850":
            seen.append(translate_text(msg, tmap) is not None)
        msg.offsets()  # the error paths ask for them; that must not tie the message either

    opts = Options(acks=False, keep_reports=False, on_message=on_message)
    validate_file(path, opts)  # (compiling the map and the guide leaves some, once)
    seen.clear()
    gc.collect()
    gc.disable()
    try:
        validate_file(path, opts)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert len(seen) > 10 and all(seen)
    assert garbage == 0  # (before: three objects per message, the message among them)


def test_every_x12_fixture_agrees() -> None:
    files = sorted(p for p in (ROOT / "fixtures").rglob("*")
                   if p.is_file() and p.suffix in (".edi", ".x12", ".txt")
                   and not p.name.endswith(".acks.edi") and p.read_bytes()[:3] == b"ISA")
    assert len(files) > 20
    vouched = total = 0
    for f in files:
        pairs = _sets(f)
        vouched += _same(pairs)
        total += len(pairs)
    assert total and vouched  # both paths were exercised on real files


@pytest.mark.parametrize(("version", "doc"), X12_MAPS, ids=["/".join(m) for m in X12_MAPS])
def test_generated_records_compile_to_the_same_json(version: str, doc: str) -> None:
    tmap = load_map(map_for("x12", version, doc))
    assert compiled(tmap, x12_guide(f"{version}VICS", doc)) is not None

    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(record=STRATEGIES[f"x12/{doc}"]())
    def prop(record: BaseModel) -> None:
        text = x12_text(record, tmap)
        [(fast, ref)] = _sets(text.encode("latin-1"))
        assert ref is not None
        assert fast is not None, text
        assert fast == ref and list(fast) == list(ref)

    prop()


PO_850 = (b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240102*0304*U*"
          b"00401*000000001*0*P*>~GS*PO*SENDER*RECEIVER*20240102*0304*1*X*004010~ST*850*0001~"
          b"BEG*00*SA*PO123**20240102~PO1*1*10*EA*2.50*PE*BP*SKU1*VP*V1~PID*F****WIDGET~"
          b"PO1*2*4*CA*12*PE*BP*SKU2~CTT*2~SE*7*0001~GE*1*1~IEA*1*000000001~")


def test_the_plain_850_is_compiled() -> None:
    [(fast, ref)] = _sets(PO_850)
    assert fast is not None and fast == ref
    assert fast["lines"][0] == {"line_number": "1", "buyer_part_number": "SKU1",
                                "vendor_part_number": "V1", "description": "WIDGET",
                                "quantity": "10", "unit": "each", "unit_price": "2.50",
                                "price_basis": "per_each"}


@pytest.mark.parametrize(("before", "after", "refused"), [
    (b"PO1*1*10*EA*", b"PO1*1*10*ZZ*", "a unit missing from the code set"),
    (b"PID*F****WIDGET~", b"PID*F****WIDGET ~", "a trailing space the model refuses"),
    (b"WIDGET~", b"WIDGET~SAC*A*F050~", "an allowance without amount or percent"),
    (b"VP*V1~", b"SK*V1~", "a qualifier the map does not know"),
    (b"BEG*00*SA*PO123**20240102~",
     b"BEG*00*SA*PO123**20240102~DTM*002*20240103~DTM*002*20240104~",
     "the same date role twice"),
    (b"PO1*1*10*EA*", b"PO1*1*010*EA*", ""),  # a leading zero: Decimal normalises it
    (b"PO1*1*10*EA*2.50", b"PO1*1*10*EA*2.", ""),  # a bare decimal point
])
def test_what_the_compiled_form_does_not_vouch_for(before: bytes, after: bytes,
                                                   refused: str) -> None:
    """Sets the reference path refuses (with a defect) or changes (normalised numbers):
    the compiled form leaves them to it."""
    text = PO_850.replace(before, after)
    assert text != PO_850
    body = text[text.index(b"ST*"):text.index(b"~SE*")]
    text = text.replace(b"SE*7*", b"SE*%d*" % (body.count(b"~") + 2))  # the count, redone
    [(fast, ref)] = _sets(text)
    assert fast is None
    if refused:
        assert ref is None, refused
    else:
        assert ref is not None and ref["lines"][0]["quantity"] == "10"


@pytest.mark.parametrize("description", [b'12" WIDGET', b"WIDGET \\ BLUE"])
def test_the_json_text_escapes_what_json_escapes(description: bytes) -> None:
    """A quote or a backslash in a value: the text is still exactly the dict's JSON (the
    set takes the dict path); ``_both`` holds the two to the same bytes."""
    text = PO_850.replace(b"WIDGET", description)
    [(fast, ref)] = _sets(text)
    assert fast is not None and fast == ref
    assert fast["lines"][0]["description"] == description.decode()


def test_the_json_text_is_made_as_text_when_it_can() -> None:
    grammar = x12_guide("004010VICS", "850")
    tmap = load_map(map_for("x12", "004010", "850"))
    cm = compiled(tmap, grammar)
    assert cm is not None and cm.emit is not None
    # a canonical code the map itself writes that JSON would escape: no text form
    codes = {**tmap.codes, "unit": {**tmap.codes["unit"], "EA": 'each "unit"'}}
    quoted = compiled(tmap.model_copy(update={"codes": codes}), grammar)
    assert quoted is not None and quoted.emit is None


def test_documents_are_written_with_their_record_text() -> None:
    record = {"record_type": "invoice", "number": "INV-1"}
    for doc in ({"type": "invoice", "partner": "p", "record": record},
                {"type": "invoice", "record": record, "warnings": [{"code": "w"}]},
                {"record": record}):
        as_text = {k: (RecordText(to_json(v)) if k == "record" else v) for k, v in doc.items()}
        assert document_json(as_text) == to_json(doc)


# values a mutation puts in an element: numbers not in plain form, dates that are none,
# spaces at either end, unknown codes and qualifiers, characters JSON escapes, long text
_ODD = [b"", b"0", b"00", b"-", b"-1", b".", b"1.", b".5", b"1E5", b" A", b"A ", b"ZZ",
        b"99999999999999999999", b"20241301", b"2024", b"EA", b"CA", b"BP", b"VP", b"UP",
        b'"', b"\\", b"x" * 80, b"F", b"1", b"002", b"N"]


@pytest.mark.parametrize("seed", range(3))
def test_mutated_sets_agree(tmp_path: Path, seed: int) -> None:
    """120 element values of the benchmark's 850s and 810s replaced at random: for
    every set validation still accepts, the compiled form gives the reference JSON or leaves
    the set to it, and never raises."""
    path = tmp_path / "translate.x12"
    generate_x12_translate(path, 200_000)
    pairs = _sets(mutate(path.read_bytes(), b"~", b"*", (b"ISA", b"IEA", b"GS", b"GE", b"ST",
                                                         b"SE"), _ODD, 120, seed))
    assert len(pairs) > 20
    vouched = _same(pairs)
    assert 0 < vouched < len(pairs)  # both paths were taken


def test_maps_it_does_not_compile() -> None:
    # HL hierarchies stay with the reference path
    assert compiled(load_map(map_for("x12", "004010", "856")),
                    x12_guide("004010VICS", "856")) is None
    # two bindings writing the totals out of guide order (CTT before TDS): document order
    # and map order would differ, so the map is not compiled
    tmap = load_map(map_for("x12", "004010", "810"))
    header = list(tmap.header)
    tds = next(i for i, b in enumerate(header) if b.segment == "TDS")
    ctt = next(i for i, b in enumerate(header) if b.segment == "CTT")
    header[tds], header[ctt] = header[ctt], header[tds]
    swapped = tmap.model_copy(update={"header": header})
    assert compiled(swapped, x12_guide("004010VICS", "810")) is None
    assert compiled(tmap, x12_guide("004010VICS", "810")) is not None


def test_unvalidated_messages_take_the_reference_path() -> None:
    from gateway.x12.reader import read_x12

    tmap = load_map(map_for("x12", "004010", "850"))
    [msg] = [ev for ev in read_x12(io.BytesIO(PO_850)) if isinstance(ev, Message)]
    assert lookup(msg) is not None and translate_json(msg, tmap) is None


PARTNER_FILES = sorted((p.parent.parent.name, p) for p in
                       (ROOT / "fixtures" / "partners").glob("*/inbound/*.edi")
                       if not p.name.endswith(".acks.edi") and p.read_bytes()[:3] == b"ISA")


@pytest.mark.parametrize(("partner", "path"), PARTNER_FILES,
                         ids=[f"{p}/{f.name}" for p, f in PARTNER_FILES])
def test_partner_maps_give_the_same_output_either_way(partner: str, path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Partner maps (cross-references, defaults, business checks and their warnings) through
    ``edi-gateway translate``: the compiled form changes nothing, byte for byte."""
    orders = load_orders(path.parent.parent / "orders")
    fast = translate_file(path, partner=partner, partners_dir=ROOT / "partners", orders=orders)
    monkeypatch.setattr(translate_run, "translate_json", lambda *a, **k: None)
    slow = translate_file(path, partner=partner, partners_dir=ROOT / "partners", orders=orders)
    assert json.dumps(fast.to_json()) == json.dumps(slow.to_json())


def test_partner_maps_are_compiled() -> None:
    """At least the example partners' X12 maps with cross-references and checks take the
    compiled form (bigbox 850: tables, defaults, checks with a warning; acme 855 and 810)."""
    used: list[str] = []
    orig = translate_run.translate_json

    def spy(msg: Message, tmap: TranslationMap, **kw: Any) -> Any:
        out = orig(msg, tmap, **kw)
        if out is not None:
            used.append(tmap.source.rsplit("maps/", 1)[-1])
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(translate_run, "translate_json", spy)
        for partner, path in PARTNER_FILES:
            translate_file(path, partner=partner, partners_dir=ROOT / "partners",
                           orders=load_orders(path.parent.parent / "orders"))
    assert {"partners/bigbox/850-sdq.toml", "partners/acme-supply/810.toml",
            "partners/acme-supply/855.toml"} <= set(used)


def test_translate_command_output_is_the_same_either_way(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "translate.x12"
    generate_x12_translate(path, 60_000)
    fast = translate_file(path, partner="generic").to_json()
    monkeypatch.setattr(translate_run, "translate_json", lambda *a, **k: None)
    slow = translate_file(path, partner="generic").to_json()
    assert fast["documents"]
    assert json.dumps(fast) == json.dumps(slow)  # key order too


@given(st.from_regex(r"-?[0-9]{1,14}", fullmatch=True))
def test_implied_decimals_are_written_as_decimal_writes_them(raw: str) -> None:
    assert _n2(raw) == format(Decimal(raw).scaleb(-2), "f")


def test_records_for_the_pipeline_are_the_reference_records() -> None:
    """``translate_record`` (the pipeline's process step) gives the record
    ``translate_message`` gives, for every example partner's X12 sample."""
    from gateway.partners import PartnerRegistry

    registry = PartnerRegistry.load(ROOT / "partners")
    compared = sum(_compare_records(registry.get(partner), path,
                                    load_orders(path.parent.parent / "orders"))
                   for partner, path in PARTNER_FILES)
    assert compared >= 3


def _compare_records(profile: Any, path: Path, orders: dict[str, Any]) -> int:
    from gateway.translate.compiled import translate_record
    from gateway.translate.run import partner_map

    compared = 0

    def on(msg: Message) -> None:
        nonlocal compared
        if msg.report.status != "accepted":
            return
        version = (msg.group.version or "")[:6]
        tmap = load_map(partner_map(profile, msg.report.set_id, version, "inbound"))
        before = list(msg.report.errors)
        fast = translate_record(msg, tmap, checks=profile.checks, orders=orders.get)
        msg.report.errors[:] = before
        ref = translate_message(msg, tmap, checks=profile.checks, orders=orders.get)
        if fast is not None:
            assert fast == ref
            compared += 1

    validate_file(path, Options(acks=False, on_message=on))
    return compared


def test_threads_share_a_compiled_map(tmp_path: Path) -> None:
    """Worker threads learning the same map's steps at once get what one thread gets."""
    from concurrent.futures import ThreadPoolExecutor

    from gateway.translate import compiled as compiled_module

    path = tmp_path / "translate.x12"
    generate_x12_translate(path, 150_000)
    msgs: list[Message] = []
    validate_file(path, Options(acks=False, on_message=msgs.append))
    maps = {v: load_map(map_for("x12", "004010", v)) for v in ("850", "810")}
    alone = [translate_json(m, maps[m.report.set_id]) for m in msgs]
    compiled_module._COMPILED.clear()  # compile again, under four threads at once
    with ThreadPoolExecutor(4) as pool:
        shared = list(pool.map(lambda m: translate_json(m, maps[m.report.set_id]), msgs))
    assert all(a is not None for a in alone) and shared == alone


def test_translate_command_streams_the_same_json(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """``edi-gateway translate --json`` writes documents as they come (nothing kept: the
    output of a big file does not grow the process), one line of compact JSON with the whole
    result."""
    from gateway.cli import main as cli_main

    path = tmp_path / "translate.x12"
    generate_x12_translate(path, 60_000)
    whole = translate_file(path, partner="generic").to_json()
    assert cli_main(["translate", str(path), "--partner", "generic", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("}\n") and out.count("\n") == 1 and json.loads(out) == whole
    seen: list[dict[str, Any]] = []
    streamed = translate_file(path, partner="generic", on_document=seen.append)
    assert streamed.documents == [] and seen == whole["documents"]


def test_purchase_orders_are_kept_only_for_checks_against_them() -> None:
    from gateway.partners import PartnerRegistry

    registry = PartnerRegistry.load(ROOT / "partners")
    assert translate_run._checks_orders(registry, "acme-supply")  # 855/810 check our PO
    assert not translate_run._checks_orders(registry, "bigbox")  # its checks need no PO
    assert translate_run._checks_orders(registry, None)  # any partner may be in the file
