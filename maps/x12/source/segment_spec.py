"""Segment dictionary (X12 004010 supply-chain segments, 005010 differences)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class El:
    de: str
    usage: str = "S"
    name: str | None = None
    codes: list[str] | None = None


@dataclass
class Comp:
    de: str
    usage: str
    name: str
    parts: list[El]
    syntax: list[str] = field(default_factory=list)


@dataclass
class Seg:
    tag: str
    name: str
    elements: list[El | Comp]
    syntax: list[str] = field(default_factory=list)


def pairs(first: int, last: int, kind: str = "P") -> list[str]:
    """P0607, P0809, ... for qualifier/value pairs starting at ``first``."""
    return [f"{kind}{i:02d}{i + 1:02d}" for i in range(first, last, 2)]


def product_ids(n: int) -> list[El]:
    out: list[El] = []
    for _ in range(n):
        out += [El("235", "S"), El("234", "S")]
    return out


def c040() -> Comp:
    return Comp("C040", "S", "Reference Identifier", [
        El("128", "R"), El("127", "R"), El("128", "S"), El("127", "S"), El("128", "S"),
        El("127", "S")], ["P0304", "P0506"])


def c001() -> Comp:
    parts = [El("355", "R")]
    parts += [El("1018", "S"), El("649", "S")]
    for _ in range(4):
        parts += [El("355", "S"), El("1018", "S"), El("649", "S")]
    return Comp("C001", "S", "Composite Unit of Measure", parts,
                ["C0504", "C0604", "C0807", "C0907", "C1110", "C1210", "C1413", "C1513"])


def c030(version: str, usage: str = "R") -> Comp:
    parts = [El("722", "R"), El("1528", "S")]
    if version == "005010":
        parts.append(El("1686", "S"))
    return Comp("C030", usage, "Position in Segment", parts)


ACK_CODES_587 = ["AC", "AD", "AE", "AH", "AK", "AP", "AT", "NA", "RD", "RF", "RJ", "RN", "RO",
                 "RV", "ZZ"]
SLN_RELATIONSHIP_662 = ["A", "D", "I", "O", "S"]
AK304 = ["1", "2", "3", "4", "5", "6", "7", "8"]
AK403_4010 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
AK403_5010 = AK403_4010 + ["11", "12", "13"]
AK5_CODES = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15", "16",
             "17", "18", "19", "23", "24", "25", "26", "27"]
AK9_CODES = ["1", "2", "3", "4", "5", "6", "10", "11", "12", "13", "14", "15", "16", "17", "18",
             "19", "23", "24", "25", "26"]
IK304 = ["1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"]
IK403 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "I10", "I11",
         "I12", "I13", "I6", "I9"]
IK5_CODES = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15", "16",
             "17", "18", "19", "23", "24", "25", "26", "27", "I5", "I6"]


def segments(version: str) -> dict[str, Seg]:
    v5 = version == "005010"
    s: dict[str, Seg] = {}

    def add(seg: Seg) -> None:
        s[seg.tag] = seg

    # -- control ------------------------------------------------------------------------
    st = [El("143", "R", "Transaction Set Identifier Code"), El("329", "R")]
    if v5:
        st.append(El("1705", "S"))
    add(Seg("ST", "Transaction Set Header", st))
    add(Seg("SE", "Transaction Set Trailer", [El("96", "R"), El("329", "R")]))

    # -- shared header / detail segments ------------------------------------------------
    add(Seg("BEG", "Beginning Segment for Purchase Order", [
        El("353", "R"), El("92", "R"), El("324", "R"), El("328"), El("373", "R", "Purchase Order Date"),
        El("367"), El("587"), El("1019"), El("1166"), El("1232"), El("786"), El("640")]))
    add(Seg("BAK", "Beginning Segment for Purchase Order Acknowledgment", [
        El("353", "R"), El("587", "R", codes=ACK_CODES_587), El("324", "R"),
        El("373", "R", "Purchase Order Date"), El("328"), El("326"), El("367"), El("127"),
        El("373", "S", "Acknowledgment Date")] + ([El("640")] if v5 else [])))
    add(Seg("BSN", "Beginning Segment for Ship Notice", [
        El("353", "R"), El("396", "R"), El("373", "R", "Shipment Date"),
        El("337", "R", "Shipment Time"), El("1005"), El("640"), El("641")], ["C0706"]))
    add(Seg("BIG", "Beginning Segment for Invoice", [
        El("373", "R", "Invoice Date"), El("76", "R"), El("373", "S", "Purchase Order Date"),
        El("324"), El("328"), El("327"), El("640"), El("353"), El("306"),
        El("76", "S", "Invoice Number (Corrected)")]))
    cur = [El("98", "R"), El("100", "R"), El("280"), El("98"), El("100"), El("669")]
    for _ in range(5):
        cur += [El("374"), El("373"), El("337")]
    add(Seg("CUR", "Currency", cur, [
        "C0807", "C0907", "L101112", "C1110", "C1210", "L131415", "C1413", "C1513",
        "L161718", "C1716", "C1816", "L192021", "C2019", "C2119"]))
    add(Seg("REF", "Reference Identification", [
        El("128", "R"), El("127"), El("352"), c040()], ["R0203"]))
    add(Seg("PER", "Administrative Communications Contact", [
        El("366", "R"), El("93"), El("365"), El("364"), El("365"), El("364"), El("365"),
        El("364"), El("443")], ["P0304", "P0506", "P0708"]))
    add(Seg("FOB", "F.O.B. Related Instructions", [
        El("146", "R"), El("309"), El("352"), El("334"), El("335"), El("309"), El("352"),
        El("54"), El("352")], ["C0302", "C0405", "C0706", "C0809"]))
    add(Seg("CSH", "Sales Requirements", [
        El("563"), El("306"), El("610"), El("508"), El("373"), El("560"), El("566"),
        El("954"), El("1004")], ["P0809"]))
    add(Seg("ITD", "Terms of Sale/Deferred Terms of Sale", [
        El("336"), El("333"), El("338"), El("370"), El("351"), El("446"), El("386"),
        El("362"), El("388"), El("389"), El("342"), El("352"), El("765"), El("107"),
        El("954")], ["L03040513", "L08040513", "L091011"]))
    add(Seg("DTM", "Date/Time Reference", [
        El("374", "R"), El("373"), El("337"), El("623"), El("1250"), El("1251")],
        ["R020305", "C0403", "P0506"]))
    add(Seg("TD5", "Carrier Details (Routing Sequence/Transit Time)", [
        El("133"), El("66"), El("67"), El("91"), El("387"), El("368"), El("309"),
        El("310"), El("731"), El("732"), El("733"), El("284"), El("284"), El("284"),
        El("26")], ["R0204050612", "C0203", "C0708", "C1011", "C1312", "C1413", "C1512"]))
    add(Seg("TD1", "Carrier Details (Quantity and Weight)", [
        El("103"), El("80"), El("23"), El("22"), El("79"), El("187"), El("81"), El("355"),
        El("183"), El("355")], ["C0102", "C0304", "C0607", "P0708", "P0910"]))
    add(Seg("TD3", "Carrier Details (Equipment)", [
        El("40"), El("206"), El("207"), El("187"), El("81"), El("355"), El("102"),
        El("407"), El("225"), El("24")], ["E0110", "C0203", "C0405", "P0506"]))
    add(Seg("TD4", "Carrier Details (Special Handling, or Hazardous Materials, or Both)", [
        El("152"), El("208"), El("209"), El("352"), El("1073")], ["R010204", "C0203"]))
    add(Seg("PKG", "Marking, Packaging, Loading", [
        El("349"), El("753"), El("559"), El("754"), El("352"), El("400")],
        ["R040506", "C0403", "C0501"]))
    add(Seg("MAN", "Marks and Numbers", [
        El("88", "R"), El("87", "R"), El("87"), El("88"), El("87"), El("87")],
        ["P0405", "C0604"]))
    add(Seg("N9", "Reference Identification", [
        El("128", "R"), El("127"), El("369"), El("373"), El("337"), El("623"), c040()],
        ["R0203", "C0605"]))
    add(Seg("MSG", "Message Text", [El("933", "R"), El("934"), El("1470")], ["C0302"]))
    add(Seg("NTE", "Note/Special Instruction", [El("363"), El("352", "R")]))
    add(Seg("N1", "Name", [
        El("98", "R"), El("93"), El("66"), El("67"), El("706"), El("98")],
        ["R0203", "P0304"]))
    add(Seg("N2", "Additional Name Information", [El("93", "R"), El("93")]))
    add(Seg("N3", "Address Information", [El("166", "R"), El("166")]))
    n4 = [El("19"), El("156"), El("116"), El("26"), El("309"), El("310")]
    n4_syntax = ["C0605"]
    if v5:
        n4.append(El("1715"))
        n4_syntax = ["E0207", "C0605", "C0704"]
    add(Seg("N4", "Geographic Location", n4, n4_syntax))
    po1 = [El("350"), El("330"), El("355"), El("212"), El("639")] + product_ids(10)
    add(Seg("PO1", "Baseline Item Data", po1, ["C0302", "C0504"] + pairs(6, 25)))
    it1 = [El("350"), El("358"), El("355"), El("212"), El("639")] + product_ids(10)
    add(Seg("IT1", "Baseline Item Data (Invoice)", it1, ["P020304"] + pairs(6, 25)))
    add(Seg("PID", "Product/Item Description", [
        El("349", "R"), El("750"), El("559"), El("751"), El("352"), El("752"), El("822"),
        El("1073"), El("819")], ["C0403", "R0405", "C0703", "C0804", "C0905"]))
    add(Seg("MEA", "Measurements", [
        El("737"), El("738"), El("739"), c001(),
        El("740"), El("741"), El("935"), El("936"), El("752"), El("1373")],
        ["R03050608", "C0504", "C0604", "L07030506", "E0803"]))
    add(Seg("PWK", "Paperwork", [
        El("755", "R"), El("756"), El("757"), El("98"), El("66"), El("67"), El("352")],
        ["P0506"]))
    add(Seg("PO4", "Item Physical Details", [
        El("356"), El("357"), El("355"), El("103"), El("187"), El("384"), El("355"),
        El("385"), El("355"), El("82"), El("189"), El("65"), El("355"), El("810"),
        El("752"), El("350"), El("350"), El("1470")],
        ["C0302", "P0607", "P0809", "C1013", "C1113", "C1213", "L13101112", "C1603",
         "E1617", "C1703"]))
    add(Seg("SAC", "Service, Promotion, Allowance, or Charge Information", [
        El("248", "R"), El("1300"), El("559"), El("1301"), El("610"), El("378"), El("332"),
        El("118"), El("355"), El("380"), El("380"), El("331"), El("127"), El("770"),
        El("352"), El("819")],
        ["R0203", "P0304", "P0607", "P0910", "C1110", "C1413", "C1615", "L130204"]))
    sdq = [El("355", "R"), El("66"), El("67", "R"), El("380", "R")]
    for _ in range(9):
        sdq += [El("67"), El("380")]
    sdq.append(El("310"))
    add(Seg("SDQ", "Destination Quantity", sdq, pairs(5, 22)))
    add(Seg("TC2", "Commodity", [El("23", "R"), El("22", "R")]))
    add(Seg("TXI", "Tax Information", [
        El("963", "R"), El("782"), El("954"), El("955"), El("956"), El("441"), El("662"),
        El("828"), El("325"), El("350")], ["R020306", "P0405", "C0803"]))
    add(Seg("CTT", "Transaction Totals", [
        El("354", "R"), El("347"), El("81"), El("355"), El("183"), El("355"), El("352")],
        ["P0304", "P0506"]))
    add(Seg("AMT", "Monetary Amount", [El("522", "R"), El("782", "R"), El("478")]))
    sln = [El("350", "R"), El("350"), El("662", "R", codes=SLN_RELATIONSHIP_662), El("380"),
           c001(), El("212"), El("639"), El("662")] + product_ids(10)
    sln_c001 = sln[4]
    assert isinstance(sln_c001, Comp)
    add(Seg("SLN", "Subline Item Detail", sln,
            ["P0405", "C0706", "C0806"] + pairs(9, 28)))
    ack = [El("668", "R"), El("380"), El("355"), El("374"), El("373"), El("326")]
    ack += product_ids(10) + [El("559"), El("822"), El("1271")]
    add(Seg("ACK", "Line Item Acknowledgment", ack,
            ["P0203", "C0405"] + pairs(7, 26) + ["C2827"]))
    add(Seg("SCH", "Line Item Schedule", [
        El("380", "R"), El("355", "R"), El("98"), El("93"), El("374", "R"), El("373", "R"),
        El("337"), El("374"), El("373"), El("337"), El("326"), El("350")],
        ["C0304", "C0809", "C1008"]))
    add(Seg("HL", "Hierarchical Level", [
        El("628", "R"), El("734"), El("735", "R"), El("736")]))
    lin = [El("350")] + [El("235", "R"), El("234", "R")] + product_ids(14)
    add(Seg("LIN", "Item Identification", lin, pairs(4, 31)))
    add(Seg("SN1", "Item Detail (Shipment)", [
        El("350"), El("382", "R"), El("355", "R"), El("646"), El("330"), El("355"),
        El("728"), El("668")], ["P0506"]))
    add(Seg("PRF", "Purchase Order Reference", [
        El("324", "R"), El("328"), El("327"), El("373", "S", "Purchase Order Date"), El("350"),
        El("367"), El("92")]))
    add(Seg("TDS", "Total Monetary Value Summary", [
        El("610", "R", "Total Invoice Amount"), El("610", "S", "Amount Subject to Terms Discount"),
        El("610", "S", "Discounted Amount Due"), El("610", "S", "Terms Discount Amount")]))
    add(Seg("CAD", "Carrier Detail", [
        El("91"), El("206"), El("207"), El("140"), El("387"), El("368"), El("128"),
        El("127"), El("284")], ["R0405", "P0708"]))
    add(Seg("ISS", "Invoice Shipment Summary", [
        El("382"), El("355"), El("81"), El("355"), El("183"), El("355")],
        ["P0102", "P0304", "P0506"]))

    # -- functional acknowledgments -------------------------------------------------------
    ak1 = [El("479", "R"), El("28", "R")] + ([El("480", "S")] if v5 else [])
    add(Seg("AK1", "Functional Group Response Header", ak1))
    ak2 = [El("143", "R"), El("329", "R")] + ([El("1705", "S")] if v5 else [])
    add(Seg("AK2", "Transaction Set Response Header", ak2))
    add(Seg("AK3", "Data Segment Note", [
        El("721", "R"), El("719", "R"), El("447"), El("720", codes=AK304)]))
    add(Seg("AK4", "Data Element Note", [
        c030(version), El("725"), El("723", "R", codes=AK403_5010 if v5 else AK403_4010),
        El("724")]))
    add(Seg("AK5", "Transaction Set Response Trailer", [
        El("717", "R")] + [El("718", codes=AK5_CODES) for _ in range(5)]))
    add(Seg("AK9", "Functional Group Response Trailer", [
        El("715", "R"), El("97", "R"), El("123", "R"), El("2", "R")]
        + [El("716", codes=AK9_CODES) for _ in range(5)]))
    if v5:
        add(Seg("IK3", "Error Identification", [
            El("721", "R"), El("719", "R"), El("447"), El("620", "R", codes=IK304)]))
        add(Seg("IK4", "Implementation Data Element Note", [
            c030(version), El("725"), El("621", "R", codes=IK403), El("724")]))
        add(Seg("CTX", "Context", [
            Comp("C998", "R", "Context Identification", [El("9999", "R"), El("9998", "S")]),
            El("721"), El("719"), El("447"), c030(version, "S"),
            Comp("C999", "S", "Reference in Segment", [El("725", "R"), El("725", "S")])],
            ["P0203"]))
        add(Seg("IK5", "Implementation Transaction Set Response Trailer", [
            El("717", "R")] + [El("618", codes=IK5_CODES) for _ in range(5)]))
    return s
