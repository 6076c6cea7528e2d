"""Exports: briefing packs, minutes, the round workbook and CSV — content, safety, permissions, audit."""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import closing
from datetime import date

import docx
import openpyxl
import pytest

from tools.apptest_helpers import logged_in_app
from tools.test_calendar import PREVIOUS, ROUND
from yse_core import audit, auth, discussions, responses
from yse_core.comments import add_comment
from yse_core.db import open_db
from yse_core.errors import PermissionDenied, YseError
from yse_core.exports import (
    NoDiscussionRecord,
    briefing_docx,
    briefing_zip,
    minutes_docx,
    neutralise_cell,
    round_long_csv,
    round_workbook_xlsx,
    safe_filename,
)
from yse_core.exports.content import indicator_rows
from yse_core.formatting import answer_text, value_with_unit
from yse_core.gaps.service import points_for_area
from yse_core.questionnaire import Question
from yse_core.rounds import get_questionnaire

LONG_TEXT = ("Seuraamme työllisyyskatsausta kuukausittain; äänestys, öljy ja Åland kuuluvat esimerkkeihin.\n"
             "Helsingfors stad följer också läget på svenska: åtgärder för unga och långtidsarbetslösa.")
SWEDISH_TEXT = "Områdets åtgärder: språkkurser på svenska i Helsingfors, Borgå och Åbo."
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
FORMULA_QUESTIONS = ["trends_process_description", "funding_direction_description", "knowledge_management_description",
                     "arm_description"]
YOUTH_MEASURES = [
    {"name": "Nuorten työpaja Ohjaamo", "target_groups": ["youth"], "start_date": "2024-03-01",
     "resources": "3 htv, 250 000 €", "follow_up_frequency": "quarterly"},
]


def all_text(document: docx.document.Document) -> str:
    """Every paragraph and table cell of a Word document, one per line."""
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return "\n".join(lines)


@pytest.fixture
def people(demo_db):
    get = lambda name: auth.get_user(demo_db, name)  # noqa: E731
    return get("demo-reviewer"), get("demo-helsinki"), get("demo-vantaa")


@pytest.fixture
def answered(demo_db, people):
    """Helsinki with answers (long texts, measures), a clarification request and a follow-up from 2024."""
    reviewer, helsinki, _ = people
    response_id = responses.get_response_row(demo_db, helsinki, ROUND, "helsinki")["id"]
    for question_id, value in [
        ("trends_process_exists", True),
        ("trends_process_self", 4),
        ("trends_process_description", LONG_TEXT),
        ("uusimaa_factors", SWEDISH_TEXT),
        ("youth_measures_exist", True),
        ("youth_measures", YOUTH_MEASURES),
        ("employer_contacts_per_year", 1250),
    ]:
        responses.save_answer(demo_db, helsinki, response_id, question_id, value, base_version=0)
    add_comment(demo_db, reviewer, response_id, "Miten tilannekuva viedään päätöksentekoon?",
                question_id="trends_process_description", needs_clarification=True)
    demo_db.execute(f"""INSERT INTO rounds(year, questionnaire_key, opens, deadline, state, created_at)
                       VALUES ({PREVIOUS}, 'yse-2025@1', '2024-01-08', '2024-02-29', 'closed', '2024-01-08T00:00:00+00:00')""")
    demo_db.execute(f"""INSERT INTO follow_ups(round_year, area_id, body, owner_side, owner, due, status, created_by, created_at)
                       VALUES ({PREVIOUS}, 'helsinki', 'Nuorten palvelujen vaikuttavuusmittari käyttöön', 'area', 'Työllisyysjohtaja',
                               '2025-06-30', 'in_progress', 'demo-reviewer', '2024-03-01T10:00:00+00:00')""")
    demo_db.conn.commit()
    return response_id


# --- pure functions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+1", "'+1"),
    ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("a = b", "a = b"),
    ("Åbo", "Åbo"),
    ("", ""),
    ("bell\x07", "bell"),
    (-2, -2),
    (3.5, 3.5),
    (None, None),
])
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


