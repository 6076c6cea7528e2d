"""Creating a database: reference data, questionnaires and, for the demo, accounts and a round."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import sqlite_utils

from . import areas, auth
from .area_registry import store_municipalities
from .area_update import replace_areas
from .db import get_setting, open_db, set_setting, transaction
from .demo_answers import fill_demo_answers, record_demo_discussions
from .demo_calendar import DEMO_TODAY_ENV, DemoYears, demo_round_years, demo_today
from .errors import YseError
from .indicators.demo import demo_months, load_demo
from .round_texts import fill_demo_round_texts
from .rounds import close_round, open_round, questionnaire_for_year, register_all

# Of the previous round's submitted areas, how many have a recorded discussion (with follow-up items).
DEMO_PREVIOUS_DISCUSSIONS = 24
__all__ = ["DEMO_TODAY_ENV", "DemoYears", "demo_questionnaire_key", "demo_round_years", "demo_today", "init_database"]
DEMO_REVIEWERS = (
    # (username, display name) — invented demo persons, not real TEM staff
    ("demo-reviewer", "Demo-tarkastaja (TEM)"),
    ("demo-reviewer-2", "Toinen demo-tarkastaja (TEM)"),
)


def demo_questionnaire_key(db: sqlite_utils.Database, year: int) -> str:
    """The questionnaire of a demo round: the newest stored version for the year or earlier, else the oldest one.

    Both rounds get the same version when no questionnaire is meant for this year (only last year's is shipped).
    """
    key = questionnaire_for_year(db, year)
    if key is None:
        row = db.execute(
            "SELECT key FROM questionnaires ORDER BY json_extract(definition, '$.year'), version LIMIT 1").fetchone()
        key = row[0]
    return key


def init_database(
    path: str | Path, *, demo: bool = False, with_indicators: bool = True, with_answers: bool = True,
    today: date | None = None,
) -> sqlite_utils.Database:
    """Create (or complete) a database with reference data; with demo, add demo accounts, rounds and demo statistics.

    A demo follows the calendar of ``today`` (``demo_today``): last year's round answered, discussed and closed
    with follow-up items, this year's round open on the newest questionnaire for it, deadline in three weeks,
    partly answered, last year's open items carried into it (``follow_ups.carried_follow_ups``); statistics up
    to the month before today's. Without answers (``with_answers=False``) there is only this year's round, empty.
    """
    path = Path(path)
    existed = path.exists() and path.stat().st_size > 0
    db = open_db(path, create=True)
    if existed and get_setting(db, "initialised") and demo != (get_setting(db, "demo") == "1"):
        raise YseError("setup.error.already_production" if demo else "setup.error.already_demo", path=str(path))
    if not db.execute("SELECT 1 FROM areas LIMIT 1").fetchone():
        store_municipalities(db, areas.load_municipalities())
        replace_areas(db, areas.load_reference_areas(), actor="init")
    register_all(db)
    set_setting(db, "initialised", "1")
    if demo:
        today = demo_today(today)
        years = demo_round_years(today)
        set_setting(db, "demo", "1")
        _create_demo_accounts(db)
        if with_answers:
            _previous_demo_round(db, years.previous)
        _open_demo_round(db, years.current, today)
        fill_demo_round_texts(db, years.current)
        if with_indicators:
            _load_demo_indicators(db, today)
        if with_answers:
            fill_demo_answers(db, years.current)
            record_demo_discussions(db, years.current)
    return db


def _create_demo_accounts(db: sqlite_utils.Database) -> None:
    if db.execute("SELECT 1 FROM users WHERE username = 'demo-admin'").fetchone():
        return
    # One hash for all demo accounts: they share the published demo password, and bcrypt is slow on purpose.
    shared_hash = auth.hash_password(auth.DEMO_PASSWORD)
    with transaction(db):
        auth.add_user(db, "demo-admin", "Demo-pääkäyttäjä", auth.DEMO_PASSWORD, "admin", demo=True,
                      password_hash=shared_hash, actor="init")
        for username, name in DEMO_REVIEWERS:
            auth.add_user(db, username, name, auth.DEMO_PASSWORD, "reviewer", demo=True,
                          password_hash=shared_hash, actor="init")
        area_rows = list(db.query("SELECT id, name_fi FROM areas ORDER BY id"))
        for area in area_rows:
            auth.add_user(db, f"demo-{area['id']}", f"Demo-vastaaja, {area['name_fi']}", auth.DEMO_PASSWORD,
                          "respondent", area["id"], demo=True, password_hash=shared_hash, actor="init")
        ids = [a["id"] for a in area_rows]
        half = len(ids) // 2
        auth.set_reviewer_areas(db, "demo-reviewer", ids[:half + 1], actor="init")
        auth.set_reviewer_areas(db, "demo-reviewer-2", ids[half:], actor="init")


def _previous_demo_round(db: sqlite_utils.Database, year: int) -> None:
    """Last year's round as it stands after the discussions: answered, submitted, discussed with items, closed.

    Its dates are in its own year: open from mid-September, deadline at the end of October, discussions
    from the first Monday of November, about five a week.
    """
    if db.execute("SELECT 1 FROM rounds WHERE year = ?", [year]).fetchone():
        return
    open_round(db, year, demo_questionnaire_key(db, year), deadline=date(year, 10, 31), opens=date(year, 9, 15),
               actor="init")
    fill_demo_round_texts(db, year)
    fill_demo_answers(db, year, submit_all=True, seed=f"-{year}")
    first_monday = date(year, 11, 1) + timedelta(days=-date(year, 11, 1).weekday() % 7)
    record_demo_discussions(db, year, DEMO_PREVIOUS_DISCUSSIONS, held_on=first_monday, settled_every=3)
    _date_previous_round(db, year)
    close_round(db, year, actor="init")


def _date_previous_round(db: sqlite_utils.Database, year: int) -> None:
    """Give last year's answers, submissions, records and items the dates they would have had, not the build's.

    Answers and submissions fall in October (spread over the month by response), records and items on the day
    of the discussion. The audit log keeps the real time: it records what init did, and when.
    """
    answered = "printf('%d-10-%02dT09:00:00+00:00', ?, 1 + responses.id % 28)"
    with transaction(db):
        for table, column in (("answers", "updated_at"), ("answer_history", "changed_at")):
            db.execute(f"UPDATE {table} SET {column} = (SELECT {answered} FROM responses "
                       f"WHERE responses.id = {table}.response_id) "
                       f"WHERE response_id IN (SELECT id FROM responses WHERE round_year = ?)", [year, year])
        db.execute(f"UPDATE responses SET updated_at = {answered}, "
                   f"submitted_at = CASE WHEN submitted_at IS NULL THEN NULL ELSE {answered} END "
                   "WHERE round_year = ?", [year, year, year])
        db.execute("UPDATE discussions SET recorded_at = held_on || 'T14:00:00+00:00' WHERE round_year = ?", [year])
        db.execute("""UPDATE follow_ups SET created_at = (SELECT d.held_on || 'T14:00:00+00:00' FROM discussions d
                        WHERE d.round_year = follow_ups.round_year AND d.area_id = follow_ups.area_id),
                      updated_at = (SELECT d.held_on || 'T14:00:00+00:00' FROM discussions d
                        WHERE d.round_year = follow_ups.round_year AND d.area_id = follow_ups.area_id)
                      WHERE round_year = ?""", [year])


def _open_demo_round(db: sqlite_utils.Database, year: int, today: date) -> None:
    if db.execute("SELECT 1 FROM rounds WHERE year = ?", [year]).fetchone():
        return
    open_round(db, year, demo_questionnaire_key(db, year), deadline=today + timedelta(days=21),
               opens=today - timedelta(days=7), actor="init")


def _load_demo_indicators(db: sqlite_utils.Database, today: date) -> None:
    if not db.execute("SELECT 1 FROM imports WHERE is_demo = 1 LIMIT 1").fetchone():
        load_demo(db, user="init", months=demo_months(today))
