"""The sidebar's demo banner: shown only while demo content is in the database, and saying which."""

from __future__ import annotations

import streamlit as st

from ui import session
from yse_core.demo_answers import has_demo_answers, has_demo_statistics
from yse_core.indicators.situation import data_version


@st.cache_data(show_spinner=False, max_entries=32)
def _demo_statistics(_db, path: str, version: str) -> bool:
    """``has_demo_statistics`` for the database at ``path`` as of its data ``version`` (statistics change only then)."""
    return has_demo_statistics(_db)


def demo_banner_key(db) -> str | None:
    """The catalogue key of the demo banner for this page run (``demo.banner_*``), or None without demo content.

    The answers check runs every time: it stops at the first demo answer and reads nothing on a non-demo database.
    """
    statistics = _demo_statistics(db, str(session.db_path()), data_version(db))
    answers = has_demo_answers(db)
    if statistics and answers:
        return "demo.banner_both"
    if statistics:
        return "demo.banner_statistics"
    return "demo.banner_answers" if answers else None
