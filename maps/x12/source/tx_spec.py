"""Transaction set structures. Positions are table * 1000 + the standard's position."""

from __future__ import annotations

from dataclasses import dataclass, field

UNB = ">1"


@dataclass
class S:
    tag: str
    usage: str
    max_use: str | int
    pos: int


@dataclass
class L:
    loop_id: str
    name: str
    usage: str
    repeat: str | int
    children: list[S | L] = field(default_factory=list)

    @property
    def pos(self) -> int:
        return self.children[0].pos


def n1_loop(base: int, repeat: str | int = 200, extra: list[S | L] | None = None,
            n4_max: str | int = UNB, per_max: str | int = 3) -> L:
    kids: list[S | L] = [
        S("N1", "R", 1, base), S("N2", "S", 2, base + 10), S("N3", "S", 2, base + 20),
        S("N4", "S", n4_max, base + 30), S("REF", "S", 12, base + 50),
        S("PER", "S", per_max, base + 60)]
    kids += extra or []
    return L("N1", "Party Identification", "S", repeat, kids)


def n9_loop(base: int, msg_max: str | int = 1000) -> L:
    return L("N9", "Reference Identification", "S", 1000, [
        S("N9", "R", 1, base), S("DTM", "S", UNB, base + 5), S("MSG", "S", msg_max, base + 10)])


def sac_loop(base: int, second: str = "CUR", second_max: str | int = 1) -> L:
    return L("SAC", "Service, Promotion, Allowance, or Charge Information", "S", 25, [
        S("SAC", "R", 1, base), S(second, "S", second_max, base + 5)])


def carrier(base: int, td1_max: str | int = 2) -> list[S | L]:
    return [S("TD1", "S", td1_max, base), S("TD5", "S", 12, base + 10),
            S("TD3", "S", 12, base + 20), S("TD4", "S", 5, base + 30)]


def ctt_loop() -> L:
    return L("CTT", "Transaction Totals", "S", 1, [S("CTT", "R", 1, 3010), S("AMT", "S", 1, 3020)])


def header_850_855(first: str) -> list[S | L]:
    return [
        S(first, "R", 1, 1020),
        S("CUR", "S", 1, 1040),
        S("REF", "S", UNB, 1050),
        S("PER", "S", 3, 1060),
        S("FOB", "S", UNB, 1080),
        S("CSH", "S", 5, 1095),
        sac_loop(1100),
        S("ITD", "S", UNB, 1110),
        S("DTM", "S", 10, 1130),
        S("PID", "S", 200, 1160),
        S("MEA", "S", 40, 1165),
        S("PWK", "S", 25, 1170),
        S("PKG", "S", 200, 1180),
        *carrier(1190),
        S("MAN", "S", 10, 1230),
        S("TXI", "S", UNB, 1255),
        n9_loop(1295),
        n1_loop(1310, 200, [S("FOB", "S", 1, 1385), *carrier(1390), S("PKG", "S", 200, 1430)],
                per_max=UNB),
    ]


def line_common() -> list[S | L]:
    """PO1 loop content shared by the 850 and 855 up to the line-level DTM/carrier block."""
    return [
        S("PO1", "R", 1, 2010),
        S("LIN", "S", UNB, 2015),
        S("CUR", "S", 1, 2020),
        S("MEA", "S", 40, 2049),
        L("PID", "Product/Item Description", "S", 1000, [
            S("PID", "R", 1, 2050), S("MEA", "S", 10, 2060)]),
        S("PWK", "S", 25, 2070),
        S("PO4", "S", UNB, 2090),
        S("REF", "S", UNB, 2100),
        S("PER", "S", 3, 2110),
        sac_loop(2130),
        S("ITD", "S", 2, 2140),
        S("TXI", "S", UNB, 2160),
        S("FOB", "S", UNB, 2170),
        S("SDQ", "S", 500, 2180),
        S("DTM", "S", 10, 2200),
        S("TC2", "S", UNB, 2210),
        S("TD1", "S", 1, 2220), S("TD5", "S", 12, 2230), S("TD3", "S", 12, 2240),
        S("TD4", "S", 5, 2250),
        S("MAN", "S", 10, 2260),
        S("MSG", "S", UNB, 2265),
    ]


