"""The sidebar's demo banner: shown only while demo content is in the database, and saying which."""

from __future__ import annotations

from ui.cache import cached
from yse_core.demo_answers import has_demo_answers, has_demo_statistics


@cached(max_entries=32)
def _demo_statistics(db) -> bool:
    """``has_demo_statistics`` as of the database's data stamp (statistics change only with it)."""
    return has_demo_statistics(db)


def demo_banner_key(db) -> str | None:
    """The catalogue key of the demo banner for this page run (``demo.banner_*``), or None without demo content.

    The answers check runs every time: it stops at the first demo answer and reads nothing on a non-demo database.
    """
    statistics = _demo_statistics(db)
    answers = has_demo_answers(db)
    if statistics and answers:
        return "demo.banner_both"
    if statistics:
        return "demo.banner_statistics"
    return "demo.banner_answers" if answers else None
