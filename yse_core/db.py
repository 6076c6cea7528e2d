"""The one module that owns database connections, migrations and transactions.

Every other module takes a ``sqlite_utils.Database`` as its first argument and writes
inside ``transaction(db)``. Connections are opened only here: ``open_db`` (the CLI), ``portal_connection``
(one per portal session), ``run`` (work on a connection of its own, such as a download built on another
thread). ``data_stamp`` is the key of every cached read; the policy is in docs/caching.md.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from sqlite_utils.migrations import Migrations

from .errors import DatabaseError

DEFAULT_DB_PATH = Path("data") / "yse.db"
BUSY_TIMEOUT_SECONDS = 30.0

migrations = Migrations("yse")

Result = TypeVar("Result")


def db_path_from_env(explicit: str | os.PathLike | None = None) -> Path:
    """Return the database path: the explicit one, else ``YSE_DB``, else ``data/yse.db``."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("YSE_DB") or DEFAULT_DB_PATH)


def now_iso() -> str:
    """Return the current UTC time as an ISO 8601 string with seconds (as ``datetime.now(UTC).isoformat``)."""
    global _NOW_ISO
    second = int(time.time())
    if _NOW_ISO[0] != second:  # formatted once a second: every answer save stamps its rows
        _NOW_ISO = (second, time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(second)))
    return _NOW_ISO[1]


_NOW_ISO: tuple[int, str] = (-1, "")


def connect(path: str | os.PathLike, *, create: bool = False) -> sqlite_utils.Database:
    """Open a connection with WAL, foreign keys and a generous busy timeout."""
    path = Path(path)
    if not create and not path.exists():
        raise DatabaseError("db.error.missing", path=str(path))
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        if not path.stat().st_size or _journal_mode(db) != "wal":
            _enable_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as error:
        raise _explain(path, error) from error
    return db


def open_db(path: str | os.PathLike, *, create: bool = False) -> sqlite_utils.Database:
    """Open the database and apply any pending migrations."""
    db = connect(path, create=create)
    try:
        refuse_newer_schema(db, path)
        migrate(db)
    except sqlite3.DatabaseError as error:
        db.close()
        raise _explain(Path(path), error) from error
    except DatabaseError:
        db.close()
        raise
    return db


def refuse_newer_schema(db: sqlite_utils.Database, path: str | os.PathLike) -> None:
    """Raise ``db.health.newer`` when the file has migrations applied that this code does not know.

    That database was written by a newer version of the portal (this one is a rollback): running on it could
    misread or damage tables this code has never heard of, so the portal, ``migrate`` and ``health`` refuse.
    """
    if not db["_sqlite_migrations"].exists():
        return
    known = {migration.name for migration in migrations._migrations}  # no public list in sqlite_utils.migrations
    newer = [name for (name,) in db.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY applied_at", [migrations.name]
    ) if name not in known]
    if newer:
        raise DatabaseError("db.health.newer", path=str(path), names=", ".join(newer))


_MIGRATED: set[str] = set()  # database files this process has migrated (resolved paths)
_MIGRATED_LOCK = threading.Lock()


