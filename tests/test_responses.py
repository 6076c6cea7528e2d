"""Answering a round: save, history, conflicts, submit, reopen, permissions, overview and import — on real SQLite."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tools.test_calendar import NEXT, ROUND
from yse_core import audit, auth, responses, rounds
from yse_core.db import open_db, transaction
from yse_core.errors import AnswerError, ConflictError, PermissionDenied
from yse_core.questionnaire import missing_required

AREA = "helsinki"

FULL_MEASURE_ROW = {
    "name": "Työkokeilu <b>plus</b>",
    "target_groups": ["long_term_unemployed", "over_50"],
    "start_date": "2025-03-01",
    "resources": "2 htv, 150 000 €",
    "impact_indicator": "Työllistyneiden osuus",
    "baseline": "12 %",
    "target": "20 %",
    "follow_up_frequency": "quarterly",
    "latest_result": "15 % (syyskuu)",
}

# One value per answer type that counts as an answer, for filling in required questions. yse-2025 has
# no required single or multi question; if one appears, the KeyError says which type to add here.
SAMPLE_BY_TYPE = {
    "text": "Vastaus.",
    "long_text": "Vastaus.",
    "yes_no": False,  # keeps the follow-up measures tables hidden
    "scale": 3,
    "number": 1,
    "measures": [{"name": "Toimi"}],
}

TRICKY_TEXTS = [
    pytest.param("<script>alert('x')</script><b>lihava</b> &amp; &lt;", id="html-script"),
    pytest.param("# Otsikko\n\n* **lihava** _kursiivi_ [linkki](javascript:alert(1))", id="markdown"),
    pytest.param("=HYPERLINK(\"http://evil.example\";\"klik\")", id="formula-equals"),
    pytest.param("+SUM(A1:A9)\t-1\r\n@cmd", id="formula-plus-tab-crlf"),
    pytest.param("Työllisyys 📈🇫🇮 👩🏽‍💻", id="emoji"),
    pytest.param("العمالة في هلسنكي \u202ejoku\u202c שלום", id="rtl"),
    pytest.param("  alkaa ja päättyy välilyönteihin  \n", id="surrounding-whitespace"),
    pytest.param("nolla\x00merkki ja \\u0000 ja \"lainaus\"", id="nul-and-escapes"),
]

TEXT_QUESTIONNAIRE = """\
id: responses-test
version: 1
year: 2026
title: {fi: Vastausten testikysely}
themes:
  - id: basics
    title: {fi: Perusteet}
    questions:
      - {id: short_note, type: text, text: {fi: Lyhyt huomio}}