@pytest.mark.parametrize("text, expected", [
    ("helsinki", "helsinki"),
    ("Pohjois- ja Itä-Lappi", "Pohjois-ja-Ita-Lappi"),
    ("../../etc/passwd", "etc-passwd"),
    ("Åbo/Turku: 2025", "Abo-Turku-2025"),
    ("***", "export"),
])
def test_safe_filename(text, expected):
    assert safe_filename(text) == expected


def _question(**fields) -> Question:
    return Question.model_validate({"id": "q", "text": {"fi": "Kysymys"}, **fields})


@pytest.mark.parametrize("fields, value, lang, expected", [
    ({"type": "yes_no"}, True, "fi", "Kyllä"),
    ({"type": "yes_no"}, False, "sv", "Nej"),
    ({"type": "text"}, None, "fi", "(ei vastausta)"),
    ({"type": "long_text"}, "Rivi 1\nRivi 2 – åäö", "fi", "Rivi 1\nRivi 2 – åäö"),
    ({"type": "single", "options": [{"id": "a", "label": {"fi": "Eka", "sv": "Första"}},
                                    {"id": "b", "label": {"fi": "Toka"}}]}, "a", "sv", "Första"),
    ({"type": "multi", "options": [{"id": "a", "label": {"fi": "Eka"}}, {"id": "b", "label": {"fi": "Toka"}}]},
     ["b", "a"], "fi", "Toka, Eka"),
    ({"type": "scale", "scale_labels": [{"fi": f"Taso {n}"} for n in range(1, 6)]}, 4, "fi", "4 – Taso 4"),
    ({"type": "number", "unit": {"fi": "henkilöä"}}, 1250, "fi", "1\u00a0250 henkilöä"),
    ({"type": "number"}, 2.5, "en", "2.5"),
    ({"type": "measures"}, [{"name": "A"}, {"name": "B"}], "fi", "2 toimea"),
])
def test_answer_text(fields, value, lang, expected):
    assert answer_text(_question(**fields), value, lang) == expected


# --- briefing pack ----------------------------------------------------------------------------------


def test_briefing_holds_answers_figures_points_comments_and_follow_ups(demo_db, people, answered):
    reviewer, _, _ = people
    document = docx.Document(io.BytesIO(briefing_docx(demo_db, reviewer, ROUND, "helsinki")))
    text = all_text(document)
    assert "Helsingin kaupunki" in text
    assert "Seuraamme työllisyyskatsausta kuukausittain" in text and "Åland" in text
    assert "Helsingfors stad följer också läget på svenska: åtgärder" in text
    assert SWEDISH_TEXT in text
    assert "Nuorten työpaja Ohjaamo" in text and "3 htv, 250 000 €" in text  # the measure as a table
    assert "1\u00a0250" in text
    rate = next(row for row in indicator_rows(demo_db, "helsinki", ["TYOTTOMYYSASTE"]))
    assert value_with_unit(rate.area_value, rate.unit, "fi", rate.decimals) in text
    assert value_with_unit(rate.country_value, rate.unit, "fi", rate.decimals) in text
    points = points_for_area(demo_db, ROUND, "helsinki", reviewer)
    assert points, "the saved answers should raise at least one discussion point"
    assert all(point.message("fi") in text for point in points)
    assert "Miten tilannekuva viedään päätöksentekoon?" in text
    assert "Nuorten palvelujen vaikuttavuusmittari käyttöön" in text and "Käynnissä" in text
    assert "demoaineistoa" in text
    assert len(document.inline_shapes) == 1  # the charts, one panel per key indicator
    assert "Kehitys: alue ja koko maa" in text


def test_briefing_in_swedish_uses_swedish_texts(demo_db, people, answered):
    reviewer, _, _ = people
    text = all_text(docx.Document(io.BytesIO(briefing_docx(demo_db, reviewer, ROUND, "helsinki", lang="sv"))))
    assert "bakgrundsmaterial" in text and "Helsingfors stad" in text and "Svaren per tema" in text


