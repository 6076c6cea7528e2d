"""The discussion record, follow-up items, carrying them into next year, and year-over-year answers."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app
from tools.test_calendar import NEXT, ROUND
from yse_core import auth
from yse_core.audit import events
from yse_core.compare import compare_years
from yse_core.db import open_db
from yse_core.discussions import add_follow_up, get_discussion, get_follow_up, record_discussion, update_follow_up
from yse_core.errors import AnswerError, PermissionDenied
from yse_core.follow_ups import FOLLOW_UP_THEME_ID, carried_follow_ups, follow_up_theme, follow_ups, followup_question_ids
from yse_core.questionnaire import Questionnaire, validate_answer
from yse_core.responses import get_response_row, save_answer
from yse_core.rounds import get_questionnaire, open_round, register_questionnaire

ROOT = Path(__file__).resolve().parent.parent
YSE_2026 = ROOT / "questionnaires" / "yse-2026.yaml"
HELD_ON = date(2025, 11, 20)


def user(db, username):
    return auth.get_user(db, username)


def record(db, username="demo-reviewer", area_id="helsinki", **overrides):
    values = {
        "held_on": HELD_ON,
        "participants": "Alueen johtaja, TEM:n yhteyshenkilö",
        "notes": {"general": "Hyvä keskustelu.", "target_groups": "Nuorten toimet vahvoja."},
        "follow_up_needed": True,
        "follow_up_date": HELD_ON + timedelta(days=60),
        "follow_up_notes": "Maahanmuuttajien palvelut",
    }
    values.update(overrides)
    return record_discussion(db, user(db, username), ROUND, area_id, **values)


def add_item(db, area_id="helsinki", body="Alue laatii nuorten toimille seurantamittarit.", **overrides):
    values = {"owner_side": "area", "owner": "Palvelupäällikkö", "due": date(2026, 3, 31)}
    values.update(overrides)
    return add_follow_up(db, user(db, "demo-reviewer"), ROUND, area_id, body, **values)


def open_2026_round(db):
    key = register_questionnaire(db, YSE_2026)
    open_round(db, NEXT, key, date.today() + timedelta(days=30))


# --- the discussion record ----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["demo-reviewer", "demo-admin"])
def test_recording_the_discussion_marks_the_response_discussed_and_audits_it(demo_db, username):
    stored = record(demo_db, username)
    assert stored["held_on"] == "2025-11-20"
    assert stored["notes"] == {"general": "Hyvä keskustelu.", "target_groups": "Nuorten toimet vahvoja."}
    assert stored["follow_up_needed"] is True and stored["recorded_by"] == username
    reader = user(demo_db, "demo-helsinki")
    assert get_response_row(demo_db, reader, ROUND, "helsinki")["state"] == "discussed"
    event = events(demo_db, action="discussion_recorded")[0]
    assert (event["username"], event["target"]) == (username, f"{ROUND}/helsinki")
    assert json.loads(event["details"])["previous_state"] == "draft"


def test_recording_again_replaces_the_record(demo_db):
    record(demo_db)
    stored = record(demo_db, participants="Uudet osallistujat", notes={}, follow_up_needed=False, follow_up_date=None)
    assert (stored["participants"], stored["notes"], stored["follow_up_date"]) == ("Uudet osallistujat", {}, None)
    assert demo_db.execute("SELECT COUNT(*) FROM discussions").fetchone()[0] == 1
    assert json.loads(events(demo_db, action="discussion_recorded")[0]["details"])["replaced"] is True


def test_respondent_cannot_record_the_discussion(demo_db):
    with pytest.raises(PermissionDenied):
        record(demo_db, "demo-helsinki")
    assert demo_db.execute("SELECT COUNT(*) FROM discussions").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on": date.today() + timedelta(days=1)}, "on tulevaisuudessa"),
        ({"held_on": None}, "Keskustelun päivämäärä: päivämäärä on pakollinen"),
        ({"participants": "  "}, "Osallistujat: kenttä on pakollinen"),
        ({"notes": {"no_such_theme": "x"}}, f"teemaa ”no_such_theme” ei ole kierroksen {ROUND} kyselyssä"),
        ({"notes": {"general": "x" * 20_001}}, "enintään 20\u00a0000 merkkiä, nyt 20\u00a0001"),
        ({"follow_up_needed": False}, "vaikka jatkokeskustelua ei ole merkitty tarpeelliseksi"),
        ({"follow_up_date": HELD_ON - timedelta(days=1)}, "on ennen keskustelua 20.11.2025"),
        ({"follow_up_notes": 42}, "Jatkokeskustelun aiheet: arvon on oltava tekstiä"),
    ],
)
def test_invalid_discussion_record_is_refused_with_a_finnish_message(demo_db, overrides, message):
    with pytest.raises(AnswerError, match=message):
        record(demo_db, **overrides)
    assert demo_db.execute("SELECT COUNT(*) FROM discussions").fetchone()[0] == 0


def test_respondent_reads_own_area_record(demo_db):
    record(demo_db)
    assert get_discussion(demo_db, user(demo_db, "demo-helsinki"), ROUND, "helsinki")["participants"].startswith("Alueen")


def test_respondent_of_another_area_cannot_read_the_record(demo_db):
    record(demo_db)
    with pytest.raises(PermissionDenied):
        get_discussion(demo_db, user(demo_db, "demo-vantaa"), ROUND, "helsinki")


# --- follow-up items ----------------------------------------------------------------------------


def test_reviewer_adds_an_item_and_it_is_audited(demo_db):
    item_id = add_item(demo_db, question_id="youth_measures", indicator_code="TYOTTOMAT25_SHARE")
    item = get_follow_up(demo_db, user(demo_db, "demo-helsinki"), item_id)
    assert (item["status"], item["due"], item["question_id"]) == ("open", "2026-03-31", "youth_measures")
    assert events(demo_db, action="follow_up_added")[0]["target"] == f"{ROUND}/helsinki"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": " "}, "Jatkotoimi: kenttä on pakollinen"),
        ({"owner_side": "ministry"}, "Vastuutaho: ”ministry” ei ole sallittu arvo"),
        ({"status": "closed"}, "Tila: ”closed” ei ole sallittu arvo"),
        ({"due": "2026-03-31"}, "Määräaika: arvon on oltava päivämäärä"),
        ({"question_id": "no_such_question"}, f"Kysymystä ”no_such_question” ei ole kierroksen {ROUND} kyselyssä"),
        ({"indicator_code": "NO_SUCH_CODE"}, "Tunnuslukua ”NO_SUCH_CODE” ei ole"),
    ],
)
def test_invalid_item_is_refused(demo_db, overrides, message):
    with pytest.raises(AnswerError, match=message):
        add_item(demo_db, **overrides)


def test_respondent_cannot_add_an_item(demo_db):
    with pytest.raises(PermissionDenied):
        add_follow_up(demo_db, user(demo_db, "demo-helsinki"), ROUND, "helsinki", "Oma idea", "area", None, None)


def test_respondent_changes_the_status_of_own_item(demo_db):
    item_id = add_item(demo_db)
    updated = update_follow_up(demo_db, user(demo_db, "demo-helsinki"), item_id, status="in_progress")
    assert (updated["status"], updated["updated_by"]) == ("in_progress", "demo-helsinki")
    assert json.loads(events(demo_db, action="follow_up_updated")[0]["details"])["changes"] == {"status": ["open", "in_progress"]}


@pytest.mark.parametrize(
    "change",
    [{"body": "Toinen teksti"}, {"owner": "Joku muu"}, {"due": date(2027, 1, 1)}, {"status": "done", "owner_side": "tem"}],
)
def test_respondent_may_change_nothing_but_the_status(demo_db, change):
    item_id = add_item(demo_db)
    with pytest.raises(PermissionDenied, match="vain sen tilan"):
        update_follow_up(demo_db, user(demo_db, "demo-helsinki"), item_id, **change)
    assert get_follow_up(demo_db, user(demo_db, "demo-reviewer"), item_id)["status"] == "open"


def test_respondent_cannot_change_another_areas_item(demo_db):
    item_id = add_item(demo_db)
    with pytest.raises(PermissionDenied):
        update_follow_up(demo_db, user(demo_db, "demo-vantaa"), item_id, status="done")


def test_reviewer_changes_everything_and_unchanged_values_are_not_audited(demo_db):
    item_id = add_item(demo_db)
    reviewer = user(demo_db, "demo-reviewer")
    updated = update_follow_up(demo_db, reviewer, item_id, body="Tarkennettu", owner=None, due=None, status="done", owner_side="area")
    assert (updated["body"], updated["owner"], updated["due"], updated["status"]) == ("Tarkennettu", None, None, "done")
    changes = json.loads(events(demo_db, action="follow_up_updated")[0]["details"])["changes"]
    assert set(changes) == {"body", "owner", "due", "status"}
    update_follow_up(demo_db, reviewer, item_id, status="done")
    assert len(events(demo_db, action="follow_up_updated")) == 1


def test_follow_ups_lists_only_the_respondents_own_area_and_filters_open(demo_db):
    add_item(demo_db, "helsinki")
    add_item(demo_db, "vantaa")
    done = add_item(demo_db, "helsinki", status="done")
    assert {i["area_id"] for i in follow_ups(demo_db, user(demo_db, "demo-helsinki"))} == {"helsinki"}
    assert len(follow_ups(demo_db, user(demo_db, "demo-reviewer"), ROUND)) == 3
    assert done not in [i["id"] for i in follow_ups(demo_db, user(demo_db, "demo-reviewer"), open_only=True)]
    with pytest.raises(PermissionDenied):
        follow_ups(demo_db, user(demo_db, "demo-helsinki"), area_id="vantaa")


# --- next year ----------------------------------------------------------------------------------


def test_open_items_of_last_round_are_carried_into_the_next_round(demo_db):
    open_item = add_item(demo_db, body="Avoin asia")
    in_progress = add_item(demo_db, body="Kesken oleva asia", status="in_progress")
    add_item(demo_db, body="Tehty asia", status="done")
    add_item(demo_db, body="Luovuttu asia", status="dropped")
    add_item(demo_db, "vantaa", body="Toisen alueen asia")
    open_2026_round(demo_db)
    carried = carried_follow_ups(demo_db, user(demo_db, "demo-helsinki"), NEXT, "helsinki")
    assert sorted(item["id"] for item in carried) == sorted([open_item, in_progress])


def test_an_item_closed_after_it_was_answered_stays_in_the_questionnaire(demo_db):
    item_id = add_item(demo_db)
    open_2026_round(demo_db)
    respondent = user(demo_db, "demo-helsinki")
    response_id = get_response_row(demo_db, respondent, NEXT, "helsinki")["id"]
    # The questionnaire page stores the answer under the carried question's id (plugged in there).
    demo_db.execute("INSERT INTO answers(response_id, question_id, value, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)",
                    [response_id, f"followup_{item_id}", json.dumps("Tehty keväällä."), "demo-helsinki", "2026-05-01T10:00:00+00:00"])
    update_follow_up(demo_db, respondent, item_id, status="done")
    assert [i["id"] for i in carried_follow_ups(demo_db, respondent, NEXT, "helsinki")] == [item_id]


def test_respondent_cannot_see_another_areas_carried_items(demo_db):
    open_2026_round(demo_db)
    with pytest.raises(PermissionDenied):
        carried_follow_ups(demo_db, user(demo_db, "demo-vantaa"), NEXT, "helsinki")


def test_follow_up_theme_asks_what_happened_to_each_item_in_three_languages(demo_db):
    first = add_item(demo_db, body="Alue laatii {seurantamittarit}", indicator_code="TYOTTOMAT25_SHARE")
    second = add_item(demo_db, body="TEM selvittää rahoituksen", owner_side="tem", owner=None, due=None)
    items = follow_ups(demo_db, user(demo_db, "demo-helsinki"), ROUND, "helsinki")
    theme = follow_up_theme(items)
    assert theme.id == FOLLOW_UP_THEME_ID
    assert [q.id for q in theme.questions] == followup_question_ids(items) == [f"followup_{first}", f"followup_{second}"]
    question = theme.questions[0]
    assert question.type == "long_text" and question.indicators == ["TYOTTOMAT25_SHARE"]
    assert question.text.fi == f"Vuonna {ROUND} sovittiin: «Alue laatii {{seurantamittarit}}». Mitä asialle on tapahtunut?"
    assert question.text.sv.startswith(f"År {ROUND} kom man överens om: «Alue laatii")
    assert question.text.en.startswith(f"In {ROUND} it was agreed: «Alue laatii")
    assert theme.questions[1].help.fi == "Vastuu: TEM. Määräaika: ei sovittu."
    assert validate_answer(question, "Mittarit otettiin käyttöön.") == "Mittarit otettiin käyttöön."
    with pytest.raises(AnswerError):
        validate_answer(question, "x" * 20_001)


def test_follow_up_theme_fits_into_the_next_questionnaire(demo_db):
    add_item(demo_db)
    open_2026_round(demo_db)
    carried = carried_follow_ups(demo_db, user(demo_db, "demo-helsinki"), NEXT, "helsinki")
    questionnaire = get_questionnaire(demo_db, "yse-2026@1")
    combined = Questionnaire.model_validate(
        {**questionnaire.model_dump(by_alias=True, exclude_unset=True),
         "themes": [follow_up_theme(carried).model_dump(exclude_unset=True),
                    *(theme.model_dump(by_alias=True, exclude_unset=True) for theme in questionnaire.themes)]}
    )
    assert combined.themes[0].id == FOLLOW_UP_THEME_ID
    assert combined.question(followup_question_ids(carried)[0]).type == "long_text"


def test_no_items_means_no_theme():
    assert follow_up_theme([]) is None


# --- year over year -----------------------------------------------------------------------------


def test_compare_years_returns_both_rounds_answers_to_the_same_question(demo_db):
    open_2026_round(demo_db)
    respondent = user(demo_db, "demo-helsinki")
    for year, days in ((ROUND, 9), (NEXT, 6)):
        response_id = get_response_row(demo_db, respondent, year, "helsinki")["id"]
        save_answer(demo_db, respondent, response_id, "initial_interview_avg_days", days, base_version=0)
    rows = compare_years(demo_db, respondent, "initial_interview_avg_days", "helsinki")
    assert [(r["round_year"], r["value"]) for r in rows] == [(ROUND, 9), (NEXT, 6)]
    # The question was reworded for 2026: each year carries its own wording.
    assert str(ROUND) in rows[0]["question_text"]["fi"] and str(NEXT) in rows[1]["question_text"]["fi"]


def test_compare_years_for_a_reviewer_covers_every_area_and_a_respondent_only_their_own(demo_db):
    for username, area_id in (("demo-helsinki", "helsinki"), ("demo-vantaa", "vantaa")):
        respondent = user(demo_db, username)
        response_id = get_response_row(demo_db, respondent, ROUND, area_id)["id"]
        save_answer(demo_db, respondent, response_id, "trends_process_exists", True, base_version=0)
    assert {r["area_id"] for r in compare_years(demo_db, user(demo_db, "demo-reviewer"), "trends_process_exists")} == {
        "helsinki", "vantaa"}
    assert {r["area_id"] for r in compare_years(demo_db, user(demo_db, "demo-helsinki"), "trends_process_exists")} == {"helsinki"}
    with pytest.raises(PermissionDenied):
        compare_years(demo_db, user(demo_db, "demo-helsinki"), "trends_process_exists", "vantaa")


# --- the page -----------------------------------------------------------------------------------


def _discussion_page(db_path, username):
    app = logged_in_app(db_path, username)
    app.switch_page("pages/discussion.py").run()
    assert not app.exception, app.exception
    return app


def _click(app, label):
    [button for button in app.button if button.label == label][0].click().run()
    assert not app.exception, app.exception


def test_reviewer_records_the_discussion_on_the_page(demo_db_path):
    app = _discussion_page(demo_db_path, "demo-reviewer")
    app.selectbox(key="discussion-area").set_value("helsinki").run()
    key = "discussion-2025-helsinki"
    app.date_input(key=f"{key}-held").set_value(HELD_ON)
    app.text_area(key=f"{key}-participants").input("Johtaja Virtanen; TEM: Demo-tarkastaja")
    app.text_area(key=f"{key}-note-target_groups").input("Nuorten toimiin seurantamittarit.")
    app.checkbox(key=f"{key}-needed").check()
    _click(app, "Tallenna muistio")
    assert "Muistio tallennettu" in " ".join(element.value for element in app.success)
    db = open_db(demo_db_path)
    stored = get_discussion(db, user(db, "demo-reviewer"), ROUND, "helsinki")
    assert stored["participants"] == "Johtaja Virtanen; TEM: Demo-tarkastaja"
    assert stored["notes"] == {"target_groups": "Nuorten toimiin seurantamittarit."}
    assert (stored["held_on"], stored["follow_up_needed"], stored["follow_up_date"]) == ("2025-11-20", True, None)
    assert get_response_row(db, user(db, "demo-reviewer"), ROUND, "helsinki")["state"] == "discussed"


def test_reviewer_adds_an_item_on_the_page(demo_db_path):
    app = _discussion_page(demo_db_path, "demo-reviewer")
    app.selectbox(key="discussion-area").set_value("helsinki").run()
    app.text_area(key="follow-up-body").input("TEM selvittää rahoituksen.")
    app.radio(key="follow-up-side").set_value("tem")
    app.selectbox(key="follow-up-question").set_value("youth_measures")
    _click(app, "Lisää jatkotoimi")
    db = open_db(demo_db_path)
    [item] = follow_ups(db, user(db, "demo-reviewer"), ROUND, "helsinki")
    assert (item["body"], item["owner_side"], item["question_id"], item["status"]) == (
        "TEM selvittää rahoituksen.", "tem", "youth_measures", "open")
    assert app.dataframe[0].value.iloc[0, 0] == "TEM selvittää rahoituksen."


def test_respondent_sees_the_record_as_text_and_changes_an_items_status(demo_db_path):
    db = open_db(demo_db_path)
    record(db, participants="<b>Johtaja</b> **Virtanen**")
    item_id = add_item(db)
    db.close()
    app = _discussion_page(demo_db_path, "demo-helsinki")
    assert any("<b>Johtaja</b> **Virtanen**" in element.value for element in app.text)
    assert not [b for b in app.button if b.label == "Tallenna muistio"]
    app.selectbox(key=f"follow-up-status-{item_id}").set_value("done").run()
    assert not app.exception, app.exception
    db = open_db(demo_db_path)
    assert get_follow_up(db, user(db, "demo-helsinki"), item_id)["status"] == "done"