def sln_loop(base: int) -> L:
    return L("SLN", "Subline Item Detail", "S", 1000, [
        S("SLN", "R", 1, base), S("MSG", "S", UNB, base + 5), S("PID", "S", 1000, base + 10),
        S("PO4", "S", 1, base + 20), S("DTM", "S", 10, base + 30),
        L("SAC", "Service, Promotion, Allowance, or Charge Information", "S", 25, [
            S("SAC", "R", 1, base + 40), S("CUR", "S", 1, base + 45)]),
        L("N1", "Party Identification", "S", 10, [
            S("N1", "R", 1, base + 50), S("N2", "S", 2, base + 55), S("N3", "S", 2, base + 60),
            S("N4", "S", 1, base + 65), S("REF", "S", 12, base + 70),
            S("PER", "S", 3, base + 75)]),
    ])


def tx_850() -> list[S | L]:
    return [
        S("ST", "R", 1, 1010),
        *header_850_855("BEG"),
        L("PO1", "Baseline Item Data", "R", 100000, [
            *line_common(),
            n9_loop(2330),
            n1_loop(2350, 200, [S("DTM", "S", 1, 2430), S("FOB", "S", 1, 2440),
                                *carrier(2460, 1), S("PKG", "S", 200, 2500)]),
            sln_loop(2520),
            L("AMT", "Monetary Amount", "S", UNB, [S("AMT", "R", 1, 2600),
                                                   S("REF", "S", UNB, 2610)]),
        ]),
        ctt_loop(),
        S("SE", "R", 1, 3030),
    ]


def tx_855() -> list[S | L]:
    return [
        S("ST", "R", 1, 1010),
        *header_850_855("BAK"),
        L("PO1", "Baseline Item Data", "S", 100000, [
            *line_common(),
            L("ACK", "Line Item Acknowledgment", "S", 104, [
                S("ACK", "R", 1, 2270), S("DTM", "S", 10, 2280)]),
            L("SCH", "Line Item Schedule", "S", 200, [
                S("SCH", "R", 1, 2295), S("TD1", "S", 1, 2296), S("TD5", "S", 12, 2297),
                S("TD3", "S", 12, 2298), S("TD4", "S", 5, 2299), S("REF", "S", UNB, 2300)]),
            n9_loop(2330),
            n1_loop(2350, 200, [S("DTM", "S", 1, 2430), S("FOB", "S", 1, 2440)]),
            sln_loop(2520),
        ]),
        ctt_loop(),
        S("SE", "R", 1, 3030),
    ]


def tx_856() -> list[S | L]:
    return [
        S("ST", "R", 1, 1010),
        S("BSN", "R", 1, 1020),
        S("DTM", "S", 10, 1040),
        L("HL", "Hierarchical Level", "R", 200000, [
            S("HL", "R", 1, 2010),
            S("LIN", "S", 1, 2020),
            S("SN1", "S", 1, 2030),
            S("SLN", "S", 1000, 2040),
            S("PRF", "S", 1, 2050),
            S("PO4", "S", 1, 2060),
            S("PID", "S", 200, 2070),
            S("MEA", "S", 40, 2080),
            S("PWK", "S", 25, 2090),
            S("PKG", "S", 25, 2100),
            S("TD1", "S", 20, 2110),
            S("TD5", "S", 12, 2120),
            S("TD3", "S", 12, 2130),
            S("TD4", "S", 5, 2140),
            S("REF", "S", UNB, 2150),
            S("PER", "S", 3, 2160),
            S("MAN", "S", UNB, 2190),
            S("DTM", "S", 10, 2200),
            S("FOB", "S", 1, 2210),
            n1_loop(2220, 200, [S("FOB", "S", 1, 2290)], n4_max=1),
            S("SDQ", "S", 50, 2300),
            L("SAC", "Service, Promotion, Allowance, or Charge Information", "S", 25, [
                S("SAC", "R", 1, 2330), S("CUR", "S", 1, 2335)]),
        ]),
        S("CTT", "S", 1, 3010),
        S("SE", "R", 1, 3020),
    ]