def test_briefing_takes_discussion_points_passed_in(demo_db, people):
    class Point:
        severity, theme = "high", "target_groups"

        def title_in(self, lang):
            return "Testihuomio"

        def message(self, lang):
            return "Pitkäaikaistyöttömyys kasvaa nopeammin kuin koko maassa."

    reviewer, _, _ = people
    text = all_text(docx.Document(io.BytesIO(briefing_docx(demo_db, reviewer, ROUND, "vantaa", points=[Point()]))))
    assert "Testihuomio: Pitkäaikaistyöttömyys kasvaa nopeammin kuin koko maassa." in text and "Korkea" in text


def test_briefing_zip_holds_one_briefing_per_area(demo_db, people):
    reviewer, _, _ = people
    archive = zipfile.ZipFile(io.BytesIO(briefing_zip(demo_db, reviewer, ROUND)))
    area_ids = [row[0] for row in demo_db.execute("SELECT id FROM areas ORDER BY id")]
    assert len(area_ids) == 45
    assert sorted(archive.namelist()) == sorted(f"YSE-2025-{area_id}.docx" for area_id in area_ids)
    vantaa = docx.Document(io.BytesIO(archive.read("YSE-2025-vantaa.docx")))
    assert "Vantaan työllisyysalue" in all_text(vantaa)


def test_respondent_gets_own_briefing_but_not_another_areas(demo_db, people):
    _, helsinki, _ = people
    assert briefing_docx(demo_db, helsinki, ROUND, "helsinki")[:2] == b"PK"
    with pytest.raises(PermissionDenied):
        briefing_docx(demo_db, helsinki, ROUND, "vantaa")


@pytest.mark.parametrize("export", [briefing_zip, round_workbook_xlsx, round_long_csv])
def test_respondent_cannot_export_the_whole_round(demo_db, people, export):
    _, helsinki, _ = people
    with pytest.raises(PermissionDenied):
        export(demo_db, helsinki, ROUND)


# --- workbook and CSV -------------------------------------------------------------------------------


@pytest.fixture
def formulas_saved(demo_db, people):
    _, helsinki, _ = people
    response_id = responses.get_response_row(demo_db, helsinki, ROUND, "helsinki")["id"]
    for question_id, value in zip(FORMULA_QUESTIONS, FORMULAS, strict=True):
        responses.save_answer(demo_db, helsinki, response_id, question_id, value, base_version=0)


def test_formula_like_answers_are_neutralised_in_the_workbook(demo_db, people, formulas_saved):
    reviewer, _, _ = people
    workbook = openpyxl.load_workbook(io.BytesIO(round_workbook_xlsx(demo_db, reviewer, ROUND)))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    for formula in FORMULAS:
        matches = [cell for cell in cells if isinstance(cell.value, str) and cell.value.lstrip("'") == formula]
        assert len(matches) == 2, formula  # its theme sheet and the long sheet
        assert all(cell.value == "'" + formula and cell.data_type == "s" for cell in matches)
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_formula_like_answers_are_neutralised_in_the_csv(demo_db, people, formulas_saved):
    reviewer, _, _ = people
    rows = list(csv.reader(io.StringIO(round_long_csv(demo_db, reviewer, ROUND).decode("utf-8-sig"))))
    values = {row[3]: row[5] for row in rows[1:] if row[1] == "helsinki"}
    assert [values[question_id] for question_id in FORMULA_QUESTIONS] == ["'" + formula for formula in FORMULAS]


