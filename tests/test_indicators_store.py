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
    SourceRequired,
    area_values,
    import_file,
    imports,
    latest_period,
    recompute_areas,
    series,
    values_at,
    values_for_period,
)

FIXTURES = Path(__file__).parent / "fixtures" / "indicators"
REAL_FILE = FIXTURES / "statfin-12r5-kunnat-2026M06.json"
AREAS = {"helsinki": ["091"], "espoo-kauniainen": ["049", "235"], "akaa-tampere": ["020", "837"], "foglo": ["062"]}
AREA_REPORT = "Helsingin työllisyyspalvelut, oma seurantaraportti"
SERVICE_CSV = (b"alue;kausi;indikaattori;arvo\nhelsinki;2026-06;ALKUHAASTATTELUT;1200\n"
               b"helsinki;2026-06;ALKUHAASTATTELUT_AJASSA;300\nhelsinki;2026-06;KASVOKKAIN_SHARE;41,5\n")


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
    summary = import_file(db, "palvelut.csv", text.encode(), user="admin", source=AREA_REPORT)
    assert summary.counts == {"area": 6}
    assert value(db, "helsinki", "ALKUHAASTATTELU_AJASSA_SHARE", "2025-06") == (25.0, "ok")
    assert value(db, "helsinki", "ALKUHAASTATTELU_ODOTUS_PV", "2025-06") == (12.0, "ok")
    assert value(db, "foglo", "KASVOKKAIN_SHARE", "2025-06") == (41.5, "ok")


def test_year_on_year_uses_a_year_earlier_stored_by_an_earlier_import(db):
    import_file(db, "a.csv", b"alue,kausi,indikaattori,arvo\nKU091,2025-06,TYOTTOMATLOPUSSA,50000\n", source=AREA_REPORT)
    import_file(db, "b.csv", b"alue,kausi,indikaattori,arvo\nKU091,2026-06,TYOTTOMATLOPUSSA,52578\n", source=AREA_REPORT)
    assert value(db, "helsinki", "TYOTTOMATLOPUSSA_YOY") == (2578.0, "ok")
    assert value(db, "helsinki", "TYOTTOMATLOPUSSA_YOY_PCT") == (5.2, "ok")


def test_a_membership_change_is_applied_by_recompute_areas(real_db):
    with real_db.conn:
        real_db.conn.execute("INSERT INTO municipalities(code, name_fi, name_sv) VALUES ('092', 'Vantaa', 'Vanda')")
        real_db.conn.execute("INSERT INTO area_municipalities(municipality_code, area_id) VALUES ('092', 'helsinki')")
        real_db.conn.execute("DELETE FROM area_municipalities WHERE area_id = 'foglo'")
    import_file(real_db, "palvelut.csv", b"alue,kausi,indikaattori,arvo\nhelsinki,2026-06,KASVOKKAIN_SHARE,40\n",
                source=AREA_REPORT)
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
    assert rows["AKTIVOINTIASTE"]["caveat"]["en"].startswith("The count of people in services may be too low")
    assert rows["TYOTOSUUS"]["name"]["sv"] and rows["TYOTOSUUS"]["higher_is_worse"] is True
    assert list(rows)[:3] == ["HAKIJALOPUSSA", "TYOTTOMATLOPUSSA", "TYOVOIMATK"]  # catalogue order


def test_area_values_for_chosen_codes_and_period(real_db):
    rows = area_values(real_db, "helsinki", period="2026-06", codes=["TYOTOSUUS", "TYOTTOMATLOPUSSA"])
    assert [(row["code"], row["value"]) for row in rows] == [("TYOTTOMATLOPUSSA", 52578.0), ("TYOTOSUUS", 14.2)]
    assert area_values(real_db, "helsinki", period="2020-01") == []


def test_service_values_carry_the_deadline_rule_of_their_period(db):
    import_file(db, "p.csv", b"alue,kausi,indikaattori,arvo\nhelsinki,2026-02,ALKUHAASTATTELU_AJASSA_SHARE,30\n",
                source=AREA_REPORT)
    row = area_values(db, "helsinki")[0]
    assert row["deadline_rule"]["en"].startswith("2026: lengthened deadline")


