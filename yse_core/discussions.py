"""The discussion record of a round and area, its follow-up items, and how they carry into next year.

After the YSE discussion a reviewer records when it was held, who took part, notes per theme and
whether a follow-up discussion (jatkokeskustelu) is needed; agreed follow-up items get an owner, a
due date and a status. Next year the open items reappear in the area's questionnaire as questions
("In 2025 it was agreed …: what has happened?"), and answers with the same question id can be
compared year over year. Reading the items and carrying them is ``yse_core.follow_ups``; comparing
the answers across years is ``yse_core.compare.compare_years``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime

import sqlite_utils

from . import audit
from .auth import User
from .db import now_iso, transaction
from .errors import AnswerError, NotFound, PermissionDenied
from .follow_ups import FOLLOW_UP_THEME_ID, STATUSES
from .i18n import LANGUAGES, catalogue, t
from .indicators.catalogue import load_catalogue
from .questionnaire import TEXT_MAX_LENGTH
from .responses import get_response_row
from .rounds import get_questionnaire, get_round

OWNER_SIDES = ("area", "tem")
GENERAL_NOTES = "general"
REVIEWER_ROLES = ("reviewer", "admin")

_UNSET = object()  # "not given" for update_follow_up, where None means "clear the value"


# --- validation -----------------------------------------------------------------------------------


def _field(key: str) -> Mapping[str, str]:
    """A field's name in every language (a catalogue entry), for the messages below."""
    return catalogue()[key]


def _notes_field(theme_id: str) -> dict[str, str]:
    return {lang: t("discussions.field.notes", lang, theme=theme_id) for lang in LANGUAGES}