"""


def user(db, username: str = "demo-helsinki") -> auth.User:
    return auth.get_user(db, username)


def response_id(db, area_id: str = AREA, year: int = ROUND) -> int:
    return responses.get_response_row(db, user(db, "demo-admin"), year, area_id)["id"]


def count(db, table: str) -> int:
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def snapshot(db) -> dict[str, list]:
    """Every row a write could touch, to show that a refused call changed nothing."""
    return {table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ("answers", "answer_history", "responses", "audit_log")}


def answer_every_required(db, respondent: auth.User, area_id: str, *, skip: tuple[str, ...] = ()) -> None:
    context = responses.load_context(db, respondent, ROUND, area_id)
    for _theme, question in missing_required(context.questionnaire, {}, context.area):
        if question.id not in skip:
            responses.save_answer(db, respondent, context.response["id"], question.id,
                                  SAMPLE_BY_TYPE[question.type], base_version=0)


@pytest.fixture
def text_round(demo_db, tmp_path) -> int:
    """A second open round whose questionnaire has a `text` question (yse-2025 has none)."""
    path = tmp_path / "responses-test.yaml"
    path.write_text(TEXT_QUESTIONNAIRE, encoding="utf-8")
    key = rounds.register_questionnaire(demo_db, path)
    rounds.open_round(demo_db, NEXT, key, date.today() + timedelta(days=30))
    return NEXT


# --- save and read back ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("trends_process_description", "Kuvaus\n\nkahdessa kappaleessa."),
        ("trends_process_exists", True),
        ("funding_redirected", False),
        ("trends_process_frequency", "quarterly"),
        ("trends_data_sources", ["employment_bulletin", "data_packages", "other"]),
        ("trends_process_self", 4),
        ("initial_interview_avg_days", 12.5),
        ("employer_contacts_per_year", 1_000_000),
        ("ltu_measures", [FULL_MEASURE_ROW, {**FULL_MEASURE_ROW, "name": "Toinen toimi", "target_groups": []}]),
    ],
)
def test_each_answer_type_is_saved_and_read_back_exactly(demo_db, demo_db_path, question_id, value):
    respondent = user(demo_db)
    saved = responses.save_answer(demo_db, respondent, response_id(demo_db), question_id, value, base_version=0)
    fresh = open_db(demo_db_path)
    stored = responses.load_context(fresh, user(fresh), ROUND, AREA).answers[question_id]
    fresh.close()
    assert stored.value == value and type(stored.value) is type(value)
    assert (stored.version, stored.updated_by, stored.updated_at) == (1, "demo-helsinki", saved.updated_at)


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_long_text_is_stored_exactly_as_typed(demo_db, demo_db_path, text):
    responses.save_answer(demo_db, user(demo_db), response_id(demo_db), "trends_process_description", text,
                          base_version=0)
    fresh = open_db(demo_db_path)
    assert responses.export_answers(fresh, user(fresh), ROUND, AREA) == {"trends_process_description": text}
    fresh.close()


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_text_question_is_stored_exactly_as_typed(demo_db, text_round, text):
    respondent = user(demo_db)
    response = responses.get_response_row(demo_db, respondent, text_round, AREA)
    responses.save_answer(demo_db, respondent, response["id"], "short_note", text, base_version=0)
    assert responses.load_answers(demo_db, respondent, response["id"])["short_note"].value == text


@pytest.mark.parametrize(
    ("question_id", "first", "again"),
    [
        ("trends_process_description", "Sama teksti", "Sama teksti"),
        ("funding_redirected", False, False),
        ("trends_process_self", 2, 2),
        ("trends_data_sources", ["data_packages", "employment_bulletin"], ["employment_bulletin", "data_packages"]),
        ("ltu_measures", [{"name": "Toimi"}], [{"name": "Toimi", "target_groups": []}]),
    ],
)
def test_saving_the_same_value_again_adds_no_history_and_keeps_the_version(demo_db, question_id, first, again):
    respondent, rid = user(demo_db), response_id(demo_db)
    saved = responses.save_answer(demo_db, respondent, rid, question_id, first, base_version=0)
    changes = responses.change_counts(demo_db, ROUND)[AREA]
    repeated = responses.save_answer(demo_db, respondent, rid, question_id, again, base_version=saved.version)
    assert repeated.version == saved.version == 1
    assert len(responses.answer_history(demo_db, respondent, rid, question_id)) == 1
    assert responses.change_counts(demo_db, ROUND)[AREA] == changes


def test_each_save_adds_one_to_the_change_count_and_moves_the_response_s_last_change(demo_db):
    """The round overview's cache is keyed on the change count; the area view shows the last change."""
    respondent, rid = user(demo_db), response_id(demo_db)
    counts = responses.change_counts(demo_db, ROUND)
    before = counts[AREA]
    first = responses.save_answer(demo_db, respondent, rid, "trends_process_exists", True, base_version=0)
    second = responses.save_answer(demo_db, respondent, rid, "trends_process_exists", False, base_version=first.version)
    assert second.version == 2
    responses.save_answer(demo_db, respondent, rid, "trends_process_description", "Kuukausittain", base_version=0)
    after = responses.change_counts(demo_db, ROUND)
    assert after[AREA] == before + 3
    assert {area: count for area, count in after.items() if area != AREA} == {
        area: count for area, count in counts.items() if area != AREA}
    demo_db.execute("UPDATE answers SET updated_at = '2099-01-01T00:00:00+00:00' WHERE response_id = ? AND question_id = ?",
                    [rid, "trends_process_exists"])
    assert responses.get_response_row(demo_db, respondent, ROUND, AREA)["updated_at"] == "2099-01-01T00:00:00+00:00"


