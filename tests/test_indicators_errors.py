"""Every malformed file is refused with a message naming the place and the problem, and nothing is written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest

from yse_core.db import open_db
from yse_core.errors import DatabaseError, IndicatorImportError
from yse_core.indicators.store import import_file

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"
PXWEB = (FIXTURES / "12r5_slice.json").read_text(encoding="utf-8")
JSONSTAT = (FIXTURES / "12r5_slice.jsonstat2.json").read_text(encoding="utf-8")
PX_UTF8 = (FIXTURES / "12r5_slice_utf8.px").read_bytes()
PX_LATIN1 = (FIXTURES / "12r5_slice_latin1.px").read_bytes()
CSV_HEADER = "region_code,period,indicator_code,value\n"


def pxweb(edit) -> bytes:
    data = json.loads(PXWEB)
    edit(data)
    return json.dumps(data, ensure_ascii=False).encode()


def jsonstat(edit) -> bytes:
    data = json.loads(JSONSTAT)
    edit(data)
    return json.dumps(data, ensure_ascii=False).encode()


def row(data: dict, region: str) -> dict:
    return next(item for item in data["data"] if item["key"][0] == region)


def set_in(data: dict, path: list, value) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def another_table(data: dict) -> None:
    data["columns"].insert(1, {"code": "Ammattiryhmä", "text": "Ammattiryhmä", "type": "d"})
    for item in data["data"]:
        item["key"].insert(1, "0")


def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for line in rows:
        workbook.active.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CASES = [
    # (id, file name, bytes, fragments the Finnish message must contain, fragments the English message must contain)
    ("truncated-json", "12r5.json", PXWEB[: len(PXWEB) // 2].encode(), ["katkennut", "rivillä 1, sarakkeessa"], ["line 1, column"]),
    ("invalid-json", "12r5.json", PXWEB.replace('"data":', '"data" ', 1).encode(), ["JSON on virheellinen"], ["column"]),
    ("json-not-utf8", "12r5.json", PXWEB.replace("KEHA-keskus", "KEHA-keskus\udcff", 1).encode("utf-8", "surrogateescape"),
     ["ei ole UTF-8"], ["not UTF-8"]),
    ("row-too-short", "12r5.json", pxweb(lambda d: row(d, "KU091")["values"].pop()),
     ["data-rivi 2", "KU091, 2026M06", "6 arvoa, odotettiin 7"], ["6 values, expected 7"]),
    ("row-key-wrong", "12r5.json", pxweb(lambda d: row(d, "KU049")["key"].pop()), ["data-rivi 3"], ["does not match"]),
    ("non-numeric-pxweb", "12r5.json", pxweb(lambda d: row(d, "KU049")["values"].__setitem__(1, "12O56")),
     ["KU049, 2026M06", "'12O56'"], ["column TYOVOIMATK", "not a number"]),
    ("unknown-code-pxweb", "12r5.json", pxweb(lambda d: d["columns"][3].__setitem__("code", "TYOVOIMA_X")),
     ["tuntemattomat indikaattorikoodit TYOVOIMA_X"], ["unknown indicator codes"]),
    ("bad-period-pxweb", "12r5.json", pxweb(lambda d: row(d, "KU235")["key"].__setitem__(1, "2026-6")),
     ["KU235, 2026-6", "kausi '2026-6'"], ["YYYY-MM"]),
    ("bad-region-pxweb", "12r5.json", pxweb(lambda d: row(d, "KU235")["key"].__setitem__(0, "KU23")),
     ["aluekoodi 'KU23'"], ["not a 12r5 code"]),
    ("another-table-variables", "12ti.json", pxweb(another_table), ["ei ole taulukko 12r5", "Ammattiryhmä"], ["another table"]),
    ("another-table-contents", "x.json",
     pxweb(lambda d: [c.__setitem__("code", f"VAESTO{i}") for i, c in enumerate(d["columns"]) if c["type"] == "c"]),
     ["ei ole taulukko 12r5", "VAESTO2, VAESTO3"], ["another table"]),
    ("pxweb-label-other-table", "x.json",
     pxweb(lambda d: d["metadata"][0].__setitem__("label", "12ti -- Työttömät työnhakijat ammattiryhmittäin")),
     ["taulukko '12ti -- Työttömät"], ["not 12r5"]),
    ("jsonstat-tableid", "x.json", jsonstat(lambda d: set_in(d, ["extension", "px", "tableid"], "12ti")),
     ["extension.px.tableid", "'12ti'"], ["not 12r5"]),
    ("jsonstat-label", "x.json", jsonstat(lambda d: d.__setitem__("label", "135y: Väestö 31.12. alueittain")),
     ["jsonstat2 label", "'135y: Väestö"], ["not 12r5"]),
    ("jsonstat-value-count", "x.json", jsonstat(lambda d: d["value"].pop()),
     ["value-taulukossa 69 arvoa"], ["size [10, 1, 7] needs 70"]),
    ("jsonstat-non-numeric", "x.json", jsonstat(lambda d: d["value"].__setitem__(8, "n/a")),
     ["value[8] (KU091, 2026M06, TYOVOIMATK)", "'n/a'"], []),
    ("jsonstat-1-bundle", "x.json", json.dumps({"dataset": {"dimension": {}, "value": []}}).encode(),
     ["ei JSON-stat 2.0"], ["json-stat2"]),
    ("empty", "12r5.json", b"", ["tyhjä"], ["empty"]),
    ("whitespace-only", "x.csv", b" \r\n \n", ["tyhjä"], ["empty"]),
    ("px-data-count", "x.px", PX_UTF8.replace(b"352001 2743596", b"352001"),
     ["DATA-osassa (rivi 26) on 69 arvoa"], ["the variables need 70"]),
    ("px-utf8-declared-latin1", "x.px", PX_UTF8.replace(b'CODEPAGE="utf-8"', b'CODEPAGE="iso-8859-1"'),
     ["UTF-8-muodossa, mutta CODEPAGE on 'iso-8859-1'"], ["bytes are UTF-8"]),
    ("px-latin1-declared-utf8", "x.px", PX_LATIN1.replace(b'CODEPAGE="iso-8859-1"', b'CODEPAGE="utf-8"'),
     ["ei ole CODEPAGEn 'utf-8' mukainen"], ["does not decode as the declared CODEPAGE 'utf-8'"]),
    ("px-unknown-codepage", "x.px", PX_UTF8.replace(b'CODEPAGE="utf-8"', b'CODEPAGE="ebcdic"'), ["CODEPAGE 'ebcdic'"], []),
    ("px-truncated", "x.px", PX_UTF8[:600], ["katkennut tiedosto?"], ["truncated file?"]),
    ("px-non-numeric", "x.px", PX_UTF8.replace(b"52578 370847", b"52578 370B47"),
     ["DATA-arvo 9 (KU091, 2026M06, TYOVOIMATK)", "'370B47'"], []),
    ("px-another-table", "x.px", PX_UTF8.replace(b"statfin_tyonv_pxt_12r5", b"statfin_tyonv_pxt_12ti"),
     ["MATRIX", "statfin_tyonv_pxt_12ti"], ["not 12r5"]),
    ("csv-missing-columns", "x.csv", b"region_code,period,value\nhelsinki,2025-06,5\n",
     ["sarakkeet puuttuvat: indicator_code"], ["missing columns: indicator_code", "found: region_code, period, value"]),
    ("csv-unknown-column", "x.csv", (CSV_HEADER.strip() + ",kommentti\n").encode(), [], ["unknown columns: kommentti"]),
    ("csv-non-numeric", "x.csv", (CSV_HEADER + "helsinki,2025-06,TAPAAMISET,5\nhelsinki,2025-07,TAPAAMISET,viisi\n").encode(),
     ["rivi 3, sarake value", "'viisi'"], ["line 3, column value", "not a number"]),
    ("csv-unknown-code", "x.csv", (CSV_HEADER + "helsinki,2025-06,TAPAAMISET_ETANA,5\n").encode(),
     ["rivi 2, sarake indicator_code"], ["line 2, column indicator_code", "unknown indicator code 'TAPAAMISET_ETANA'"]),
    ("csv-bad-period", "x.csv", (CSV_HEADER + "helsinki,06/2025,TAPAAMISET,5\n").encode(),
     ["rivi 2, sarake period", "kausi '06/2025'"], ["line 2, column period"]),
    ("csv-bare-municipality-number", "x.csv", (CSV_HEADER + "91,2025-06,TAPAAMISET,5\n").encode(),
     ["aluekoodi '91'", "KU091"], []),
    ("csv-unquoted-decimal-comma", "x.csv", (CSV_HEADER + "helsinki,2025-06,KASVOKKAIN_SHARE,41,5\n").encode(),
     ["rivi 2: 5 kenttää, otsikossa 4", "desimaalipilkku"], []),
    ("csv-duplicate", "x.csv", (CSV_HEADER + "helsinki,2025-06,TAPAAMISET,5\nhelsinki,2025M06,TAPAAMISET,6\n").encode(),
     ["rivi 3", "toiseen kertaan"], ["duplicate"]),
    ("csv-header-only", "x.csv", CSV_HEADER.encode(), ["yhtään arvoa"], ["no values"]),
    ("csv-unknown-area", "x.csv", (CSV_HEADER + "atlantis,2025-06,TAPAAMISET,5\n").encode(),
     ["Tuntemattomat aluetunnukset: atlantis"], ["unknown area ids"]),
    ("xlsx-broken", "x.xlsx", b"PK\x03\x04" + b"\x00" * 200, ["ei ole kelvollinen Excel-työkirja"], ["not a valid .xlsx"]),
    ("xlsx-missing-columns", "x.xlsx", xlsx([["alue", "kausi", "arvo"], ["helsinki", "2025-06", 5]]),
     ["sarakkeet puuttuvat: indicator_code"], []),
    ("xlsx-empty-sheet", "x.xlsx", xlsx([]), ["on tyhjä"], ["is empty"]),
]


def counts(db) -> tuple[int, int, int]:
    return tuple(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                 for table in ("imports", "indicator_values", "audit_log"))


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "t.db", create=True)
    with database.conn:
        database.conn.execute(
            "INSERT INTO areas(id, name_fi, name_sv, region, ely) VALUES ('helsinki', 'Helsinki', 'Helsingfors', 'Uusimaa', 'ELY01')")
        database.conn.execute("INSERT INTO municipalities(code, name_fi, name_sv) VALUES ('091', 'Helsinki', 'Helsingfors')")
        database.conn.execute("INSERT INTO area_municipalities(municipality_code, area_id) VALUES ('091', 'helsinki')")
    import_file(database, "12r5_slice.json", PXWEB.encode())  # something to lose
    yield database
    database.close()


@pytest.mark.parametrize(("file_name", "data", "fragments", "fragments_en"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_a_malformed_file_is_refused_with_its_place_and_problem_and_nothing_is_written(db, file_name, data, fragments,
                                                                                       fragments_en):
    before = counts(db)
    values_before = db.execute("SELECT * FROM indicator_values ORDER BY 1, 2, 3").fetchall()
    with pytest.raises(IndicatorImportError) as caught:
        import_file(db, file_name, data)
    message, message_en = str(caught.value), caught.value.message("en")
    assert all(fragment in message for fragment in fragments), message
    assert all(fragment in message_en for fragment in fragments_en), message_en
    assert counts(db) == before
    assert db.execute("SELECT * FROM indicator_values ORDER BY 1, 2, 3").fetchall() == values_before


def test_a_failure_while_writing_rolls_back_the_whole_import(db):
    before = counts(db)
    db.execute("""CREATE TRIGGER refuse_sk011 BEFORE INSERT ON indicator_values WHEN NEW.region_code = 'SK011'
                  BEGIN SELECT RAISE(ABORT, 'disk trouble'); END""")
    db.execute("DELETE FROM indicator_values WHERE region_code = 'SK011'")
    before = counts(db)
    with pytest.raises(DatabaseError, match="disk trouble"):  # explained by transaction(), not a raw sqlite3 error
        import_file(db, "12r5_slice.json", (FIXTURES / "12r5_slice.jsonstat2.json").read_bytes())
    assert counts(db) == before
    assert not db.conn.in_transaction


@pytest.mark.parametrize(
    ("lang", "place", "problem"),
    [
        ("fi", "csv: rivi 3, sarake value", "arvo 'viisi' ei ole luku"),
        ("sv", "csv: rad 3, kolumn value", "värdet 'viisi' är inte ett tal"),
        ("en", "csv: line 3, column value", "value 'viisi' is not a number"),
    ],
)
def test_a_malformed_file_names_the_same_file_line_and_field_in_every_language(db, lang, place, problem):
    data = (CSV_HEADER + "helsinki,2025-06,TAPAAMISET,5\nhelsinki,2025-07,TAPAAMISET,viisi\n").encode()
    with pytest.raises(IndicatorImportError) as caught:
        import_file(db, "palvelut.csv", data)
    assert caught.value.message(lang) == f"{place}: {problem}"
    assert (caught.value.params["file"], caught.value.params["line"], caught.value.params["field"]) == ("csv", 3, "value")


@pytest.mark.parametrize(
    ("lang", "place"),
    [("fi", "xlsx: taulukko 'Sheet', rivi 2, sarake period"), ("sv", "xlsx: blad 'Sheet', rad 2, kolumn period"),
     ("en", "xlsx: sheet 'Sheet', row 2, column period")],
)
def test_a_worksheet_error_names_the_sheet_row_and_column_in_every_language(db, lang, place):
    data = xlsx([["alue", "kausi", "indikaattori", "arvo"], ["helsinki", "06/2025", "TAPAAMISET", 5]])
    with pytest.raises(IndicatorImportError) as caught:
        import_file(db, "palvelut.xlsx", data)
    assert caught.value.message(lang).startswith(f"{place}: ")
    assert "'06/2025'" in caught.value.message(lang)
