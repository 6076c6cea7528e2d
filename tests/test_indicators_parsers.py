"""Reading statistics files: every format gives the same cells; detection; cell rules; fuzzing."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from yse_core.errors import IndicatorImportError
from yse_core.indicators.parsers import FORMATS, Record, detect_format, parse_file, parse_period, parse_value

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"
SLICES = {
    "12r5_slice.json": "pxweb-json",
    "12r5_slice.jsonstat2.json": "jsonstat2",
    "12r5_slice_utf8.px": "px",
    "12r5_slice_latin1.px": "px",
}
LONG_CSV = "region_code,period,indicator_code,value\nhelsinki,2025-06,KASVOKKAIN_SHARE,41.5\nSSS,2025M06,TAPAAMISET,1000\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "data"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "fmt"), SLICES.items())
def test_every_statfin_format_gives_the_same_cells(name, fmt):
    table = parse_file(name, fixture(name))
    reference = parse_file("12r5_slice.json", fixture("12r5_slice.json"))
    assert (table.format, table.table_id, table.updated) == (fmt, "12r5", "2026-07-21")
    assert table.source == "KEHA-keskus, Työnvälitystilasto"
    assert table.records == reference.records


@pytest.mark.parametrize("name", SLICES)
def test_statfin_cells_keep_real_values_and_suppression(name):
    records = {(r.region_code, r.indicator_code): r for r in parse_file(name, fixture(name)).records}
    assert records[("SSS", "TYOTTOMATLOPUSSA")] == Record("SSS", "2026-06", "TYOTTOMATLOPUSSA", 352001.0, False)
    assert records[("KU091", "TYOTOSUUS")].value == 14.2
    assert records[("KU062", "TYOTTOMATLOPUSSA")] == Record("KU062", "2026-06", "TYOTTOMATLOPUSSA", None, True)
    assert records[("KU020", "KOKEILULOP")].suppressed


def test_px_titles_split_over_lines_are_joined_and_decoded():
    for name in ("12r5_slice_utf8.px", "12r5_slice_latin1.px"):
        assert parse_file(name, fixture(name)).title.startswith("Työttömät työnhakijat eri ryhmissä, palveluissa olevat ja")


@pytest.mark.parametrize(
    ("file_name", "data", "expected"),
    [
        ("12r5.json", fixture("12r5_slice.json"), "pxweb-json"),
        ("download", fixture("12r5_slice.json"), "pxweb-json"),
        ("12r5.json", fixture("12r5_slice.jsonstat2.json"), "jsonstat2"),
        ("12r5.px", fixture("12r5_slice_utf8.px"), "px"),
        ("no-extension", fixture("12r5_slice_latin1.px"), "px"),
        ("palvelut.csv", LONG_CSV.encode(), "csv"),
        ("palvelut.txt", b"alue;kausi;indikaattori;arvo\n", "csv"),
        ("export", LONG_CSV.encode(), "csv"),
        ("palvelut.xlsx", xlsx_bytes([["region_code", "period", "indicator_code", "value"]]), "xlsx"),
        ("renamed.bin", xlsx_bytes([["alue"]]), "xlsx"),
        ("\ufeffbom.csv", b"\xef\xbb\xbf" + LONG_CSV.encode(), "csv"),
    ],
)
def test_detect_format_picks_each_format(file_name, data, expected):
    assert detect_format(file_name, data) == expected


@pytest.mark.parametrize("data", [b"", b"   \n\t", b"\xef\xbb\xbf"])
def test_detect_format_refuses_an_empty_file(data):
    with pytest.raises(IndicatorImportError, match="tyhjä") as caught:
        detect_format("x.csv", data)
    assert "empty" in caught.value.message("en")


def test_detect_format_refuses_something_unknown():
    with pytest.raises(IndicatorImportError) as caught:
        detect_format("picture.png", b"\x89PNG\r\n\x1a\n....")
    assert "not recognised" in caught.value.message("en")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2026M06", "2026-06"), ("2026-06", "2026-06"), ("2025", "2025"), (2025, "2025"), (2025.0, "2025"),
     (datetime(2025, 3, 1), "2025-03"), (" 2024M12 ", "2024-12")],
)
def test_periods_are_normalised(raw, expected):
    assert parse_period(raw, "here") == expected


@pytest.mark.parametrize("raw", ["2026M13", "2026-6", "06/2025", "2026M00", "1850", "", None, "2026Q1"])
def test_periods_in_another_form_are_refused_naming_the_value(raw):
    with pytest.raises(IndicatorImportError, match="here: kausi"):
        parse_period(raw, "here")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("52578", (52578.0, False)), ("14.2", (14.2, False)), ("41,5", (41.5, False)), ("52 578", (52578.0, False)),
     ("52\u00a0578", (52578.0, False)), ("...", (None, True)), ("..", (None, True)), ("", (None, True)),
     (None, (None, True)), ("-", (0.0, False)), ("-3,5", (-3.5, False)), (7, (7.0, False)), (0.5, (0.5, False))],
)
def test_cell_values(raw, expected):
    assert parse_value(raw, "here") == expected


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "1.234,5", "12%", "1e5", True, float("nan")])
def test_non_numeric_cells_are_refused_naming_the_value(raw):
    with pytest.raises(IndicatorImportError, match="here: arvo"):
        parse_value(raw, "here")


@pytest.mark.parametrize(
    "text",
    [
        "region_code,period,indicator_code,value\nhelsinki,2025-06,KASVOKKAIN_SHARE,41.5\n",
        "region_code;period;indicator_code;value\nhelsinki;2025-06;KASVOKKAIN_SHARE;41,5\n",
        'region_code,period,indicator_code,value\nhelsinki,2025-06,KASVOKKAIN_SHARE,"41,5"\n',
        "alue;kausi;indikaattori;arvo\nHelsinki;2025M06;kasvokkain_share;41,5\n",
        "Alue\tKausi\tIndikaattori\tArvo\r\nhelsinki\t2025-06\tKASVOKKAIN_SHARE\t41,5\r\n",
        "\ufeffregion_code;region_name;period;indicator_code;value\nhelsinki;Helsinki;2025-06;KASVOKKAIN_SHARE;41,5\n\n",
    ],
)
def test_csv_variants_give_the_same_cell(text):
    table = parse_file("x.csv", text.encode("utf-8"))
    assert table.records == [Record("helsinki", "2025-06", "KASVOKKAIN_SHARE", 41.5, False)]
    assert (table.format, table.table_id) == ("csv", None)


def test_csv_blank_and_dots_are_suppressed_and_municipalities_and_country_are_accepted():
    text = "alue;kausi;indikaattori;arvo\nKU091;2025-06;TAPAAMISET;\nSSS;2025-06;TAPAAMISET;...\nKU049;2025;TAPAAMISET;12\n"
    records = parse_file("x.csv", text.encode()).records
    assert records == [
        Record("KU091", "2025-06", "TAPAAMISET", None, True),
        Record("SSS", "2025-06", "TAPAAMISET", None, True),
        Record("KU049", "2025", "TAPAAMISET", 12.0, False),
    ]


def test_csv_in_windows_1252_is_read():
    text = "alue;kausi;indikaattori;arvo;nimi\nhelsinki;2025-06;TAPAAMISET;5;Hämeenlinna\n"
    assert parse_file("x.csv", text.encode("cp1252")).records[0].value == 5.0


def test_xlsx_long_layout_with_numbers_dates_and_blanks():
    data = xlsx_bytes([
        [],
        ["alue", "kausi", "indikaattori", "arvo"],
        ["helsinki", datetime(2025, 6, 1), "TAPAAMISET", 1200],
        ["helsinki", "2025-06", "TAPAAMISET_KASVOKKAIN", "498"],
        ["vantaa", "2025M06", "KASVOKKAIN_SHARE", "41,5"],
        ["vantaa", "2025-06", "TAPAAMISET", None],
        [None, None, None, None],
    ])
    table = parse_file("palvelut.xlsx", data)
    assert table.format == "xlsx"
    assert table.records == [
        Record("helsinki", "2025-06", "TAPAAMISET", 1200.0, False),
        Record("helsinki", "2025-06", "TAPAAMISET_KASVOKKAIN", 498.0, False),
        Record("vantaa", "2025-06", "KASVOKKAIN_SHARE", 41.5, False),
        Record("vantaa", "2025-06", "TAPAAMISET", None, True),
    ]


def test_xlsx_errors_name_the_sheet_row_and_column():
    data = xlsx_bytes([["region_code", "period", "indicator_code", "value"], ["helsinki", "2025-06", "TAPAAMISET", "x1"]])
    with pytest.raises(IndicatorImportError, match=r"taulukko 'data', rivi 2, sarake value: arvo 'x1'") as caught:
        parse_file("palvelut.xlsx", data)
    assert "sheet 'data', row 2, column value: value 'x1'" in caught.value.message("en")


def test_jsonstat_sparse_values_and_missing_cells_are_suppressed():
    dataset = json.loads(fixture("12r5_slice.jsonstat2.json"))
    dataset["value"] = {"0": 352001, "1": 2743596}
    dataset.pop("status")
    records = parse_file("x.json", json.dumps(dataset).encode()).records
    assert records[0].value == 352001.0 and records[1].value == 2743596.0
    assert all(r.suppressed for r in records[2:]) and len(records) == 70


def test_jsonstat_status_marks_a_cell_suppressed():
    dataset = json.loads(fixture("12r5_slice.jsonstat2.json"))
    dataset["status"] = {"0": "..."}
    assert parse_file("x.json", json.dumps(dataset).encode()).records[0].suppressed


def test_px_with_the_old_table_id_1001_is_accepted():
    data = fixture("12r5_slice_utf8.px").replace(b"statfin_tyonv_pxt_12r5", b"statfin_tyonv_pxt_1001")
    assert parse_file("x.px", data).table_id == "12r5"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_explicit_wrong_format_is_refused_not_crashed(fmt):
    data = fixture("12r5_slice_utf8.px") if fmt != "px" else fixture("12r5_slice.json")
    with pytest.raises(IndicatorImportError):
        parse_file("x", data, fmt=fmt)


def test_an_unknown_format_name_is_refused():
    with pytest.raises(IndicatorImportError, match="tuntematon muoto 'ods'"):
        parse_file("x.ods", b"abc", fmt="ods")


# --- fuzzing: anything either parses or is refused with IndicatorImportError -----------------

VALID_FILES = [
    ("12r5_slice.json", fixture("12r5_slice.json")),
    ("12r5_slice.jsonstat2.json", fixture("12r5_slice.jsonstat2.json")),
    ("12r5_slice_utf8.px", fixture("12r5_slice_utf8.px")),
    ("12r5_slice_latin1.px", fixture("12r5_slice_latin1.px")),
    ("palvelut.csv", b"alue;kausi;indikaattori;arvo\nhelsinki;2025-06;KASVOKKAIN_SHARE;41,5\nSSS;2025M06;TAPAAMISET;...\n"),
    ("palvelut.xlsx", xlsx_bytes([["alue", "kausi", "indikaattori", "arvo"], ["helsinki", "2025-06", "TAPAAMISET", 5]])),
]


def parse_or_refuse(file_name: str, data: bytes, fmt: str = "auto") -> None:
    try:
        table = parse_file(file_name, data, fmt)
    except IndicatorImportError as error:
        assert str(error)
    else:
        assert table.records
        assert all(isinstance(record, Record) for record in table.records)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(("auto", *FORMATS)),
       file_name=st.sampled_from(["x.json", "x.px", "x.csv", "x.xlsx", "x"]))
@example(data=b";", fmt="csv", file_name="x.csv")  # only delimiters: no header row
@example(data=b'{"class": "dataset", "version": "2.0", "id": [], "size": [], "dimension": {}}', fmt="auto", file_name="x")
@example(data=b"DATA=;", fmt="px", file_name="x.px")
def test_arbitrary_bytes_parse_or_are_refused(data, fmt, file_name):
    parse_or_refuse(file_name, data, fmt)


@st.composite
def mutated(draw):
    file_name, data = draw(st.sampled_from(VALID_FILES))
    data = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        position = draw(st.integers(min_value=0, max_value=max(0, len(data) - 1)))
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        if action == "flip" and data:
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif action == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=40))]
        elif action == "insert":
            data[position:position] = draw(st.sampled_from([b'"', b";", b",", b"...", b"\n", b"{", b"]", b"\x00",
                                                             b"\xff", b"abc", b"-1e999", b"DATA=", b'"x",']))
        elif action == "truncate":
            del data[position:]
        elif action == "duplicate":
            data[position:position] = data[max(0, position - 30) : position]
    return file_name, bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_mutated_valid_files_parse_or_are_refused(case):
    parse_or_refuse(*case)
