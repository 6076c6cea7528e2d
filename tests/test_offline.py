"""Offline filling in Excel: the template round trip, refusing malformed files, and the page — on real SQLite."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from tools.apptest_helpers import logged_in_app
from tools.test_calendar import ROUND
from yse_core import audit
from yse_core.auth import get_user
from yse_core.errors import AnswerError, PermissionDenied
from yse_core.offline import TemplateError, apply_template, preview_changes, read_template, template_xlsx
from yse_core.responses import export_answers, get_response_row, import_answers, save_answer

AREA = "helsinki"
ANSWER = "G"  # the answer column of the Kysely sheet
FORMULA_LIKE = "=1+1 ei ole kaava: työllisyys ja ääkköset Ä Ö å"


@pytest.fixture
def helsinki(demo_db):
    return get_user(demo_db, "demo-helsinki")


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def saved(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(sheet, question_id: str) -> int:
    for row in range(2, sheet.max_row + 1):
        if sheet[f"A{row}"].value == question_id:
            return row
    raise AssertionError(f"{question_id} is not on the sheet {sheet.title}")


def set_text(cell, text: str) -> None:
    """Write text the way Excel stores what is typed into a text cell: a string, never a formula."""
    cell.value = text
    cell.data_type = "s"


def edited(db, user, edit, area: str = AREA, lang: str = "fi") -> bytes:
    """Download the area's template, let ``edit`` change the workbook, and return the file to upload."""
    book = workbook(template_xlsx(db, user, ROUND, area, lang))
    edit(book)
    return saved(book)


def response_id(db, user) -> int:
    return get_response_row(db, user, ROUND, AREA)["id"]


# --- the round trip ------------------------------------------------------------------------------


def test_template_round_trip_changes_exactly_the_two_edited_answers(demo_db, helsinki):
    import_answers(demo_db, helsinki, ROUND, AREA, {"trends_process_self": 4, "funding_redirected": False,
                                                      "trends_data_sources": ["employment_bulletin", "other"]})
    before = export_answers(demo_db, helsinki, ROUND, AREA)

    def edit(book):
        sheet = book["Kysely"]
        sheet[f"{ANSWER}{row_of(sheet, 'funding_redirected')}"] = "Kyllä"
        set_text(sheet[f"{ANSWER}{row_of(sheet, 'trends_process_description')}"], FORMULA_LIKE)

    values = read_template(demo_db, helsinki, ROUND, AREA, edited(demo_db, helsinki, edit))
    changes = preview_changes(demo_db, helsinki, ROUND, AREA, values)
    assert [(c["question_id"], c["current"], c["new"]) for c in changes] == [
        ("trends_process_description", "", FORMULA_LIKE),
        ("funding_redirected", "Ei", "Kyllä"),
    ]
    apply_template(demo_db, helsinki, ROUND, AREA, values)
    assert export_answers(demo_db, helsinki, ROUND, AREA) == {
        **before, "funding_redirected": True, "trends_process_description": FORMULA_LIKE,
    }


def test_an_unchanged_template_reads_back_as_no_edits(demo_db, helsinki):
    import_answers(demo_db, helsinki, ROUND, AREA, {
        "trends_process_exists": True, "trends_process_frequency": "monthly", "trends_process_self": 5,
        "trends_data_sources": ["employment_service_statistics", "occupational_barometer"],
        "initial_interview_avg_days": 12.5, "employer_contacts_per_year": 20000,
        "employer_cooperation_measures": [{"name": "Rekrytointimessut", "target_groups": ["youth", "employers"],
                                           "start_date": "2025-03-01", "follow_up_frequency": "quarterly"}],
    })
    assert read_template(demo_db, helsinki, ROUND, AREA, template_xlsx(demo_db, helsinki, ROUND, AREA)) == {}


