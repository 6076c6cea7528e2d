"""Comparing a question across areas."""

from __future__ import annotations

import pytest

from tools.test_calendar import ROUND
from yse_core import auth
from yse_core.compare import answers_across_areas, distribution, measures_by_target_group, round_questions, search_text
from yse_core.errors import PermissionDenied
from yse_core.responses import get_response_row, save_answer


def _answer(db, area_id, question_id, value):
    user = auth.get_user(db, f"demo-{area_id}")
    response_id = get_response_row(db, user, ROUND, area_id)["id"]
    save_answer(db, user, response_id, question_id, value, base_version=0)


def test_scale_distribution_counts_each_level_and_unanswered(demo_db):
    _answer(demo_db, "helsinki", "trends_process_self", 4)
    _answer(demo_db, "vantaa", "trends_process_self", 4)
    _answer(demo_db, "lahti", "trends_process_self", 2)
    reviewer = auth.get_user(demo_db, "demo-reviewer")
    question = dict((q.id, q) for _, q in round_questions(demo_db, ROUND))["trends_process_self"]
    counts = {row["value"]: row["count"] for row in distribution(question, answers_across_areas(demo_db, reviewer, ROUND, question.id))}
    assert counts[4] == 2 and counts[2] == 1 and counts[None] == 42


def test_measures_are_counted_by_target_group(demo_db):
    _answer(demo_db, "helsinki", "youth_measures_exist", True)
    _answer(demo_db, "helsinki", "youth_measures", [{"name": "Työpaja", "target_groups": ["youth", "immigrants"]}])
    _answer(demo_db, "vantaa", "youth_measures_exist", True)
    _answer(demo_db, "vantaa", "youth_measures", [{"name": "Ohjaamo", "target_groups": ["youth"]}])
    reviewer = auth.get_user(demo_db, "demo-reviewer")
    rows = answers_across_areas(demo_db, reviewer, ROUND, "youth_measures")
    by_group = {row["group"]: row for row in measures_by_target_group(rows)}
    assert by_group["youth"] == {"group": "youth", "measures": 2, "areas": 2}
    assert by_group["immigrants"]["areas"] == 1


def test_free_text_search_is_case_insensitive(demo_db):
    _answer(demo_db, "helsinki", "trends_process_description", "Kuukausittainen TILANNEKUVA johtoryhmässä")
    _answer(demo_db, "vantaa", "trends_process_description", "Neljännesvuosikatsaus")
    reviewer = auth.get_user(demo_db, "demo-reviewer")
    rows = answers_across_areas(demo_db, reviewer, ROUND, "trends_process_description")
    assert [row["area_id"] for row in search_text(rows, "tilannekuva")] == ["helsinki"]


def test_respondent_cannot_compare_areas(demo_db):
    with pytest.raises(PermissionDenied):
        answers_across_areas(demo_db, auth.get_user(demo_db, "demo-helsinki"), ROUND, "trends_process_self")