def _text(value: object, field: Mapping[str, str], *, required: bool = False) -> str | None:
    """Return a stored text (None when empty) or raise AnswerError naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise AnswerError("discussions.error.required", field=field)
        return None
    if not isinstance(value, str):
        raise AnswerError("discussions.error.not_text", field=field)
    if len(value) > TEXT_MAX_LENGTH:
        raise AnswerError("discussions.error.too_long", field=field, limit=TEXT_MAX_LENGTH, length=len(value))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AnswerError("discussions.error.invalid_characters", field=field) from None
    return value


def _date(value: object, field: Mapping[str, str], *, required: bool = False) -> date | None:
    if value is None:
        if required:
            raise AnswerError("discussions.error.date_required", field=field)
        return None
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise AnswerError("discussions.error.not_date", field=field, value=repr(value))
    return value


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _choice(value: object, allowed: tuple[str, ...], field: Mapping[str, str]) -> str:
    if value not in allowed:
        raise AnswerError("discussions.error.not_allowed", field=field, value=str(value), allowed=", ".join(allowed))
    return value  # type: ignore[return-value]


def _question_id(db: sqlite_utils.Database, round_year: int, question_id: object) -> str | None:
    if question_id is None or question_id == "":
        return None
    questionnaire = get_questionnaire(db, get_round(db, round_year)["questionnaire_key"])
    if not isinstance(question_id, str) or question_id not in dict(questionnaire.questions_by_id()):
        raise AnswerError("discussions.error.unknown_question", question=str(question_id), year=str(round_year))
    return question_id


def _indicator_code(code: object) -> str | None:
    if code is None or code == "":
        return None
    if not isinstance(code, str) or code not in load_catalogue():
        raise AnswerError("discussions.error.unknown_indicator", code=str(code))
    return code


# --- the discussion record ------------------------------------------------------------------------


def _decode_discussion(row: dict) -> dict:
    return {**row, "notes": json.loads(row["notes"]) if row["notes"] else {}, "follow_up_needed": bool(row["follow_up_needed"])}


def note_theme_ids(db: sqlite_utils.Database, round_year: int) -> list[str]:
    """Return the keys a discussion record's notes may use: 'general', the round's themes, the carried items."""
    questionnaire = get_questionnaire(db, get_round(db, round_year)["questionnaire_key"])
    return [GENERAL_NOTES, *(theme.id for theme in questionnaire.themes), FOLLOW_UP_THEME_ID]


def record_discussion(
    db: sqlite_utils.Database,
    user: User,
    round_year: int,
    area_id: str,
    *,
    held_on: date,
    participants: str,
    notes: Mapping[str, str],
    follow_up_needed: bool,
    follow_up_date: date | None,
    follow_up_notes: str,
) -> dict:
    """Store (or replace) the discussion record and mark the area's response as discussed."""
    user.require_role(*REVIEWER_ROLES)
    response = get_response_row(db, user, round_year, area_id)
    held = _date(held_on, _field("discussion.held_on"), required=True)
    if held > date.today():
        raise AnswerError("discussions.error.held_in_future", held=f"{held:%d.%m.%Y}")
    stored_participants = _text(participants, _field("discussion.participants"), required=True)
    if not isinstance(notes, Mapping):
        raise AnswerError("discussions.error.notes_not_by_theme")
    allowed = note_theme_ids(db, round_year)
    stored_notes = {}
    for theme_id, text in notes.items():
        if theme_id not in allowed:
            raise AnswerError("discussions.error.unknown_note_theme", theme=str(theme_id), year=str(round_year))
        value = _text(text, _notes_field(theme_id))
        if value is not None:
            stored_notes[theme_id] = value
    if not isinstance(follow_up_needed, bool):
        raise AnswerError("discussions.error.follow_up_needed_not_bool")
    follow_up = _date(follow_up_date, _field("discussion.follow_up_date"))
    if follow_up and not follow_up_needed:
        raise AnswerError("discussions.error.date_without_follow_up")
    if follow_up and follow_up < held:
        raise AnswerError("discussions.error.follow_up_before_held", follow_up=f"{follow_up:%d.%m.%Y}", held=f"{held:%d.%m.%Y}")
    stored_follow_up_notes = _text(follow_up_notes, _field("discussion.follow_up_notes"))
    existed = db.execute("SELECT 1 FROM discussions WHERE round_year = ? AND area_id = ?", [round_year, area_id]).fetchone()
    at = now_iso()
    with transaction(db):
        db.execute(
            """INSERT INTO discussions(round_year, area_id, held_on, participants, notes, follow_up_needed,
                                       follow_up_date, follow_up_notes, recorded_by, recorded_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(round_year, area_id) DO UPDATE SET held_on = excluded.held_on,
                 participants = excluded.participants, notes = excluded.notes,
                 follow_up_needed = excluded.follow_up_needed, follow_up_date = excluded.follow_up_date,
                 follow_up_notes = excluded.follow_up_notes, recorded_by = excluded.recorded_by,
                 recorded_at = excluded.recorded_at""",
            [round_year, area_id, held.isoformat(), stored_participants, json.dumps(stored_notes, ensure_ascii=False),
             int(follow_up_needed), _iso(follow_up), stored_follow_up_notes, user.username, at],
        )
        db.execute("UPDATE responses SET state = 'discussed', updated_at = ? WHERE id = ?", [at, response["id"]])
        audit.record(db, user.username, "discussion_recorded", f"{round_year}/{area_id}", held_on=held.isoformat(),
                     follow_up_needed=follow_up_needed, previous_state=response["state"], replaced=bool(existed))
    return get_discussion(db, user, round_year, area_id)  # type: ignore[return-value]


def get_discussion(db: sqlite_utils.Database, user: User, round_year: int, area_id: str) -> dict | None:
    """Return the discussion record of an area in a round (notes as a dict), or None if not recorded."""
    user.require_area(area_id)
    rows = list(db.query("SELECT * FROM discussions WHERE round_year = ? AND area_id = ?", [round_year, area_id]))
    return _decode_discussion(rows[0]) if rows else None


# --- follow-up items ------------------------------------------------------------------------------