@pytest.mark.parametrize("text", [
    pytest.param("=HYPERLINK(\"http://evil.example\";\"klik\")", id="equals"),
    pytest.param("+358 40 123 4567", id="plus"),
    pytest.param("-5 % edellisvuodesta", id="minus"),
    pytest.param("@SUM(A1:A3)", id="at"),
    pytest.param("  välilyönnit ympärillä\tja\r\nrivinvaihto  ", id="whitespace"),
    pytest.param("<script>alert('x')</script> 📈🇫🇮", id="html-emoji"),
])
def test_formula_like_text_is_written_as_quoted_text_and_read_back_exactly(demo_db, helsinki, text):
    save_answer(demo_db, helsinki, response_id(demo_db, helsinki), "arm_description", text, base_version=0)
    data = template_xlsx(demo_db, helsinki, ROUND, AREA)
    sheet = workbook(data)["Kysely"]
    cell = sheet[f"{ANSWER}{row_of(sheet, 'arm_description')}"]
    assert (cell.value, cell.data_type) == (text, "s")
    assert cell.quotePrefix == text.startswith(("=", "+", "-", "@"))

    def edit(book):  # the same text typed again into another question
        set_text(book["Kysely"][f"{ANSWER}{row_of(book['Kysely'], 'knowledge_management_description')}"], text)

    assert read_template(demo_db, helsinki, ROUND, AREA, edited(demo_db, helsinki, edit)) == {
        "knowledge_management_description": text}


def test_a_measures_row_added_in_the_measures_sheet_round_trips(demo_db, helsinki):
    before = export_answers(demo_db, helsinki, ROUND, AREA)

    def edit(book):
        sheet = book["Toimet"]
        sheet.append(["employer_cooperation_measures", "Rekrytointimessut", "Nuoret (alle 25-vuotiaat), Työnantajat ja yritykset",
                      dt.date(2025, 3, 1), "3 htv, 40 000 €", "Työllistyneet", "10", "=20 %", "Neljännesvuosittain", None])
        set_text(sheet.cell(row=sheet.max_row, column=8), "=20 %")

    values = read_template(demo_db, helsinki, ROUND, AREA, edited(demo_db, helsinki, edit))
    measure = {"name": "Rekrytointimessut", "target_groups": ["youth", "employers"], "start_date": "2025-03-01",
               "resources": "3 htv, 40 000 €", "impact_indicator": "Työllistyneet", "baseline": "10", "target": "=20 %",
               "follow_up_frequency": "quarterly", "latest_result": None}
    assert values == {"employer_cooperation_measures": [measure]}
    assert [c["question_id"] for c in preview_changes(demo_db, helsinki, ROUND, AREA, values)] == ["employer_cooperation_measures"]
    apply_template(demo_db, helsinki, ROUND, AREA, values)
    assert export_answers(demo_db, helsinki, ROUND, AREA) == {**before, "employer_cooperation_measures": [measure]}

    again = workbook(template_xlsx(demo_db, helsinki, ROUND, AREA))["Toimet"]
    assert [cell.value for cell in again[2]][:3] == ["employer_cooperation_measures", "Rekrytointimessut",
                                                    "Nuoret (alle 25-vuotiaat), Työnantajat ja yritykset"]


def test_deleting_a_measures_row_removes_that_measure(demo_db, helsinki):
    rows = [{"name": "Ensimmäinen"}, {"name": "Toinen"}]
    import_answers(demo_db, helsinki, ROUND, AREA, {"service_range_measures": rows})
    values = read_template(demo_db, helsinki, ROUND, AREA, edited(demo_db, helsinki, lambda book: book["Toimet"].delete_rows(2)))
    apply_template(demo_db, helsinki, ROUND, AREA, values)
    assert [row["name"] for row in export_answers(demo_db, helsinki, ROUND, AREA)["service_range_measures"]] == ["Toinen"]


