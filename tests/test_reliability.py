"""Reliability on real SQLite files: concurrent saves from many processes, a killed writer, a read-only
database, a full disk, a corrupt file at start, and backup/restore while someone writes.

The full-size load run (45 processes × 200 edits) is ``python -m tools.load_answers``; its figures are in
docs/reliability.md. Here a small version runs and only correctness is asserted, never timing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools import load_answers
from tools.apptest_helpers import logged_in_app
from tools.test_calendar import ROUND
from yse_core import auth, responses
from yse_core.db import open_db, transaction
from yse_core.errors import DatabaseError
from yse_core.indicators.store import import_file

ROOT = Path(__file__).resolve().parent.parent
AREA = "helsinki"
TEXT_QUESTION = "trends_process_description"
FIXTURE_12R5 = ROOT / "tests" / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run_cli(*args, db_path, user=None):
    return subprocess.run(
        [sys.executable, "-m", "yse_core", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        user=user,
    )


def respondent(db, username: str = "demo-helsinki") -> auth.User:
    return auth.get_user(db, username)


def response_id(db, area_id: str = AREA) -> int:
    return responses.get_response_row(db, auth.get_user(db, "demo-admin"), ROUND, area_id)["id"]


def counts(db) -> dict[str, int]:
    return {
        table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("users", "answers", "answer_history", "imports", "indicator_values", "audit_log")
    }


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("virhe: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], result.stderr


# --- concurrency ------------------------------------------------------------------------------------


def test_many_processes_saving_their_own_areas_lose_nothing_and_never_lock(demo_db_path):
    figures = load_answers.run(demo_db_path, workers=6, edits=20)
    assert figures["problems"] == []
    assert figures["lost_updates"] == 0
    assert figures["locked_errors"] == figures["database_errors"] == figures["other_errors"] == 0, figures["error_examples"]
    assert figures["conflicts"] == 0  # every process edits only its own area
    assert figures["successful_saves"] == 6 * 20


def test_two_processes_on_the_same_question_get_conflicts_not_silent_overwrites(demo_db_path):
    figures = load_answers.run(demo_db_path, workers=2, edits=20, mode="same")
    assert figures["problems"] == []  # history rows == successful saves, versions 1..N, newest stored
    assert figures["locked_errors"] == figures["database_errors"] == figures["other_errors"] == 0, figures["error_examples"]
    assert figures["successful_saves"] + figures["conflicts"] == 2 * 20
    assert figures["successful_saves"] >= 1


def test_the_load_workers_start_after_an_apptest_in_the_same_process(demo_db_path):
    # Streamlit's script runner leaves app.py installed as __main__; spawned workers re-run __main__'s file, so
    # without care each worker ran app.py outside Streamlit and died before reporting ready (a full suite's
    # failure that never showed when this file ran alone).
    logged_in_app(demo_db_path, "demo-helsinki")
    assert getattr(sys.modules["__main__"], "__file__", "").endswith("app.py")  # the trap is still there
    figures = load_answers.run(demo_db_path, workers=2, edits=2)
    assert figures["problems"] == []
    assert figures["successful_saves"] == 2 * 2


# --- a writer killed with SIGKILL ---------------------------------------------------------------------

SAVE_LOOP = """
import sys
from yse_core import auth, responses
from tools.test_calendar import ROUND
from yse_core.db import open_db
db = open_db(sys.argv[1])
user = auth.get_user(db, "demo-helsinki")
rid = responses.get_response_row(db, user, ROUND, "helsinki")["id"]
version = 0
for i in range(100000):
    saved = responses.save_answer(db, user, rid, "trends_process_description", f"tallennus {i} " + "x" * 2000,
                                  base_version=version)
    version = saved.version
    print(version, flush=True)
"""

IMPORT_LOOP = """
import sys
from pathlib import Path
from yse_core.db import open_db
from yse_core.indicators.store import import_file
db = open_db(sys.argv[1])
path = Path(sys.argv[2])
data = path.read_bytes()
for i in range(50):
    print("begin", flush=True)
    summary = import_file(db, path.name, data, user="kill-test")
    print("committed", summary.import_id, flush=True)
