"""The invented demo answers: deterministic, valid, and leaving some areas empty for a first visit."""

from __future__ import annotations

from tools.test_calendar import ROUND
from yse_core import auth
from yse_core.demo_answers import UNTOUCHED, fill_demo_answers
from yse_core.responses import round_overview


def test_demo_answers_fill_most_areas_and_leave_some_empty(demo_db):
    filled = fill_demo_answers(demo_db, ROUND)
    assert filled == 45 - len(UNTOUCHED)
    rows = {row["area_id"]: row for row in round_overview(demo_db, auth.get_user(demo_db, "demo-reviewer"), ROUND)}
    assert rows["helsinki"]["answered"] == 0
    assert all(rows[area]["answered"] > 0 for area in rows if area not in UNTOUCHED)
    assert any(row["state"] == "submitted" for row in rows.values())


def test_demo_answers_are_deterministic_and_labelled(demo_db, tmp_path):
    fill_demo_answers(demo_db, ROUND)
    texts = [row[0] for row in demo_db.execute("SELECT value FROM answers WHERE value LIKE '\"%' AND length(value) > 40")]
    assert texts and all("Demo" in text for text in texts)
    assert fill_demo_answers(demo_db, ROUND) == 0  # already filled: nothing written twice


def test_demo_discussions_mark_areas_discussed_with_follow_ups(demo_db):
    from yse_core.demo_answers import record_demo_discussions

    fill_demo_answers(demo_db, ROUND)
    areas = record_demo_discussions(demo_db, ROUND)
    assert len(areas) == 3
    states = {row[0] for row in demo_db.execute(
        f"SELECT state FROM responses WHERE round_year = {ROUND} AND area_id IN ({','.join('?' * len(areas))})", areas)}
    assert states == {"discussed"}
    assert demo_db.execute("SELECT COUNT(*) FROM follow_ups").fetchone()[0] == 6
