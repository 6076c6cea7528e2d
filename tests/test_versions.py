"""The 2026 questionnaire against 2025: the same ids where the meaning holds, and the admin's comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app
from yse_core.questionnaire import compare_versions, load_questionnaire

from .test_questionnaire import AGREED_INDICATOR_CODES, every_text

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent.parent / "questionnaires"
YSE_2025 = load_questionnaire(QUESTIONNAIRE_DIR / "yse-2025.yaml")
YSE_2026 = load_questionnaire(QUESTIONNAIRE_DIR / "yse-2026.yaml", known_indicators=AGREED_INDICATOR_CODES)

ADDED = ["elinvoimakeskus_cooperation_self", "elinvoimakeskus_cooperation_description", "jobseeker_profile_self",
         "jobseeker_profile_description"]
REMOVED = ["uusimaa_factors"]
REWORDED_FOR_NEW_RULES = ["initial_interview_self", "job_search_discussions_self"]
REWORDED_FOR_THE_YEAR = ["funding_redirected", "arm_description", "ltu_results_self", "youth_results_self",
                         "immigrant_results_self", "employer_contacts_per_year", "initial_interview_avg_days",
                         "face_to_face_share_reported", "plans_up_to_date_self", "statements_self"]


def test_yse_2026_is_its_own_questionnaire_for_2026():
    assert (YSE_2026.id, YSE_2026.version, YSE_2026.year, YSE_2026.key) == ("yse-2026", 1, 2026, "yse-2026@1")


@pytest.mark.parametrize(("kind", "expected"), [
    ("added", ADDED),
    ("removed", REMOVED),
    ("reworded", REWORDED_FOR_NEW_RULES + REWORDED_FOR_THE_YEAR),
    ("type_changed", []),
    ("options_changed", []),
])
def test_compare_versions_lists_the_2026_changes(kind, expected):
    assert sorted(compare_versions(YSE_2025, YSE_2026)[kind]) == sorted(expected)


def test_every_2026_text_is_in_finnish_swedish_and_english():
    assert [name for name, text in every_text(YSE_2026) if not (text.sv and text.en)] == []


def test_no_2026_question_still_asks_about_2025_except_to_explain_the_old_rule():
    mentions = [q.id for _, q in YSE_2026.questions() for text in (q.text.fi, q.text.sv, q.text.en) if "2025" in text
                and "108/2025" not in text]
    assert mentions == []


@pytest.mark.parametrize("question_id", REWORDED_FOR_NEW_RULES)
def test_questions_reworded_for_the_new_rules_cite_he_108_2025_and_invent_no_deadline(question_id):
    question = YSE_2026.question(question_id)
    assert "108/2025" in question.text.fi + (question.help.fi if question.help else "")
    assert "arkipäivän" not in question.text.fi  # the new initial-interview deadline is not given in the sources


def test_the_new_jobseeker_profile_questions_name_the_date_the_obligation_began():
    assert "1.9.2026" in YSE_2026.question("jobseeker_profile_self").text.fi
    assert "1.1.2026" in YSE_2026.question("elinvoimakeskus_cooperation_self").text.fi


def test_admin_compares_two_loaded_versions_on_the_rounds_page(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_rounds.py").run()
    assert not app.exception, app.exception
    assert (app.selectbox(key="compare-old").value, app.selectbox(key="compare-new").value) == ("yse-2025@1", "yse-2026@1")
    headings = " ".join(element.value for element in app.markdown)
    assert "Lisätyt kysymykset** (4)" in headings and "Poistetut kysymykset** (1)" in headings
    tables = [frame.value for frame in app.dataframe if list(frame.value.columns) == ["id", "yse-2025@1", "yse-2026@1"]]
    assert sorted(tables[1]["id"]) == REMOVED
    app.selectbox(key="compare-new").set_value("yse-2025@1").run()
    assert "Ei muutoksia." in [element.value for element in app.caption]