@pytest.mark.parametrize("question_id, cell, expected", [
    ("trends_process_exists", "kyllä", True),
    ("trends_process_exists", "Nej", False),
    ("trends_process_exists", True, True),
    ("trends_process_frequency", "kuukausittain", "monthly"),
    ("trends_process_self", 4, 4),
    ("trends_process_self", "4", 4),
    ("trends_process_self", "4 - Pääosin toimiva", 4),
    ("trends_process_self", "Pääosin toimiva", 4),
    ("trends_data_sources", "Työllisyyskatsaus; Ammattibarometri", ["employment_bulletin", "occupational_barometer"]),
    ("trends_data_sources", "Ammattibarometri, Työnvälitystilasto (Tilastokeskus, StatFin)",
     ["employment_service_statistics", "occupational_barometer"]),
    ("initial_interview_avg_days", 12.0, 12),
    ("initial_interview_avg_days", "12,5", 12.5),
    ("employer_contacts_per_year", "20 000", 20000),
    ("trends_process_description", 2025, "2025"),
    ("trends_process_description", "", None),
])
def test_cells_are_read_as_labels_numbers_or_text(demo_db, helsinki, question_id, cell, expected):
    def edit(book):
        book["Kysely"][f"{ANSWER}{row_of(book['Kysely'], question_id)}"] = cell

    if expected is None:  # clearing a cell clears an answer that exists
        import_answers(demo_db, helsinki, ROUND, AREA, {question_id: "Vanha vastaus"})
    assert read_template(demo_db, helsinki, ROUND, AREA, edited(demo_db, helsinki, edit)) == {question_id: expected}


def test_an_upload_does_not_undo_answers_saved_in_the_portal_after_the_download(demo_db, helsinki):
    data = template_xlsx(demo_db, helsinki, ROUND, AREA)
    save_answer(demo_db, helsinki, response_id(demo_db, helsinki), "arm_plan_exists", True, base_version=0)
    book = workbook(data)
    book["Kysely"][f"{ANSWER}{row_of(book['Kysely'], 'arm_preparedness_self')}"] = "3 – Osittain toimiva"
    values = read_template(demo_db, helsinki, ROUND, AREA, saved(book))
    assert values == {"arm_preparedness_self": 3}
    apply_template(demo_db, helsinki, ROUND, AREA, values)
    assert export_answers(demo_db, helsinki, ROUND, AREA) == {"arm_plan_exists": True, "arm_preparedness_self": 3}


def test_a_swedish_template_has_swedish_sheets_and_labels_and_reads_back(demo_db, helsinki):
    def edit(book):
        book["Enkät"][f"{ANSWER}{row_of(book['Enkät'], 'funding_redirected')}"] = "Ja"

    data = edited(demo_db, helsinki, edit, lang="sv")
    assert workbook(data).sheetnames[:3] == ["Anvisning", "Enkät", "Åtgärder"]
    assert read_template(demo_db, helsinki, ROUND, AREA, data, "sv") == {"funding_redirected": True}


def test_an_area_only_question_is_in_the_template_of_that_area_only(demo_db, helsinki):
    turku = get_user(demo_db, "demo-turku")
    ids = {cell.value for cell in workbook(template_xlsx(demo_db, turku, ROUND, "turku"))["Kysely"]["A"]}
    assert "uusimaa_factors" not in ids and "trends_process_exists" in ids
    assert "uusimaa_factors" in {cell.value for cell in workbook(template_xlsx(demo_db, helsinki, ROUND, AREA))["Kysely"]["A"]}


def test_applying_records_an_audit_event(demo_db, helsinki):
    apply_template(demo_db, helsinki, ROUND, AREA, {"arm_plan_exists": False})
    event = audit.events(demo_db, action="offline_template_applied")[0]
    assert (event["username"], event["target"]) == ("demo-helsinki", f"{ROUND}/{AREA}")


# --- refusing malformed files ---------------------------------------------------------------------


def put(question_id: str, value: object):
    def edit(book):
        book["Kysely"][f"{ANSWER}{row_of(book['Kysely'], question_id)}"] = value
    return edit