def test_workbook_has_readable_sheets_with_frozen_headers_and_filters(demo_db, people, answered):
    reviewer, _, _ = people
    workbook = openpyxl.load_workbook(io.BytesIO(round_workbook_xlsx(demo_db, reviewer, ROUND)))
    questionnaire = get_questionnaire(demo_db, "yse-2025@1")
    assert len(workbook.sheetnames) == len(questionnaire.themes) + 5
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes in ("A2", "B2", "C2") and sheet.auto_filter.ref, sheet.title
        assert all(sheet.column_dimensions[column].width >= 8 for column in ("A", "B"))

    theme = workbook.worksheets[0]
    headers = [cell.value for cell in theme[1]]
    assert headers[0] == "Alue" and questionnaire.themes[0].questions[0].text.get("fi") in headers
    helsinki = next(row for row in theme.iter_rows(min_row=2, values_only=True) if row[0] == "Helsingin kaupunki")
    assert LONG_TEXT in helsinki and "Kyllä" in helsinki and 4 in helsinki
    assert theme.max_row == 46  # header + 45 areas

    long_rows = list(workbook["Vastaukset (pitkä)"].iter_rows(values_only=True))
    assert long_rows[0] == ("Kierros", "Alueen tunnus", "Alue", "Kysymyksen tunnus", "Kysymys", "Vastaus", "Muuttanut",
                            "Muutettu")
    assert (ROUND, "helsinki", "Helsingin kaupunki", "uusimaa_factors") == long_rows[
        [row[3] for row in long_rows].index("uusimaa_factors")][:4]
    assert any(row[5] == SWEDISH_TEXT and row[6] == "demo-helsinki" for row in long_rows)

    indicators = workbook["Tunnusluvut"]
    rate = indicator_rows(demo_db, "helsinki", ["TYOTTOMYYSASTE"])[0]
    helsinki_row = next(row for row in indicators.iter_rows(min_row=2, values_only=True) if row[0] == "helsinki")
    assert round(rate.area_value, 1) in helsinki_row
    assert [row[0] for row in indicators.iter_rows(min_row=2, max_col=1, values_only=True)][0] == "SSS"

    point = points_for_area(demo_db, ROUND, "helsinki", reviewer)[0]
    assert any(point.message("fi") in row for row in workbook["Keskustelukohdat"].iter_rows(values_only=True))
    follow_ups = list(workbook["Jatkotoimet"].iter_rows(values_only=True))
    assert any("Nuorten palvelujen vaikuttavuusmittari käyttöön" in row and "Käynnissä" in row for row in follow_ups)


def test_csv_is_utf8_with_bom_in_long_format(demo_db, people, answered):
    reviewer, _, _ = people
    data = round_long_csv(demo_db, reviewer, ROUND)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Kierros", "Alueen tunnus", "Alue", "Kysymyksen tunnus", "Kysymys", "Vastaus", "Muuttanut", "Muutettu"]
    assert [str(ROUND), "helsinki", "Helsingin kaupunki", "trends_process_description"] == next(
        row for row in rows if row[3] == "trends_process_description")[:4]
    assert any(row[5] == LONG_TEXT for row in rows)  # the line break survives quoting
    assert all(len(row) == 8 for row in rows)


# --- minutes ----------------------------------------------------------------------------------------


def test_minutes_without_a_record_raise_a_clear_error(demo_db, people):
    reviewer, _, _ = people
    with pytest.raises(NoDiscussionRecord) as caught:
        minutes_docx(demo_db, reviewer, ROUND, "helsinki")
    assert isinstance(caught.value, YseError)
    assert "Helsingin kaupunki" in str(caught.value) and "ei ole kirjattu" in str(caught.value)


def test_minutes_without_a_record_are_refused_in_the_readers_language(demo_db, people):
    reviewer, _, _ = people
    with pytest.raises(NoDiscussionRecord) as caught:
        minutes_docx(demo_db, reviewer, ROUND, "helsinki")
    assert caught.value.message("en").startswith(f"The discussion with Helsingin kaupunki in round {ROUND} has not been recorded")
    assert caught.value.message("sv").startswith(f"Diskussionen med Helsingfors stad i omgången {ROUND} har inte registrerats")


