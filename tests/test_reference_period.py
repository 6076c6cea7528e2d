"""A round's statistics month: its panels, key figures and exports read every figure at or before it, and say so."""

from __future__ import annotations

import io
import shutil
from datetime import date

import docx
import openpyxl
import pandas as pd
import pytest

from tests.statfin_files import statfin_copy
from tools.apptest_helpers import logged_in_app, tables
from tools.test_calendar import NEXT, ROUND
from yse_core import auth, rounds
from yse_core.db import open_db, transaction
from yse_core.exports import briefing_docx, round_workbook_xlsx
from yse_core.formatting import value_with_unit
from yse_core.indicators import situation
from yse_core.indicators.store import import_file
from yse_core.setup import init_database

ADMIN = auth.User("tester", "Testaaja", "admin", None)
# Helsinki is one municipality (091): its area figure is the city's. 12/2025 is the real file with 2,578 fewer.
HELSINKI_UNEMPLOYED = {"2025-12": 50000.0, "2026-06": 52578.0}
ROUND_MONTHS = [(ROUND, "2025-12"), (NEXT, "2026-06")]


@pytest.fixture(scope="module")
def two_months_template(tmp_path_factory):
    """The real 12r5 file imported as 06/2026 and as 12/2025 (Helsinki changed), face-to-face meetings only in 12/2025,
    and two rounds whose default statistics months are 12/2025 (deadline in January) and 06/2026 (in July)."""
    path = tmp_path_factory.mktemp("two-months") / "two.db"
    db = init_database(path, demo=False)
    import_file(db, "statfin-12r5-kunnat-2025M12.json", statfin_copy("2025M12", {("KU091", "TYOTTOMATLOPUSSA"): "50000"}))
    import_file(db, "statfin-12r5-kunnat-2026M06.json", statfin_copy())
    with transaction(db):  # a service-process figure reported for 12/2025 and never since
        for region, level, value in (("helsinki", "area", 41.0), ("SSS", "country", 38.5)):
            db.execute("INSERT INTO indicator_values(indicator_code, region_code, region_level, period, value) "
                       "VALUES ('KASVOKKAIN_SHARE', ?, ?, '2025-12', ?)", [region, level, value])
    rounds.open_round(db, ROUND, "yse-2025@1", date(2026, 1, 20), opens=date(2025, 11, 1))
    rounds.open_round(db, NEXT, "yse-2026@1", date(2026, 7, 24), opens=date(2026, 6, 1))
    db.close()
    return path


@pytest.fixture
def db(two_months_template, tmp_path):
    target = tmp_path / "two.db"
    shutil.copy(two_months_template, target)
    database = open_db(target)
    yield database
    database.close()


def _document_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(lines)


# --- the panel's and the situation's figures ------------------------------------------------------


@pytest.mark.parametrize(("year", "month"), ROUND_MONTHS)
def test_round_panel_reads_figures_at_the_rounds_month(db, year, month):
    reference = rounds.reference_period(db, year)
    assert reference == month
    figures = {figure["code"]: figure for figure in
               situation.theme_figures(db, "helsinki", ["TYOTTOMATLOPUSSA", "TYOTOSUUS"], reference=reference)}
    assert {figure["period"] for figure in figures.values()} == {month}
    assert figures["TYOTTOMATLOPUSSA"]["area_value"] == HELSINKI_UNEMPLOYED[month]
    assert figures["TYOTOSUUS"]["country_value"] == situation.country_value(db, "TYOTOSUUS", month)


def test_key_figures_and_peer_values_read_the_rounds_month(db):
    figures = {figure["code"]: figure for figure in situation.key_figures(db, "helsinki", reference="2025-12")}
    assert {figure["period"] for figure in figures.values()} == {"2025-12"}
    assert figures["TYOTTOMATLOPUSSA"]["area_value"] == HELSINKI_UNEMPLOYED["2025-12"]
    assert figures["TYOTOSUUS"]["peer_value"] is not None
    assert situation.peer_group(db, "helsinki", reference="2025-12") != []


def test_a_figure_missing_at_the_month_keeps_its_own_earlier_period(db):
    figures = situation.theme_figures(db, "helsinki", ["TYOTTOMATLOPUSSA", "KASVOKKAIN_SHARE"], reference="2026-06")
    assert [(figure["code"], figure["period"]) for figure in figures] == [
        ("TYOTTOMATLOPUSSA", "2026-06"), ("KASVOKKAIN_SHARE", "2025-12")]
    assert list(situation.theme_table(figures, "fi")["Kausi"]) == ["06/2026", "12/2025"]
    caption = situation.period_caption([figure["period"] for figure in figures], "fi", reference="2026-06",
                                       round_year=NEXT)
    assert caption.startswith(f"Tilastokuukausi 06/2026 (kierroksen {NEXT} viitekuukausi).")
    assert "viimeisin sitä edeltävä" in caption


def test_a_round_before_any_later_month_does_not_see_it(db):
    figures = situation.theme_figures(db, "helsinki", ["KASVOKKAIN_SHARE", "TYOTTOMATLOPUSSA"], reference="2025-11")
    assert figures == []  # nothing at or before 11/2025: no figure, not a later one