def add_question_row(question_id: str, value: object):
    def edit(book):
        book["Kysely"].append([question_id, None, None, None, None, None, value])
    return edit


def delete_answer_column(book):
    book["Kysely"].delete_cols(7)


def bad_follow_up(book):
    book["Toimet"].append(["service_range_measures", "Toimi", None, None, None, None, None, None, "Joskus"])


def measure_without_name(book):
    book["Toimet"].append(["service_range_measures", None, "Nuoret (alle 25-vuotiaat)"])


def two_problems(book):
    put("trends_process_exists", "Kyllä ehkä")(book)
    put("initial_interview_avg_days", 400)(book)


@pytest.mark.parametrize("edit, expected", [
    pytest.param(put("trends_process_exists", "Kyllä ehkä"), ["Kysely!G2: ”Kyllä ehkä” ei ole sallittu arvo (Kyllä/Ei)"], id="bad-yes-no"),
    pytest.param(put("initial_interview_avg_days", 400), ["Kysely!G", "365", "400"], id="number-out-of-range"),
    pytest.param(put("initial_interview_avg_days", "noin viikko"), ["”noin viikko” ei ole luku (0–365 päivää)"], id="not-a-number"),
    pytest.param(put("trends_process_self", "7"), ["Kysely!G4"], id="scale-out-of-range"),
    pytest.param(put("trends_process_frequency", "Joka päivä"), ["Kysely!G3", "”Joka päivä”"], id="bad-option"),
    pytest.param(put("arm_description", "=1+1"), ["Kysely!G", "kaava"], id="a-real-formula"),
    pytest.param(add_question_row("no_such_question", "x"), ["Kysely!A", "no_such_question"], id="unknown-question-id"),
    pytest.param(add_question_row("trends_process_exists", "Ei"), ["Kysely!A", "toiseen kertaan", "Kysely!A2"], id="duplicate-row"),
    pytest.param(delete_answer_column, ["Kysely!1:1", "”Vastaus” puuttuu"], id="deleted-column"),
    pytest.param(lambda book: book.remove(book["Kysely"]), ["Välilehti ”Kysely” puuttuu"], id="deleted-sheet"),
    pytest.param(bad_follow_up, ["Toimet!I2", "”Joskus”"], id="bad-follow-up"),
    pytest.param(measure_without_name, ["Toimet!B2", "Toimen nimi"], id="measure-without-name"),
    pytest.param(two_problems, ["(2)", "Kyllä ehkä", "400"], id="all-problems-listed"),
])
def test_a_malformed_template_is_refused_naming_the_place_and_nothing_is_written(demo_db, helsinki, edit, expected):
    data = edited(demo_db, helsinki, edit)
    before = export_answers(demo_db, helsinki, ROUND, AREA)
    with pytest.raises(TemplateError) as refused:
        read_template(demo_db, helsinki, ROUND, AREA, data)
    for part in expected:
        assert part in str(refused.value)
    assert export_answers(demo_db, helsinki, ROUND, AREA) == before
    assert not audit.events(demo_db, action="offline_template_applied")


def test_a_malformed_templates_problems_are_read_in_the_readers_language(demo_db, helsinki):
    with pytest.raises(TemplateError) as refused:
        read_template(demo_db, helsinki, ROUND, AREA, edited(demo_db, helsinki, two_problems))
    english, swedish = refused.value.message("en"), refused.value.message("sv")
    assert english.startswith("The file was not imported and nothing was saved. Fix these points (2)")
    assert "Kysely!G2: “Kyllä ehkä” is not an allowed value (Yes/No)" in english
    assert "The number must be between 0 and 365 days; got 400." in english
    assert "Kysely!G2: ”Kyllä ehkä” är inte ett tillåtet värde (Ja/Nej)" in swedish
    assert refused.value.problem_texts("fi")[0] == "Kysely!G2: ”Kyllä ehkä” ei ole sallittu arvo (Kyllä/Ei)"


