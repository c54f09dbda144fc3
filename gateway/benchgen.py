"""Seeded generators of benchmark files: X12 004010 (850/856/810) and EDIFACT D96A
(ORDERS/DESADV/INVOIC, EANCOM-like).

The same seed and size always give byte-identical files. Each interchange is built in memory
and written at once, so a 100 MB file never sits in memory. Next to every file goes
``<file>.meta.json`` with what a reader should see (interchanges, groups, sets per type,
segments, bytes); EDIFACT's UNA is a service string advice and is not counted as a segment,
and EDIFACT interchanges without UNG count no groups.

The data follows our implementation guides (maps/x12/004010, maps/edifact/D96A) so that
validation measures the path a good file takes: qualifiers and codes from the guides' code
lists, real calendar dates, correct counts and control numbers. Adapted from the shared
benchmark generators (../shared/bench/gen_x12.py, gen_edifact.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

SIZES: dict[str, int] = {"tiny": 200_000, "small": 1_000_000, "medium": 10_000_000,
                         "large": 100_000_000}
GENERATOR = 2  # bump when the output changes: cached files are then made again
X12_SEED = 4010
EDIFACT_SEED = 96

WORDS = ("WIDGET BOLT NUT WASHER BRACKET PANEL CABLE ADAPTER FILTER VALVE HOSE CLAMP GASKET "
         "SEAL SPRING BEARING SHAFT GEAR MOTOR SENSOR RED BLUE GREEN STEEL BRASS ZINC NYLON "
         "LARGE SMALL HEAVY DUTY PREMIUM STANDARD KIT PACK BOX ROLL SHEET").split()
STREETS = ("MAIN ST", "OAK AVE", "PINE RD", "MAPLE DR", "CEDAR LN", "ELM ST", "HARBOR BLVD",
           "INDUSTRIAL PKWY", "COMMERCE WAY")
CITIES = (("CHICAGO", "IL", "60601"), ("DALLAS", "TX", "75201"), ("ATLANTA", "GA", "30301"),
          ("DENVER", "CO", "80202"), ("SEATTLE", "WA", "98101"), ("BOSTON", "MA", "02108"),
          ("PHOENIX", "AZ", "85001"), ("COLUMBUS", "OH", "43004"))
COMPANIES = ("ACME CORP", "GLOBEX INC", "INITECH LLC", "UMBRELLA CO", "STARK INDUSTRIES",
             "WAYNE ENTERPRISES", "HOOLI", "VANDELAY IMPORTS")
X12_UOMS = ("EA", "CA", "BX")
SAC_CODES = ("C310", "D240", "H850", "F050", "B720")
# an order line has no taxes in the canonical model: the 850 map has no code for H850 (tax)
TRANSLATE_SAC_CODES = ("C310", "D240", "F050", "B720")
CARRIERS = ("UPSN", "FDEG", "ODFL", "RDWY")

# EDIFACT: raw text with service characters; escaped on output
SPECIAL = ("O'NEILL + SONS", "SIZE 10:12", "50% OFF? ASK", "A+B PACK", "QTY 3:1 RATIO",
           "DON'T STACK", "FRAGILE + HEAVY", "2'6 PIPE", "WHY?? NOT", "NET:30 DAYS")
EU_COMPANIES = ("ACME GMBH", "GLOBEX SA", "INITECH BV", "UMBRELLA AG", "STARK NV", "WAYNE SRL",
                "HOOLI OY", "VANDELAY AB", "O'REILLY LTD", "SMITH + CO")
EU_CITIES = (("BERLIN", "10115", "DE"), ("PARIS", "75001", "FR"), ("MILANO", "20121", "IT"),
             ("MADRID", "28001", "ES"), ("WIEN", "1010", "AT"), ("GENT", "9000", "BE"),
             ("ROTTERDAM", "3011", "NL"), ("WARSZAWA", "00-001", "PL"))
EU_STREETS = ("HAUPTSTRASSE", "RUE DE LA PAIX", "VIA ROMA", "CALLE MAYOR", "RINGSTRASSE")
EDI_UOMS = ("PCE", "KGM", "MTR", "CT", "PK")


@dataclass
class Meta:
    format: str
    version: str
    seed: int
    target_bytes: int
    interchanges: int = 0
    groups: int = 0
    sets: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    segments: int = 0
    bytes: int = 0
    escaped_values: int = 0
    generator: int = GENERATOR

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def load(cls, path: Path) -> Meta:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


class _Base:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.doc_no = 1_000_000

    def date(self) -> str:
        r = self.r
        return f"20{r.randint(20, 26):02d}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"

    def hhmm(self) -> str:
        return f"{self.r.randint(0, 23):02d}{self.r.randint(0, 59):02d}"

    def words(self) -> str:
        return " ".join(self.r.choice(WORDS) for _ in range(self.r.randint(2, 5)))


class X12Gen(_Base):
    """X12 004010, '*' elements, '>' components, '~' terminator."""

    def seg(self, out: list[str], *elems: str) -> None:
        el = list(elems)
        while el and el[-1] == "":
            el.pop()
        out.append("*".join(el) + "~")

    def price(self) -> str:
        return f"{self.r.randint(0, 999)}.{self.r.randint(0, 99):02d}"

    def sku(self) -> str:
        return f"SKU{self.r.randint(0, 9_999_999):07d}"

    def vendor_part(self) -> str:
        return f"V{self.r.randint(0, 999_999):06d}"

    def party(self, out: list[str], code: str) -> None:
        r = self.r
        city, state, zipc = r.choice(CITIES)
        self.seg(out, "N1", code, r.choice(COMPANIES), "92", f"{r.randint(0, 999_999):06d}")
        self.seg(out, "N3", f"{r.randint(1, 9999)} {r.choice(STREETS)}")
        self.seg(out, "N4", city, state, zipc, "US")

    sac_codes: tuple[str, ...] = SAC_CODES

    def t850(self, ctl: str, lines: int | None = None) -> list[str]:
        r = self.r
        out: list[str] = []
        self.seg(out, "ST", "850", ctl)
        self.doc_no += 1
        self.seg(out, "BEG", "00", "SA", f"PO{self.doc_no}", "", self.date())
        self.seg(out, "CUR", "BY", "USD")
        self.seg(out, "REF", "DP", f"{r.randint(1, 999):03d}")
        self.seg(out, "REF", "IA", f"{r.randint(0, 99_999_999):08d}")
        self.seg(out, "DTM", "002", self.date())
        self.party(out, "ST")
        self.party(out, "BT")
        n = r.randint(10, 50) if lines is None else lines
        for i in range(1, n + 1):
            self.seg(out, "PO1", str(i), str(r.randint(1, 500)), r.choice(X12_UOMS),
                     self.price(), "PE", "BP", self.sku(), "VP", self.vendor_part())
            self.seg(out, "PID", "F", "", "", "", self.words())
            if r.random() < 0.2:
                self.seg(out, "SAC", r.choice("AC"), r.choice(self.sac_codes), "", "",
                         str(r.randint(100, 99_999)))
        self.seg(out, "CTT", str(n))
        self.seg(out, "SE", str(len(out) + 1), ctl)
        return out

    def t856(self, ctl: str) -> list[str]:
        r = self.r
        out: list[str] = []
        self.seg(out, "ST", "856", ctl)
        self.doc_no += 1
        self.seg(out, "BSN", "00", f"SH{self.doc_no}", self.date(), self.hhmm())
        self.seg(out, "DTM", "011", self.date())
        self.seg(out, "HL", "1", "", "S")
        self.seg(out, "TD1", "CTN25", str(r.randint(1, 40)), "", "", "", "G",
                 str(r.randint(1, 900)), "LB")
        self.seg(out, "TD5", "B", "2", r.choice(CARRIERS), "M")
        self.seg(out, "REF", "BM", f"BOL{r.randint(0, 999_999_999):09d}")
        self.party(out, "SF")
        self.party(out, "ST")
        hl = 1
        for _o in range(r.randint(1, 3)):
            hl += 1
            order_hl = hl
            self.seg(out, "HL", str(order_hl), "1", "O")
            self.doc_no += 1
            self.seg(out, "PRF", f"PO{self.doc_no}", "", "", self.date())
            for _p in range(r.randint(1, 4)):
                hl += 1
                pack_hl = hl
                self.seg(out, "HL", str(pack_hl), str(order_hl), "P")
                self.seg(out, "MAN", "GM", sscc18(r))
                for _i in range(r.randint(1, 5)):
                    hl += 1
                    self.seg(out, "HL", str(hl), str(pack_hl), "I")
                    self.seg(out, "LIN", "", "BP", self.sku(), "VP", self.vendor_part())
                    self.seg(out, "SN1", "", str(r.randint(1, 100)), r.choice(X12_UOMS))
                    self.seg(out, "PID", "F", "", "", "", self.words())
        self.seg(out, "CTT", str(hl))
        self.seg(out, "SE", str(len(out) + 1), ctl)
        return out

    def t810(self, ctl: str, lines: int | None = None) -> list[str]:
        r = self.r
        out: list[str] = []
        self.seg(out, "ST", "810", ctl)
        self.doc_no += 1
        self.seg(out, "BIG", self.date(), f"INV{self.doc_no}", "", f"PO{self.doc_no - 7}")
        self.seg(out, "REF", "IA", f"{r.randint(0, 99_999_999):08d}")
        self.party(out, "BT")
        self.party(out, "ST")
        n = r.randint(5, 40) if lines is None else lines
        total = 0
        for i in range(1, n + 1):
            q, cents = r.randint(1, 500), r.randint(1, 99_999)
            total += q * cents
            self.seg(out, "IT1", str(i), str(q), r.choice(X12_UOMS),
                     f"{cents // 100}.{cents % 100:02d}", "", "BP", self.sku(), "VP",
                     self.vendor_part())
            self.seg(out, "PID", "F", "", "", "", self.words())
        self.seg(out, "TDS", str(total))
        self.seg(out, "CAD", "M", "", "", r.choice(CARRIERS[:2]), "GROUND")
        self.seg(out, "CTT", str(n))
        self.seg(out, "SE", str(len(out) + 1), ctl)
        return out


def sscc18(r: random.Random) -> str:
    """An SSCC-18 with extension digit 0 and a correct GS1 check digit."""
    body = f"0{r.randint(0, 10**16 - 1):016d}"
    return "00" + body + gs1_check_digit(body)


def gs1_check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


X12_FUNC = {"850": "PO", "856": "SH", "810": "IN"}
X12_MIX = (("850", 6.0), ("856", 2.0), ("810", 2.0))
# the translate benchmark's input: the sets the generic maps carry (856 has no map yet)
X12_TRANSLATE_MIX = (("850", 6.0), ("810", 4.0))
Mix = tuple[tuple[str, float], ...]


def varied_lines(r: random.Random) -> int:
    """Line items of one document in the translate files: mostly small orders and invoices,
    some medium, a few large ones (a 250-line order is ~25 KB of X12)."""
    x = r.random()
    if x < 0.5:
        return r.randint(1, 10)
    if x < 0.9:
        return r.randint(11, 60)
    return r.randint(61, 250)


def generate_x12(path: Path, target_bytes: int, seed: int = X12_SEED, *, mix: Mix = X12_MIX,
                 varied: bool = False, sac_codes: tuple[str, ...] = SAC_CODES) -> Meta:
    """``varied``: documents of very different sizes (``varied_lines``) instead of 10-50
    (850) and 5-40 (810) lines; the 856 always keeps its own shape. ``sac_codes``: the
    SAC02 codes of 850 lines."""
    g = X12Gen(seed)
    g.sac_codes = sac_codes
    r = g.r
    kinds, weights = [k for k, _ in mix], [w for _, w in mix]
    meta = Meta("x12", "004010", seed, target_bytes, by_type={k: 0 for k in kinds})
    makers: dict[str, Callable[[str, int | None], list[str]]] = {
        "850": g.t850, "856": lambda ctl, _lines: g.t856(ctl), "810": g.t810}
    with open(path, "wb") as fh:
        while meta.bytes < target_bytes:
            isa_ctl = meta.interchanges + 1
            stamp = f"{r.randint(20, 26):02d}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
            hhmm = g.hhmm()
            sender = f"SENDER{r.randint(0, 9999):04d}"
            receiver = f"RECEIVER{r.randint(0, 9999):04d}"
            out = [f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{receiver:<15}*{stamp}*"
                   f"{hhmm}*U*00401*{isa_ctl:09d}*0*P*>~"]
            n_groups = r.randint(1, 4)
            for gi in range(1, n_groups + 1):
                kind = r.choices(kinds, weights)[0]
                gs_ctl = str(isa_ctl * 100 + gi)
                g.seg(out, "GS", X12_FUNC[kind], sender, receiver, "20" + stamp, hhmm, gs_ctl,
                      "X", "004010")
                n_sets = r.randint(5, 40 if target_bytes >= 1_000_000 else 10)
                for ti in range(1, n_sets + 1):
                    out.extend(makers[kind](f"{ti:04d}", varied_lines(r) if varied else None))
                meta.by_type[kind] += n_sets
                meta.sets += n_sets
                g.seg(out, "GE", str(n_sets), gs_ctl)
            g.seg(out, "IEA", str(n_groups), f"{isa_ctl:09d}")
            data = "".join(out).encode("ascii")
            fh.write(data)
            meta.bytes += len(data)
            meta.interchanges += 1
            meta.groups += n_groups
            meta.segments += len(out)
    _write_meta(path, meta)
    return meta


class EdifactGen(_Base):
    """EDIFACT D96A with UNA:+.? ' (release character '?')."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.escaped = 0

    def esc(self, s: str) -> str:
        if any(c in s for c in "?+:'"):
            self.escaped += 1
            s = s.replace("?", "??").replace("+", "?+").replace(":", "?:").replace("'", "?'")
        return s

    def seg(self, out: list[str], tag: str, *elems: str | tuple[str, ...]) -> None:
        parts = [tag]
        for e in elems:
            if isinstance(e, tuple):
                c = list(e)
                while c and c[-1] == "":
                    c.pop()
                parts.append(":".join(c))
            else:
                parts.append(e)
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        out.append("+".join(parts) + "'")

    def text(self, p_special: float = 0.15) -> str:
        """Free text of at most 35 characters, escaped after truncation."""
        r = self.r
        raw = f"{r.choice(SPECIAL)} {r.choice(WORDS)}" if r.random() < p_special else \
            self.words()
        return self.esc(raw[:35].rstrip())

    def gln(self) -> str:
        body = f"{self.r.randint(0, 10**12 - 1):012d}"
        return body + gs1_check_digit(body)

    def amount(self, lo: int = 1, hi: int = 99_999) -> str:
        v = self.r.randint(lo * 100, hi * 100)
        return f"{v // 100}.{v % 100:02d}"

    def nad(self, out: list[str], qual: str, contact: bool = False) -> None:
        r = self.r
        city, pc, cc = r.choice(EU_CITIES)
        self.seg(out, "NAD", qual, (self.gln(), "", "9"), "", self.esc(r.choice(EU_COMPANIES)),
                 f"{r.choice(EU_STREETS)} {r.randint(1, 200)}", city, "", pc, cc)
        if contact:
            self.seg(out, "CTA", "PD", ("", self.esc(r.choice(EU_COMPANIES))))
            self.seg(out, "COM", (f"0049{r.randint(0, 999_999_999):09d}", "TE"))

    def dtm(self, out: list[str], qual: str) -> None:
        self.seg(out, "DTM", (qual, self.date(), "102"))

    def orders(self, ref: str, lines: int | None = None) -> list[str]:
        r = self.r
        out: list[str] = []
        self.seg(out, "UNH", ref, ("ORDERS", "D", "96A", "UN", "EAN008"))
        self.doc_no += 1
        self.seg(out, "BGM", "220", f"PO{self.doc_no}", "9")
        self.dtm(out, "137")
        self.dtm(out, "2")
        self.seg(out, "FTX", "AAI", "", "", (self.text(0.5),))
        self.seg(out, "RFF", ("CT", f"C{r.randint(0, 9_999_999):07d}"))
        self.nad(out, "BY", contact=True)
        self.nad(out, "SU")
        self.nad(out, "DP")
        self.seg(out, "CUX", ("2", "EUR", "9"))
        n = r.randint(10, 50) if lines is None else lines
        for i in range(1, n + 1):
            self.seg(out, "LIN", str(i), "", (self.gln(), "EN"))
            self.seg(out, "PIA", "1", (f"ART{r.randint(0, 999_999):06d}", "SA"))
            self.seg(out, "IMD", "F", "", ("", "", "", self.text()))
            self.seg(out, "QTY", ("21", str(r.randint(1, 999)), r.choice(EDI_UOMS)))
            if r.random() < 0.3:
                self.dtm(out, "2")
            self.seg(out, "PRI", ("AAA", self.amount(1, 999)))
        self.seg(out, "UNS", "S")
        self.seg(out, "CNT", ("2", str(n)))
        self.seg(out, "UNT", str(len(out) + 1), ref)
        return out

    def desadv(self, ref: str) -> list[str]:
        r = self.r
        out: list[str] = []
        self.seg(out, "UNH", ref, ("DESADV", "D", "96A", "UN", "EAN005"))
        self.doc_no += 1
        self.seg(out, "BGM", "351", f"DES{self.doc_no}", "9")
        self.dtm(out, "137")
        self.dtm(out, "11")
        self.seg(out, "RFF", ("ON", f"PO{r.randint(1_000_000, 9_999_999)}"))
        self.nad(out, "SU")
        self.nad(out, "DP")
        self.seg(out, "CPS", "1")
        self.seg(out, "PAC", str(r.randint(1, 20)), "", "PX")
        cps = 1
        lines = 0
        for _p in range(r.randint(1, 6)):
            cps += 1
            self.seg(out, "CPS", str(cps), "1")
            self.seg(out, "PAC", "1", "", "CT")
            self.seg(out, "PCI", "33E")
            self.seg(out, "GIN", "BJ", sscc18(r))
            for _i in range(r.randint(1, 6)):
                lines += 1
                self.seg(out, "LIN", str(lines), "", (self.gln(), "EN"))
                self.seg(out, "PIA", "1", (f"ART{r.randint(0, 999_999):06d}", "SA"))
                self.seg(out, "QTY", ("12", str(r.randint(1, 999)), r.choice(EDI_UOMS)))
                self.seg(out, "RFF", ("ON", f"PO{r.randint(1_000_000, 9_999_999)}"))
        self.seg(out, "CNT", ("2", str(lines)))
        self.seg(out, "UNT", str(len(out) + 1), ref)
        return out

    def invoic(self, ref: str, lines: int | None = None, note: str = "REG") -> list[str]:
        r = self.r
        out: list[str] = []
        self.seg(out, "UNH", ref, ("INVOIC", "D", "96A", "UN", "EAN008"))
        self.doc_no += 1
        self.seg(out, "BGM", "380", f"INV{self.doc_no}", "9")
        self.dtm(out, "137")
        self.seg(out, "FTX", note, "", "", (self.text(0.5),))
        self.seg(out, "RFF", ("ON", f"PO{r.randint(1_000_000, 9_999_999)}"))
        self.nad(out, "SU")
        self.nad(out, "BY")
        self.seg(out, "CUX", ("2", "EUR", "4"))
        self.seg(out, "PAT", "1", "", ("5", "3", "D", "30"))
        n = r.randint(5, 40) if lines is None else lines
        total = 0
        for i in range(1, n + 1):
            q, cents = r.randint(1, 500), r.randint(1, 99_999)
            total += q * cents
            self.seg(out, "LIN", str(i), "", (self.gln(), "EN"))
            self.seg(out, "IMD", "F", "", ("", "", "", self.text()))
            self.seg(out, "QTY", ("47", str(q), r.choice(EDI_UOMS)))
            self.seg(out, "MOA", ("203", _money(q * cents)))
            self.seg(out, "PRI", ("AAA", _money(cents)))
            self.seg(out, "TAX", "7", ("VAT",), "", "", ("", "", "", "19"), "S")
        self.seg(out, "UNS", "S")
        self.seg(out, "CNT", ("2", str(n)))
        self.seg(out, "MOA", ("79", _money(total)))
        self.seg(out, "MOA", ("77", _money(total * 119 // 100)))
        self.seg(out, "TAX", "7", ("VAT",), "", "", ("", "", "", "19"), "S")
        self.seg(out, "MOA", ("124", _money(total * 19 // 100)))
        self.seg(out, "UNT", str(len(out) + 1), ref)
        return out


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


EDIFACT_MIX = (("ORDERS", 5.0), ("DESADV", 2.0), ("INVOIC", 3.0))
UNA = "UNA:+.? '"


EDIFACT_TRANSLATE_MIX = (("ORDERS", 6.0), ("INVOIC", 4.0))


def generate_edifact(path: Path, target_bytes: int, seed: int = EDIFACT_SEED, *,
                     mix: Mix = EDIFACT_MIX, varied: bool = False,
                     invoice_note: str = "REG") -> Meta:
    """``varied``: as for ``generate_x12``; DESADV keeps its own shape. ``invoice_note``:
    the INVOIC FTX subject code."""
    g = EdifactGen(seed)
    r = g.r
    kinds, weights = [k for k, _ in mix], [w for _, w in mix]
    meta = Meta("edifact", "D96A", seed, target_bytes, by_type={k: 0 for k in kinds})
    makers: dict[str, Callable[[str, int | None], list[str]]] = {
        "ORDERS": g.orders, "DESADV": lambda ref, _lines: g.desadv(ref),
        "INVOIC": lambda ref, lines: g.invoic(ref, lines, invoice_note)}
    with open(path, "wb") as fh:
        while meta.bytes < target_bytes:
            icn = meta.interchanges + 1
            stamp = f"{r.randint(20, 26):02d}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
            ref = f"ICR{icn:08d}"
            out = [UNA]
            g.seg(out, "UNB", ("UNOC", "3"), (g.gln(), "14"), (g.gln(), "14"),
                  (stamp, g.hhmm()), ref, "", "", "", "1")  # UNB0031 = 1: CONTRL wanted
            n = r.randint(5, 120 if target_bytes >= 1_000_000 else 20)
            for mi in range(1, n + 1):
                kind = r.choices(kinds, weights)[0]
                out.extend(makers[kind](f"M{mi:05d}", varied_lines(r) if varied else None))
                meta.by_type[kind] += 1
            g.seg(out, "UNZ", str(n), ref)
            data = "".join(out).encode("ascii")
            fh.write(data)
            meta.bytes += len(data)
            meta.interchanges += 1
            meta.sets += n
            meta.segments += len(out) - 1  # not the UNA
    meta.escaped_values = g.escaped
    _write_meta(path, meta)
    return meta


def _write_meta(path: Path, meta: Meta) -> None:
    meta_path(path).write_text(json.dumps(meta.to_json(), indent=1, sort_keys=True) + "\n",
                               encoding="utf-8")


def generate_x12_translate(path: Path, target_bytes: int, seed: int = X12_SEED + 1) -> Meta:
    """850s and 810s of varied sizes: what the generic 004010 maps translate."""
    return generate_x12(path, target_bytes, seed, mix=X12_TRANSLATE_MIX, varied=True,
                        sac_codes=TRANSLATE_SAC_CODES)


def generate_edifact_translate(path: Path, target_bytes: int,
                               seed: int = EDIFACT_SEED + 1) -> Meta:
    """ORDERS and INVOIC of varied sizes: what the D96A translation maps cover (their invoice
    notes are general information, AAI: the INVOIC map has no topic for REG)."""
    return generate_edifact(path, target_bytes, seed, mix=EDIFACT_TRANSLATE_MIX, varied=True,
                            invoice_note="AAI")


GENERATORS: dict[str, Callable[[Path, int], Meta]] = {
    "x12": generate_x12, "edifact": generate_edifact, "x12-translate": generate_x12_translate,
    "edifact-translate": generate_edifact_translate}


def ensure(directory: Path, fmt: str, size: str) -> tuple[Path, Meta]:
    """The generated file for ``fmt`` and ``size`` in ``directory``; made only when missing
    (or when its sidecar does not match)."""
    path = directory / f"{fmt}_{size}.{'x12' if fmt.startswith('x12') else 'edi'}"
    mp = meta_path(path)
    if path.exists() and mp.exists():
        meta: Meta | None
        try:
            meta = Meta.load(mp)
        except (ValueError, TypeError):
            meta = None
        if meta is not None and meta.bytes == path.stat().st_size and \
                meta.target_bytes == SIZES[size] and meta.generator == GENERATOR:
            return path, meta
    directory.mkdir(parents=True, exist_ok=True)
    return path, GENERATORS[fmt](path, SIZES[size])
