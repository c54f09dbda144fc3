"""Broken profiles give exactly the ``file:line: field: message`` lines a person needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from gateway.errors import ConfigError
from gateway.partners import PartnerRegistry, ProfileErrors, load_folder
from gateway.partners.loader import key_lines

from .conftest import BASE, Write


def errors() -> list[str]:
    loaded, errs = load_folder("partners")
    return [e.message for e in errs]


def test_wrong_type(write: Write) -> None:
    write("tp.toml", BASE.replace('name = "Test Partner"', "name = 12"))
    assert errors() == ["partners/tp.toml:2: name: Input should be a valid string (got 12)"]


def test_unknown_fields_at_top_level_and_in_tables(write: Write) -> None:
    write("tp.toml", BASE + '\n[acks]\nfunctional = "997"\nsend_997 = true\n'
          + 'colour = "red"\n')
    assert errors() == [
        "partners/tp.toml:15: acks.send_997: unknown field",
        "partners/tp.toml:16: acks.colour: unknown field",
    ]


def test_unknown_top_level_field(write: Write) -> None:
    write("tp.toml", 'colour = "red"\n' + BASE)
    assert errors() == ["partners/tp.toml:1: colour: unknown field"]


def test_missing_required_fields_point_at_their_table(write: Write) -> None:
    text = BASE.replace('environment = "test"\n', "").replace('isa_id = "TESTPARTNER"\n', "")
    write("tp.toml", text)
    assert errors() == [
        "partners/tp.toml:1: environment: required field is missing",
        "partners/tp.toml:4: identities.x12[0].isa_id: required field is missing",
    ]


def test_missing_our_identity(write: Write) -> None:
    write("tp.toml", BASE.split("[us.x12]")[0])
    assert errors() == [
        "partners/tp.toml:1: us.x12: our own X12 identity is missing (the sender of what we "
        "send); add [us.x12]"]


def test_bad_control_number_ranges(write: Write) -> None:
    write("tp.toml", BASE + """
[control_numbers.interchange]
start = 5000
end = 4999

[control_numbers.group]
start = 0

[control_numbers.transaction]
end = 1_000_000_000
""")
    assert errors() == [
        "partners/tp.toml:15: control_numbers.interchange.end: end 4999 must be greater than "
        "start 5000",
        "partners/tp.toml:18: control_numbers.group.start: Input should be greater than or "
        "equal to 1 (got 0)",
        "partners/tp.toml:21: control_numbers.transaction.end: Input should be less than or "
        "equal to 999999999 (got 1000000000)",
    ]


def test_duplicate_partner_id(write: Write) -> None:
    write("a.toml", BASE)
    write("b.toml", "# the same partner again\n" + BASE.replace("TESTPARTNER", "OTHER"))
    assert errors() == ["partners/b.toml:2: id: partner id 'tp' is already used by "
                        "partners/a.toml"]


def test_duplicate_identity_across_files(write: Write) -> None:
    write("a.toml", BASE)
    write("b.toml", BASE.replace('"tp"', '"tp2"').replace(
        "[[identities.x12]]\n", '[[identities.x12]]\nisa_qualifier = "01"\nisa_id = "123456789"'
        '\n\n[[identities.x12]]\n'))
    assert errors() == [
        "partners/b.toml:9: identities.x12[1]: X12 sender ZZ/TESTPARTNER is already partner "
        "'tp' (partners/a.toml:5)"]


def test_duplicate_identity_within_a_file(write: Write) -> None:
    write("tp.toml", BASE + '\n[[identities.x12]]\nisa_qualifier = "ZZ"\n'
                            'isa_id = "TESTPARTNER"\n')
    assert errors() == ["partners/tp.toml:13: identities.x12[1]: X12 identity ZZ/TESTPARTNER "
                        "is listed twice"]


def test_toml_syntax_error(write: Write) -> None:
    write("tp.toml", BASE + '\n[acks\nfunctional = "997"\n')
    assert errors() == ["partners/tp.toml:13: toml: syntax error at column 6: Expected ']' at "
                        "the end of a table declaration"]


def test_toml_syntax_error_in_a_value(write: Write) -> None:
    write("tp.toml", BASE.replace('name = "Test Partner"', 'name = "Test Partner'))
    [line] = errors()
    assert line.startswith("partners/tp.toml:2: toml: syntax error at column ")


def test_identifier_formats(write: Write) -> None:
    write("tp.toml", BASE.replace('isa_qualifier = "ZZ"\nisa_id = "TESTPARTNER"',
                                  'isa_qualifier = "01"\nisa_id = "12345"') + """
[[identities.edifact]]
id = "5400001000018"
qualifier = "14"

[us.edifact]
id = "PADDED ID WITH A VERY LONG NAME THAT GOES ON AND ON"
""")
    assert errors() == [
        "partners/tp.toml:7: identities.x12[0].isa_id: qualifier 01 needs a DUNS number "
        "(9 digits), not '12345'",
        "partners/tp.toml:14: identities.edifact[0].id: GLN 5400001000018 has the wrong check "
        "digit (expected 9)",
        "partners/tp.toml:18: us.edifact.id: 'PADDED ID WITH A VERY LONG NAME THAT GOES ON AND "
        "ON' is not a UNB party id (1 to 35 characters, no separators)",
    ]


def test_isa_ids_do_not_carry_their_padding(write: Write) -> None:
    write("tp.toml", BASE.replace('"TESTPARTNER"', '"TESTPARTNER    "'))
    assert errors() == [
        "partners/tp.toml:7: identities.x12[0].isa_id: 'TESTPARTNER    ' has leading or "
        "trailing spaces (the ISA padding is added when writing and ignored when reading)"]


def test_documents_transports_and_syntax(write: Write) -> None:
    write("tp.toml", BASE + """
