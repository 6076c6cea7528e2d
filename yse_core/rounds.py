"""Questionnaire versions stored in the database, and answering rounds."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from . import audit
from .db import now_iso, transaction
from .errors import NotFound, YseError
from .questionnaire import Questionnaire, file_hash, load_questionnaire

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent.parent / "questionnaires"


def register_questionnaire(db: sqlite_utils.Database, path: Path, *, actor: str | None = None) -> str:
    """Validate a questionnaire file and store its definition; returns its key 'id@version'."""
    questionnaire = load_questionnaire(path)
    key = f"{questionnaire.id}@{questionnaire.version}"
    digest = file_hash(path)
    existing = db.execute("SELECT file_hash FROM questionnaires WHERE key = ?", [key]).fetchone()
    if existing and existing[0] != digest:
        in_use = db.execute("SELECT year FROM rounds WHERE questionnaire_key = ?", [key]).fetchone()
        if in_use:
            raise YseError("rounds.error.questionnaire_changed", key=key, year=str(in_use[0]))
    with transaction(db):
        db.execute(
            """INSERT INTO questionnaires(key, questionnaire_id, version, file_name, file_hash, definition, loaded_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET file_name = excluded.file_name, file_hash = excluded.file_hash,
                 definition = excluded.definition, loaded_at = excluded.loaded_at""",
            [key, questionnaire.id, questionnaire.version, path.name, digest,
             questionnaire.model_dump_json(exclude_unset=True, by_alias=True), now_iso()],
        )
        if not existing or existing[0] != digest:
            audit.record(db, actor, "questionnaire_loaded", key, file=path.name, hash=digest)
    return key


def register_all(db: sqlite_utils.Database, directory: Path = QUESTIONNAIRE_DIR) -> list[str]:
    """Validate every YAML file in the directory first, then store them all."""
    paths = sorted(directory.glob("*.yaml"))
    for path in paths:  # validate all before storing any: never half-loaded
        load_questionnaire(path)
    return [register_questionnaire(db, path) for path in paths]


def list_questionnaires(db: sqlite_utils.Database) -> list[dict]:
    """Return the stored questionnaire versions with the rounds that use them."""
    return list(
        db.query(
            """SELECT q.key, q.questionnaire_id, q.version, q.file_name, q.file_hash, q.loaded_at,
                      (SELECT group_concat(year, ', ') FROM rounds r WHERE r.questionnaire_key = q.key) AS rounds
               FROM questionnaires q ORDER BY q.key"""
        )
    )


@lru_cache(maxsize=32)
def _parse_definition(definition: str) -> Questionnaire:
    return Questionnaire.model_validate_json(definition)


_BY_HASH: dict[tuple[str, str], Questionnaire] = {}


def get_questionnaire(db: sqlite_utils.Database, key: str) -> Questionnaire:
    """Return a stored questionnaire version (parsed once per distinct definition).

    Every answer save asks for it, so the lookup reads only the key's file hash; the definition text
    (tens of kilobytes) is read and parsed once per (key, hash) in the process.
    """
    row = db.execute("SELECT file_hash FROM questionnaires WHERE key = ?", [key]).fetchone()
    if not row:
        raise NotFound("rounds.error.questionnaire_not_loaded", key=key)
    return questionnaire_by_hash(db, key, row[0])


def questionnaire_by_hash(db: sqlite_utils.Database, key: str, digest: str) -> Questionnaire:
    """Return the stored questionnaire ``key`` whose file hash is ``digest`` (as read by the caller's query)."""
    cached = _BY_HASH.get((key, digest))
    if cached is None:
        row = db.execute("SELECT definition FROM questionnaires WHERE key = ? AND file_hash = ?", [key, digest]).fetchone()
        if not row:
            raise NotFound("rounds.error.questionnaire_not_loaded", key=key)
        cached = _BY_HASH[(key, digest)] = _parse_definition(row[0])
    return cached


def open_round(
    db: sqlite_utils.Database, year: int, questionnaire_key: str, deadline: date, *, opens: date | None = None,
    reference_period: str | None = None, actor: str | None = None, lang: str = "fi",
) -> dict:
    """Open an answering round for a year with a questionnaire version, a deadline and optionally a statistics month.

    Without ``reference_period`` the round follows ``default_reference_period``. Errors carry catalogue keys;
    ``lang`` is kept for old callers.
    """
    get_questionnaire(db, questionnaire_key)
    if db.execute("SELECT 1 FROM rounds WHERE year = ?", [year]).fetchone():
        raise YseError("rounds.error.already_open", year=str(year))
    opens = opens or date.today()
    if deadline < opens:
        raise YseError("rounds.error.deadline_before_opening", deadline=deadline.isoformat(), opens=opens.isoformat())
    reference_period = _checked_period(reference_period)
    with transaction(db):
        db.execute(
            "INSERT INTO rounds(year, questionnaire_key, opens, deadline, state, created_by, created_at, reference_period) "
            "VALUES (?, ?, ?, ?, 'open', ?, ?, ?)",
            [year, questionnaire_key, opens.isoformat(), deadline.isoformat(), actor, now_iso(), reference_period],
        )
        for (area_id,) in db.execute("SELECT id FROM areas").fetchall():
            db.execute("INSERT INTO responses(round_year, area_id, state, updated_at) VALUES (?, ?, 'draft', ?)",
                       [year, area_id, now_iso()])
        audit.record(db, actor, "round_opened", str(year), questionnaire=questionnaire_key, deadline=deadline.isoformat(),
                     **({"reference_period": reference_period} if reference_period else {}))
    return get_round(db, year)


def close_round(db: sqlite_utils.Database, year: int, *, actor: str | None = None) -> dict:
    """Close an open round: its answers can no longer be changed (``responses`` refuses writes); audited."""
    row = get_round(db, year)
    if row["state"] == "closed":
        return row
    with transaction(db):
        db.execute("UPDATE rounds SET state = 'closed' WHERE year = ?", [year])
        audit.record(db, actor, "round_closed", str(year))
    return get_round(db, year)


def questionnaire_for_year(db: sqlite_utils.Database, year: int) -> str | None:
    """The key of the newest stored questionnaire version meant for ``year`` or an earlier year, else None.

    "Newest" is the highest questionnaire year, then the highest version. A round of a year with no newer
    questionnaire reuses the last one (a 2027 round gets yse-2026's questionnaire when that is the newest).
    """
    best: tuple[int, int, str] | None = None
    for key, version, definition_year in db.execute(
        "SELECT key, version, json_extract(definition, '$.year') FROM questionnaires"
    ):
        if definition_year is None or int(definition_year) > year:
            continue
        candidate = (int(definition_year), int(version), key)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def get_round(db: sqlite_utils.Database, year: int) -> dict:
    """Return one round or raise NotFound."""
    rows = list(db.query("SELECT * FROM rounds WHERE year = ?", [year]))
    if not rows:
        raise NotFound("rounds.error.no_round", year=str(year))
    return rows[0]


def list_rounds(db: sqlite_utils.Database) -> list[dict]:
    """Return every round, newest first."""
    return list(db.query("SELECT * FROM rounds ORDER BY year DESC"))


def current_round(db: sqlite_utils.Database) -> dict | None:
    """Return the newest open round, else the newest round, else None."""
    rows = list(db.query("SELECT * FROM rounds ORDER BY (state = 'open') DESC, year DESC LIMIT 1"))
    return rows[0] if rows else None


def default_reference_period(db: sqlite_utils.Database, deadline: str) -> str | None:
    """The latest month with statistics before the deadline's month (a month's figures come out after it ends)."""
    month = deadline[:7]
    row = db.execute(
        "SELECT MAX(period) FROM indicator_values WHERE length(period) = 7 AND period < ?", [month]
    ).fetchone()
    return row[0] if row and row[0] else None


def reference_period(db: sqlite_utils.Database, round_row: dict | int) -> str | None:
    """The statistics month of a round: the one an admin set, else ``default_reference_period``; None without data.

    Discussion points, indicator panels, the overview and the exports of the round read, per indicator,
    the latest value at or before this month (``indicators.store.periods_as_of``).
    """
    row = get_round(db, round_row) if isinstance(round_row, int) else round_row
    return row.get("reference_period") or default_reference_period(db, row["deadline"])


def statistics_months(db: sqlite_utils.Database) -> list[str]:
    """The months (``YYYY-MM``) with statistics in the database, newest first: the choices for a statistics month."""
    return [row[0] for row in db.execute(
        "SELECT DISTINCT period FROM indicator_values WHERE length(period) = 7 ORDER BY period DESC")]


def statistics_month(db: sqlite_utils.Database, round_row: dict) -> dict:
    """A round's statistics month for display: ``period`` (as ``reference_period``), ``is_default`` and ``default``."""
    default = default_reference_period(db, round_row["deadline"])
    chosen = round_row.get("reference_period")
    return {"period": chosen or default, "is_default": chosen is None, "default": default}


def _checked_period(period: str | None) -> str | None:
    """``period`` stripped if it is a month ``YYYY-MM``; None stays None; anything else raises YseError."""
    if period is None:
        return None
    period = period.strip()
    if len(period) != 7 or period[4] != "-" or not (period[:4] + period[5:]).isdigit() \
            or not 1 <= int(period[5:]) <= 12:
        raise YseError("rounds.error.bad_period", period=period)
    return period


def set_reference_period(
    db: sqlite_utils.Database, year: int, period: str | None, *, actor: str | None = None, lang: str = "fi",
) -> dict:
    """Set (``YYYY-MM``) or clear (None: back to the default) a round's statistics month; audited (``lang`` is kept for old callers)."""
    row = get_round(db, year)
    period = _checked_period(period)
    with transaction(db):
        db.execute("UPDATE rounds SET reference_period = ? WHERE year = ?", [period, year])
        audit.record(db, actor, "round_reference_period_set", str(year), old=row.get("reference_period"), new=period)
    return get_round(db, year)
