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
from .errors import YseError
from .indicators.demo import load_demo
from .round_texts import fill_demo_round_texts
from .rounds import register_all

DEMO_ROUND_YEAR = 2025
DEMO_QUESTIONNAIRE_KEY = "yse-2025@1"
DEMO_REVIEWERS = (
    # (username, display name) — invented demo persons, not real TEM staff
    ("demo-reviewer", "Demo-tarkastaja (TEM)"),
    ("demo-reviewer-2", "Toinen demo-tarkastaja (TEM)"),
)


def init_database(
    path: str | Path, *, demo: bool = False, with_indicators: bool = True, with_answers: bool = True
) -> sqlite_utils.Database:
    """Create (or complete) a database with reference data; with demo, add demo accounts, a round and demo statistics."""
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
        set_setting(db, "demo", "1")
        _create_demo_accounts(db)
        _open_demo_round(db)
        fill_demo_round_texts(db, DEMO_ROUND_YEAR)
        if with_indicators:
            _load_demo_indicators(db)
        if with_answers:
            fill_demo_answers(db, DEMO_ROUND_YEAR)
            record_demo_discussions(db, DEMO_ROUND_YEAR)
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


def _open_demo_round(db: sqlite_utils.Database) -> None:
    from .rounds import open_round

    if db.execute("SELECT 1 FROM rounds WHERE year = ?", [DEMO_ROUND_YEAR]).fetchone():
        return
    today = date.today()
    open_round(db, DEMO_ROUND_YEAR, DEMO_QUESTIONNAIRE_KEY, deadline=today + timedelta(days=21),
               opens=today - timedelta(days=7), actor="init")


def _load_demo_indicators(db: sqlite_utils.Database) -> None:
    if not db.execute("SELECT 1 FROM imports WHERE is_demo = 1 LIMIT 1").fetchone():
        load_demo(db, user="init")