def get_follow_up(db: sqlite_utils.Database, user: User, item_id: int) -> dict:
    """Return one follow-up item the user may read, or raise NotFound."""
    rows = list(db.query("SELECT * FROM follow_ups WHERE id = ?", [item_id]))
    if not rows:
        raise NotFound("discussions.error.no_item", id=str(item_id))
    user.require_area(rows[0]["area_id"])
    return rows[0]


def add_follow_up(
    db: sqlite_utils.Database,
    user: User,
    round_year: int,
    area_id: str,
    body: str,
    owner_side: str,
    owner: str | None,
    due: date | None,
    question_id: str | None = None,
    indicator_code: str | None = None,
    *,
    status: str = "open",
) -> int:
    """Add an agreed follow-up item to an area's round; returns its id."""
    user.require_role(*REVIEWER_ROLES)
    get_response_row(db, user, round_year, area_id)
    due_date = _date(due, _field("discussion.item_due"))
    values = {
        "body": _text(body, _field("discussions.field.item"), required=True),
        "owner_side": _choice(owner_side, OWNER_SIDES, _field("discussion.item_owner_side")),
        "owner": _text(owner, _field("discussion.item_owner")),
        "due": _iso(due_date),
        "status": _choice(status, STATUSES, _field("discussion.item_status")),
        "question_id": _question_id(db, round_year, question_id),
        "indicator_code": _indicator_code(indicator_code),
    }
    at = now_iso()
    with transaction(db):
        cursor = db.execute(
            """INSERT INTO follow_ups(round_year, area_id, body, owner_side, owner, due, status, question_id,
                                      indicator_code, created_by, created_at, updated_by, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [round_year, area_id, values["body"], values["owner_side"], values["owner"], values["due"], values["status"],
             values["question_id"], values["indicator_code"], user.username, at, user.username, at],
        )
        item_id = cursor.lastrowid
        audit.record(db, user.username, "follow_up_added", f"{round_year}/{area_id}", item=item_id,
                     owner_side=values["owner_side"], status=values["status"])
    return item_id


def update_follow_up(
    db: sqlite_utils.Database,
    user: User,
    item_id: int,
    *,
    status: object = _UNSET,
    body: object = _UNSET,
    owner_side: object = _UNSET,
    owner: object = _UNSET,
    due: object = _UNSET,
    question_id: object = _UNSET,
    indicator_code: object = _UNSET,
) -> dict:
    """Change a follow-up item: reviewers and admins anything, the area's respondents only its status."""
    item = get_follow_up(db, user, item_id)
    given = {name: value for name, value in {
        "status": status, "body": body, "owner_side": owner_side, "owner": owner, "due": due,
        "question_id": question_id, "indicator_code": indicator_code,
    }.items() if value is not _UNSET}
    if user.is_respondent and set(given) - {"status"}:
        raise PermissionDenied("discussions.error.respondent_status_only")
    validators = {
        "status": lambda v: _choice(v, STATUSES, _field("discussion.item_status")),
        "body": lambda v: _text(v, _field("discussions.field.item"), required=True),
        "owner_side": lambda v: _choice(v, OWNER_SIDES, _field("discussion.item_owner_side")),
        "owner": lambda v: _text(v, _field("discussion.item_owner")),
        "due": lambda v: _iso(_date(v, _field("discussion.item_due"))),
        "question_id": lambda v: _question_id(db, item["round_year"], v),
        "indicator_code": _indicator_code,
    }
    changes = {name: validators[name](value) for name, value in given.items()}
    changes = {name: value for name, value in changes.items() if value != item[name]}
    if not changes:
        return item
    assignments = ", ".join(f"{name} = ?" for name in changes)
    with transaction(db):
        db.execute(f"UPDATE follow_ups SET {assignments}, updated_by = ?, updated_at = ? WHERE id = ?",
                   [*changes.values(), user.username, now_iso(), item_id])
        audit.record(db, user.username, "follow_up_updated", f"{item['round_year']}/{item['area_id']}", item=item_id,
                     changes={name: [item[name], value] for name, value in changes.items()})
    return get_follow_up(db, user, item_id)
