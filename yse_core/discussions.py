"""The discussion record of a round and area, its follow-up items, and how they carry into next year.

After the YSE discussion a reviewer records when it was held, who took part, notes per theme and
whether a follow-up discussion (jatkokeskustelu) is needed; agreed follow-up items get an owner, a
due date and a status. Next year the open items reappear in the area's questionnaire as questions
("In 2025 it was agreed …: what has happened?"), and answers with the same question id can be
compared year over year.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime

import sqlite_utils

from . import audit, formatting
from .area_registry import get_area
from .auth import User
from .db import now_iso, transaction
from .errors import AnswerError, NotFound, PermissionDenied
from .indicators.catalogue import load_catalogue
from .questionnaire import TEXT_MAX_LENGTH, Question, Text, Theme
from .responses import FOLLOW_UP_QUESTION_PREFIX, get_response_row
from .rounds import get_questionnaire, get_round

OWNER_SIDES = ("area", "tem")
STATUSES = ("open", "in_progress", "done", "dropped")
OPEN_STATUSES = ("open", "in_progress")
GENERAL_NOTES = "general"
FOLLOW_UP_THEME_ID = "previous_follow_ups"
REVIEWER_ROLES = ("reviewer", "admin")

# The texts of the carried-over theme; {year}, {body}, {owner}, {due} are filled per item.
FOLLOW_UP_TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "fi": "Edellisen keskustelun jatkotoimet",
        "sv": "Uppföljningsåtgärder från föregående samtal",
        "en": "Follow-up items from the previous discussion",
    },
    "intro": {
        "fi": "Edellisessä YSE-keskustelussa sovittiin alla olevista jatkotoimista. Kertokaa kustakin, mitä asialle on tapahtunut.",
        "sv": "I föregående YSE-samtal kom man överens om uppföljningsåtgärderna nedan. Berätta för var och en vad som har hänt i saken.",
        "en": "The follow-up items below were agreed in the previous YSE discussion. For each, tell us what has happened.",
    },
    "question": {
        "fi": "Vuonna {year} sovittiin: «{body}». Mitä asialle on tapahtunut?",
        "sv": "År {year} kom man överens om: «{body}». Vad har hänt i saken?",
        "en": "In {year} it was agreed: «{body}». What has happened since?",
    },
    "help": {
        "fi": "Vastuu: {owner}. Määräaika: {due}.",
        "sv": "Ansvar: {owner}. Tidsfrist: {due}.",
        "en": "Responsible: {owner}. Due: {due}.",
    },
    "owner_area": {"fi": "alue", "sv": "området", "en": "the area"},
    "owner_tem": {"fi": "TEM", "sv": "ANM", "en": "TEM"},
    "no_due": {"fi": "ei sovittu", "sv": "inte avtalad", "en": "not agreed"},
}

_UNSET = object()  # "not given" for update_follow_up, where None means "clear the value"


# --- validation -----------------------------------------------------------------------------------


def _text(value: object, label: str, *, required: bool = False) -> str | None:
    """Return a stored text (None when empty) or raise AnswerError naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise AnswerError(f"{label}: kenttä on pakollinen.")
        return None
    if not isinstance(value, str):
        raise AnswerError(f"{label}: arvon on oltava tekstiä.")
    if len(value) > TEXT_MAX_LENGTH:
        raise AnswerError(f"{label}: enintään {formatting.number(TEXT_MAX_LENGTH)} merkkiä, nyt {formatting.number(len(value))}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AnswerError(f"{label}: tekstissä on merkkejä, joita ei voi tallentaa.") from None
    return value


def _date(value: object, label: str, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            raise AnswerError(f"{label}: päivämäärä on pakollinen.")
        return None
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise AnswerError(f"{label}: arvon on oltava päivämäärä, nyt {value!r}.")
    return value


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _choice(value: object, allowed: tuple[str, ...], label: str) -> str:
    if value not in allowed:
        raise AnswerError(f"{label}: ”{value}” ei ole sallittu arvo (sallitut: {', '.join(allowed)}).")
    return value  # type: ignore[return-value]


def _question_id(db: sqlite_utils.Database, round_year: int, question_id: object) -> str | None:
    if question_id is None or question_id == "":
        return None
    questionnaire = get_questionnaire(db, get_round(db, round_year)["questionnaire_key"])
    if not isinstance(question_id, str) or question_id not in dict(questionnaire.questions_by_id()):
        raise AnswerError(f"Kysymystä ”{question_id}” ei ole kierroksen {round_year} kyselyssä.")
    return question_id


def _indicator_code(code: object) -> str | None:
    if code is None or code == "":
        return None
    if not isinstance(code, str) or code not in load_catalogue():
        raise AnswerError(f"Tunnuslukua ”{code}” ei ole tunnuslukuluettelossa.")
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
    held = _date(held_on, "Keskustelun päivämäärä", required=True)
    if held > date.today():
        raise AnswerError(f"Keskustelun päivämäärä {held:%d.%m.%Y} on tulevaisuudessa; kirjaa keskustelu sen jälkeen.")
    stored_participants = _text(participants, "Osallistujat", required=True)
    if not isinstance(notes, Mapping):
        raise AnswerError("Muistiinpanot on annettava teemoittain (teeman tunnus → teksti).")
    allowed = note_theme_ids(db, round_year)
    stored_notes = {}
    for theme_id, text in notes.items():
        if theme_id not in allowed:
            raise AnswerError(f"Muistiinpanot: teemaa ”{theme_id}” ei ole kierroksen {round_year} kyselyssä.")
        value = _text(text, f"Muistiinpanot ({theme_id})")
        if value is not None:
            stored_notes[theme_id] = value
    if not isinstance(follow_up_needed, bool):
        raise AnswerError("Jatkokeskustelun tarve on ilmoitettava kyllä tai ei.")
    follow_up = _date(follow_up_date, "Jatkokeskustelun päivämäärä")
    if follow_up and not follow_up_needed:
        raise AnswerError("Jatkokeskustelulle on annettu päivämäärä, vaikka jatkokeskustelua ei ole merkitty tarpeelliseksi.")
    if follow_up and follow_up < held:
        raise AnswerError(f"Jatkokeskustelun päivämäärä {follow_up:%d.%m.%Y} on ennen keskustelua {held:%d.%m.%Y}.")
    stored_follow_up_notes = _text(follow_up_notes, "Jatkokeskustelun aiheet")
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
        raise NotFound(f"Jatkotoimea {item_id} ei ole.")
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
    due_date = _date(due, "Määräaika")
    values = {
        "body": _text(body, "Jatkotoimi", required=True),
        "owner_side": _choice(owner_side, OWNER_SIDES, "Vastuutaho"),
        "owner": _text(owner, "Vastuuhenkilö"),
        "due": _iso(due_date),
        "status": _choice(status, STATUSES, "Tila"),
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
        raise PermissionDenied("Alueen vastaaja voi muuttaa jatkotoimesta vain sen tilan; muut tiedot muuttaa TEM.")
    validators = {
        "status": lambda v: _choice(v, STATUSES, "Tila"),
        "body": lambda v: _text(v, "Jatkotoimi", required=True),
        "owner_side": lambda v: _choice(v, OWNER_SIDES, "Vastuutaho"),
        "owner": lambda v: _text(v, "Vastuuhenkilö"),
        "due": lambda v: _iso(_date(v, "Määräaika")),
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


# --- carrying items into next year's questionnaire ----------------------------------------------


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
    answered = {
        row[0]
        for row in db.execute(
            """SELECT a.question_id FROM answers a JOIN responses r ON r.id = a.response_id
               WHERE r.round_year = ? AND r.area_id = ? AND a.question_id LIKE ?""",
            [round_year, area_id, FOLLOW_UP_QUESTION_PREFIX + "%"],
        ).fetchall()
    }
    items = follow_ups(db, user, round_year - 1, area_id)
    return [item for item in items if item["status"] in OPEN_STATUSES or followup_question_id(item["id"]) in answered]


def _follow_up_text(key: str, texts: Mapping[str, Mapping[str, str]], **values: object) -> Text:
    entry = texts[key]
    return Text(**{lang: entry[lang].format(**values) for lang in ("fi", "sv", "en") if entry.get(lang)})


def follow_up_theme(items: Iterable[Mapping], lang_texts: Mapping[str, Mapping[str, str]] | None = None) -> Theme | None:
    """Build the questionnaire theme 'previous_follow_ups': one long_text question per carried item.

    ``lang_texts`` overrides ``FOLLOW_UP_TEXTS`` (same keys). Returns None when there are no items.
    """
    texts = {**FOLLOW_UP_TEXTS, **(lang_texts or {})}
    questions = []
    for item in items:
        owner_by_lang = {}
        for lang in ("fi", "sv", "en"):
            side = texts[f"owner_{item['owner_side']}"].get(lang) or texts[f"owner_{item['owner_side']}"]["fi"]
            owner_by_lang[lang] = f"{side}, {item['owner']}" if item.get("owner") else side
        due = date.fromisoformat(item["due"]).strftime("%d.%m.%Y") if item.get("due") else None
        help_text = Text(**{
            lang: texts["help"][lang].format(owner=owner_by_lang[lang], due=due or texts["no_due"][lang])
            for lang in ("fi", "sv", "en")
        })
        questions.append(Question(
            id=followup_question_id(item["id"]),
            type="long_text",
            text=_follow_up_text("question", texts, year=item["round_year"], body=item["body"].strip()),
            help=help_text,
            indicators=[item["indicator_code"]] if item.get("indicator_code") else [],
        ))
    if not questions:
        return None
    return Theme(id=FOLLOW_UP_THEME_ID, title=_follow_up_text("title", texts), intro=_follow_up_text("intro", texts),
                 questions=questions)


# --- year over year -------------------------------------------------------------------------------


def compare_years(db: sqlite_utils.Database, user: User, question_id: str, area_id: str | None = None) -> list[dict]:
    """Return the answers to one question id in every round: for one area, or every area the user may read."""
    if area_id is not None:
        user.require_area(area_id)
        get_area(db, area_id)
    elif user.is_respondent:
        area_id = user.area_id
    sql = """SELECT r.round_year, r.area_id, ar.name_fi AS area_name_fi, ar.name_sv AS area_name_sv,
                    rd.questionnaire_key, a.value, a.updated_by, a.updated_at
             FROM answers a JOIN responses r ON r.id = a.response_id
             JOIN rounds rd ON rd.year = r.round_year JOIN areas ar ON ar.id = r.area_id
             WHERE a.question_id = ?"""
    params: list[object] = [question_id]
    if area_id is not None:
        sql += " AND r.area_id = ?"
        params.append(area_id)
    sql += " ORDER BY ar.name_fi, r.round_year"
    texts: dict[str, dict | None] = {}
    rows = []
    for row in db.query(sql, params):
        key = row["questionnaire_key"]
        if key not in texts:
            try:
                texts[key] = get_questionnaire(db, key).question(question_id).text.model_dump(exclude_none=True)
            except KeyError:
                texts[key] = None
        rows.append({**row, "value": json.loads(row["value"]) if row["value"] is not None else None,
                     "question_text": texts[key]})
    return rows
