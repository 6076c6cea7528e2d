"""The demo calendar the tests and the load drivers were written for, whatever the date is.

A demo database follows the calendar (``yse_core.setup.demo_round_years``: this year's round open, last
year's closed). The tests' shared template, and the databases the load drivers make for themselves, are
instead made as of ``AS_OF`` (December 2025): one open round, ``ROUND`` = 2025 on questionnaire yse-2025,
demo statistics 2023-01…2025-12, no answers. Its dates are then moved to the real today (opened a week ago,
deadline in three weeks), so that "days left" and the round's default statistics month behave as in a demo
made today. Tests take the round's year from here (``ROUND``), never as a literal. The demo's own calendar
is tested in ``tests/test_demo_calendar.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from yse_core.demo_calendar import demo_round_years

AS_OF = date(2025, 12, 15)
YEARS = demo_round_years(AS_OF)
ROUND = YEARS.current
PREVIOUS = YEARS.previous  # no round of this year in the template; tests that need one open it themselves
NEXT = ROUND + 1  # tests that open a further round on the template


def build_template(path: str | Path) -> Path:
    """Make the tests' demo database at ``path`` (see the module text) and return its path."""
    from yse_core.db import transaction
    from yse_core.setup import init_database

    db = init_database(path, demo=True, with_answers=False, today=AS_OF)
    try:
        today = date.today()
        with transaction(db):
            db.execute("UPDATE rounds SET opens = ?, deadline = ? WHERE year = ?",
                       [(today - timedelta(days=7)).isoformat(), (today + timedelta(days=21)).isoformat(), ROUND])
    finally:
        db.close()
    return Path(path)