def portal_connection(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open a long-lived connection for one portal session; migrations run the first time the process opens the file."""
    resolved = str(Path(path).resolve())
    with _MIGRATED_LOCK:  # the portal's server threads open sessions at once: migrate once, not in each
        if resolved not in _MIGRATED:
            open_db(path).close()
            _MIGRATED.add(resolved)
    return connect(path)


def run(path: str | os.PathLike, function: Callable[..., Result], /, *args, **kwargs) -> Result:
    """Return ``function(db, *args, **kwargs)`` run on a connection of its own, closed afterwards."""
    db = connect(path)
    try:
        return function(db, *args, **kwargs)
    finally:
        db.close()


@contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block of reads in one read transaction, so that all of them see the database as of one moment.

    Inside a transaction already, the block is part of it. A cached read takes its data stamp and its data
    in one snapshot: a value is then never stored under a stamp newer than the data it was read from.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN")
    try:
        yield db
    finally:
        if conn.in_transaction:  # reads only: ending it either way releases the snapshot
            conn.execute("COMMIT")


def data_stamp(db: sqlite_utils.Database) -> str:
    """Return a short text that changes whenever the statistics or the area registry change: the key of cached reads.

    It is read from the database itself, so a write from any connection, server thread or process (a CLI import
    beside the portal) shows in the next stamp read anywhere. Every write of indicator values is an import (a new
    ``imports`` row) or a re-aggregation after a membership change (the ``values_recomputed`` counter), each in the
    same transaction as the values it writes; every write of an area or a membership bumps ``registry_changes``
    by a trigger (migration 0008), so no writer can forget it. Three indexed lookups: cheap enough for every
    answer save. Not ``PRAGMA data_version``: its number means something only to the connection that reads it,
    and it moves with every answer save. Not the file's modification time: in WAL mode a commit writes the -wal
    file, and the main file changes only at checkpoints. Answers are left out on purpose, because every save
    changes them: a read that depends on answers adds its response's change count to its key (docs/caching.md).
    """
    imports, recomputed, registry = db.execute(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM imports), "
        "(SELECT value FROM settings WHERE key = 'values_recomputed'), "
        "(SELECT value FROM settings WHERE key = 'registry_changes')"
    ).fetchone()
    return f"{imports}:{recomputed or 0}:{registry or 0}"


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending numbered migrations; applying twice changes nothing."""
    migrations.apply(db)


def health(path: str | os.PathLike) -> dict:
    """Check that the database is reachable, writable and migrated, without migrating it.

    Returns the figures of a healthy database (``path``, ``migrations``); raises a DatabaseError naming what is
    wrong: missing or unreadable file (as ``connect``), pending migrations, a schema newer than this code (a
    migration applied that the code does not know: a downgrade), or a file SQLite cannot write.
    """
    db = connect(path)
    try:
        refuse_newer_schema(db, path)
        applied = [migration.name for migration in migrations.applied(db)]
        pending = [migration.name for migration in migrations.pending(db)]
        if pending:
            raise DatabaseError("db.health.pending", path=str(path), count=len(pending), names=", ".join(pending))
        try:  # a real write, rolled back: the file, its folder and the WAL must take it
            db.conn.execute("BEGIN IMMEDIATE")
            db.conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('health_check', ?)", [now_iso()])
        except sqlite3.OperationalError as error:
            raise DatabaseError("db.health.not_writable", path=str(path), reason=str(error)) from error
        finally:
            if db.conn.in_transaction:
                db.conn.rollback()
        return {"path": str(path), "migrations": len(applied)}
    finally:
        db.close()


def _journal_mode(db: sqlite_utils.Database) -> str:
    return next(iter(db.execute("PRAGMA journal_mode").fetchone()), "")


def _enable_wal(db: sqlite_utils.Database) -> None:
    db.execute("PRAGMA journal_mode = WAL")


def _explain(path: Path, error: sqlite3.DatabaseError) -> DatabaseError:
    """The DatabaseError that says what SQLite's error means for this file and what to do."""
    text = str(error).lower()
    if "not a database" in text or "malformed" in text:
        return DatabaseError("db.error.corrupt", path=str(path), reason=str(error))
    if "readonly" in text or "read-only" in text:
        return DatabaseError("db.error.read_only", path=str(path))
    if "disk" in text and "full" in text:
        return DatabaseError("db.error.disk_full", path=str(path))
    if "unable to open" in text:
        return DatabaseError("db.error.cannot_open", path=str(path), reason=str(error))
    return DatabaseError("db.error.other", path=str(path), reason=str(error))


def _db_file(db: sqlite_utils.Database) -> Path:
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2])


class transaction:  # noqa: N801 - used like a function: ``with transaction(db):``
    """Run a block as one write transaction (BEGIN IMMEDIATE); nested blocks use savepoints.

    A class rather than a generator context manager: every answer save runs in one, and the generator's
    machinery cost about a tenth of a raw insert's time (tools/save_split.py).
    """

    __slots__ = ("db", "_nested")

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._nested = None

    def __enter__(self) -> sqlite_utils.Database:
        conn = self.db.conn
        if conn.in_transaction:
            self._nested = self.db.atomic()
            self._nested.__enter__()
            return self.db
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise _explain(_db_file(self.db), error) from error
        return self.db

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if self._nested is not None:
            return bool(self._nested.__exit__(exc_type, exc, traceback))
        conn = self.db.conn
        if exc_type is None:
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                if conn.in_transaction:
                    conn.rollback()
                raise _explain(_db_file(self.db), error) from error
            return False
        if conn.in_transaction:
            conn.rollback()
        if issubclass(exc_type, sqlite3.DatabaseError):  # read-only file, full disk… inside the block: explain
            raise _explain(_db_file(self.db), exc) from exc
        return False