@pytest.mark.parametrize("empty", [None, "", "   \n", []], ids=["none", "empty-text", "whitespace", "empty-list"])
def test_clearing_an_unanswered_question_writes_nothing(demo_db, empty):
    before = snapshot(demo_db)
    cleared = responses.save_answer(demo_db, user(demo_db), response_id(demo_db), "trends_data_sources", empty,
                                    base_version=0)
    assert (cleared.value, cleared.version) == (None, 0)
    assert snapshot(demo_db) == before


def test_clearing_an_answer_is_a_change_with_history(demo_db):
    respondent, rid = user(demo_db), response_id(demo_db)
    saved = responses.save_answer(demo_db, respondent, rid, "trends_process_self", 3, base_version=0)
    cleared = responses.save_answer(demo_db, respondent, rid, "trends_process_self", None, base_version=saved.version)
    assert (cleared.value, cleared.version) == (None, 2)
    assert responses.answer_history(demo_db, respondent, rid, "trends_process_self")[0]["old_value"] == 3


# --- history and conflicts -------------------------------------------------------------------------


def test_history_lists_old_and_new_value_who_and_when_newest_first(demo_db):
    auth.add_user(demo_db, "second-helsinki", "Toinen vastaaja", auth.DEMO_PASSWORD, "respondent", AREA, demo=True)
    first, second = user(demo_db), user(demo_db, "second-helsinki")
    rid = response_id(demo_db)
    one = responses.save_answer(demo_db, first, rid, "trends_process_self", 1, base_version=0)
    two = responses.save_answer(demo_db, second, rid, "trends_process_self", 3, base_version=one.version)
    three = responses.save_answer(demo_db, first, rid, "trends_process_self", 5, base_version=two.version)
    history = responses.answer_history(demo_db, first, rid, "trends_process_self")
    assert [(h["version"], h["old_value"], h["new_value"], h["changed_by"], h["changed_at"]) for h in history] == [
        (3, 3, 5, "demo-helsinki", three.updated_at),
        (2, 1, 3, "second-helsinki", two.updated_at),
        (1, None, 1, "demo-helsinki", one.updated_at),
    ]


def test_history_of_another_question_is_not_mixed_in(demo_db):
    respondent, rid = user(demo_db), response_id(demo_db)
    responses.save_answer(demo_db, respondent, rid, "trends_process_self", 2, base_version=0)
    assert responses.answer_history(demo_db, respondent, rid, "funding_steering_self") == []


def test_second_respondent_saving_from_a_stale_version_gets_a_conflict_and_then_wins(demo_db):
    auth.add_user(demo_db, "second-helsinki", "Toinen vastaaja", auth.DEMO_PASSWORD, "respondent", AREA, demo=True)
    first, second = user(demo_db), user(demo_db, "second-helsinki")
    rid = response_id(demo_db)
    responses.save_answer(demo_db, first, rid, "trends_process_description", "Alkuperäinen", base_version=0)
    read_by_first = responses.load_context(demo_db, first, ROUND, AREA).answers["trends_process_description"].version
    read_by_second = responses.load_context(demo_db, second, ROUND, AREA).answers["trends_process_description"].version
    assert read_by_first == read_by_second == 1

    saved_by_first = responses.save_answer(demo_db, first, rid, "trends_process_description", "Ensimmäisen teksti",
                                           base_version=read_by_first)
    with pytest.raises(ConflictError) as conflict:
        responses.save_answer(demo_db, second, rid, "trends_process_description", "Toisen teksti",
                              base_version=read_by_second)
    assert conflict.value.current == {"value": "Ensimmäisen teksti", "updated_by": "demo-helsinki",
                                      "updated_at": saved_by_first.updated_at, "version": 2}
    assert "demo-helsinki" in str(conflict.value)
    assert responses.load_answers(demo_db, second, rid)["trends_process_description"].value == "Ensimmäisen teksti"

    won = responses.save_answer(demo_db, second, rid, "trends_process_description", "Toisen teksti",
                                base_version=conflict.value.current["version"])
    assert (won.value, won.version, won.updated_by) == ("Toisen teksti", 3, "second-helsinki")
    history = responses.answer_history(demo_db, first, rid, "trends_process_description")
    assert [(h["old_value"], h["new_value"]) for h in history] == [
        ("Ensimmäisen teksti", "Toisen teksti"), ("Alkuperäinen", "Ensimmäisen teksti"), (None, "Alkuperäinen"),
    ]