def test_minutes_hold_the_discussion_record(demo_db, people):
    reviewer, _, _ = people
    held = date.today()
    discussions.record_discussion(
        demo_db, reviewer, ROUND, "helsinki", held_on=held, participants="Aino Ahola (TEM), Björn Åström (Helsinki)",
        notes={"general": "Hyvä keskustelu.", "target_groups": "Nuorisotyöttömyys kasvaa; sovittiin seurannasta."},
        follow_up_needed=True, follow_up_date=held, follow_up_notes="Käydään läpi nuorten palvelut.",
    )
    discussions.add_follow_up(demo_db, reviewer, ROUND, "helsinki", "Ohjaamon vaikuttavuusmittari käyttöön", "area",
                              "Palvelupäällikkö", date(2026, 3, 31), question_id="youth_measures")
    text = all_text(docx.Document(io.BytesIO(minutes_docx(demo_db, reviewer, ROUND, "helsinki"))))
    assert "Björn Åström" in text and f"{held.day}.{held.month}.{held.year}" in text
    assert "Hyvä keskustelu." in text and "Nuorisotyöttömyys kasvaa; sovittiin seurannasta." in text
    assert "Kohderyhmät" in text  # the notes under their theme's title
    assert "Ohjaamon vaikuttavuusmittari käyttöön" in text and "Alue: Palvelupäällikkö" in text
    assert "31.3.2026" in text and "Avoin" in text
    assert "Jatkokeskustelu tarvitaan." in text and "Käydään läpi nuorten palvelut." in text


# --- audit log --------------------------------------------------------------------------------------


def test_exports_are_recorded_in_the_audit_log(demo_db, people):
    reviewer, helsinki, _ = people
    briefing_docx(demo_db, helsinki, ROUND, "helsinki")
    round_workbook_xlsx(demo_db, reviewer, ROUND)
    round_long_csv(demo_db, reviewer, ROUND)
    logged = {(event["username"], event["action"], event["target"]) for event in audit.events(demo_db)}
    assert {("demo-helsinki", "export_briefing", f"{ROUND}/helsinki"), ("demo-reviewer", "export_workbook", str(ROUND)),
            ("demo-reviewer", "export_csv", str(ROUND))} <= logged


def test_refused_export_is_not_logged(demo_db, people):
    _, helsinki, _ = people
    with pytest.raises(PermissionDenied):
        briefing_docx(demo_db, helsinki, ROUND, "vantaa")
    assert audit.events(demo_db, action="export_briefing") == []


# --- the page ---------------------------------------------------------------------------------------


def test_exports_page_shows_the_download_buttons(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.switch_page("pages/exports.py").run()
    assert not app.exception, app.exception
    labels = [element.proto.label for element in app.get("download_button")]
    assert labels == ["Taustamateriaali (.docx)", "Kierroksen vastaukset (.xlsx)", "Vastaukset pitkässä muodossa (.csv)"]
    assert "Laadi kaikkien alueiden taustamateriaalit (.zip)" in [button.label for button in app.button]
    assert any("ei ole kirjattu" in caption.value for caption in app.caption)  # no minutes recorded yet
    with closing(open_db(demo_db_path)) as db:  # nothing is built, nor logged, before a click
        assert [event for event in audit.events(db) if event["action"].startswith("export_")] == []


def test_exports_page_prepares_the_zip_on_click(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.switch_page("pages/exports.py").run()
    next(button for button in app.button if button.label.endswith("(.zip)")).click().run(timeout=600)
    assert not app.exception, app.exception
    labels = [element.proto.label for element in app.get("download_button")]
    assert "Lataa kaikki taustamateriaalit (.zip)" in labels
    with closing(open_db(demo_db_path)) as db:
        assert [event["target"] for event in audit.events(db, action="export_zip")] == [str(ROUND)]


def test_briefing_indicator_rows_carry_the_vacancy_caveat_computed_from_the_imported_file(demo_db):
    from pathlib import Path

    from yse_core.indicators.store import import_file

    real_file = Path(__file__).parent / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"
    import_file(demo_db, real_file.name, real_file.read_bytes())
    [row] = indicator_rows(demo_db, "helsinki", ["AVPAIKATLOPUSSA"], "sv")
    assert row.caveat.startswith("En del av jobben saknar kommun i statistiken (StatFin-området KUJOU")
    assert row.caveat.endswith("06/2026: 7\u00a0661 av hela landets 26\u00a0641 jobb, det vill säga 28,8 %, saknade "
                               "uppgift om kommun.")
