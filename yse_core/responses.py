"""An area's response to a round: answers saved as they change, history, conflicts, submit, reopen."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from . import audit
from .answer_store import Answer, decode, encode, response_answers, round_values
from .area_registry import get_area
from .auth import User
from .db import now_iso, transaction
from .errors import AnswerError, ConflictError, NotFound, PermissionDenied
from .follow_ups import FOLLOW_UP_QUESTION_PREFIX, carried_follow_ups, follow_up_theme
from .i18n import LANGUAGES
from .questionnaire import Question, Questionnaire, missing_required, theme_progress, validate_answer
from .rounds import get_questionnaire, get_round, questionnaire_by_hash

WRITABLE_STATES = ("draft", "reopened")


@dataclass(frozen=True)
class ResponseContext:
    """Everything a page needs about one area's response: the round, questionnaire, area and answers."""

    response: dict
    round: dict
    questionnaire: Questionnaire
    area: dict
    answers: dict[str, Answer]

    @property
    def values(self) -> dict[str, object]:
        return {qid: answer.value for qid, answer in self.answers.items()}

    @property
    def writable(self) -> bool:
        return self.response["state"] in WRITABLE_STATES and self.round["state"] == "open"


class SubmitIncomplete(AnswerError):
    """Required visible questions are unanswered; ``missing`` lists (theme id, question id)."""

    def __init__(self, missing: list[tuple[str, str]]):
        super().__init__("responses.error.required_missing", count=len(missing))
        self.missing = missing


def questionnaire_for_area(db: sqlite_utils.Database, user: User, round_row: dict, area_id: str) -> Questionnaire:
    """The round's questionnaire, plus a first theme asking about last round's open follow-up items, if any."""
    base = get_questionnaire(db, round_row["questionnaire_key"])
    theme = follow_up_theme(carried_follow_ups(db, user, round_row["year"], area_id))
    if theme is None:
        return base
    data = base.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data["themes"] = [theme.model_dump(mode="json", by_alias=True, exclude_unset=True), *data["themes"]]
    return Questionnaire.model_validate(data)


def get_response_row(db: sqlite_utils.Database, user: User, round_year: int, area_id: str) -> dict:
    """Return the response row of an area in a round, if the user may read it."""
    user.require_area(area_id)
    row = _response_row(db, "r.round_year = ? AND r.area_id = ?", [round_year, area_id])
    if row is None:
        raise NotFound("responses.error.no_response", area=area_id, year=str(round_year))
    return row


def _response_by_id(db: sqlite_utils.Database, user: User, response_id: int) -> dict:
    row = _response_row(db, "r.id = ?", [response_id])
    if row is None:
        raise NotFound("responses.error.no_response_id", id=str(response_id))
    user.require_area(row["area_id"])
    return row


def _response_row(db: sqlite_utils.Database, where: str, params: list) -> dict | None:
    """One response; its ``updated_at`` is its last change: a state change or its latest answer.

    A save writes only the answer and its history (the response row is not touched on the hot path), so
    the latest answer's time is read here.
    """
    rows = list(db.query(
        f"""SELECT r.*, (SELECT MAX(a.updated_at) FROM answers a WHERE a.response_id = r.id) AS last_answer_at
            FROM responses r WHERE {where}""", params))
    if not rows:
        return None
    row = rows[0]
    row["updated_at"] = max(filter(None, (row["updated_at"], row.pop("last_answer_at"))), default=None)
    return row


def change_counts(db: sqlite_utils.Database, round_year: int) -> dict[str, int]:
    """Area id → how many answer saves its response of the round has had (for caches keyed on the answers).

    Every save raises one answer's version by one (a first answer starts at 1), so the sum of a response's
    answer versions goes up by exactly one per save.
    """
    return dict(db.execute(
        """SELECT r.area_id, (SELECT TOTAL(a.version) FROM answers a WHERE a.response_id = r.id)
           FROM responses r WHERE r.round_year = ?""", [round_year]).fetchall())