def tx_810() -> list[S | L]:
    return [
        S("ST", "R", 1, 1010),
        S("BIG", "R", 1, 1020),
        S("NTE", "S", 100, 1030),
        S("CUR", "S", 1, 1040),
        S("REF", "S", 12, 1050),
        S("PER", "S", 3, 1060),
        n1_loop(1070, 200, n4_max=1),
        S("ITD", "S", UNB, 1130),
        S("DTM", "S", 10, 1140),
        S("FOB", "S", 1, 1150),
        S("PID", "S", 200, 1160),
        S("MEA", "S", 40, 1170),
        S("PWK", "S", 25, 1180),
        S("PKG", "S", 25, 1190),
        n9_loop(1240, 10),
        L("IT1", "Baseline Item Data (Invoice)", "S", 200000, [
            S("IT1", "R", 1, 2010),
            S("CUR", "S", 1, 2020),
            S("TXI", "S", 10, 2040),
            S("MEA", "S", 40, 2055),
            L("PID", "Product/Item Description", "S", 1000, [
                S("PID", "R", 1, 2060), S("MEA", "S", 10, 2070)]),
            S("PWK", "S", 25, 2080),
            S("PKG", "S", 25, 2090),
            S("PO4", "S", 1, 2100),
            S("ITD", "S", 2, 2110),
            S("REF", "S", UNB, 2120),
            S("PER", "S", 5, 2130),
            S("SDQ", "S", 500, 2140),
            S("DTM", "S", 10, 2150),
            S("CAD", "S", UNB, 2160),
            sac_loop(2180, "TXI", 10),
            L("SLN", "Subline Item Detail", "S", 1000, [
                S("SLN", "R", 1, 2200), S("DTM", "S", 1, 2205), S("REF", "S", UNB, 2210),
                S("PID", "S", 1000, 2220), S("SAC", "S", 25, 2230), S("TC2", "S", UNB, 2240),
                S("TXI", "S", 10, 2250)]),
            n1_loop(2260, 200, n4_max=1),
        ]),
        S("TDS", "R", 1, 3010),
        S("TXI", "S", 10, 3020),
        S("CAD", "S", 1, 3030),
        S("AMT", "S", UNB, 3035),
        sac_loop(3040, "TXI", 10),
        L("ISS", "Invoice Shipment Summary", "S", UNB, [
            S("ISS", "R", 1, 3060), S("PID", "S", 1, 3065)]),
        S("CTT", "S", 1, 3070),
        S("SE", "R", 1, 3080),
    ]


def tx_997() -> list[S | L]:
    return [
        S("ST", "R", 1, 1010),
        S("AK1", "R", 1, 1020),
        L("AK2", "Transaction Set Response Header", "S", UNB, [
            S("AK2", "R", 1, 1030),
            L("AK3", "Data Segment Note", "S", UNB, [
                S("AK3", "R", 1, 1040), S("AK4", "S", 99, 1050)]),
            S("AK5", "R", 1, 1060),
        ]),
        S("AK9", "R", 1, 1070),
        S("SE", "R", 1, 1080),
    ]


def tx_999() -> list[S | L]:
    return [
        S("ST", "R", 1, 1010),
        S("AK1", "R", 1, 1020),
        L("AK2", "Transaction Set Response Header", "S", UNB, [
            S("AK2", "R", 1, 1030),
            L("IK3", "Error Identification", "S", UNB, [
                S("IK3", "R", 1, 1040), S("CTX", "S", 10, 1050),
                L("IK4", "Implementation Data Element Note", "S", UNB, [
                    S("IK4", "R", 1, 1060), S("CTX", "S", 10, 1070)]),
            ]),
            S("IK5", "R", 1, 1080),
        ]),
        S("AK9", "R", 1, 1090),
        S("SE", "R", 1, 1100),
    ]


# set id -> (functional id, name, structure builder, per-map element overrides)
SETS = {
    "850": ("PO", "Purchase Order", tx_850),
    "855": ("PR", "Purchase Order Acknowledgment", tx_855),
    "856": ("SH", "Ship Notice/Manifest", tx_856),
    "810": ("IN", "Invoice", tx_810),
    "997": ("FA", "Functional Acknowledgment", tx_997),
    "999": ("FA", "Implementation Acknowledgment", tx_999),
}