def test_latest_period_and_series(db):
    import_file(db, "a.csv", b"alue,kausi,indikaattori,arvo\nhelsinki,2025-05,TAPAAMISET,10\nSSS,2025-06,TAPAAMISET,30\n"
                             b"helsinki,2025-06,TAPAAMISET,12\nhelsinki,2025,TAPAAMISET,120\n", source=AREA_REPORT)
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
    with pytest.raises(IndicatorImportError, match="oikeita tilastoarvoja") as refused:
        load_demo(db)
    assert "real statistics" in refused.value.message("en")



# --- the source of an import ---------------------------------------------------------------------


@pytest.mark.parametrize(("file_name", "source"), [("palvelut.csv", None), ("palvelut.csv", "  "), ("palvelut.txt", "")])
def test_a_csv_without_a_source_is_refused_naming_the_file_and_nothing_is_written(db, file_name, source):
    with pytest.raises(SourceRequired) as caught:
        import_file(db, file_name, SERVICE_CSV, source=source)
    texts = {lang: caught.value.message(lang) for lang in ("fi", "sv", "en")}
    assert all(file_name in text for text in texts.values())
    assert "lähde" in texts["fi"] and "källa" in texts["sv"] and "source" in texts["en"]
    assert str(caught.value) == texts["fi"]
    assert db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM indicator_values").fetchone()[0] == 0


def test_a_csv_imports_figures_carry_the_given_source(db):
    import_file(db, "palvelut.csv", SERVICE_CSV, source=f"  {AREA_REPORT} ")
    assert imports(db)[0]["source"] == AREA_REPORT
    stored = values_at(db, ["helsinki"], {"ALKUHAASTATTELUT": "2026-06", "ALKUHAASTATTELU_AJASSA_SHARE": "2026-06"})
    assert {code: row["source"] for code, row in stored["helsinki"].items()} == {
        "ALKUHAASTATTELUT": AREA_REPORT, "ALKUHAASTATTELU_AJASSA_SHARE": AREA_REPORT}
    assert {row["data_source"] for row in area_values(db, "helsinki")} == {AREA_REPORT}


def test_a_given_source_overrides_the_files_own(db):
    import_file(db, REAL_FILE.name, REAL_FILE.read_bytes(), source="Tilastokeskus, StatFin 12r5 (haettu 1.8.2026)")
    assert imports(db)[0]["source"] == "Tilastokeskus, StatFin 12r5 (haettu 1.8.2026)"


def test_a_statfin_file_keeps_its_own_source_without_one_given(real_db):
    assert imports(real_db)[0]["source"] == "KEHA-keskus, Työnvälitystilasto"


# --- what the portal computed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "code", "method"),
    [
        ("SSS", "TYOTTOMATLOPUSSA", None),  # the file's whole-country count
        ("SSS", "TYOTOSUUS", None),  # 12r5 gives the country's rate itself
        ("SSS", "TYOTTOMYYSASTE", "ratio"),
        ("SSS", "PALVELUISSA", "sum_of_parts"),
        ("helsinki", "TYOTTOMATLOPUSSA", "sum_of_members"),  # 12r5 has no area level: summed, even of one member
        ("akaa-tampere", "TYOTTOMATLOPUSSA", "sum_of_members"),
        ("helsinki", "TYOTOSUUS", "ratio"),
        ("helsinki", "AKTIVOINTIASTE", "ratio"),
        ("helsinki", "ALKUHAASTATTELUT", None),  # reported per area in the CSV
        ("helsinki", "KASVOKKAIN_SHARE", None),  # a share given as such
        ("helsinki", "ALKUHAASTATTELU_AJASSA_SHARE", "ratio"),  # computed from the reported counts
    ],
)
def test_area_values_say_which_figures_the_portal_computed(real_db, region, code, method):
    import_file(real_db, "palvelut.csv", SERVICE_CSV, source=AREA_REPORT)
    row = next(row for row in area_values(real_db, region, "2026-06") if row["code"] == code)
    assert (row["computed_method"], row["computed"]) == (method, method is not None)


