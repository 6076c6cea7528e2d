"""The calendar of a demo database: the day it is made as of, and the years of its two rounds.

Light on purpose (no database, no questionnaires), so that tools and tests can ask for the years cheaply.
"""

from __future__ import annotations

import os
from datetime import date
from typing import NamedTuple

from .errors import YseError

# The date a demo database is made "as of" when init_database gets no ``today``: YYYY-MM-DD, for trying the
# demo as on another day. Only the demo builder (and ``demo_round_years``) reads it; nothing else does.
DEMO_TODAY_ENV = "YSE_DEMO_TODAY"


class DemoYears(NamedTuple):
    previous: int  # the round discussed and closed last year
    current: int  # the open round


def demo_today(today: date | None = None) -> date:
    """The day a demo database is made as of: ``today`` if given, else ``YSE_DEMO_TODAY`` if set, else the real date."""
    if today is not None:
        return today
    value = os.environ.get(DEMO_TODAY_ENV, "").strip()
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise YseError("setup.error.bad_demo_today", name=DEMO_TODAY_ENV, value=value) from None


def demo_round_years(today: date | None = None) -> DemoYears:
    """The demo's rounds as of ``today`` (see ``demo_today``): the current round is today's year, the previous one the year before."""
    year = demo_today(today).year
    return DemoYears(previous=year - 1, current=year)