"""


def _child(script: str, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _kill(child: subprocess.Popen) -> tuple[str, str]:
    os.kill(child.pid, signal.SIGKILL)
    # not communicate(): it reads the raw pipes and would skip what readline() already buffered
    out, err = child.stdout.read(), child.stderr.read()
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return out, err


def test_killing_a_saving_process_keeps_every_committed_save_and_the_file_intact(demo_db_path):
    child = _child(SAVE_LOOP, demo_db_path)
    reported = []
    while len(reported) < 40:
        line = child.stdout.readline()
        assert line, child.stderr.read()
        reported.append(int(line))
    rest, _ = _kill(child)
    reported += [int(line) for line in rest.split() if line.strip().isdigit()]

    db = open_db(demo_db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rid = response_id(db)
    history = {
        version: json.loads(value)
        for version, value in db.execute(
            "SELECT version, new_value FROM answer_history WHERE response_id = ? AND question_id = ?", [rid, TEXT_QUESTION]
        )
    }
    for version in reported:  # everything the child was told is committed really is
        assert history[version].startswith(f"tallennus {version - 1} ")
    stored = responses.load_answers(db, respondent(db), rid)[TEXT_QUESTION]
    # at most one save may have committed after the last line the child managed to print
    assert stored.version in (max(reported), max(reported) + 1)
    assert sorted(history) == list(range(1, stored.version + 1))
    # the database is usable afterwards
    responses.save_answer(db, respondent(db), rid, TEXT_QUESTION, "jatkuu", base_version=stored.version)
    db.close()


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4])
def test_killing_an_indicator_import_leaves_it_fully_there_or_not_at_all(demo_db_path, delay):
    child = _child(IMPORT_LOOP, demo_db_path, FIXTURE_12R5)
    committed: list[int] = []
    while True:  # wait for one complete import, then kill the next one part-way
        line = child.stdout.readline()
        assert line, child.stderr.read()
        if line.startswith("committed"):
            committed.append(int(line.split()[1]))
        elif committed and line.startswith("begin"):
            break
    time.sleep(delay)
    rest, _ = _kill(child)
    committed += [int(line.split()[1]) for line in rest.splitlines() if line.startswith("committed")]

    db = open_db(demo_db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = {row["id"]: row for row in db.query("SELECT * FROM imports WHERE imported_by = 'kill-test' ORDER BY id")}
    # every import the child saw committed is there; at most one more (committed after its last print)
    assert set(committed) <= set(rows)
    assert len(rows) - len(committed) in (0, 1)
    for row in rows.values():  # no import row without its summary, i.e. no half-finished import
        assert row["summary"] is not None
    latest = max(rows)
    summary = json.loads(rows[latest]["summary"])
    expected = sum(summary["counts"].values())
    # the newest complete import owns every value it wrote; nothing points at an import that is not there
    assert db.execute("SELECT COUNT(*) FROM indicator_values WHERE import_id = ?", [latest]).fetchone()[0] == expected
    assert db.execute("SELECT COUNT(*) FROM indicator_values WHERE import_id > ?", [latest]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM indicator_values WHERE is_demo = 1").fetchone()[0] == 0
    assert db.execute(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'indicators_imported' AND username = 'kill-test'"
    ).fetchone()[0] == len(rows)
    db.close()


# --- read-only database -------------------------------------------------------------------------------


def test_a_read_only_connection_refuses_a_save_with_a_clear_finnish_message(demo_db):
    """Simulated with PRAGMA query_only: tests run as root in CI, and root ignores file permissions."""
    rid, user = response_id(demo_db), respondent(demo_db)
    before = counts(demo_db)
    demo_db.execute("PRAGMA query_only = ON")
    with pytest.raises(DatabaseError, match="ei voi kirjoittaa \\(vain luku\\)"):
        responses.save_answer(demo_db, user, rid, TEXT_QUESTION, "ei tallennu", base_version=0)
    demo_db.execute("PRAGMA query_only = OFF")
    assert counts(demo_db) == before
    assert not demo_db.conn.in_transaction


def _immutable(path: Path, on: bool) -> bool:
    result = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True)
    return result.returncode == 0


@pytest.fixture(params=["file", "file-and-folder"])
def read_only_copy(request, demo_db_path, tmp_path):
    """A copy of the demo database that nobody may write to, not even root; ``.kind`` says what is read-only.

    "file": only the .db file (its folder stays writable, so SQLite can still create -wal/-shm);
    "file-and-folder": the folder too. Tests run as root in CI and root ignores chmod, so as root the
    paths are made immutable (chattr +i binds root too); otherwise chmod 0444 / 0555 is used.
    """
    folder = tmp_path / "read-only"
    folder.mkdir()
    db = open_db(demo_db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    target = folder / "ro.db"
    shutil.copy(demo_db_path, target)
    paths = [target] if request.param == "file" else [target, folder]
    locked: list[Path] = []
    for path in paths:
        if IS_ROOT:
            if not shutil.which("chattr") or not _immutable(path, True):
                for done in locked:
                    _immutable(done, False)
                pytest.skip("running as root without chattr +i: a truly read-only file is impossible here")
            locked.append(path)
        else:
            path.chmod(0o555 if path.is_dir() else 0o444)
    request.node.read_only_kind = request.param
    try:
        yield target
    finally:
        for path in reversed(locked):
            _immutable(path, False)
        folder.chmod(0o755)
        target.chmod(0o644)




def test_reading_a_read_only_database(read_only_copy, request):
    listing = run_cli("users", "list", db_path=read_only_copy)
    if request.node.read_only_kind == "file":
        assert listing.returncode == 0, listing.stderr  # reading works
        assert "demo-helsinki" in listing.stdout
    else:  # WAL needs the -shm file next to the database: with a read-only folder it cannot even be opened
        assert_one_line_error(listing, str(read_only_copy), "ei voi avata")


def test_backup_of_a_read_only_database(read_only_copy, request, tmp_path):
    result = run_cli("backup", str(tmp_path / "kopio.db"), db_path=read_only_copy)
    if request.node.read_only_kind == "file":
        assert result.returncode == 0, result.stderr
        copy = open_db(tmp_path / "kopio.db")
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert counts(copy)["users"] > 40
        copy.close()
    else:
        assert_one_line_error(result, str(read_only_copy), "ei voi avata")


def test_health_of_a_read_only_database_says_so_in_one_line(read_only_copy, request):
    result = run_cli("health", db_path=read_only_copy)
    if request.node.read_only_kind == "file":  # it opens and reads, and the test write is refused
        assert_one_line_error(result, str(read_only_copy), "ei voi kirjoittaa")
    else:
        assert_one_line_error(result, str(read_only_copy), "ei voi avata")


def test_a_save_to_a_read_only_database_is_refused_and_writes_nothing(read_only_copy, request):
    if request.node.read_only_kind == "file-and-folder":
        with pytest.raises(DatabaseError, match="ei voi avata"):
            open_db(read_only_copy)
        return
    db = open_db(read_only_copy)
    rid, user = response_id(db), respondent(db)
    before = counts(db)
    with pytest.raises((DatabaseError, sqlite3.DatabaseError), match="(?i)vain luku|readonly"):
        responses.save_answer(db, user, rid, TEXT_QUESTION, "ei tallennu", base_version=0)
    assert not db.conn.in_transaction
    assert counts(db) == before
    db.close()


def test_a_save_to_a_read_only_file_gives_the_clear_finnish_message(read_only_copy, request):
    if request.node.read_only_kind == "file":
        db = open_db(read_only_copy)
        try:
            with pytest.raises(DatabaseError, match="ei voi kirjoittaa \\(vain luku\\)"):
                responses.save_answer(db, respondent(db), response_id(db), TEXT_QUESTION, "x", base_version=0)
        finally:
            db.close()
    else:
        with pytest.raises(DatabaseError, match="ei voi avata"):
            open_db(read_only_copy)


def test_cli_write_to_a_read_only_database_prints_one_clear_line(read_only_copy, request):
    added = run_cli(
        "users", "add", "uusi-kayttaja", "--role", "admin", "--no-invite", db_path=read_only_copy
    )
    assert_one_line_error(added, str(read_only_copy))
    assert "ei voi kirjoittaa" in added.stderr or "ei voi avata" in added.stderr


# --- full disk ---------------------------------------------------------------------------------------


def _fill_to_the_brim(db) -> None:
    """Simulate a full disk: the file may not grow by a single page (SQLITE_FULL on the next new page)."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