def load_answers(db: sqlite_utils.Database, user: User, response_id: int) -> dict[str, Answer]:
    """Return every stored answer of a response the user may read."""
    _response_by_id(db, user, response_id)
    return response_answers(db, response_id)


def load_context(db: sqlite_utils.Database, user: User, round_year: int, area_id: str) -> ResponseContext:
    """Load a response with its round, questionnaire, area and answers, checking read permission."""
    response = get_response_row(db, user, round_year, area_id)
    round_row = get_round(db, round_year)
    return ResponseContext(
        response=response,
        round=round_row,
        questionnaire=questionnaire_for_area(db, user, round_row, area_id),
        area=get_area(db, area_id),
        answers=response_answers(db, response["id"]),  # get_response_row checked the permission
    )


def _check_writer(user: User, area_id: str, round_year: int, round_state: str, response_state: str) -> None:
    """Refuse unless the user is a respondent of the area and the round and the response are open for changes."""
    if not user.is_respondent:
        raise PermissionDenied("responses.error.respondents_only")
    user.require_area(area_id)
    if round_state != "open":
        raise PermissionDenied("responses.error.round_closed", year=str(round_year))
    if response_state not in WRITABLE_STATES:
        raise PermissionDenied("responses.error.submitted")


def _require_writer(db: sqlite_utils.Database, user: User, response: dict) -> dict:
    round_row = get_round(db, response["round_year"])
    _check_writer(user, response["area_id"], round_row["year"], round_row["state"], response["state"])
    return round_row


