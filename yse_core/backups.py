"""Backups kept, verified and restored: dated online backups in a folder pruned by a retention policy,
a read-only check of a backup file, and putting a backup in place of the database.

Backups are written with SQLite's online backup API from a normal connection (``db.py`` owns those); the
connections here are the raw ones only this module needs: a read-only one onto a backup file and an
exclusive one that proves nobody else has the database open while it is replaced.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from . import audit
from .db import migrations, open_db
from .errors import DatabaseError

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PORTAL_TABLES = ("areas", "rounds", "responses", "answers", "users", "_sqlite_migrations")
SQLITE_HEADER = b"SQLite format 3\x00"
IN_USE_TIMEOUT_SECONDS = 1.0  # a save holds its lock for milliseconds; an open portal session holds it for good


@dataclass(frozen=True)
class RetentionPolicy:
    """How many backups to keep: the newest of each of the ``keep_daily`` most recent days that have backups,
    and the newest of each of the ``keep_monthly`` most recent months (UTC, as in the file names)."""

    keep_daily: int
    keep_monthly: int


def backup_name(stem: str, at: datetime) -> str:
    """Return the file name of a dated backup of the database named ``stem``: ``<stem>-YYYYmmddTHHMMSSZ.db``."""
    return f"{stem}-{at.astimezone(UTC).strftime(STAMP_FORMAT)}.db"


def backups_to_delete(names: Iterable[str], stem: str, policy: RetentionPolicy) -> list[str]:
    """Return the dated backups of ``stem`` among ``names`` that ``policy`` does not keep; other names are never listed.

    The newest backup is always kept, whatever the policy says.
    """
    pattern = re.compile(re.escape(stem) + r"-(\d{8}T\d{6}Z)\.db")
    taken_at: dict[str, datetime] = {}
    for name in names:
        match = pattern.fullmatch(name)
        if match:
            try:
                taken_at[name] = datetime.strptime(match[1], STAMP_FORMAT)
            except ValueError:  # 20261345T…: looks dated but is not one of ours
                continue
    newest_first = sorted(taken_at, key=taken_at.__getitem__, reverse=True)
    keep = set(newest_first[:1])
    for period_of, count in ((lambda at: at.date(), policy.keep_daily),
                             (lambda at: (at.year, at.month), policy.keep_monthly)):
        newest_of_period: dict[object, str] = {}
        for name in newest_first:  # the first one seen of a period is its newest; periods come newest first
            newest_of_period.setdefault(period_of(taken_at[name]), name)
        keep.update(list(newest_of_period.values())[:count])
    return sorted(set(taken_at) - keep)


def write_backup(db: sqlite_utils.Database, target: str | os.PathLike) -> Path:
    """Write a consistent copy of the database to ``target`` (never over an existing file) and return its path.

    The copy is written beside the target under a temporary name, switched to a rollback journal (so that it is
    one self-contained file that a read-only check opens without creating -wal/-shm files), flushed to disk and
    only then renamed: a backup that is cut short never looks like a finished one.
    """
    target = Path(target)
    if target.exists():
        raise DatabaseError("db.error.backup_exists", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        copy = sqlite3.connect(temporary)
        try:
            db.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
        _flush(temporary)
        os.replace(temporary, target)
        _flush(target.parent)
    except sqlite3.Error as error:
        raise DatabaseError("db.error.other", path=str(target), reason=str(error)) from error
    finally:
        temporary.unlink(missing_ok=True)
    return target


def backup_into_folder(
    db: sqlite_utils.Database, folder: str | os.PathLike, policy: RetentionPolicy | None = None,
    *, now: datetime | None = None,
) -> tuple[Path, list[Path]]:
    """Write a dated backup into ``folder``, then remove the dated backups ``policy`` does not keep (none without one).

    Returns the backup written and the files removed.
    """
    folder = Path(folder)
    stem = Path(db.conn.execute("PRAGMA database_list").fetchone()[2]).stem
    target = write_backup(db, folder / backup_name(stem, now or datetime.now(UTC)))
    if policy is None:
        return target, []
    names = [path.name for path in folder.iterdir() if path.is_file()]
    removed = [folder / name for name in backups_to_delete(names, stem, policy) if name != target.name]
    for path in removed:
        path.unlink()
    return target, removed


def verify_backup(path: str | os.PathLike) -> dict:
    """Check a backup file without changing it and return what it holds; raise a DatabaseError saying what is wrong.

    Returns ``path``, the counts of ``areas``, ``rounds``, ``responses``, ``answers`` and ``users``, the newest
    applied ``migration`` and ``unknown_migrations`` (applied ones this code does not know, newest last).
    """
    path = Path(path)
    if not path.is_file():
        raise DatabaseError("db.error.backup_missing", path=str(path))
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise DatabaseError("db.error.backup_not_sqlite", path=str(path))
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise DatabaseError("db.error.backup_damaged", path=str(path), reason="; ".join(problems[:3]))
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [table for table in PORTAL_TABLES if table not in tables]
            if missing:
                raise DatabaseError("db.error.backup_not_portal", path=str(path), tables=", ".join(missing))
            figures = {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in PORTAL_TABLES[:-1]}
            applied = [name for (name,) in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY applied_at, name", [migrations.name]
            )]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:  # a page overwritten with garbage: "database disk image is malformed"
        raise DatabaseError("db.error.backup_damaged", path=str(path), reason=str(error)) from error
    known = {migration.name for migration in migrations._migrations}  # no public list in sqlite_utils.migrations
    return {"path": str(path), **figures, "migration": applied[-1] if applied else "-",
            "unknown_migrations": [name for name in applied if name not in known]}


def restore_backup(db_path: str | os.PathLike, backup_path: str | os.PathLike, *, actor: str) -> dict:
    """Put a verified backup in place of the database, keeping the replaced file beside it; refuse while it is in use.

    Returns the backup's figures (as ``verify_backup``) with ``restored_to`` and ``kept`` (the replaced file, or
    None when there was no database).
    """
    db_path, backup_path = Path(db_path), Path(backup_path)
    figures = verify_backup(backup_path)
    if figures["unknown_migrations"]:
        raise DatabaseError("db.health.newer", path=str(backup_path), names=", ".join(figures["unknown_migrations"]))
    if _size(Path(f"{backup_path}-wal")):
        raise DatabaseError("db.error.backup_has_wal", path=str(backup_path))
    stamp = datetime.now(UTC).strftime(STAMP_FORMAT)
    kept = db_path.with_name(f"{db_path.name}.ennen-palautusta-{stamp}") if db_path.exists() else None
    holders = _processes_holding(db_path)
    if holders:
        raise DatabaseError("db.error.restore_in_use_by", path=str(db_path), pids=", ".join(map(str, holders)))
    lock = _lock_exclusively(db_path) if kept else None
    try:
        if kept:
            _copy_flushed(db_path, kept)
            if lock is None and _size(Path(f"{db_path}-wal")):  # a damaged file could not be checkpointed: keep its log too
                _copy_flushed(Path(f"{db_path}-wal"), Path(f"{kept}-wal"))
        for stale in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):  # they belong to the replaced file
            stale.unlink(missing_ok=True)
        temporary = db_path.with_name(f".{db_path.name}.palautus-{stamp}.tmp")
        try:
            _copy_flushed(backup_path, temporary)
            os.replace(temporary, db_path)
        finally:
            temporary.unlink(missing_ok=True)
        _flush(db_path.parent)
    finally:
        if lock is not None:
            lock.close()
    db = open_db(db_path)
    try:
        audit.record(db, actor, "database_restored", str(db_path), backup=str(backup_path),
                     kept=str(kept) if kept else None)
    finally:
        db.close()
    return {**figures, "restored_to": str(db_path), "kept": str(kept) if kept else None}


def _lock_exclusively(db_path: Path) -> sqlite3.Connection | None:
    """Return a connection holding the database's exclusive lock, its WAL folded into the file; None if it is damaged.

    Why a lock: in WAL mode every open connection keeps a SHARED lock on the database file for as long as it is
    open, idle or not (the portal keeps one per session), so an EXCLUSIVE lock is granted only when no other
    connection exists, in any process, of any user (tests/test_backups.py checks it against an idle connection in
    another process). In ``locking_mode = EXCLUSIVE`` the lock stays after COMMIT, so nobody can open the file
    between this check and its replacement. Switching the journal to DELETE checkpoints the whole -wal into the
    file and closes the WAL, so the replaced file is complete on its own and closing this connection afterwards
    cannot touch the new database's -wal/-shm files.
    """
    conn = sqlite3.connect(db_path, timeout=IN_USE_TIMEOUT_SECONDS, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
        if conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
            raise sqlite3.OperationalError("database is locked")  # not expected while the lock is held
    except sqlite3.OperationalError as error:
        conn.close()
        if "locked" in str(error) or "busy" in str(error):
            raise DatabaseError("db.error.restore_in_use", path=str(db_path)) from error
        raise DatabaseError("db.error.other", path=str(db_path), reason=str(error)) from error
    except sqlite3.DatabaseError:  # "file is not a database": the very reason to restore; it is kept as it is
        conn.close()
        return None
    return conn


def _processes_holding(db_path: Path) -> list[int]:
    """Other processes that have the database or its -wal/-shm open, as far as /proc shows this user.

    A second check beside the lock, for what a lock cannot show: a damaged file SQLite will not lock, and a
    connection opened but not yet read from.
    """
    if not db_path.exists():
        return []
    names = {f"{db_path.resolve()}{suffix}" for suffix in ("", "-wal", "-shm")}
    holders = []
    for descriptors in Path("/proc").glob("[0-9]*/fd"):
        if descriptors.parent.name == str(os.getpid()):
            continue
        try:
            if any(os.readlink(descriptor) in names for descriptor in descriptors.iterdir()):
                holders.append(int(descriptors.parent.name))
        except OSError:  # another user's process, or one that just ended
            continue
    return sorted(holders)


def _read_only_uri(path: Path) -> str:
    """The URI that opens ``path`` read-only; ``immutable`` when no -wal lies beside it.

    Even ``mode=ro`` creates -wal and -shm files next to a database whose header says WAL (as copies made by
    ``db.backup`` do) and leaves them behind; ``immutable=1`` reads the file as it is, which is all a backup is.
    """
    uri = path.resolve().as_uri() + "?mode=ro"
    return uri if Path(f"{path}-wal").exists() else uri + "&immutable=1"


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _copy_flushed(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    _flush(target)


def _flush(path: Path) -> None:
    """fsync a file, or a folder so that a rename in it is on disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