def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """Return one value from the settings table."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store one value in the settings table."""
    with transaction(db):
        db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def is_demo(db: sqlite_utils.Database) -> bool:
    """Return True when the database was created with ``init --demo``."""
    return get_setting(db, "demo") == "1"


def backup(db: sqlite_utils.Database, target: str | os.PathLike) -> Path:
    """Write a consistent copy with SQLite's online backup API, safe while the portal runs."""
    target = Path(target)
    if target.exists():
        raise DatabaseError("db.error.backup_exists", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    return target


# --- migrations -------------------------------------------------------------------------
# Each migration is plain SQL with IF NOT EXISTS, recorded by name: applying twice is a no-op.


def _run_script(db: sqlite_utils.Database, script: str) -> None:
    # executescript() would COMMIT the migration's transaction first; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_reference_and_users")
def _m0001(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS areas (
            id TEXT PRIMARY KEY,
            name_fi TEXT NOT NULL,
            name_sv TEXT NOT NULL,
            region TEXT NOT NULL,
            ely TEXT NOT NULL,
            uusimaa INTEGER NOT NULL DEFAULT 0,
            membership_verified INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS municipalities (
            code TEXT PRIMARY KEY,
            name_fi TEXT NOT NULL,
            name_sv TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS area_municipalities (
            municipality_code TEXT PRIMARY KEY REFERENCES municipalities(code),
            area_id TEXT NOT NULL REFERENCES areas(id),
            valid_from TEXT NOT NULL DEFAULT '2025-01-01'
        );
        CREATE INDEX IF NOT EXISTS idx_area_municipalities_area ON area_municipalities(area_id);
        CREATE TABLE IF NOT EXISTS users (
            username TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            email TEXT NOT NULL DEFAULT '',
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('respondent', 'reviewer', 'admin')),
            area_id TEXT REFERENCES areas(id),
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            language TEXT NOT NULL DEFAULT 'fi',
            created_at TEXT NOT NULL,
            password_changed_at TEXT,
            CHECK ((role = 'respondent') = (area_id IS NOT NULL))
        );
        CREATE TABLE IF NOT EXISTS reviewer_areas (
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            area_id TEXT NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
            PRIMARY KEY (username, area_id)
        );
        CREATE TABLE IF NOT EXISTS audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            username TEXT,
            action TEXT NOT NULL,
            target TEXT,
            details TEXT
        );
        CREATE INDEX IF NOT EXISTS idx_audit_at ON audit_log(at);
        """
    )


@migrations(name="0002_questionnaires_and_answers")
def _m0002(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS questionnaires (
            key TEXT PRIMARY KEY,
            questionnaire_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            file_name TEXT NOT NULL,
            file_hash TEXT NOT NULL,
            definition TEXT NOT NULL,
            loaded_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS rounds (
            year INTEGER PRIMARY KEY,
            questionnaire_key TEXT NOT NULL REFERENCES questionnaires(key),
            opens TEXT NOT NULL,
            deadline TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
            created_by TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS responses (
            id INTEGER PRIMARY KEY,
            round_year INTEGER NOT NULL REFERENCES rounds(year),
            area_id TEXT NOT NULL REFERENCES areas(id),
            state TEXT NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'submitted', 'reopened', 'discussed')),
            submitted_by TEXT,
            submitted_at TEXT,
            updated_at TEXT,
            version INTEGER NOT NULL DEFAULT 0,
            UNIQUE (round_year, area_id)
        );
        CREATE TABLE IF NOT EXISTS answers (
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            value TEXT,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (response_id, question_id)
        );
        CREATE TABLE IF NOT EXISTS answer_history (
            id INTEGER PRIMARY KEY,
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            changed_by TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            version INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_history_question ON answer_history(response_id, question_id);
        CREATE TABLE IF NOT EXISTS comments (
            id INTEGER PRIMARY KEY,
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            question_id TEXT,
            parent_id INTEGER REFERENCES comments(id),
            author TEXT NOT NULL,
            body TEXT NOT NULL,
            needs_clarification INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'resolved')),
            created_at TEXT NOT NULL,
            resolved_by TEXT,
            resolved_at TEXT
        );
        """
    )


@migrations(name="0003_indicators")
def _m0003(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS imports (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            format TEXT NOT NULL,
            source TEXT,
            table_id TEXT,
            data_updated TEXT,
            imported_by TEXT,
            imported_at TEXT NOT NULL,
            is_demo INTEGER NOT NULL DEFAULT 0,
            summary TEXT
        );
        CREATE TABLE IF NOT EXISTS indicator_values (
            indicator_code TEXT NOT NULL,
            region_code TEXT NOT NULL,
            region_level TEXT NOT NULL CHECK (region_level IN ('country', 'area', 'municipality', 'other')),
            period TEXT NOT NULL,
            value REAL,
            flag TEXT NOT NULL DEFAULT 'ok' CHECK (flag IN ('ok', 'partial', 'suppressed')),
            is_demo INTEGER NOT NULL DEFAULT 0,
            import_id INTEGER REFERENCES imports(id),
            PRIMARY KEY (indicator_code, region_code, period)
        );
        CREATE INDEX IF NOT EXISTS idx_values_region_period ON indicator_values(region_code, period);
        """
    )


@migrations(name="0004_discussions")
def _m0004(db: sqlite_utils.Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS discussions (
            round_year INTEGER NOT NULL REFERENCES rounds(year),
            area_id TEXT NOT NULL REFERENCES areas(id),
            held_on TEXT,
            participants TEXT,
            notes TEXT,
            follow_up_needed INTEGER NOT NULL DEFAULT 0,
            follow_up_date TEXT,
            follow_up_notes TEXT,
            recorded_by TEXT,
            recorded_at TEXT,
            PRIMARY KEY (round_year, area_id)
        );
        CREATE TABLE IF NOT EXISTS follow_ups (
            id INTEGER PRIMARY KEY,
            round_year INTEGER NOT NULL REFERENCES rounds(year),
            area_id TEXT NOT NULL REFERENCES areas(id),
            body TEXT NOT NULL,
            owner_side TEXT NOT NULL DEFAULT 'area' CHECK (owner_side IN ('area', 'tem')),
            owner TEXT,
            due TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
            question_id TEXT,
            indicator_code TEXT,
            created_by TEXT,
            created_at TEXT NOT NULL,
            updated_by TEXT,
            updated_at TEXT
        );
        """
    )


@migrations(name="0005_values_period_index")
def _m0005(db: sqlite_utils.Database) -> None:
    # "The latest month with any value (of a code)" is asked on most pages; without an index on the period
    # it reads the whole values table (millions of rows at ten times the demo scale).
    _run_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS idx_values_period ON indicator_values(period);
        CREATE INDEX IF NOT EXISTS idx_values_code_period ON indicator_values(indicator_code, period)
        """,
    )


@migrations(name="0006_lean_answer_save")
def _m0006(db: sqlite_utils.Database) -> None:
    # Every answer save wrote three B-trees besides the answer's: the history table, its index, and the
    # response row (its version and time). The history is now keyed by (response, question, version), so one
    # B-tree holds it in the order it is read; the response's change count is the sum of its answers'
    # versions (every save adds one) and its last change the latest answer's time, both read where needed.
    _run_script(
        db,
        """
        CREATE TABLE answer_history_keyed (
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            old_value TEXT,
            new_value TEXT,
            changed_by TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            PRIMARY KEY (response_id, question_id, version)
        ) WITHOUT ROWID;
        INSERT INTO answer_history_keyed(response_id, question_id, version, old_value, new_value, changed_by, changed_at)
            SELECT response_id, question_id, version, old_value, new_value, changed_by, changed_at FROM answer_history;
        DROP TABLE answer_history;
        ALTER TABLE answer_history_keyed RENAME TO answer_history;
        ALTER TABLE responses DROP COLUMN version
        """,
    )


@migrations(name="0007_bounds_and_reference_period")
def _m0007(db: sqlite_utils.Database) -> None:
    # A partial or suppressed figure is a range, not a number: value_low/value_high bound the true value
    # (NULL high: no upper bound is known) and missing_members names the members left out of it (comma-
    # separated municipality codes). A round's reference month fixes the statistics its points are read from.
    _run_script(
        db,
        """
        ALTER TABLE indicator_values ADD COLUMN value_low REAL;
        ALTER TABLE indicator_values ADD COLUMN value_high REAL;
        ALTER TABLE indicator_values ADD COLUMN missing_members TEXT;
        ALTER TABLE rounds ADD COLUMN reference_period TEXT
        """,
    )


@migrations(name="0008_registry_changes_counter")
def _m0008(db: sqlite_utils.Database) -> None:
    # The data stamp (``data_stamp``) must change with every change of an area or a membership, from any writer.
    # A trigger counts them: the registry is small and rarely written, so a row-level counter costs nothing.
    statements = ["INSERT OR IGNORE INTO settings(key, value) VALUES ('registry_changes', '0')"]
    for table in ("areas", "area_municipalities"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_counted AFTER {event} ON {table} BEGIN "
                "UPDATE settings SET value = CAST(value AS INTEGER) + 1 WHERE key = 'registry_changes'; END"
            )
    for statement in statements:  # _run_script splits on ';', which a trigger body contains
        db.execute(statement)


@migrations(name="0009_round_texts")
def _m0009(db: sqlite_utils.Database) -> None:
    # The round-level texts of the discussion slides, as TEM writes them for a year's discussions: the goals,
    # the topical matters, TEM's general observations and where the texts come from; one row per language.
    # The body is plain text, one point a line (an indented line or one starting with "-" is a sub-point).
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS round_texts (
            round_year INTEGER NOT NULL REFERENCES rounds(year) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('goals', 'topics', 'observations', 'source')),
            lang TEXT NOT NULL CHECK (lang IN ('fi', 'sv', 'en')),
            body TEXT NOT NULL,
            updated_by TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (round_year, kind, lang)
        )
        """,
    )