def test_without_a_round_the_latest_month_is_read_and_stated(db):
    figures = situation.theme_figures(db, "helsinki", ["TYOTTOMATLOPUSSA"])
    assert figures[0]["period"] == "2026-06" and figures[0]["area_value"] == HELSINKI_UNEMPLOYED["2026-06"]
    assert situation.period_caption([figure["period"] for figure in figures], "fi") == \
        "Tilastokuukausi 06/2026 (viimeisin saatavilla oleva)."


@pytest.mark.parametrize(("lang", "expected"), [
    ("fi", f"Tilastokuukausi 12/2025 (kierroksen {ROUND} viitekuukausi)."),
    ("sv", f"Statistikmånad 12/2025 (referensmånad för omgången {ROUND})."),
    ("en", f"Statistics month 12/2025 (the reference month of round {ROUND})."),
])
def test_caption_names_the_rounds_month(lang, expected):
    assert situation.period_caption(["2025-12"], lang, reference="2025-12", round_year=ROUND) == expected


def test_an_admin_set_month_replaces_the_default(db):
    rounds.set_reference_period(db, NEXT, "2025-12", actor="tester")
    (figure,) = situation.theme_figures(db, "helsinki", ["TYOTTOMATLOPUSSA"], reference=rounds.reference_period(db, NEXT))
    assert figure["period"] == "2025-12" and figure["area_value"] == HELSINKI_UNEMPLOYED["2025-12"]


# --- exports --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "month"), ROUND_MONTHS)
def test_workbook_tabulates_the_rounds_month_and_states_it(db, year, month):
    workbook = openpyxl.load_workbook(io.BytesIO(round_workbook_xlsx(db, ADMIN, year)))
    sheet = workbook["Tunnusluvut"]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index(f"Työttömät työnhakijat {month}")
    helsinki = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "helsinki")
    assert helsinki[column] == HELSINKI_UNEMPLOYED[month]
    info = [row[0] for row in workbook["Tietoja"].iter_rows(values_only=True)]
    assert any(line.startswith(f"Tilastokuukausi {month[5:]}/{month[:4]} (kierroksen {year} viitekuukausi).")
               for line in info)
    assert "Kasvokkaisten tapaamisten osuus (%) 2025-12" in headers  # a figure keeps its own, earlier month
    cells = [str(cell) for name in ("Tunnusluvut", "Tietoja") for row in workbook[name].iter_rows(values_only=True)
             for cell in row if cell is not None]
    assert not [cell for cell in cells if "None" in cell or "nan" in cell.lower().split()]


@pytest.mark.parametrize(("year", "month"), ROUND_MONTHS)
def test_briefing_shows_the_rounds_figures_and_states_the_month(db, year, month):
    text = _document_text(briefing_docx(db, ADMIN, year, "helsinki"))
    other = next(other for other in HELSINKI_UNEMPLOYED if other != month)
    assert f"Tilastokuukausi {month[5:]}/{month[:4]} (kierroksen {year} viitekuukausi)." in text
    assert value_with_unit(HELSINKI_UNEMPLOYED[month], "persons", "fi", 0) in text
    assert value_with_unit(HELSINKI_UNEMPLOYED[other], "persons", "fi", 0) not in text
    assert f"{month[5:]}/{month[:4]}" in text and "None" not in text and "nan" not in text.split()


# --- pages ----------------------------------------------------------------------------------------


def _panel(app):
    """The theme panels' tables (those with a period column and no peer group; the dossier shows one per theme,
    all at once) as one table, and the captions shown."""
    panels = [table for table in tables(app) if "Kausi" in table.columns and "Vertailuryhmä" not in table.columns]
    assert panels
    return pd.concat(panels), [caption.value for caption in app.caption]


def test_area_view_panel_follows_the_rounds_month_when_an_admin_changes_it(demo_db_path):
    demo = open_db(demo_db_path)
    rounds.set_reference_period(demo, ROUND, "2025-06", actor="tester")
    theme = rounds.get_questionnaire(demo, "yse-2025@1").themes[0].id
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.query_params["area"], app.query_params["teema"] = "helsinki", theme
    app.switch_page("pages/area_view.py").run()
    assert not app.exception, app.exception
    table, captions = _panel(app)
    assert set(table["Kausi"]) == {"06/2025"}
    assert f"Tilastokuukausi 06/2025 (kierroksen {ROUND} viitekuukausi)." in captions

    rounds.set_reference_period(demo, ROUND, None, actor="tester")  # back to the default; no import, same data stamp
    demo.close()
    app.run()
    assert not app.exception, app.exception
    table, captions = _panel(app)
    assert set(table["Kausi"]) == {"12/2025"}
    assert f"Tilastokuukausi 12/2025 (kierroksen {ROUND} viitekuukausi)." in captions


def test_exports_page_states_the_rounds_month(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.switch_page("pages/exports.py").run()
    assert not app.exception, app.exception
    assert f"Tilastokuukausi 12/2025 (kierroksen {ROUND} viitekuukausi)." in [caption.value for caption in app.caption]
