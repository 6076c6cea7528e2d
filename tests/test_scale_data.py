"""The benchmark's scale database has the shape the bench and docs/benchmarks.md promise (small factor, fast)."""

from __future__ import annotations

import pytest

from tools.scale_data import DEMO_ROUND_YEAR, QUESTIONS_PER_ROUND, build_scale_database, describe, scale_months, synthetic_area_id
from yse_core import auth
from yse_core.db import connect, is_demo
from yse_core.responses import get_response_row, load_answers
from yse_core.rounds import current_round

FACTOR, YEARS, ROUNDS = 2, 2, 3


@pytest.fixture(scope="module")
def scale_db(tmp_path_factory):
    path = build_scale_database(tmp_path_factory.mktemp("scale") / "scale.db", FACTOR, years=YEARS, rounds=ROUNDS)
    db = connect(path)
    yield path, db
    db.close()


def test_shape_areas_rounds_questions_and_months(scale_db):
    shape = describe(scale_db[0])
    assert shape["areas"] == 45 * FACTOR
    assert shape["rounds"] == {year: QUESTIONS_PER_ROUND for year in range(DEMO_ROUND_YEAR - ROUNDS + 1, DEMO_ROUND_YEAR + 1)}
    assert shape["responses"] == 45 * FACTOR * ROUNDS
    assert shape["months"] == 12 * YEARS


def test_every_area_and_the_whole_country_have_every_month(scale_db):
    _, db = scale_db
    months = scale_months(YEARS)
    regions = db.execute("SELECT COUNT(DISTINCT region_code) FROM indicator_values WHERE indicator_code = 'TYOTTOMATLOPUSSA' "
                         "AND period IN (?, ?)", [months[0], months[-1]]).fetchone()[0]
    assert regions == 45 * FACTOR + 1  # areas and SSS
    assert db.execute("SELECT COUNT(*) FROM indicator_values WHERE indicator_code = 'TYOTTOMATLOPUSSA' "
                      "AND region_code = ?", [synthetic_area_id("helsinki", 2)]).fetchone()[0] == 12 * YEARS


def test_synthetic_copies_are_named_as_such_and_have_no_municipalities(scale_db):
    _, db = scale_db
    copy = db.execute("SELECT name_fi, membership_verified FROM areas WHERE id = ?",
                      [synthetic_area_id("helsinki", 2)]).fetchone()
    assert copy == ("Helsingin kaupunki (skaalatesti 2)", 0)
    assert not db.execute("SELECT 1 FROM area_municipalities WHERE area_id LIKE '%-s2'").fetchone()


def test_demo_round_is_the_open_one_and_earlier_rounds_are_answered_and_closed(scale_db):
    _, db = scale_db
    assert is_demo(db)
    assert current_round(db)["year"] == DEMO_ROUND_YEAR
    states = dict(db.execute("SELECT year, state FROM rounds").fetchall())
    assert [year for year, state in states.items() if state == "open"] == [DEMO_ROUND_YEAR]
    unanswered_earlier = db.execute(
        "SELECT COUNT(*) FROM responses r WHERE r.round_year < ? AND NOT EXISTS "
        "(SELECT 1 FROM answers a WHERE a.response_id = r.id)", [DEMO_ROUND_YEAR]).fetchone()[0]
    assert unanswered_earlier == 0


def test_demo_accounts_log_in_and_helsinki_meets_an_empty_writable_questionnaire(scale_db):
    _, db = scale_db
    for username in ("demo-admin", "demo-reviewer", "demo-helsinki", f"demo-{synthetic_area_id('helsinki', 2)}"):
        assert auth.authenticate(db, username, auth.DEMO_PASSWORD).username == username
    helsinki = auth.get_user(db, "demo-helsinki")
    response = get_response_row(db, helsinki, DEMO_ROUND_YEAR, "helsinki")
    assert response["state"] == "draft" and not load_answers(db, helsinki, response["id"])


def test_indexes_are_those_a_fresh_database_has(scale_db, plain_db):
    _, db = scale_db

    def indexes(database):
        return sorted(database.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall())

    assert indexes(db) == indexes(plain_db)