@migrations(name="0010_invitations")
def _m0010(db: sqlite_utils.Database) -> None:
    # One-time links for invitations and password resets (yse_core/invitations.py). Only the SHA-256 of a link's
    # token is stored: a copy of the database does not open anyone's account. A row is spent by ``used_at`` or
    # ``invalidated_at`` (a newer link of the same purpose, or the password set by another link).
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS one_time_tokens (
            token_hash TEXT PRIMARY KEY,
            purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            created_by TEXT,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            invalidated_at TEXT
        );
        CREATE INDEX IF NOT EXISTS idx_one_time_tokens_user ON one_time_tokens(username, purpose)
        """,
    )


@migrations(name="0011_second_factor")
def _m0011(db: sqlite_utils.Database) -> None:
    # A TOTP second factor for password accounts (yse_core/second_factor.py): the shared secret (it must be read
    # back to check a code, so it cannot be hashed), when it was confirmed, and the last accepted time step (a
    # code is refused unless its step is later: no replay). Recovery codes are stored as bcrypt hashes, single use.
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS second_factors (
            username TEXT PRIMARY KEY REFERENCES users(username) ON DELETE CASCADE,
            secret TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            last_step INTEGER
        );
        CREATE TABLE IF NOT EXISTS recovery_codes (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            code_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            used_at TEXT
        );
        CREATE INDEX IF NOT EXISTS idx_recovery_codes_username ON recovery_codes(username)
        """,
    )


@migrations(name="0012_sessions")
def _m0012(db: sqlite_utils.Database) -> None:
    # One row per password sign-in (a browser's session; its id travels in the login cookie): idle timeout,
    # and ending a user's sessions when the password changes or an admin locks the account (yse_core/sessions.py).
    _run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at TEXT,
            end_reason TEXT
        );
        CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(username, ended_at)
        """,
    )