def save_answer(
    db: sqlite_utils.Database,
    user: User,
    response_id: int,
    question_id: str,
    value: object,
    *,
    base_version: int | None,
    lang: str = "fi",
) -> Answer:
    """Validate and store one answer; raise ConflictError if someone saved it since ``base_version``.

    ``base_version`` is the version the user's page last read (0 or None when it had no answer).
    Every keystroke-level change comes through here, so it reads what it needs in one query inside the
    write transaction (the response, its round and the current answer) and writes two rows: the answer
    and its history (the response's last change and change count are derived from its answers). Checking
    the states inside the transaction also means a save cannot slip in after a concurrent submit or round
    closing.
    """
    with transaction(db):
        cursor = db.conn.execute(
            """SELECT r.area_id, r.round_year, r.state AS response_state, ro.state AS round_state,
                      ro.questionnaire_key, q.file_hash, a.value, a.version, a.updated_by, a.updated_at
               FROM responses r JOIN rounds ro ON ro.year = r.round_year
               JOIN questionnaires q ON q.key = ro.questionnaire_key
               LEFT JOIN answers a ON a.response_id = r.id AND a.question_id = ?
               WHERE r.id = ?""",
            [question_id, response_id],
        )
        found = cursor.fetchone()
        if found is None:
            raise NotFound("responses.error.no_response_id", id=str(response_id))
        row = dict(zip((column[0] for column in cursor.description), found, strict=True))
        area_id, round_year = row["area_id"], row["round_year"]
        _check_writer(user, area_id, round_year, row["round_state"], row["response_state"])
        question = _question_for_save(db, user, round_year, (row["questionnaire_key"], row["file_hash"]), area_id,
                                      question_id)
        normalized = validate_answer(question, value, lang=lang)
        encoded = encode(normalized)
        current_value, current_by, current_at = row["value"], row["updated_by"], row["updated_at"]
        exists = row["version"] is not None
        current_version = row["version"] or 0
        if not exists and encoded is None:
            # Clearing a question that was never answered changes nothing: no row, no history.
            return Answer(question_id, None, 0, "", "")
        if exists and current_value == encoded:
            return Answer(question_id, normalized, current_version, current_by, current_at)
        if (base_version or 0) != current_version:
            if not exists:  # a stale base version from another page or response
                raise ConflictError("responses.error.changed",
                                    current={"value": None, "updated_by": None, "updated_at": None, "version": 0})
            raise ConflictError(
                "responses.error.conflict",
                current={"value": decode(current_value), "updated_by": current_by, "updated_at": current_at,
                         "version": current_version},
                who=current_by, when=current_at,
            )
        at = now_iso()
        new_version = current_version + 1
        execute = db.conn.execute
        execute(
            """INSERT INTO answers(response_id, question_id, value, updated_by, updated_at, version)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(response_id, question_id) DO UPDATE SET value = excluded.value,
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at, version = excluded.version""",
            [response_id, question_id, encoded, user.username, at, new_version],
        )
        execute(
            """INSERT INTO answer_history(response_id, question_id, version, old_value, new_value, changed_by, changed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [response_id, question_id, new_version, current_value, encoded, user.username, at],
        )
    return Answer(question_id, normalized, new_version, user.username, at)


def _question_for_save(
    db: sqlite_utils.Database, user: User, round_year: int, questionnaire: tuple[str, str], area_id: str,
    question_id: str,
) -> Question:
    """The question being answered: from the round's questionnaire (key, file hash), or the carried follow-up theme."""
    if question_id.startswith(FOLLOW_UP_QUESTION_PREFIX):  # built per area from last round's items
        found = questionnaire_for_area(db, user, get_round(db, round_year), area_id)
    else:
        found = questionnaire_by_hash(db, *questionnaire)
    try:
        return found.question(question_id)
    except KeyError:
        raise AnswerError("responses.error.unknown_question", question=question_id) from None


def answer_history(db: sqlite_utils.Database, user: User, response_id: int, question_id: str) -> list[dict]:
    """Return every change to one answer, newest first (who, when, old and new value)."""
    _response_by_id(db, user, response_id)
    return [
        {**row, "old_value": decode(row["old_value"]), "new_value": decode(row["new_value"])}
        for row in db.query(
            """SELECT version, old_value, new_value, changed_by, changed_at FROM answer_history
               WHERE response_id = ? AND question_id = ? ORDER BY version DESC""",
            [response_id, question_id],
        )
    ]


def theme_saved_at(db: sqlite_utils.Database, user: User, context: ResponseContext) -> dict[str, str | None]:
    """Return, per theme id, when any of its answers was last saved."""
    latest: dict[str, str | None] = {}
    for theme in context.questionnaire.themes:
        times = [context.answers[q.id].updated_at for q in theme.questions if q.id in context.answers]
        latest[theme.id] = max(times) if times else None
    return latest


def submit(db: sqlite_utils.Database, user: User, response_id: int) -> dict:
    """Submit a response once every visible required question is answered."""
    response = _response_by_id(db, user, response_id)
    round_row = _require_writer(db, user, response)
    questionnaire = questionnaire_for_area(db, user, round_row, response["area_id"])
    area = get_area(db, response["area_id"])
    values = {qid: a.value for qid, a in load_answers(db, user, response_id).items()}
    missing = missing_required(questionnaire, values, area)
    if missing:
        raise SubmitIncomplete([(theme.id, question.id) for theme, question in missing])
    with transaction(db):
        db.execute(
            "UPDATE responses SET state = 'submitted', submitted_by = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
            [user.username, now_iso(), now_iso(), response_id],
        )
        audit.record(db, user.username, "response_submitted", f"{response['round_year']}/{response['area_id']}")
    return _response_by_id(db, user, response_id)


def reopen(db: sqlite_utils.Database, user: User, response_id: int, reason: str = "") -> dict:
    """Let a reviewer or admin reopen a submitted response for the area to edit."""
    user.require_role("reviewer", "admin")
    response = _response_by_id(db, user, response_id)
    if response["state"] not in ("submitted", "discussed"):
        raise AnswerError("responses.error.reopen_not_submitted")
    with transaction(db):
        db.execute("UPDATE responses SET state = 'reopened', updated_at = ? WHERE id = ?", [now_iso(), response_id])
        audit.record(db, user.username, "response_reopened", f"{response['round_year']}/{response['area_id']}", reason=reason)
    return _response_by_id(db, user, response_id)


def progress(context: ResponseContext) -> dict:
    """Return answered/visible counts overall and per theme."""
    return progress_of(context.questionnaire, context.values, context.area)


def progress_of(questionnaire: Questionnaire, values: dict[str, object], area: dict | None) -> dict:
    """Answered/visible counts and their share overall, and per theme (``theme_progress``), of some answers."""
    themes = theme_progress(questionnaire, values, area)
    answered = sum(t["answered"] for t in themes)
    visible = sum(t["visible"] for t in themes)
    return {"answered": answered, "visible": visible, "share": answered / visible if visible else 0.0, "themes": themes}


def round_overview(db: sqlite_utils.Database, user: User, round_year: int, *, own_only: bool = False) -> list[dict]:
    """Return one row per area: state, share answered, last change, submission time, open comments."""
    user.require_role("reviewer", "admin")
    round_row = get_round(db, round_year)
    questionnaire = get_questionnaire(db, round_row["questionnaire_key"])
    own = set()
    if own_only:
        own = {r[0] for r in db.execute("SELECT area_id FROM reviewer_areas WHERE username = ?", [user.username])}
    values_by_area = round_values(db, round_year)
    rows = []
    for row in db.query(
        """SELECT r.id, r.area_id, r.state, r.updated_at, r.submitted_at, r.submitted_by,
                  a.name_fi, a.name_sv, a.region, a.uusimaa, a.membership_verified,
                  (SELECT COUNT(*) FROM comments c WHERE c.response_id = r.id AND c.status != 'resolved'
                     AND c.needs_clarification = 1 AND c.parent_id IS NULL) AS open_clarifications,
                  (SELECT MAX(updated_at) FROM answers x WHERE x.response_id = r.id) AS last_answer_at
           FROM responses r JOIN areas a ON a.id = r.area_id WHERE r.round_year = ? ORDER BY a.name_fi""",
        [round_year],
    ):
        if own_only and row["area_id"] not in own:
            continue
        area = {"id": row["area_id"], "uusimaa": bool(row["uusimaa"])}
        done = progress_of(questionnaire, values_by_area.get(row["area_id"], {}), area)
        rows.append({**row, "answered": done["answered"], "visible": done["visible"], "share": done["share"],
                     "own": row["area_id"] in own if own_only else None})
    return rows


def export_answers(db: sqlite_utils.Database, user: User, round_year: int, area_id: str) -> dict[str, object]:
    """Return an area's answers as a JSON-ready object from question id to value."""
    response = get_response_row(db, user, round_year, area_id)
    return {qid: answer.value for qid, answer in sorted(load_answers(db, user, response["id"]).items())}


def import_answers(
    db: sqlite_utils.Database, user: User, round_year: int, area_id: str, data: object, *, lang: str = "fi"
) -> dict:
    """Validate every answer exactly like the page, then write them all in one transaction, or nothing."""
    if not isinstance(data, dict):
        raise AnswerError("responses.error.import_not_object")
    response = get_response_row(db, user, round_year, area_id)
    round_row = _require_writer(db, user, response)
    questionnaire = questionnaire_for_area(db, user, round_row, response["area_id"])
    errors, normalized = [], {}
    for question_id, value in data.items():
        try:
            question = questionnaire.question(question_id)
        except KeyError:
            errors.append(AnswerError("responses.error.import_unknown_question", question=question_id))
            continue
        try:
            normalized[question_id] = validate_answer(question, value, lang=lang)
        except AnswerError as error:
            errors.append(AnswerError("responses.error.import_problem", question=question_id, problem=error))
    if errors:
        problems = {code: "; ".join(error.message(code) for error in errors[:20]) for code in LANGUAGES}
        raise AnswerError("responses.error.import_refused", problems=problems)
    changed = 0
    with transaction(db):
        current = load_answers(db, user, response["id"])
        for question_id, value in normalized.items():
            existing = current.get(question_id)
            if encode(existing.value if existing else None) == encode(value):
                continue
            save_answer(db, user, response["id"], question_id, value,
                        base_version=existing.version if existing else 0, lang=lang)
            changed += 1
        audit.record(db, user.username, "answers_imported", f"{round_year}/{area_id}", changed=changed)
    return {"changed": changed, "unchanged": len(normalized) - changed}