[syntax.x12]
version = "004010"
delimiters = { element = "*", component = "*", repetition = "^" }

[documents.850]
direction = "inbound"
map = "x12/005010/855"

[documents.ORDERS]
direction = "inbound"

[documents.997]
direction = "outbound"

[transports.ftp]
type = "ftp"
host = "ftp.example"

[transports.box]
type = "sftp-poll"
host = "sftp.example"
port = "twenty-two"
""")
    assert errors() == [
        "partners/tp.toml:15: syntax.x12.delimiters.component: '*' is already the element "
        "separator",
        "partners/tp.toml:24: documents.997: 997 is an acknowledgement: configure it under "
        "[acks]",
        "partners/tp.toml:27: transports.ftp: Input tag 'ftp' found using 'type' does not "
        "match any of the expected tags: 'sftp-server', 'sftp-poll', 'as2', 'rest', 'folder'",
        "partners/tp.toml:31: transports.box.username: required field is missing",
        "partners/tp.toml:31: transports.box.host_key: required field is missing",
        "partners/tp.toml:31: transports.box.remote_inbox: required field is missing",
        "partners/tp.toml:34: transports.box.port: Input should be a valid integer, unable to "
        "parse string as an integer (got 'twenty-two')",
    ]


def test_cross_field_rules_come_once_fields_are_valid(write: Write) -> None:
    write("tp.toml", BASE + """
[syntax.x12]
version = "004010"

[syntax.x12.delimiters]
repetition = "^"
""")
    assert errors() == ["partners/tp.toml:17: syntax.x12.delimiters.repetition: ISA12 00401 "
                        "has no repetition separator (ISA11 is 'U')"]
    write("tp.toml", BASE + """
[documents.ORDERS]
direction = "inbound"
""")
    assert errors() == ["partners/tp.toml:13: documents.ORDERS: ORDERS is an EDIFACT document "
                        "but the partner has no EDIFACT identity"]
    write("tp.toml", BASE + """
[documents.850]
direction = "inbound"
map = "x12/005010/855"
""")
    assert errors() == ["partners/tp.toml:15: documents.850.map: a generic map for 850 is "
                        "named 'x12/<version>/850'"]


def test_inline_tables_and_dotted_keys(write: Write) -> None:
    write("tp.toml", """\
id = "tp"
name = "Test Partner"
environment = "test"
identities.edifact = [
  { id = "5400001000019", qualifier = "14" },
  { id = "8712345000012", qualifier = "14" },
]
us.edifact = { id = "8712345000011", qualifier = "14" }
acks = { contrl = "always", expect_ack_within = "soon" }
erp = { connector = "file" }
""")
    assert errors() == [
        "partners/tp.toml:6: identities.edifact[1].id: GLN 8712345000012 has the wrong check "
        "digit (expected 1)",
        "partners/tp.toml:9: acks.expect_ack_within: 'soon' is not a duration like '90s', "
        "'15m', '24h', '1h30m', '2d' or 'PT4H'",
        "partners/tp.toml:10: erp.directory: required field is missing",
    ]


def test_every_file_is_reported_and_check_exits_1(write: Write,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    write("a.toml", BASE.replace('name = "Test Partner"', "name = 12"))
    write("b.toml", "id = \n")
    write("c.toml", BASE.replace('"tp"', '"fine"').replace("TESTPARTNER", "FINE"))
    assert main(["partners", "check"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "partners/a.toml:2: name: Input should be a valid string (got 12)",
        "partners/b.toml:1: toml: syntax error at column 6: Invalid value",
    ]
    assert "2 problem(s) in 2 file(s)" in captured.err


def test_check_takes_the_folder_and_says_when_it_is_missing(
        write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write("tp.toml", BASE)
    assert main(["partners", "check", "--dir", "partners"]) == 0
    assert capsys.readouterr().out == "partners: 1 partner profile(s) OK (x12), every map loads\n"
    assert main(["partners", "check", "--dir", "elsewhere"]) == 2
    assert "elsewhere: no such folder" in capsys.readouterr().err


def test_registry_load_refuses_a_broken_folder(write: Write) -> None:
    write("tp.toml", BASE.replace('name = "Test Partner"', "name = 12"))
    with pytest.raises(ProfileErrors) as info:
        PartnerRegistry.load("partners")
    assert isinstance(info.value, ConfigError) and info.value.code == "partner.invalid"
    assert str(info.value) == "partners/tp.toml:2: name: Input should be a valid string (got 12)"
    assert [e.line for e in info.value.errors] == [2]


def test_key_lines() -> None:
    text = """\
top = 1  # comment with [brackets] and = signs
"quoted key" = 'x'
multi = \"\"\"
[not.a.table]
\"\"\"
a.b.c = [1,
  2,   # two
  { d = 3 }]

[t]
x = 1
[t.sub]
y = 2

[[arr]]
k = 1
[arr.inner]
z = 3
[[arr]]
k = 2
"""
    lines = key_lines(text)
    assert lines[("top",)] == 1
    assert lines[("quoted key",)] == 2
    assert lines[("multi",)] == 3
    assert ("not",) not in lines
    assert lines[("a", "b", "c")] == 6 and lines[("a",)] == 6
    assert lines[("a", "b", "c", 1)] == 7
    assert lines[("a", "b", "c", 2, "d")] == 8
    assert lines[("t",)] == 10 and lines[("t", "x")] == 11
    assert lines[("t", "sub", "y")] == 13
    assert lines[("arr",)] == 15 and lines[("arr", 0)] == 15
    assert lines[("arr", 0, "inner", "z")] == 18
    assert lines[("arr", 1, "k")] == 20