def test_first_save_from_two_pages_that_both_saw_no_answer_is_a_conflict(demo_db):
    auth.add_user(demo_db, "second-helsinki", "Toinen vastaaja", auth.DEMO_PASSWORD, "respondent", AREA, demo=True)
    rid = response_id(demo_db)
    responses.save_answer(demo_db, user(demo_db), rid, "trends_process_exists", True, base_version=0)
    with pytest.raises(ConflictError) as conflict:
        responses.save_answer(demo_db, user(demo_db, "second-helsinki"), rid, "trends_process_exists", False,
                              base_version=0)
    assert (conflict.value.current["value"], conflict.value.current["version"]) == (True, 1)


def test_stale_base_version_for_a_question_without_an_answer_is_a_conflict(demo_db):
    before = snapshot(demo_db)
    with pytest.raises(ConflictError) as conflict:
        responses.save_answer(demo_db, user(demo_db), response_id(demo_db), "trends_process_exists", True,
                              base_version=3)
    assert conflict.value.current["version"] == 0
    assert snapshot(demo_db) == before


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "value", "message"),
    [
        ("trends_process_description", "x" * 20_001, "enintään 20\u00a0000 merkkiä, nyt 20\u00a0001"),
        ("initial_interview_avg_days", 366, "välillä 0–365 päivää"),
        ("face_to_face_share_reported", -0.5, "välillä 0–100 %"),
        ("ltu_measures", [{"name": f"Toimi {n}"} for n in range(51)], "enintään 50; nyt 51"),
        ("trends_process_frequency", "daily", "”daily” ei ole"),
        ("trends_data_sources", ["data_packages", "newspapers"], "”newspapers” ei ole"),
        ("trends_process_self", 6, "1–5"),
        ("trends_process_exists", "kyllä", "kyllä tai ei"),
        ("no_such_question", "x", "no_such_question"),
    ],
)
def test_invalid_answer_is_refused_with_the_limit_named_and_nothing_written(demo_db, question_id, value, message):
    before = snapshot(demo_db)
    with pytest.raises(AnswerError, match=message):
        responses.save_answer(demo_db, user(demo_db), response_id(demo_db), question_id, value, base_version=0)
    assert snapshot(demo_db) == before


# --- submit and reopen -----------------------------------------------------------------------------


def test_submit_with_required_questions_missing_lists_theme_and_question(demo_db):
    respondent, rid = user(demo_db), response_id(demo_db)
    responses.save_answer(demo_db, respondent, rid, "ltu_measures_exist", True, base_version=0)
    with pytest.raises(responses.SubmitIncomplete) as incomplete:
        responses.submit(demo_db, respondent, rid)
    missing = incomplete.value.missing
    assert ("situational_picture", "trends_process_exists") in missing
    assert ("target_groups", "ltu_measures") in missing  # shown because ltu_measures_exist is yes
    assert ("target_groups", "youth_measures") not in missing  # hidden: youth_measures_exist unanswered
    assert ("target_groups", "ltu_measures_exist") not in missing
    assert str(len(missing)) in str(incomplete.value)
    assert responses.get_response_row(demo_db, respondent, ROUND, AREA)["state"] == "draft"


@pytest.mark.parametrize("in_uusimaa", [True, False])
def test_uusimaa_question_is_required_only_for_uusimaa_areas(demo_db, in_uusimaa):
    area_id = demo_db.execute("SELECT id FROM areas WHERE uusimaa = ? ORDER BY id = 'helsinki' DESC, id LIMIT 1",
                              [int(in_uusimaa)]).fetchone()[0]
    respondent = user(demo_db, f"demo-{area_id}")
    answer_every_required(demo_db, respondent, area_id, skip=("uusimaa_factors",))
    rid = response_id(demo_db, area_id)
    if in_uusimaa:
        with pytest.raises(responses.SubmitIncomplete) as incomplete:
            responses.submit(demo_db, respondent, rid)
        assert incomplete.value.missing == [("situational_picture", "uusimaa_factors")]
    else:
        assert responses.submit(demo_db, respondent, rid)["state"] == "submitted"


