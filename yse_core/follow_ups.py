"""Follow-up items as read, and how last round's open items become this round's first questionnaire theme.

Below both ``responses`` (which adds the theme to an area's questionnaire) and ``discussions`` (which records
and changes the items): neither imports the other for it. The theme's texts are in the i18n catalogue
(``followup.*`` in ``discussion.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import sqlite_utils

from .answer_store import answered_question_ids
from .auth import User
from .i18n import LANGUAGES, t
from .questionnaire import Question, Text, Theme

STATUSES = ("open", "in_progress", "done", "dropped")
OPEN_STATUSES = ("open", "in_progress")
FOLLOW_UP_THEME_ID = "previous_follow_ups"
# The question id prefix of the follow-up theme built from last round's items.
FOLLOW_UP_QUESTION_PREFIX = "followup_"


def follow_ups(
    db: sqlite_utils.Database,
    user: User,
    round_year: int | None = None,
    area_id: str | None = None,
    open_only: bool = False,
) -> list[dict]:
    """Return follow-up items, filtered; respondents get only their own area's items."""
    if user.is_respondent:
        if area_id is not None:
            user.require_area(area_id)
        area_id = user.area_id
    where, params = [], []
    if round_year is not None:
        where.append("f.round_year = ?")
        params.append(round_year)
    if area_id is not None:
        where.append("f.area_id = ?")
        params.append(area_id)
    if open_only:
        where.append("f.status IN ('open', 'in_progress')")
    sql = """SELECT f.*, a.name_fi AS area_name_fi, a.name_sv AS area_name_sv
             FROM follow_ups f JOIN areas a ON a.id = f.area_id"""
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY f.round_year DESC, a.name_fi, f.due IS NULL, f.due, f.id"
    return list(db.query(sql, params))


def followup_question_id(item_id: int) -> str:
    """Return the questionnaire question id of a carried follow-up item."""
    return f"{FOLLOW_UP_QUESTION_PREFIX}{item_id}"


def followup_question_ids(items: Iterable[Mapping]) -> list[str]:
    """Return the question ids of carried follow-up items, in order."""
    return [followup_question_id(item["id"]) for item in items]


def carried_follow_ups(db: sqlite_utils.Database, user: User, round_year: int, area_id: str) -> list[dict]:
    """Return the previous round's open or in-progress items of the area, to ask about in this round.

    An item closed since stays in the list if the area has already answered its question this
    round, so that a status change never makes a written answer disappear.
    """
    user.require_area(area_id)
    answered = answered_question_ids(db, round_year, area_id, FOLLOW_UP_QUESTION_PREFIX)
    items = follow_ups(db, user, round_year - 1, area_id)
    return [item for item in items if item["status"] in OPEN_STATUSES or followup_question_id(item["id"]) in answered]


def _text(key: str, **values: object) -> Text:
    return Text(**{lang: t(f"followup.{key}", lang, **values) for lang in LANGUAGES})


def follow_up_theme(items: Iterable[Mapping]) -> Theme | None:
    """Build the questionnaire theme 'previous_follow_ups': one long_text question per carried item.

    Returns None when there are no items.
    """
    questions = []
    for item in items:
        due = date.fromisoformat(item["due"]).strftime("%d.%m.%Y") if item.get("due") else None
        help_texts = {}
        for lang in LANGUAGES:
            side = t(f"followup.owner_{item['owner_side']}", lang)
            owner = f"{side}, {item['owner']}" if item.get("owner") else side
            help_texts[lang] = t("followup.help", lang, owner=owner, due=due or t("followup.no_due", lang))
        questions.append(Question(
            id=followup_question_id(item["id"]),
            type="long_text",
            text=_text("question", year=item["round_year"], body=item["body"].strip()),
            help=Text(**help_texts),
            indicators=[item["indicator_code"]] if item.get("indicator_code") else [],
        ))
    if not questions:
        return None
    return Theme(id=FOLLOW_UP_THEME_ID, title=_text("title"), intro=_text("intro"), questions=questions)
