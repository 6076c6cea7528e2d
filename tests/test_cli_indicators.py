"""Statistics on the command line (import-indicators, indicators show) and the admin import page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app
from tools.test_calendar import ROUND
from yse_core.db import open_db

from .test_foundation import run_cli

REAL_FILE = Path(__file__).parent / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"


def _counts(db_path: Path) -> tuple[int, int]:
    db = open_db(db_path)
    try:
        return (db.execute("SELECT COUNT(*) FROM imports").fetchone()[0],
                db.execute("SELECT COUNT(*) FROM indicator_values").fetchone()[0])
    finally:
        db.close()


def _show(db_path: Path, area: str, period: str = "2026-06") -> dict[str, dict]:
    result = run_cli("indicators", "show", "--area", area, "--period", period, "--json", db_path=db_path)
    assert result.returncode == 0, result.stderr
    return {row["code"]: row for row in json.loads(result.stdout)}


@pytest.fixture
def imported_db_path(demo_db_path):
    result = run_cli("import-indicators", str(REAL_FILE), "--user", "tilastot", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    return demo_db_path


def test_import_indicators_prints_the_summary_with_counts(demo_db_path):
    result = run_cli("import-indicators", str(REAL_FILE), db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert "Tuotu statfin-12r5-kunnat-2026M06.json (muoto pxweb-json, taulukko 12r5" in result.stdout
    assert "Arvoja 10994: alueet 1305, koko maa 29, kunnat 7107, muut tasot 2553." in result.stdout
    assert "Poistettu 81696 demoarvoa." in result.stdout


def test_import_indicators_records_who_imported(imported_db_path):
    db = open_db(imported_db_path)
    row = db.execute("SELECT imported_by, format, table_id FROM imports ORDER BY id DESC LIMIT 1").fetchone()
    db.close()
    assert tuple(row) == ("tilastot", "pxweb-json", "12r5")


def test_indicators_show_json_gives_the_area_values_with_source(imported_db_path):
    helsinki = _show(imported_db_path, "helsinki")
    assert helsinki["TYOTTOMATLOPUSSA"]["value"] == 52578
    assert helsinki["TYOTOSUUS"]["value"] == 14.2
    assert helsinki["TYOTOSUUS"]["name"]["fi"] == "Työttömien työnhakijoiden osuus työvoimasta"
    expected = {"period": "2026-06", "is_demo": False, "partial": False, "computed": True,
                "source": "Laskettu: KEHA-keskus, Työnvälitystilasto (suhdeluku osien luvuista)",
                "data_updated": "2026-07-21"}
    assert {key: helsinki["TYOTOSUUS"][key] for key in expected} == expected


def _set_verified(db_path: Path, flags: dict[str, int]) -> None:
    db = open_db(db_path)
    try:
        with db.conn:
            for area, flag in flags.items():
                db.conn.execute("UPDATE areas SET membership_verified = ? WHERE id = ?", [flag, area])
    finally:
        db.close()


@pytest.mark.parametrize(("area", "code", "computed", "method", "source"), [
    ("helsinki", "TYOTTOMATLOPUSSA", True, "sum_of_members", "Laskettu: KEHA-keskus, Työnvälitystilasto (summa jäsenkunnista)"),
    ("helsinki", "PALVELUISSA", True, "sum_of_parts", "Laskettu: KEHA-keskus, Työnvälitystilasto (osien summa)"),
    ("SSS", "TYOTTOMATLOPUSSA", False, None, "KEHA-keskus, Työnvälitystilasto"),
    ("SSS", "TYOTOSUUS", False, None, "KEHA-keskus, Työnvälitystilasto"),
    ("SSS", "TYOTTOMYYSASTE", True, "ratio", "Laskettu: KEHA-keskus, Työnvälitystilasto (suhdeluku osien luvuista)"),
])
def test_indicators_show_json_marks_the_figures_the_portal_computed(imported_db_path, area, code, computed, method,
                                                                    source):
    row = _show(imported_db_path, area)[code]
    assert (row["computed"], row["computed_method"], row["source"]) == (computed, method, source)


def test_indicators_show_json_carries_the_areas_membership_verified_flag(imported_db_path):
    _set_verified(imported_db_path, {"helsinki": 1, "vantaa": 0})
    assert {row["membership_verified"] for row in _show(imported_db_path, "helsinki").values()} == {True}
    assert {row["membership_verified"] for row in _show(imported_db_path, "vantaa").values()} == {False}
    assert {row["membership_verified"] for row in _show(imported_db_path, "SSS").values()} == {None}


def test_indicators_show_gives_the_vacancy_caveat_with_the_files_unknown_location_share(imported_db_path):
    caveat = _show(imported_db_path, "helsinki")["AVPAIKATLOPUSSA"]["caveat"]
    assert caveat["fi"].endswith("06/2026: sijainniltaan tuntemattomia oli 7\u00a0661 eli 28,8 % koko maan 26\u00a0641 "
                                 "työpaikasta.")
    text = run_cli("indicators", "show", "--area", "helsinki", "--period", "2026-06", db_path=imported_db_path).stdout
    assert "Huom. Avoimet työpaikat: Osa työpaikoista on tilastossa ilman sijaintikuntaa" in text
    assert "[laskettu]" in [line for line in text.splitlines() if "(TYOTTOMATLOPUSSA)" in line][0]


SERVICE_CSV = "alue;kausi;indikaattori;arvo\nhelsinki;2026-06;ALKUHAASTATTELUT;1200\nhelsinki;2026-06;ALKUHAASTATTELUT_AJASSA;300\n"


def test_import_indicators_refuses_a_csv_without_a_source_in_one_line(demo_db_path, tmp_path):
    path = tmp_path / "palvelut.csv"
    path.write_text(SERVICE_CSV, encoding="utf-8")
    before = _counts(demo_db_path)
    result = run_cli("import-indicators", str(path), db_path=demo_db_path)
    assert result.returncode == 1
    assert "Tiedostolle palvelut.csv ei annettu lähdettä" in result.stderr and "--source" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _counts(demo_db_path) == before


def test_import_indicators_stores_the_source_given_for_a_csv(demo_db_path, tmp_path):
    path = tmp_path / "palvelut.csv"
    path.write_text(SERVICE_CSV, encoding="utf-8")
    result = run_cli("import-indicators", str(path), "--source", "Helsingin työllisyyspalvelut, seurantaraportti",
                     db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    row = _show(demo_db_path, "helsinki")["ALKUHAASTATTELUT"]
    assert (row["source"], row["computed"]) == ("Helsingin työllisyyspalvelut, seurantaraportti", False)
    share = _show(demo_db_path, "helsinki")["ALKUHAASTATTELU_AJASSA_SHARE"]
    assert share["source"] == "Laskettu: Helsingin työllisyyspalvelut, seurantaraportti (suhdeluku osien luvuista)"


def test_indicators_show_sss_is_the_whole_country(imported_db_path):
    assert _show(imported_db_path, "SSS")["TYOTTOMATLOPUSSA"]["value"] == 352001


def test_indicators_show_text_marks_partial_values(imported_db_path):
    db = open_db(imported_db_path)
    area, code = db.execute("SELECT region_code, indicator_code FROM indicator_values "
                            "WHERE region_level = 'area' AND flag = 'partial' ORDER BY 1, 2 LIMIT 1").fetchone()
    db.close()
    assert _show(imported_db_path, area)[code]["partial"] is True
    text = run_cli("indicators", "show", "--area", area, "--period", "2026-06", db_path=imported_db_path).stdout
    assert [line for line in text.splitlines() if f"({code})" in line][0].count("[osittainen") == 1


def test_indicators_show_text_marks_demo_values_and_names_the_source(demo_db_path):
    result = run_cli("indicators", "show", "--area", "helsinki", "--period", "2025-12", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert "[DEMO]" in result.stdout
    assert "Lähde: DEMO DATA — not official statistics" in result.stdout


def test_malformed_file_is_refused_in_one_line_and_nothing_changes(demo_db_path, tmp_path):
    broken = tmp_path / "katkennut.json"
    broken.write_bytes(REAL_FILE.read_bytes()[:5000])
    before = _counts(demo_db_path)
    result = run_cli("import-indicators", str(broken), db_path=demo_db_path)
    assert result.returncode == 1
    assert "JSON on virheellinen tai katkennut" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _counts(demo_db_path) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("indicators", "show", "--area", "atlantis", "--period", "2026-06"), "Tuntematon alue 'atlantis'"),
        (("indicators", "show", "--area", "helsinki", "--period", "kesäkuu"), "--period"),
        (("import-indicators", "/nonexistent/12r5.json"), "virhe:"),
    ],
)
def test_indicator_command_errors_are_one_line(demo_db_path, args, message):
    result = run_cli(*args, db_path=demo_db_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_admin_import_page_lists_the_demo_import(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_imports.py")
    app.run()
    assert not app.exception, app.exception
    assert "Tilastojen tuonti" in [element.value for element in app.title]
    history = app.dataframe[0].value
    assert list(history["file_name"]) == ["demo"]
    assert bool(history["is_demo"].iloc[0]) is True
    assert history["values"].iloc[0] == 81696
    assert app.button(key="imports-run").disabled  # nothing uploaded yet
    source = app.text_input(key="imports-source")
    assert source.label == "Lähde" and source.disabled and source.value == ""
    assert list(history["source"]) == ["DEMO DATA — not official statistics"]


def test_cli_exports_write_the_briefing_workbook_and_csv(demo_db_path, tmp_path):
    import docx
    import openpyxl

    from .test_foundation import run_cli

    assert run_cli("export", "briefing", "--round", str(ROUND), "--area", "helsinki", str(tmp_path / "b.docx"),
                   db_path=demo_db_path).returncode == 0
    assert "Helsingin kaupunki" in "\n".join(p.text for p in docx.Document(tmp_path / "b.docx").paragraphs + [
        c.paragraphs[0] for t in docx.Document(tmp_path / "b.docx").tables for r in t.rows for c in r.cells])
    assert run_cli("export", "responses", "--round", str(ROUND), str(tmp_path / "w.xlsx"), db_path=demo_db_path).returncode == 0
    assert len(openpyxl.load_workbook(tmp_path / "w.xlsx").sheetnames) > 3
    assert run_cli("export", "responses", "--round", str(ROUND), str(tmp_path / "l.csv"), db_path=demo_db_path).returncode == 0
    assert (tmp_path / "l.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    minutes = run_cli("export", "minutes", "--round", str(ROUND), "--area", "helsinki", str(tmp_path / "m.docx"), db_path=demo_db_path)
    assert minutes.returncode == 1 and len(minutes.stderr.strip().splitlines()) == 1