def test_submit_records_who_and_when(demo_db):
    respondent = user(demo_db)
    answer_every_required(demo_db, respondent, AREA)
    submitted = responses.submit(demo_db, respondent, response_id(demo_db))
    assert (submitted["state"], submitted["submitted_by"]) == ("submitted", "demo-helsinki")
    assert submitted["submitted_at"]
    assert audit.events(demo_db, action="response_submitted")[0]["target"] == f"{ROUND}/helsinki"


def test_submitted_response_refuses_saves(demo_db):
    respondent, rid = user(demo_db), response_id(demo_db)
    answer_every_required(demo_db, respondent, AREA)
    responses.submit(demo_db, respondent, rid)
    before = snapshot(demo_db)
    with pytest.raises(PermissionDenied, match="lähetetty"):
        responses.save_answer(demo_db, respondent, rid, "trends_process_description", "Myöhässä", base_version=0)
    assert snapshot(demo_db) == before


def test_reviewer_reopens_a_submitted_response_and_the_respondent_can_save_again(demo_db):
    respondent, rid = user(demo_db), response_id(demo_db)
    answer_every_required(demo_db, respondent, AREA)
    responses.submit(demo_db, respondent, rid)
    reopened = responses.reopen(demo_db, user(demo_db, "demo-reviewer"), rid, reason="Täydennettävää")
    assert reopened["state"] == "reopened"
    event = audit.events(demo_db, action="response_reopened")[0]
    assert (event["username"], event["target"]) == ("demo-reviewer", f"{ROUND}/helsinki")
    assert "Täydennettävää" in event["details"]
    saved = responses.save_answer(demo_db, respondent, rid, "trends_process_description", "Täydennys", base_version=0)
    assert saved.version == 1


def test_reopen_refuses_a_draft_response(demo_db):
    with pytest.raises(AnswerError, match="lähetetyn"):
        responses.reopen(demo_db, user(demo_db, "demo-reviewer"), response_id(demo_db))


# --- permissions -----------------------------------------------------------------------------------

EVERY_CALL_ON_HELSINKI = {
    "get_response_row": lambda db, who, rid: responses.get_response_row(db, who, ROUND, AREA),
    "load_context": lambda db, who, rid: responses.load_context(db, who, ROUND, AREA),
    "load_answers": lambda db, who, rid: responses.load_answers(db, who, rid),
    "answer_history": lambda db, who, rid: responses.answer_history(db, who, rid, "trends_process_self"),
    "export_answers": lambda db, who, rid: responses.export_answers(db, who, ROUND, AREA),
    "save_answer": lambda db, who, rid: responses.save_answer(db, who, rid, "trends_process_self", 5, base_version=1),
    "submit": lambda db, who, rid: responses.submit(db, who, rid),
    "import_answers": lambda db, who, rid: responses.import_answers(db, who, ROUND, AREA, {"trends_process_self": 5}),
    "reopen": lambda db, who, rid: responses.reopen(db, who, rid),
    "round_overview": lambda db, who, rid: responses.round_overview(db, who, ROUND),
}
READ_CALLS = ("get_response_row", "load_context", "load_answers", "answer_history", "export_answers")
WRITE_CALLS = ("save_answer", "submit", "import_answers")


@pytest.mark.parametrize("call", EVERY_CALL_ON_HELSINKI)
def test_respondent_of_another_area_is_denied_by_every_core_function(demo_db, call):
    rid = response_id(demo_db)
    responses.save_answer(demo_db, user(demo_db), rid, "trends_process_self", 2, base_version=0)
    before = snapshot(demo_db)
    with pytest.raises(PermissionDenied):
        EVERY_CALL_ON_HELSINKI[call](demo_db, user(demo_db, "demo-vantaa"), rid)
    assert snapshot(demo_db) == before


