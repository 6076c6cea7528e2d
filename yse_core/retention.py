"""Data retention: removing closed rounds older than the retention period, after exporting them, audited.

A round of year Y is past a retention period of N years when Y + N < this year: with N = 5, in 2026 the rounds
of 2020 and before. Only closed rounds go. Before anything is removed, each round is written to the export
folder twice: as the reviewers' workbook (.xlsx) and as a JSON archive of every row the round holds (the
round, its responses, answers and their history, comments, discussion records, follow-up items, round texts,
and the log entries about it); the JSON is read back and its row counts compared with the database before the
rows are removed, in one transaction. The removal leaves one audit entry, ``rounds.purge``, naming the files.

The next round's theme "last round's follow-up items" is built from the removed round's items, so after a
removal that theme is gone from the next round too (its answers stay in the next round's own export).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from . import audit
from .auth import User
from .db import transaction
from .errors import YseError

# The round's rows, table by table: (table, the WHERE clause that picks the round's rows with one parameter, the year).
RESPONSES = "response_id IN (SELECT id FROM responses WHERE round_year = ?)"
ROUND_TABLES = (
    ("answer_history", RESPONSES),
    ("answers", RESPONSES),
    ("comments", RESPONSES),
    ("follow_ups", "round_year = ?"),
    ("discussions", "round_year = ?"),
    ("round_texts", "round_year = ?"),
    ("responses", "round_year = ?"),
    ("rounds", "year = ?"),
)
AUDIT_ROWS = "(target = CAST(? AS TEXT) OR target LIKE CAST(? AS TEXT) || '/%')"


@dataclass(frozen=True)
class RemovedRound:
    year: int
    rows: dict[str, int]
    files: tuple[str, ...]


def rounds_past(db: sqlite_utils.Database, years: int, today: date | None = None) -> list[dict]:
    """Return the rounds whose year + ``years`` is before this year, oldest first, each with its state."""
    if not isinstance(years, int) or years < 1:
        raise YseError("retention.error.bad_years", value=str(years))
    this_year = (today or date.today()).year
    return list(db.query("SELECT year, state FROM rounds WHERE year + ? < ? ORDER BY year", [years, this_year]))


def _round_rows(db: sqlite_utils.Database, year: int) -> dict[str, list[dict]]:
    rows = {table: list(db.query(f"SELECT * FROM {table} WHERE {where} ORDER BY 1, 2", [year]))
            for table, where in ROUND_TABLES}
    rows["audit_log"] = list(db.query(f"SELECT * FROM audit_log WHERE {AUDIT_ROWS} ORDER BY id", [year, year]))
    return rows


def _round_counts(db: sqlite_utils.Database, year: int) -> dict[str, int]:
    """The row counts of ``_round_rows``, counted by SQLite (the admin page shows them on every rerun)."""
    counts = {table: db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", [year]).fetchone()[0]
              for table, where in ROUND_TABLES}
    counts["audit_log"] = db.execute(f"SELECT COUNT(*) FROM audit_log WHERE {AUDIT_ROWS}", [year, year]).fetchone()[0]
    return counts


def _write(path: Path, data: bytes) -> None:
    """Write a file completely (to a temporary name, flushed to disk, then renamed) or not at all."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def remove_old_rounds(
    db: sqlite_utils.Database, user: User, years: int, export_dir: str | os.PathLike, *,
    today: date | None = None, dry_run: bool = False,
) -> list[RemovedRound]:
    """Export, check and remove every closed round past the retention period (admins only); see the module text.

    With ``dry_run``, return what would be removed (row counts) and write and remove nothing. A round past the
    period that is still open stops the whole removal before anything is written.
    """
    from .exports import round_workbook_xlsx

    user.require_role("admin")
    past = rounds_past(db, years, today)
    still_open = [row["year"] for row in past if row["state"] == "open"]
    if still_open:
        raise YseError("retention.error.open_round", years=", ".join(map(str, still_open)))
    folder = Path(export_dir)
    if not dry_run:
        if not folder.is_dir():
            raise YseError("retention.error.no_folder", folder=str(folder))
        if not os.access(folder, os.W_OK):
            raise YseError("retention.error.folder_not_writable", folder=str(folder))
    removed = []
    for row in past:
        year = row["year"]
        if dry_run:
            removed.append(RemovedRound(year, _round_counts(db, year), ()))
            continue
        rows = _round_rows(db, year)
        counts = {table: len(table_rows) for table, table_rows in rows.items()}
        archive = folder / f"yse-round-{year}-archive.json"
        workbook = folder / f"yse-round-{year}-responses.xlsx"
        _write(workbook, round_workbook_xlsx(db, user, year, "fi"))
        _write(archive, json.dumps({"round": year, "exported_by": user.username, "tables": rows},
                                   ensure_ascii=False, indent=1, default=str).encode("utf-8"))
        written = json.loads(archive.read_text(encoding="utf-8"))["tables"]
        if {table: len(table_rows) for table, table_rows in written.items()} != counts:
            raise YseError("retention.error.archive_mismatch", file=str(archive))
        with transaction(db):
            for table, where in ROUND_TABLES:
                db.execute(f"DELETE FROM {table} WHERE {where}", [year])
            db.execute(f"DELETE FROM audit_log WHERE {AUDIT_ROWS}", [year, year])
            audit.record(db, user.username, "rounds.purge", str(year), retention_years=years, rows=counts,
                         files=[archive.name, workbook.name])
        removed.append(RemovedRound(year, counts, (str(archive), str(workbook))))
    return removed
