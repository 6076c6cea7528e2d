"""Importing statistics into a real SQLite database, re-importing, re-aggregating and querying."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yse_core.db import open_db
from yse_core.errors import IndicatorImportError
from yse_core.indicators import demo
from yse_core.indicators.demo import load_demo
from yse_core.indicators.store import (
    area_values,
    import_file,
    imports,
    latest_period,
    recompute_areas,
    series,
    values_for_period,
)

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"
REAL_FILE = FIXTURES / "statfin-12r5-kunnat-2026M06.json"
AREAS = {"helsinki": ["091"], "espoo-kauniainen": ["049", "235"], "akaa-tampere": ["020", "837"], "foglo": ["062"]}


def make_db(path: Path, areas: dict[str, list[str]] = AREAS):
    db = open_db(path, create=True)
    with db.conn:
        for area_id, members in areas.items():
            db.conn.execute(
                "INSERT INTO areas(id, name_fi, name_sv, region, ely, uusimaa) VALUES (?, ?, ?, 'Uusimaa', 'ELY01', 1)",
                [area_id, area_id.title(), area_id.title()],
            )
            for code in members:
                db.conn.execute("INSERT INTO municipalities(code, name_fi, name_sv) VALUES (?, ?, ?)", [code, code, code])
                db.conn.execute("INSERT INTO area_municipalities(municipality_code, area_id) VALUES (?, ?)", [code, area_id])
    return db


@pytest.fixture
def db(tmp_path):
    database = make_db(tmp_path / "t.db")
    yield database
    database.close()


@pytest.fixture
def real_db(db):
    import_file(db, REAL_FILE.name, REAL_FILE.read_bytes(), user="admin")
    return db


def value(db, region: str, code: str, period: str = "2026-06"):
    return values_for_period(db, code, period).get(region)


def test_real_12r5_file_gives_the_published_country_total(real_db):
    assert value(real_db, "SSS", "TYOTTOMATLOPUSSA") == (352001.0, "ok")
    assert value(real_db, "SSS", "TYOTOSUUS") == (12.8, "ok")


def test_real_12r5_file_helsinki_area_equals_the_city(real_db):
    assert value(real_db, "helsinki", "TYOTTOMATLOPUSSA") == (52578.0, "ok")
    assert value(real_db, "helsinki", "TYOTOSUUS") == (14.2, "ok")


def test_real_12r5_file_two_municipality_area_is_summed_and_rate_recomputed(real_db):
    espoo = value(real_db, "049", "TYOTTOMATLOPUSSA")[0], value(real_db, "049", "TYOVOIMATK")[0]
    kauniainen = value(real_db, "235", "TYOTTOMATLOPUSSA")[0], value(real_db, "235", "TYOVOIMATK")[0]
    unemployed, labour_force = espoo[0] + kauniainen[0], espoo[1] + kauniainen[1]
    assert value(real_db, "espoo-kauniainen", "TYOTTOMATLOPUSSA") == (unemployed, "ok") == (21007.0, "ok")
    assert value(real_db, "espoo-kauniainen", "TYOVOIMATK") == (labour_force, "ok")
    assert value(real_db, "espoo-kauniainen", "TYOTOSUUS") == (round(unemployed / labour_force * 100, 1), "ok")


def test_real_12r5_file_suppressed_member_makes_the_area_partial(real_db):
    tampere = value(real_db, "837", "KOKEILULOP")[0]
    assert value(real_db, "020", "KOKEILULOP") == (None, "suppressed")
    assert value(real_db, "akaa-tampere", "KOKEILULOP") == (tampere, "partial")
    assert value(real_db, "foglo", "TYOTTOMATLOPUSSA") == (None, "suppressed")


def test_real_12r5_file_levels_are_stored_as_designed(real_db):
    levels = dict(real_db.execute(
        "SELECT region_code, region_level FROM indicator_values WHERE indicator_code = 'TYOTTOMATLOPUSSA'").fetchall())
    assert (levels["SSS"], levels["helsinki"], levels["091"], levels["SK011"], levels["KUJOU"]) == (
        "country", "area", "municipality", "other", "other")
    assert "KU091" not in levels


def test_the_import_row_records_the_file_and_the_summary(real_db):
    row = imports(real_db)[0]
    assert (row["file_name"], row["format"], row["table_id"], row["data_updated"]) == (
        REAL_FILE.name, "pxweb-json", "12r5", "2026-07-21")
    assert (row["source"], row["imported_by"], row["is_demo"]) == ("KEHA-keskus, Työnvälitystilasto", "admin", False)
    assert row["summary"]["periods"] == ["2026-06"]
    assert {"KU092", "KU199", "KUJOU"} <= set(row["summary"]["unassigned_codes"])
    assert "KU091" not in row["summary"]["unassigned_codes"]
    assert real_db.execute("SELECT action, target FROM audit_log").fetchall() == [("indicators_imported", REAL_FILE.name)]


def test_summary_text_in_three_languages(db):
    summary = import_file(db, REAL_FILE.name, REAL_FILE.read_bytes())
    assert summary.counts["country"] == 23 + 6 and summary.new == sum(summary.counts.values())
    texts = {lang: summary.to_text(lang) for lang in ("fi", "sv", "en")}
    assert "Uusia" in texts["fi"] and "Nya" in texts["sv"] and "New" in texts["en"]
    assert all("12r5" in text and "2026-06" in text and "KUJOU" in text for text in texts.values())


def test_reimporting_the_same_file_reports_everything_unchanged(real_db):
    before = real_db.execute("SELECT COUNT(*) FROM indicator_values").fetchone()[0]
    summary = import_file(real_db, REAL_FILE.name, REAL_FILE.read_bytes())
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, before)
    assert real_db.execute("SELECT COUNT(*) FROM indicator_values").fetchone()[0] == before
    assert real_db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 2


def test_reimporting_a_corrected_file_replaces_values_and_reports_changes(real_db):
    data = json.loads(REAL_FILE.read_text(encoding="utf-8"))
    row = next(row for row in data["data"] if row["key"][0] == "KU091")
    row["values"][1] = "52600"  # TYOTTOMATLOPUSSA corrected
    summary = import_file(real_db, "corrected.json", json.dumps(data).encode())
    assert value(real_db, "091", "TYOTTOMATLOPUSSA") == (52600.0, "ok")
    assert value(real_db, "helsinki", "TYOTTOMATLOPUSSA") == (52600.0, "ok")
    # the municipality, the area count, and helsinki's derived figures built on it
    assert 2 <= summary.changed <= 8 and summary.new == 0
    assert summary.unchanged == sum(summary.counts.values()) - summary.changed
    assert {"region_code": "091", "region_level": "municipality", "period": "2026-06", "code": "TYOTTOMATLOPUSSA",
            "old": 52578.0, "new": 52600.0} in summary.changed_examples
    assert "52578 → 52600" in summary.to_text("en")


def test_a_service_process_csv_for_areas_is_stored_with_derived_shares(db):
    text = ("alue;kausi;indikaattori;arvo\n"
            "helsinki;2025-06;ALKUHAASTATTELUT;1200\nhelsinki;2025-06;ALKUHAASTATTELUT_AJASSA;300\n"
            "helsinki;2025-06;ALKUHAASTATTELU_ODOTUS_SUMMA_PV;14400\nfoglo;2025-06;KASVOKKAIN_SHARE;41,5\n")
    summary = import_file(db, "palvelut.csv", text.encode(), user="admin")
    assert summary.counts == {"area": 6}
    assert value(db, "helsinki", "ALKUHAASTATTELU_AJASSA_SHARE", "2025-06") == (25.0, "ok")
    assert value(db, "helsinki", "ALKUHAASTATTELU_ODOTUS_PV", "2025-06") == (12.0, "ok")
    assert value(db, "foglo", "KASVOKKAIN_SHARE", "2025-06") == (41.5, "ok")


def test_year_on_year_uses_a_year_earlier_stored_by_an_earlier_import(db):
    import_file(db, "a.csv", b"alue,kausi,indikaattori,arvo\nKU091,2025-06,TYOTTOMATLOPUSSA,50000\n")
    import_file(db, "b.csv", b"alue,kausi,indikaattori,arvo\nKU091,2026-06,TYOTTOMATLOPUSSA,52578\n")
    assert value(db, "helsinki", "TYOTTOMATLOPUSSA_YOY") == (2578.0, "ok")
    assert value(db, "helsinki", "TYOTTOMATLOPUSSA_YOY_PCT") == (5.2, "ok")


def test_a_membership_change_is_applied_by_recompute_areas(real_db):
    with real_db.conn:
        real_db.conn.execute("INSERT INTO municipalities(code, name_fi, name_sv) VALUES ('092', 'Vantaa', 'Vanda')")
        real_db.conn.execute("INSERT INTO area_municipalities(municipality_code, area_id) VALUES ('092', 'helsinki')")
        real_db.conn.execute("DELETE FROM area_municipalities WHERE area_id = 'foglo'")
    import_file(real_db, "palvelut.csv", b"alue,kausi,indikaattori,arvo\nhelsinki,2026-06,KASVOKKAIN_SHARE,40\n")
    result = recompute_areas(real_db)
    assert result["written"] > 0 and result["removed"] > 0
    assert value(real_db, "helsinki", "TYOTTOMATLOPUSSA") == (52578.0 + 20597.0, "ok")
    assert value(real_db, "helsinki", "TYOTOSUUS") == (round((52578 + 20597) / (370847 + 134799) * 100, 1), "ok")
    assert value(real_db, "helsinki", "KASVOKKAIN_SHARE") == (40.0, "ok")  # reported per area: kept
    assert value(real_db, "foglo", "TYOTTOMATLOPUSSA") is None


def test_recompute_areas_without_changes_changes_nothing(real_db):
    before = real_db.execute("SELECT * FROM indicator_values ORDER BY 1, 2, 3").fetchall()
    recompute_areas(real_db)
    assert real_db.execute("SELECT * FROM indicator_values ORDER BY 1, 2, 3").fetchall() == before


def test_area_values_carry_period_source_caveat_and_flags(real_db):
    rows = {row["code"]: row for row in area_values(real_db, "akaa-tampere")}
    assert rows["TYOTOSUUS"]["period"] == "2026-06" and rows["TYOTOSUUS"]["unit"] == "percent"
    assert rows["TYOTOSUUS"]["data_source"] == "KEHA-keskus, Työnvälitystilasto"
    assert rows["TYOTOSUUS"]["data_updated"] == "2026-07-21"
    assert rows["KOKEILULOP"]["flag"] == "partial" and rows["KOKEILULOP"]["is_demo"] is False
    assert rows["AKTIVOINTIASTE"]["caveat"]["en"].startswith("Service counts for 2025")
    assert rows["TYOTOSUUS"]["name"]["sv"] and rows["TYOTOSUUS"]["higher_is_worse"] is True
    assert list(rows)[:3] == ["HAKIJALOPUSSA", "TYOTTOMATLOPUSSA", "TYOVOIMATK"]  # catalogue order


def test_area_values_for_chosen_codes_and_period(real_db):
    rows = area_values(real_db, "helsinki", period="2026-06", codes=["TYOTOSUUS", "TYOTTOMATLOPUSSA"])
    assert [(row["code"], row["value"]) for row in rows] == [("TYOTTOMATLOPUSSA", 52578.0), ("TYOTOSUUS", 14.2)]
    assert area_values(real_db, "helsinki", period="2020-01") == []


def test_service_values_carry_the_deadline_rule_of_their_period(db):
    import_file(db, "p.csv", b"alue,kausi,indikaattori,arvo\nhelsinki,2026-02,ALKUHAASTATTELU_AJASSA_SHARE,30\n")
    row = area_values(db, "helsinki")[0]
    assert row["deadline_rule"]["en"].startswith("2026: lengthened deadline")


def test_latest_period_and_series(db):
    import_file(db, "a.csv", b"alue,kausi,indikaattori,arvo\nhelsinki,2025-05,TAPAAMISET,10\nSSS,2025-06,TAPAAMISET,30\n"
                             b"helsinki,2025-06,TAPAAMISET,12\nhelsinki,2025,TAPAAMISET,120\n")
    assert latest_period(db) == "2025-06" and latest_period(db, "LAUSUNNOT") is None
    assert [(row["region_code"], row["period"], row["value"]) for row in series(db, ["helsinki", "SSS"], "TAPAAMISET")] == [
        ("SSS", "2025-06", 30.0), ("helsinki", "2025", 120.0), ("helsinki", "2025-05", 10.0), ("helsinki", "2025-06", 12.0)]
    assert series(db, [], "TAPAAMISET") == []


def test_values_for_period_by_level(real_db):
    areas = values_for_period(real_db, "TYOTTOMATLOPUSSA", "2026-06", level="area")
    assert set(areas) == set(AREAS)


def test_a_real_import_removes_demo_values_and_demo_is_refused_over_real_values(db):
    load_demo(db)
    assert db.execute("SELECT COUNT(*) FROM indicator_values WHERE is_demo = 0").fetchone()[0] == 0
    summary = import_file(db, REAL_FILE.name, REAL_FILE.read_bytes())
    assert summary.demo_values_removed > 0
    assert db.execute("SELECT COUNT(*) FROM indicator_values WHERE is_demo = 1").fetchone()[0] == 0
    assert value(db, "helsinki", "TYOTTOMATLOPUSSA_YOY") is None  # never a change on a demo base
    assert demo.stored_standouts(db) == {}
    with pytest.raises(IndicatorImportError, match="real statistics"):
        load_demo(db)