BIG_TEXT = "Pitkä vastaus, joka ei mahdu levylle. " * 500


def test_a_full_disk_during_a_save_leaves_nothing_half_written(demo_db, demo_db_path):
    rid, user = response_id(demo_db), respondent(demo_db)
    responses.save_answer(demo_db, user, rid, TEXT_QUESTION, "ennen", base_version=0)
    before = counts(demo_db)
    changes_before = responses.change_counts(demo_db, ROUND)[AREA]
    _fill_to_the_brim(demo_db)
    with pytest.raises((DatabaseError, sqlite3.DatabaseError), match="(?i)täynnä|full"):
        responses.save_answer(demo_db, user, rid, TEXT_QUESTION, BIG_TEXT, base_version=1)
    assert not demo_db.conn.in_transaction
    fresh = open_db(demo_db_path)
    assert counts(fresh) == before
    assert responses.load_answers(fresh, respondent(fresh), rid)[TEXT_QUESTION].value == "ennen"
    assert responses.change_counts(fresh, ROUND)[AREA] == changes_before
    assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fresh.close()


def test_a_full_disk_during_a_save_gives_the_clear_finnish_message(demo_db):
    rid, user = response_id(demo_db), respondent(demo_db)
    _fill_to_the_brim(demo_db)
    with pytest.raises(DatabaseError, match="Levy on täynnä"):
        responses.save_answer(demo_db, user, rid, TEXT_QUESTION, BIG_TEXT, base_version=0)