@pytest.mark.parametrize("call", READ_CALLS)
@pytest.mark.parametrize("username", ["demo-helsinki", "demo-reviewer", "demo-admin"])
def test_own_respondent_reviewer_and_admin_may_read_the_area(demo_db, username, call):
    rid = response_id(demo_db)
    responses.save_answer(demo_db, user(demo_db), rid, "trends_process_self", 2, base_version=0)
    assert EVERY_CALL_ON_HELSINKI[call](demo_db, user(demo_db, username), rid)


@pytest.mark.parametrize("call", WRITE_CALLS)
@pytest.mark.parametrize("username", ["demo-reviewer", "demo-admin"])
def test_reviewers_and_admins_cannot_write_answers(demo_db, username, call):
    rid = response_id(demo_db)
    responses.save_answer(demo_db, user(demo_db), rid, "trends_process_self", 2, base_version=0)
    before = snapshot(demo_db)
    with pytest.raises(PermissionDenied, match="vastaajat"):
        EVERY_CALL_ON_HELSINKI[call](demo_db, user(demo_db, username), rid)
    assert snapshot(demo_db) == before


@pytest.mark.parametrize("call", ["reopen", "round_overview"])
def test_respondent_cannot_reopen_or_see_the_round_overview(demo_db, call):
    respondent, rid = user(demo_db), response_id(demo_db)
    answer_every_required(demo_db, respondent, AREA)
    responses.submit(demo_db, respondent, rid)
    before = snapshot(demo_db)
    with pytest.raises(PermissionDenied, match="reviewer / admin"):
        EVERY_CALL_ON_HELSINKI[call](demo_db, respondent, rid)
    assert snapshot(demo_db) == before


@pytest.mark.parametrize("call", WRITE_CALLS)
def test_closed_round_refuses_writes_with_a_clear_message(demo_db, call):
    with transaction(demo_db):
        demo_db.execute("UPDATE rounds SET state = 'closed' WHERE year = ?", [ROUND])
    before = snapshot(demo_db)
    with pytest.raises(PermissionDenied, match=f"Kierros {ROUND} on suljettu"):
        EVERY_CALL_ON_HELSINKI[call](demo_db, user(demo_db), response_id(demo_db))
    assert snapshot(demo_db) == before


def test_closed_round_context_is_not_writable(demo_db):
    with transaction(demo_db):
        demo_db.execute("UPDATE rounds SET state = 'closed' WHERE year = ?", [ROUND])
    assert not responses.load_context(demo_db, user(demo_db), ROUND, AREA).writable


# --- round overview --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["demo-reviewer", "demo-admin"])
def test_round_overview_has_a_row_for_each_of_the_45_areas(demo_db, username):
    rows = responses.round_overview(demo_db, user(demo_db, username), ROUND)
    assert len(rows) == 45
    assert len({row["area_id"] for row in rows}) == 45


def test_round_overview_share_answered_follows_saves(demo_db):
    reviewer, respondent, rid = user(demo_db, "demo-reviewer"), user(demo_db), response_id(demo_db)

    def helsinki_row() -> dict:
        return next(row for row in responses.round_overview(demo_db, reviewer, ROUND) if row["area_id"] == AREA)

    before = helsinki_row()
    assert (before["answered"], before["share"], before["last_answer_at"]) == (0, 0.0, None)
    responses.save_answer(demo_db, respondent, rid, "trends_process_self", 4, base_version=0)
    saved = responses.save_answer(demo_db, respondent, rid, "funding_steering_self", 2, base_version=0)
    after = helsinki_row()
    assert after["answered"] == 2
    assert after["share"] == pytest.approx(2 / after["visible"])
    assert after["last_answer_at"] == saved.updated_at


def test_round_overview_share_counts_only_visible_questions(demo_db):
    reviewer, respondent, rid = user(demo_db, "demo-reviewer"), user(demo_db), response_id(demo_db)
    visible_before = next(r for r in responses.round_overview(demo_db, reviewer, ROUND) if r["area_id"] == AREA)["visible"]
    responses.save_answer(demo_db, respondent, rid, "ltu_measures_exist", True, base_version=0)
    visible_after = next(r for r in responses.round_overview(demo_db, reviewer, ROUND) if r["area_id"] == AREA)["visible"]
    assert visible_after == visible_before + 1  # ltu_measures is now shown