def test_a_year_on_year_change_is_computed(db):
    import_file(db, "a.csv", b"alue,kausi,indikaattori,arvo\nKU091,2025-06,TYOTTOMATLOPUSSA,50000\n", source=AREA_REPORT)
    import_file(db, "b.csv", b"alue,kausi,indikaattori,arvo\nKU091,2026-06,TYOTTOMATLOPUSSA,52578\n", source=AREA_REPORT)
    rows = {row["code"]: row for row in area_values(db, "helsinki", "2026-06")}
    assert rows["TYOTTOMATLOPUSSA_YOY"]["computed_method"] == "year_on_year"
    assert rows["TYOTTOMATLOPUSSA"]["computed_method"] == "sum_of_members"  # from a municipality row of a CSV


# --- caveats computed from the data ------------------------------------------------------------------


def _shares(db, code: str) -> tuple[float, float]:
    stored = values_for_period(db, code, "2026-06")
    return stored["KUJOU"][0], stored["SSS"][0]


@pytest.mark.parametrize(("code", "expected_fi"), [
    ("AVPAIKATLOPUSSA", "06/2026: sijainniltaan tuntemattomia oli 7\u00a0661 eli 28,8 % koko maan 26\u00a0641 työpaikasta."),
    ("UUDETAVP", "06/2026: sijainniltaan tuntemattomia oli 9\u00a0244 eli 29,4 % koko maan 31\u00a0390 työpaikasta."),
])
def test_vacancy_caveat_gives_the_unknown_location_share_of_the_real_file(real_db, code, expected_fi):
    unknown, country = _shares(real_db, code)
    assert f"{round(unknown / country * 100, 1):.1f}".replace(".", ",") in expected_fi  # the figures are the data's
    for region in ("helsinki", "SSS"):
        caveat = next(row for row in area_values(real_db, region, "2026-06") if row["code"] == code)["caveat"]
        assert caveat["fi"].endswith(expected_fi)
        assert "KUJOU" in caveat["sv"] and "{" not in caveat["sv"] + caveat["en"]


def test_vacancy_caveat_follows_the_stored_data(real_db):
    data = json.loads(REAL_FILE.read_text(encoding="utf-8"))
    row = next(row for row in data["data"] if row["key"][0] == "KUJOU")
    row["values"][21] = "1000"  # AVPAIKATLOPUSSA of unknown location
    import_file(real_db, "corrected.json", json.dumps(data).encode())
    caveat = next(row for row in area_values(real_db, "helsinki", "2026-06") if row["code"] == "AVPAIKATLOPUSSA")["caveat"]
    assert caveat["en"].endswith("1,000 of the country's 26,641 vacancies, that is 3.8 %, had no known municipality.")


def test_vacancy_caveat_without_the_unknown_location_bucket_keeps_only_its_words(db):
    import_file(db, "p.csv", b"alue,kausi,indikaattori,arvo\nKU091,2026-06,AVPAIKATLOPUSSA,5000\n", source=AREA_REPORT)
    caveat = area_values(db, "helsinki", "2026-06")[0]["caveat"]
    assert caveat["en"].endswith("so the areas add up to less than the country.")


def test_activation_caveat_gives_the_countrys_rate_of_the_same_month(real_db):
    country = values_for_period(real_db, "AKTIVOINTIASTE", "2026-06")["SSS"][0]
    caveat = next(row for row in area_values(real_db, "helsinki", "2026-06") if row["code"] == "AKTIVOINTIASTE")["caveat"]
    assert caveat["en"].endswith(f"The whole country's activation rate, 06/2026: {country:.1f} %.")
    assert caveat["fi"].endswith(f"Koko maan aktivointiaste 06/2026: {country:.1f} %.".replace(f"{country:.1f}",
                                                                                             f"{country:.1f}".replace(".", ",")))
    assert 10 < country < 20  # the real file's rate (about 15 % by FACTS §5.1): read from the data, not typed