def test_a_full_disk_during_an_indicator_import_leaves_nothing_half_written(demo_db, demo_db_path):
    with transaction(demo_db):  # no demo values to delete first: the import must grow the file
        demo_db.execute("DELETE FROM indicator_values")
    demo_db.execute("VACUUM")
    before = counts(demo_db)
    _fill_to_the_brim(demo_db)
    with pytest.raises((DatabaseError, sqlite3.DatabaseError), match="(?i)täynnä|full"):
        import_file(demo_db, FIXTURE_12R5.name, FIXTURE_12R5.read_bytes(), user="full-disk")
    assert not demo_db.conn.in_transaction
    fresh = open_db(demo_db_path)
    assert counts(fresh) == before
    fresh.close()


def test_a_full_disk_at_commit_gives_the_clear_finnish_message(demo_db):
    """When the failure comes at COMMIT (the usual WAL case) transaction() does map it."""
    original = sqlite3.OperationalError("database or disk is full")

    class FullAtCommit:
        def __init__(self, conn):
            self._conn = conn

        def __getattr__(self, name):
            return getattr(self._conn, name)

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise original
            return self._conn.execute(sql, *args)

    real = demo_db.conn
    demo_db.conn = FullAtCommit(real)
    try:
        with pytest.raises(DatabaseError, match="Levy on täynnä"):
            with transaction(demo_db):
                demo_db.conn.execute("INSERT INTO settings(key, value) VALUES ('full', '1')")
    finally:
        demo_db.conn = real
    assert real.execute("SELECT COUNT(*) FROM settings WHERE key = 'full'").fetchone()[0] == 0


# --- corrupt database at start -------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "overwritten-header", "truncated"])
def test_cli_on_a_corrupt_database_prints_one_line_and_exits_1(demo_db_path, tmp_path, damage):
    target = tmp_path / "corrupt.db"
    if damage == "garbage":
        target.write_bytes(b"this is not a database at all\n" * 500)
    else:
        db = open_db(demo_db_path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        data = bytearray(demo_db_path.read_bytes())
        if damage == "overwritten-header":
            data[:100] = b"\xff" * 100
        else:
            data = data[: len(data) // 3]
        target.write_bytes(bytes(data))
    result = run_cli("users", "list", db_path=target)
    if damage == "truncated" and result.returncode == 0:
        pytest.fail(f"a truncated database was listed without complaint: {result.stdout[:200]}")
    assert_one_line_error(result)
    assert "vioittunut" in result.stderr or "Tietokantavirhe" in result.stderr, result.stderr


# --- backup and restore while someone writes ---------------------------------------------------------------


def test_backup_while_a_process_writes_then_restore_round_trip(demo_db_path, tmp_path):
    child = _child(SAVE_LOOP, demo_db_path)
    for _ in range(20):  # the writer is busy before the backup starts
        assert child.stdout.readline()
    backup_path = tmp_path / "backups" / "yse-backup.db"
    result = run_cli("backup", str(backup_path), db_path=demo_db_path)
    for _ in range(20):  # and still writing after it
        assert child.stdout.readline()
    child.terminate()
    child.communicate(timeout=30)
    assert result.returncode == 0, result.stderr
    assert str(backup_path) in result.stdout

    live = open_db(demo_db_path)
    copy = open_db(backup_path)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    live_counts, copy_counts = counts(live), counts(copy)
    assert copy_counts["users"] == live_counts["users"]
    assert 1 <= copy_counts["answer_history"] < live_counts["answer_history"]
    assert copy_counts["answers"] == live_counts["answers"] == 1
    # the copy is one consistent moment: the stored answer's version equals its history length
    version = copy.execute("SELECT version FROM answers WHERE question_id = ?", [TEXT_QUESTION]).fetchone()[0]
    assert version == copy_counts["answer_history"]
    copy.close()
    live.close()

    # restore: the portal is stopped, the backup file is copied in place of the database
    restored = tmp_path / "restored" / "yse.db"
    restored.parent.mkdir()
    shutil.copy(backup_path, restored)
    listing = run_cli("users", "list", db_path=restored)
    assert listing.returncode == 0, listing.stderr
    assert "demo-helsinki" in listing.stdout
    db = open_db(restored)
    assert counts(db) == copy_counts
    rid = response_id(db)
    responses.save_answer(db, respondent(db), rid, TEXT_QUESTION, "palautuksen jälkeen", base_version=version)
    db.close()


def test_backup_refuses_to_overwrite_an_existing_file(demo_db_path, tmp_path):
    existing = tmp_path / "exists.db"
    existing.write_bytes(b"keep me")
    result = run_cli("backup", str(existing), db_path=demo_db_path)
    assert_one_line_error(result, "on jo olemassa")
    assert existing.read_bytes() == b"keep me"
