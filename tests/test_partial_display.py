"""Partial figures shown honestly: a sum as a lower bound, a rate with its missing members named and its true range."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from tests.statfin_files import statfin_copy
from tools.test_calendar import NEXT
from yse_core import auth, rounds
from yse_core.db import transaction
from yse_core.exports import round_workbook_xlsx
from yse_core.exports.content import indicator_rows
from yse_core.indicators import situation
from yse_core.indicators.store import import_file

ADMIN = auth.User("tester", "Testaaja", "admin", None)
HYVINKAA = "106"  # a member of Keski-Uusimaa


@pytest.fixture
def hyvinkaa_suppressed(plain_db):
    """The real 12r5 file with Hyvinkää's unemployed suppressed ("..."): Keski-Uusimaa's figures become partial."""
    import_file(plain_db, "statfin-12r5-kunnat-2026M06.json",
                statfin_copy(cells={(f"KU{HYVINKAA}", "TYOTTOMATLOPUSSA"): "..."}))
    return plain_db


def _write(db, rows):
    """Write (code, region, period, value, flag, low, high, missing members) rows as an import would."""
    with transaction(db):
        for code, region, period, value, flag, low, high, missing in rows:
            db.execute(
                """INSERT INTO indicator_values(indicator_code, region_code, region_level, period, value, flag,
                                                value_low, value_high, missing_members)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [code, region, "country" if region == "SSS" else "area", period, value, flag, low, high, missing],
            )


# --- the texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "flag", "low", "lang", "expected"), [
    (0.0, "partial", 3.0, "fi", "vähintään 3"),
    (0.0, "partial", None, "fi", "vähintään 0"),  # an older import without bounds: its known part, never a bare 0
    (1234.0, "partial", 1236.0, "sv", "minst 1\u00a0236"),
    (None, "suppressed", 2.0, "en", "at least 2"),
    (None, "suppressed", None, "fi", "–"),
    (1234.0, "ok", None, "en", "1,234"),
])
def test_a_partial_count_is_a_lower_bound(value, flag, low, lang, expected):
    assert situation.bounded_text(value, flag, low, "persons", 0, "count", lang) == expected


@pytest.mark.parametrize(("flag", "low", "high", "missing", "lang", "expected"), [
    ("partial", 8.4, 15.2, ["Hyvinkää"], "fi", "osittainen: Hyvinkää puuttuu; todellinen arvo 8,4–15,2 %"),
    ("partial", 8.4, 15.2, ["Hyvinge"], "sv", "partiell: Hyvinge saknas; verkligt värde 8,4–15,2 %"),
    ("partial", 8.4, 15.2, ["Hyvinkää"], "en", "partial: Hyvinkää missing; true value 8.4–15.2 %"),
    ("partial", None, None, ["Hyvinkää", "Tuusula"], "fi", "osittainen: Hyvinkää, Tuusula puuttuvat"),
    ("partial", 8.4, None, [], "fi", "osittainen (jonkin kunnan luku puuttuu)"),
    ("suppressed", 1.0, 9.5, ["Föglö"], "fi", "salattu: Föglö puuttuu; todellinen arvo 1,0–9,5 %"),
    ("ok", None, None, [], "fi", ""),
])
def test_a_partial_rate_names_what_is_missing_and_its_range(flag, low, high, missing, lang, expected):
    assert situation.partial_text(flag, low, high, missing, "percent", 1, "ratio", lang) == expected


def test_a_negative_range_keeps_the_minus_sign():
    assert situation.partial_text("partial", -2.5, 1.0, ["Hyvinkää"], "percent", 1, "other", "fi").endswith(
        "todellinen arvo −2,5–1,0 %")


# --- the situation and the panel on the real file -------------------------------------------------


@pytest.mark.parametrize(("lang", "at_least", "missing"), [
    ("fi", "vähintään ", "Hyvinkää puuttuu"),
    ("sv", "minst ", "Hyvinge saknas"),
    ("en", "at least ", "Hyvinkää missing"),
])
def test_suppressed_member_makes_the_sum_a_lower_bound_and_the_rate_name_it(hyvinkaa_suppressed, lang, at_least,
                                                                            missing):
    figures = situation.theme_figures(hyvinkaa_suppressed, "keski-uusimaa", ["TYOTTOMATLOPUSSA", "TYOTOSUUS"])
    assert [figure["area_flag"] for figure in figures] == ["partial", "partial"]
    table = situation.theme_table(figures, lang)
    area, notes = table.iloc[:, 1].tolist(), table.iloc[:, 4].tolist()
    assert area[0].startswith(at_least) and area[0] != f"{at_least}0"
    assert missing in notes[0] and missing in notes[1]
    assert "–" in notes[1].split(";")[-1] and notes[1].endswith("%")  # the rate's true range
    assert not [cell for cell in area + notes if "None" in cell or "nan" in cell]