def test_round_overview_own_only_lists_the_reviewers_contact_areas(demo_db):
    contact_areas = set(auth.reviewer_area_ids(demo_db, "demo-reviewer"))
    rows = responses.round_overview(demo_db, user(demo_db, "demo-reviewer"), ROUND, own_only=True)
    assert 0 < len(rows) < 45
    assert {row["area_id"] for row in rows} == contact_areas
    assert all(row["own"] for row in rows)


# --- export and import -----------------------------------------------------------------------------


def test_export_returns_every_answer_by_question_id(demo_db):
    respondent, rid = user(demo_db), response_id(demo_db)
    responses.save_answer(demo_db, respondent, rid, "trends_process_self", 4, base_version=0)
    responses.save_answer(demo_db, respondent, rid, "ltu_measures", [FULL_MEASURE_ROW], base_version=0)
    assert responses.export_answers(demo_db, respondent, ROUND, AREA) == {
        "ltu_measures": [FULL_MEASURE_ROW], "trends_process_self": 4,
    }


def test_import_with_an_unknown_id_and_a_bad_value_is_refused_naming_both_and_writes_nothing(demo_db):
    respondent = user(demo_db)
    responses.save_answer(demo_db, respondent, response_id(demo_db), "trends_process_self", 2, base_version=0)
    before = {table: count(demo_db, table) for table in ("answers", "answer_history", "audit_log")}
    data = {"trends_process_self": 5, "no_such_question": "x", "initial_interview_avg_days": 400,
            "trends_process_exists": True}
    with pytest.raises(AnswerError) as refused:
        responses.import_answers(demo_db, respondent, ROUND, AREA, data)
    assert "no_such_question" in str(refused.value)
    assert "initial_interview_avg_days" in str(refused.value) and "0–365" in str(refused.value)
    assert {table: count(demo_db, table) for table in before} == before
    assert responses.export_answers(demo_db, respondent, ROUND, AREA) == {"trends_process_self": 2}


def test_import_writes_valid_answers_and_reports_changed_and_unchanged(demo_db):
    respondent = user(demo_db)
    responses.save_answer(demo_db, respondent, response_id(demo_db), "trends_process_exists", True, base_version=0)
    data = {
        "trends_process_exists": True,
        "trends_process_self": 4,
        "trends_data_sources": ["other", "employment_bulletin"],
        "ltu_measures": [FULL_MEASURE_ROW],
    }
    assert responses.import_answers(demo_db, respondent, ROUND, AREA, data) == {"changed": 3, "unchanged": 1}
    assert responses.export_answers(demo_db, respondent, ROUND, AREA) == {
        **data, "trends_data_sources": ["employment_bulletin", "other"],  # questionnaire order
    }
    event = audit.events(demo_db, action="answers_imported")[0]
    assert (event["username"], event["target"]) == ("demo-helsinki", f"{ROUND}/helsinki")
    assert '"changed": 3' in event["details"]


def test_import_records_history_like_saving(demo_db):
    respondent, rid = user(demo_db), response_id(demo_db)
    responses.save_answer(demo_db, respondent, rid, "trends_process_self", 2, base_version=0)
    responses.import_answers(demo_db, respondent, ROUND, AREA, {"trends_process_self": 5})
    latest = responses.answer_history(demo_db, respondent, rid, "trends_process_self")[0]
    assert (latest["old_value"], latest["new_value"], latest["changed_by"]) == (2, 5, "demo-helsinki")


def test_import_of_empty_values_for_unanswered_questions_changes_nothing(demo_db):
    respondent = user(demo_db)
    before = count(demo_db, "answer_history")
    result = responses.import_answers(demo_db, respondent, ROUND, AREA, {"trends_process_self": None,
                                                                         "trends_process_description": " "})
    assert result == {"changed": 0, "unchanged": 2}
    assert count(demo_db, "answer_history") == before


@pytest.mark.parametrize("data", [[{"trends_process_self": 4}], "trends_process_self", None])
def test_import_refuses_anything_but_an_object(demo_db, data):
    with pytest.raises(AnswerError, match="JSON-objekti"):
        responses.import_answers(demo_db, user(demo_db), ROUND, AREA, data)
