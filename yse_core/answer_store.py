"""The one owner of stored answers: how a value is written in the ``answers`` table and the reads of it.

A value is stored as JSON text (NULL for no value); ``encode`` and ``decode`` are the only places that know
it. The reads return decoded values: the answers of one response, the answers of every response of a round,
and the question ids a response has a row for. Permissions are the callers' (``responses``, ``gaps``,
``exports``): nothing here checks who reads. Writes (with their history and conflict check) are
``responses.save_answer``, which encodes through this module.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Answer:
    """One stored answer with who last changed it and its version (for conflict detection)."""

    question_id: str
    value: object
    version: int
    updated_by: str
    updated_at: str


# One encoder for every save: json.dumps with options builds a new JSONEncoder on each call.
_ENCODE_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_ENCODE_SCALAR = {int: int.__repr__, bool: lambda value: "true" if value else "false", str: _ENCODE_JSON}


def encode(value: object) -> str | None:
    """An answer value as the text stored in ``answers.value`` (JSON); None for no value."""
    if value is None:
        return None
    scalar = _ENCODE_SCALAR.get(type(value))  # the answers most often saved, as the encoder would write them
    return scalar(value) if scalar else _ENCODE_JSON(value)


def decode(text: str | None) -> object:
    """A stored answer value (JSON text) as Python data; None for no value."""
    return None if text is None else json.loads(text)


_COLUMNS = "x.question_id, x.value, x.version, x.updated_by, x.updated_at"


def _answer(row: tuple) -> Answer:
    question_id, value, version, updated_by, updated_at = row
    return Answer(question_id, decode(value), version, updated_by, updated_at)


def response_answers(db: sqlite_utils.Database, response_id: int) -> dict[str, Answer]:
    """Question id → stored answer, for one response."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM answers x WHERE x.response_id = ?", [response_id])
    return {row[0]: _answer(row) for row in rows}


def round_answers(
    db: sqlite_utils.Database, round_year: int, area_ids: Collection[str] | None = None,
) -> dict[str, dict[str, Answer]]:
    """Area id → question id → stored answer, for every response of a round (or of the areas ``area_ids``).

    An area whose response has no answers is not in the result. A cleared answer is there with value None.
    """
    sql = f"SELECT r.area_id, {_COLUMNS} FROM answers x JOIN responses r ON r.id = x.response_id WHERE r.round_year = ?"
    params: list = [round_year]
    if area_ids is not None:
        area_ids = list(area_ids)
        sql += f" AND r.area_id IN ({', '.join('?' for _ in area_ids)})"
        params += area_ids
    answers: dict[str, dict[str, Answer]] = {}
    for row in db.execute(sql, params):
        answers.setdefault(row[0], {})[row[1]] = _answer(row[1:])
    return answers


def values_of(answers: dict[str, Answer]) -> dict[str, object]:
    """Question id → value of the answers that have one (cleared answers left out)."""
    return {question_id: answer.value for question_id, answer in answers.items() if answer.value is not None}


def round_values(
    db: sqlite_utils.Database, round_year: int, area_ids: Collection[str] | None = None,
) -> dict[str, dict[str, object]]:
    """Area id → question id → value, for every response of a round (``round_answers`` without who and when)."""
    return {area_id: values_of(answers) for area_id, answers in round_answers(db, round_year, area_ids).items()}


def answered_question_ids(db: sqlite_utils.Database, round_year: int, area_id: str, prefix: str = "") -> set[str]:
    """The question ids the area's response of the round has a stored row for (even a cleared one), by id prefix."""
    return {
        row[0]
        for row in db.execute(
            """SELECT x.question_id FROM answers x JOIN responses r ON r.id = x.response_id
               WHERE r.round_year = ? AND r.area_id = ? AND x.question_id LIKE ? ESCAPE '\\'""",
            [round_year, area_id, prefix.replace("%", r"\%").replace("_", r"\_") + "%"],
        ).fetchall()
    }
