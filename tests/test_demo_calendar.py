"""The demo follows the calendar: a demo database made on a day shows the cycle as it stands that day.

Last year's round answered, discussed with follow-up items and closed; this year's open on the newest
questionnaire for it, with last year's open items carried in; statistics up to the month before.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tools.test_calendar import ROUND, build_template
from yse_core import auth
from yse_core.compare import compare_years
from yse_core.db import open_db
from yse_core.demo_answers import UNTOUCHED
from yse_core.errors import PermissionDenied, YseError
from yse_core.follow_ups import FOLLOW_UP_THEME_ID, carried_follow_ups
from yse_core.indicators.demo import MONTHS, demo_months, generate_demo
from yse_core.responses import get_response_row, load_context, save_answer
from yse_core.rounds import questionnaire_for_year
from yse_core.setup import DEMO_TODAY_ENV, demo_questionnaire_key, demo_round_years, init_database


@pytest.fixture(scope="module")
def demo_2026_12(tmp_path_factory):
    db = init_database(tmp_path_factory.mktemp("demo-2026-12") / "demo.db", demo=True, today=date(2026, 12, 6))
    yield db
    db.close()


@pytest.fixture(scope="module")
def demo_2027_03(tmp_path_factory):
    db = init_database(tmp_path_factory.mktemp("demo-2027-03") / "demo.db", demo=True, today=date(2027, 3, 1))
    yield db
    db.close()


def _rounds(db) -> dict[int, dict]:
    return {row["year"]: row for row in db.query("SELECT * FROM rounds")}


def test_a_demo_made_on_6_december_2026_has_2025_closed_and_2026_open_on_yse_2026(demo_2026_12):
    rounds = _rounds(demo_2026_12)
    assert sorted(rounds) == [2025, 2026]
    assert (rounds[2025]["state"], rounds[2025]["questionnaire_key"]) == ("closed", "yse-2025@1")
    assert (rounds[2026]["state"], rounds[2026]["questionnaire_key"]) == ("open", "yse-2026@1")
    assert rounds[2025]["opens"].startswith("2025-") and rounds[2025]["deadline"].startswith("2025-")
    assert rounds[2026]["opens"] <= "2026-12-06" < rounds[2026]["deadline"] == "2026-12-27"
    assert demo_2026_12.execute("SELECT MAX(period) FROM indicator_values").fetchone()[0] == "2026-11"


def test_the_previous_round_is_answered_discussed_and_has_follow_ups_some_done_some_open(demo_2026_12):
    states = dict(demo_2026_12.execute("SELECT area_id, state FROM responses WHERE round_year = 2025").fetchall())
    assert {area for area, state in states.items() if state == "draft"} == UNTOUCHED
    assert {state for area, state in states.items() if area not in UNTOUCHED} == {"submitted", "discussed"}
    discussed = [row[0] for row in demo_2026_12.execute(
        "SELECT held_on FROM discussions WHERE round_year = 2025 ORDER BY held_on")]
    assert len(discussed) >= 20 and all(held.startswith("2025-") for held in discussed)
    statuses = dict(demo_2026_12.execute(
        "SELECT status, COUNT(*) FROM follow_ups WHERE round_year = 2025 GROUP BY status").fetchall())
    assert statuses.get("done") and statuses.get("open") and statuses.get("in_progress")
    assert sum(statuses.values()) == 2 * len(discussed)


def test_last_rounds_open_follow_ups_are_carried_into_the_open_round(demo_2026_12):
    reviewer = auth.get_user(demo_2026_12, "demo-reviewer")
    area_id = demo_2026_12.execute(
        "SELECT area_id FROM follow_ups WHERE round_year = 2025 AND status = 'open' ORDER BY area_id").fetchone()[0]
    carried = carried_follow_ups(demo_2026_12, reviewer, 2026, area_id)
    assert carried and {item["round_year"] for item in carried} == {2025}
    assert {item["status"] for item in carried} <= {"open", "in_progress"}
    respondent = auth.get_user(demo_2026_12, f"demo-{area_id}")
    questionnaire = load_context(demo_2026_12, respondent, 2026, area_id).questionnaire
    assert questionnaire.themes[0].id == FOLLOW_UP_THEME_ID
    assert len(questionnaire.themes[0].questions) == len(carried)


def test_the_year_comparison_has_both_rounds(demo_2026_12):
    reviewer = auth.get_user(demo_2026_12, "demo-reviewer")
    years = {row["round_year"] for row in compare_years(demo_2026_12, reviewer, "trends_process_self")}
    assert years == {2025, 2026}


def test_the_closed_round_refuses_answers(demo_2026_12):
    respondent = auth.get_user(demo_2026_12, "demo-espoo-kauniainen")
    response = get_response_row(demo_2026_12, respondent, 2025, "espoo-kauniainen")
    with pytest.raises(PermissionDenied):
        save_answer(demo_2026_12, respondent, response["id"], "trends_process_self", 3, base_version=None)


def test_a_demo_made_on_1_march_2027_has_2026_closed_and_2027_open(demo_2027_03):
    rounds = _rounds(demo_2027_03)
    assert sorted(rounds) == [2026, 2027]
    assert (rounds[2026]["state"], rounds[2026]["questionnaire_key"]) == ("closed", "yse-2026@1")
    # No questionnaire for 2027 is shipped: the newest one for the year or earlier serves both rounds.
    assert (rounds[2027]["state"], rounds[2027]["questionnaire_key"]) == ("open", "yse-2026@1")
    assert demo_2027_03.execute("SELECT COUNT(*) FROM discussions WHERE round_year = 2026").fetchone()[0] >= 20
    assert demo_2027_03.execute("SELECT MAX(period) FROM indicator_values").fetchone()[0] == "2027-02"


def test_the_questionnaire_of_a_year_is_the_newest_for_that_year_or_earlier(plain_db):
    assert [questionnaire_for_year(plain_db, year) for year in (2024, 2025, 2026, 2030)] == [
        None, "yse-2025@1", "yse-2026@1", "yse-2026@1"]
    assert demo_questionnaire_key(plain_db, 2024) == "yse-2025@1"  # nothing that old: the oldest one


def test_the_demo_years_come_from_the_date_or_the_environment(monkeypatch):
    monkeypatch.delenv(DEMO_TODAY_ENV, raising=False)
    assert demo_round_years() == (date.today().year - 1, date.today().year)
    assert demo_round_years(date(2031, 1, 2)) == (2030, 2031)
    monkeypatch.setenv(DEMO_TODAY_ENV, "2028-05-17")
    assert demo_round_years() == (2027, 2028)
    assert demo_round_years(date(2026, 12, 6)).current == 2026  # a given day wins over the environment
    monkeypatch.setenv(DEMO_TODAY_ENV, "17.5.2028")
    with pytest.raises(YseError) as error:
        demo_round_years()
    assert DEMO_TODAY_ENV in error.value.message("en")


def test_the_statistics_months_follow_the_date_and_keep_the_calibrated_figures():
    assert demo_months(date(2025, 6, 1)) == MONTHS
    assert demo_months(date(2026, 1, 31))[-1] == "2025-12"
    assert demo_months(date(2026, 12, 6))[-1] == "2026-11"
    areas = [{"id": "a", "uusimaa": False}, {"id": "b", "uusimaa": True}]
    calibrated = generate_demo(areas)
    longer = generate_demo(areas, demo_months(date(2027, 3, 1)))
    assert [record for record in longer if record.period <= "2025-12"] == calibrated


def test_no_constant_year_is_left_in_setup():
    source = (Path(__file__).resolve().parent.parent / "yse_core" / "setup.py").read_text(encoding="utf-8")
    assert not re.findall(r"(?<!\d)20\d\d(?!\d)", source)


def test_the_tests_template_keeps_its_calendar_whatever_the_date_is(tmp_path, monkeypatch):
    monkeypatch.setenv(DEMO_TODAY_ENV, "2030-01-15")  # the demo builder's own day is ignored: the template names one
    db = open_db(build_template(tmp_path / "template.db"))
    try:
        [row] = db.query("SELECT * FROM rounds")
        assert (row["year"], row["questionnaire_key"], row["state"]) == (ROUND, "yse-2025@1", "open")
        assert row["opens"] < date.today().isoformat() < row["deadline"]
        assert db.execute("SELECT MAX(period) FROM indicator_values").fetchone()[0] == "2025-12"
    finally:
        db.close()
