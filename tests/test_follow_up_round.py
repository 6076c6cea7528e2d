"""Next round: last round's open follow-up items appear in the area's questionnaire as questions of their own."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tools.test_calendar import NEXT, ROUND
from yse_core import auth
from yse_core.discussions import add_follow_up, update_follow_up
from yse_core.responses import get_response_row, load_context, save_answer
from yse_core.rounds import open_round, register_questionnaire

ROOT = Path(__file__).resolve().parent.parent


def _open_2026(db):
    register_questionnaire(db, ROOT / "questionnaires" / "yse-2026.yaml")
    open_round(db, NEXT, "yse-2026@1", date.today() + timedelta(days=30))


def test_open_2025_items_become_questions_in_2026_and_can_be_answered(demo_db):
    reviewer = auth.get_user(demo_db, "demo-reviewer")
    respondent = auth.get_user(demo_db, "demo-helsinki")
    open_item = add_follow_up(demo_db, reviewer, ROUND, "helsinki", "Nuorten palveluihin seurantamalli", "area", "Työllisyysjohtaja",
                              date(2026, 6, 30))
    done_item = add_follow_up(demo_db, reviewer, ROUND, "helsinki", "Datapakettikoulutus", "tem", None, None)
    update_follow_up(demo_db, reviewer, done_item, status="done")
    _open_2026(demo_db)

    context = load_context(demo_db, respondent, NEXT, "helsinki")
    first = context.questionnaire.themes[0]
    assert first.id == "previous_follow_ups"
    assert [q.id for q in first.questions] == [f"followup_{open_item}"]
    assert "Nuorten palveluihin seurantamalli" in first.questions[0].text.fi

    response_id = get_response_row(demo_db, respondent, NEXT, "helsinki")["id"]
    saved = save_answer(demo_db, respondent, response_id, f"followup_{open_item}", "Malli otettiin käyttöön 3/2026.",
                        base_version=0)
    assert saved.version == 1


def test_other_areas_do_not_see_helsinkis_follow_ups(demo_db):
    reviewer = auth.get_user(demo_db, "demo-reviewer")
    add_follow_up(demo_db, reviewer, ROUND, "helsinki", "Vain Helsingille", "area", None, None)
    _open_2026(demo_db)
    context = load_context(demo_db, auth.get_user(demo_db, "demo-vantaa"), NEXT, "vantaa")
    assert context.questionnaire.themes[0].id != "previous_follow_ups"