def test_key_figures_table_shows_partial_figures_the_same_way(hyvinkaa_suppressed):
    table = situation.key_figures_table(situation.key_figures(hyvinkaa_suppressed, "keski-uusimaa"), "fi")
    unemployed = table[table["Indikaattori"] == "Työttömät työnhakijat"].iloc[0]
    assert unemployed["Alue"].startswith("vähintään ") and "Hyvinkää puuttuu" in unemployed["Huomiot"]
    assert unemployed["Muutos vuodessa"] == "–"


def test_stored_bounds_and_members_are_shown_as_stored(plain_db):
    _write(plain_db, [
        ("TYOTOSUUS", "keski-uusimaa", "2026-06", 11.5, "partial", 8.4, 15.2, HYVINKAA),
        ("TYOTTOMAT25", "keski-uusimaa", "2026-06", 0.0, "partial", 3.0, None, HYVINKAA),
    ])
    figures = situation.theme_figures(plain_db, "keski-uusimaa", ["TYOTOSUUS", "TYOTTOMAT25"])
    assert [situation.area_text(figure, "fi") for figure in figures] == ["11,5 %", "vähintään 3"]
    assert [situation.notes_text(figure, "fi") for figure in figures] == [
        "osittainen: Hyvinkää puuttuu; todellinen arvo 8,4–15,2 %", "osittainen: Hyvinkää puuttuu"]
    assert situation.partial_notes(figures, "fi") == [  # the narrow panel lists them below its table
        ("Työttömien työnhakijoiden osuus työvoimasta", "osittainen: Hyvinkää puuttuu; todellinen arvo 8,4–15,2 %"),
        ("Alle 25-vuotiaat työttömät", "osittainen: Hyvinkää puuttuu")]


def test_an_older_partial_sum_without_bounds_is_never_a_bare_zero(plain_db):
    _write(plain_db, [("TYOTTOMAT25", "keski-uusimaa", "2026-06", 0.0, "partial", None, None, None)])
    (figure,) = situation.theme_figures(plain_db, "keski-uusimaa", ["TYOTTOMAT25"])
    assert situation.area_text(figure, "fi") == "vähintään 0"
    assert situation.notes_text(figure, "fi") == "osittainen (jonkin kunnan luku puuttuu)"


def test_a_partial_figure_gives_no_change_on_a_year(plain_db):
    _write(plain_db, [
        ("TYOTTOMATLOPUSSA", "keski-uusimaa", "2025-06", 9000.0, "ok", None, None, None),
        ("TYOTTOMATLOPUSSA", "keski-uusimaa", "2026-06", 7000.0, "partial", 9100.0, None, HYVINKAA),
    ])
    (figure,) = situation.theme_figures(plain_db, "keski-uusimaa", ["TYOTTOMATLOPUSSA"])
    assert figure["previous_value"] == 9000.0 and figure["change"] is None  # not −2 000: Hyvinkää is missing now


# --- exports --------------------------------------------------------------------------------------


def test_export_rows_show_the_lower_bound_and_the_missing_member(hyvinkaa_suppressed):
    rows = {row.code: row for row in indicator_rows(hyvinkaa_suppressed, "keski-uusimaa",
                                                    ["TYOTTOMATLOPUSSA", "TYOTOSUUS"])}
    assert rows["TYOTTOMATLOPUSSA"].area_text("fi").startswith("vähintään ")
    assert "Hyvinkää puuttuu" in rows["TYOTTOMATLOPUSSA"].notes("fi")
    assert "Hyvinkää puuttuu" in rows["TYOTOSUUS"].notes("fi") and "todellinen arvo" in rows["TYOTOSUUS"].notes("fi")


def test_a_partial_rate_whose_range_holds_the_country_is_not_compared(plain_db):
    _write(plain_db, [
        ("TYOTOSUUS", "keski-uusimaa", "2026-06", 8.4, "partial", 8.0, 15.2, HYVINKAA),
        ("TYOTOSUUS", "SSS", "2026-06", 12.8, "ok", None, None, None),
    ])
    (row,) = indicator_rows(plain_db, "keski-uusimaa", ["TYOTOSUUS"])
    assert row.comparison() is None  # 8.4 % looks better than 12.8 %, but the true rate may be up to 15.2 %
    assert "kuin koko maa" not in row.notes("fi")


def test_workbook_gives_a_partial_count_as_its_lower_bound_with_a_note(hyvinkaa_suppressed):
    rounds.open_round(hyvinkaa_suppressed, NEXT, "yse-2026@1", date(2026, 7, 24), opens=date(2026, 6, 1))
    sheet = openpyxl.load_workbook(io.BytesIO(round_workbook_xlsx(hyvinkaa_suppressed, ADMIN, NEXT)))["Tunnusluvut"]
    headers = [cell.value for cell in sheet[1]]
    row = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "keski-uusimaa")
    (stored,) = [figure for figure in situation.theme_figures(hyvinkaa_suppressed, "keski-uusimaa", ["TYOTTOMATLOPUSSA"])]
    assert row[headers.index("Työttömät työnhakijat 2026-06")] == stored["area_low"]
    notes = row[-1]
    assert "Työttömät työnhakijat: vähintään " in notes and "Hyvinkää puuttuu" in notes
    assert "None" not in notes and "nan" not in notes