def test_the_template_of_another_area_is_refused(demo_db, helsinki):
    vantaa = get_user(demo_db, "demo-vantaa")
    with pytest.raises(TemplateError, match="vantaa"):
        read_template(demo_db, helsinki, ROUND, AREA, template_xlsx(demo_db, vantaa, ROUND, "vantaa"))


@pytest.mark.parametrize("data, message", [
    pytest.param(b"question_id,value\ntrends_process_exists,true\n", "ei ole Excel-työkirja", id="csv"),
    pytest.param(b"", "ei ole Excel-työkirja", id="empty"),
    pytest.param(saved(openpyxl.Workbook()), "ei ole YSE-portaalin täyttöpohja", id="other-workbook"),
])
def test_a_file_that_is_not_a_template_is_refused(demo_db, helsinki, data, message):
    with pytest.raises(TemplateError, match=message):
        read_template(demo_db, helsinki, ROUND, AREA, data)


def test_applying_invalid_values_writes_nothing(demo_db, helsinki):
    before = export_answers(demo_db, helsinki, ROUND, AREA)
    with pytest.raises(AnswerError):
        apply_template(demo_db, helsinki, ROUND, AREA, {"arm_plan_exists": True, "trends_process_self": 9})
    assert export_answers(demo_db, helsinki, ROUND, AREA) == before


def test_a_respondent_of_another_area_cannot_download_helsinkis_template(demo_db):
    with pytest.raises(PermissionDenied):
        template_xlsx(demo_db, get_user(demo_db, "demo-vantaa"), ROUND, AREA)


def test_a_submitted_response_cannot_be_changed_from_a_template(demo_db, helsinki):
    demo_db.execute("UPDATE responses SET state = 'submitted' WHERE round_year = ? AND area_id = ?", [ROUND, AREA])
    with pytest.raises(PermissionDenied):
        apply_template(demo_db, helsinki, ROUND, AREA, {"arm_plan_exists": True})


# --- the page -------------------------------------------------------------------------------------


def test_offline_page_offers_the_template_and_applies_an_upload_after_confirmation(demo_db_path, demo_db, helsinki):
    app = logged_in_app(demo_db_path, "demo-helsinki")
    app.switch_page("pages/offline.py").run()
    assert not app.exception, app.exception
    assert len(app.download_button) == 1

    data = edited(demo_db, helsinki, put("arm_plan_exists", "Kyllä"))
    app.file_uploader[0].set_value(("yse.xlsx", data, "application/octet-stream")).run()
    assert not app.exception, app.exception
    assert export_answers(demo_db, helsinki, ROUND, AREA) == {}  # nothing is written before confirming
    app.button(key="offline-apply").click().run()
    assert not app.exception, app.exception
    assert [element.value for element in app.success] == ["1 vastausta päivitettiin tiedostosta."]
    assert export_answers(demo_db, helsinki, ROUND, AREA) == {"arm_plan_exists": True}


def test_offline_page_lists_the_problems_of_a_malformed_upload(demo_db_path, demo_db, helsinki):
    app = logged_in_app(demo_db_path, "demo-helsinki")
    app.switch_page("pages/offline.py").run()
    app.file_uploader[0].set_value(("yse.xlsx", edited(demo_db, helsinki, put("trends_process_exists", "Kyllä ehkä")),
                                    "application/octet-stream")).run()
    assert not app.exception, app.exception
    assert "Kysely!G2" in app.error[0].value.replace("\\", "")
    assert "offline-apply" not in [button.key for button in app.button]


def test_offline_page_disables_upload_when_the_response_is_submitted(demo_db_path, demo_db):
    demo_db.execute("UPDATE responses SET state = 'submitted' WHERE round_year = ? AND area_id = ?", [ROUND, AREA])
    app = logged_in_app(demo_db_path, "demo-helsinki")
    app.switch_page("pages/offline.py").run()
    assert not app.exception, app.exception
    assert len(app.download_button) == 1
    assert app.file_uploader[0].disabled
    assert app.info
