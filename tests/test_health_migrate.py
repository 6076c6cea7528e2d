"""Safe upgrades and monitoring: ``health``, ``migrate --status``, ``migrate`` with its backup, and the refusal of a
schema newer than the code — on a database an older portal really wrote (tests/fixtures/schema/*.sql)."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from yse_core.db import connect, migrations, open_db
from yse_core.errors import DatabaseError

ROOT = Path(__file__).resolve().parent.parent
OLD_SCHEMA = ROOT / "tests" / "fixtures" / "schema" / "cb636b3_before_0006.sql"
LATER = [migration.name for migration in migrations._migrations][5:]  # what that version did not have


def run_cli(*args, db_path):
    return subprocess.run([sys.executable, "-m", "yse_core", "--db", str(db_path), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def old_db_path(tmp_path) -> Path:
    """A database with the schema of commit cb636b3 and a response with two saved versions of an answer."""
    path = tmp_path / "vanha" / "yse.db"
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA.read_text(encoding="utf-8"))
    conn.executescript("""
        INSERT INTO areas(id, name_fi, name_sv, region, ely) VALUES ('a', 'Alue', 'Område', 'Uusimaa', 'Uusimaa');
        INSERT INTO questionnaires VALUES ('k', 'q', 1, 'q.yaml', 'h', '{}', 't');
        INSERT INTO rounds(year, questionnaire_key, opens, deadline, created_at) VALUES (2025, 'k', 'o', 'd', 't');
        INSERT INTO responses(id, round_year, area_id, updated_at, version) VALUES (1, 2025, 'a', 't0', 2);
        INSERT INTO answers VALUES (1, 'q1', '"b"', 'u', 't2', 2);
    """)
    conn.execute("PRAGMA journal_mode = WAL")  # as the portal of that version left its files
    conn.close()
    return path


def test_the_fixture_is_the_older_schema(old_db_path):
    db = connect(old_db_path)
    assert [migration.name for migration in migrations.pending(db)] == LATER
    assert "0006_lean_answer_save" in LATER
    db.close()


def test_health_of_a_current_database_is_one_ok_line(demo_db_path):
    result = run_cli("health", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("ok: tietokanta ")
    assert f"({len(migrations._migrations)} migraatiota)" in result.stdout


def test_health_of_an_older_database_names_what_is_pending_and_changes_nothing(old_db_path):
    before = digest(old_db_path)
    result = run_cli("health", db_path=old_db_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"puuttuu {len(LATER)} migraatiota" in result.stderr
    assert "0006_lean_answer_save" in result.stderr
    assert digest(old_db_path) == before


def test_migrate_status_lists_the_pending_and_changes_nothing(old_db_path):
    before = digest(old_db_path)
    result = run_cli("migrate", "--status", db_path=old_db_path)
    assert result.returncode == 0, result.stderr
    assert ", ".join(LATER) in result.stdout
    assert digest(old_db_path) == before
    assert list(old_db_path.parent.iterdir()) == [old_db_path]  # no backup for a look


def test_migrate_takes_a_backup_first_then_upgrades_keeping_the_answers(old_db_path, tmp_path):
    before = digest(old_db_path)
    result = run_cli("migrate", "--backup-dir", str(tmp_path / "varmuuskopiot"), db_path=old_db_path)
    assert result.returncode == 0, result.stderr
    (backup,) = (tmp_path / "varmuuskopiot").iterdir()
    assert backup.name.startswith("yse-ennen-migraatiota-") and str(backup) in result.stdout
    assert f"{len(LATER)} migraatiota ajettu" in result.stdout

    copy = connect(backup)  # the backup is the database as it was: still the old schema, same rows
    assert [migration.name for migration in migrations.pending(copy)] == LATER
    assert copy.execute("SELECT value FROM answers").fetchall() == [('"b"',)]
    copy.close()
    assert digest(old_db_path) != before

    assert run_cli("health", db_path=old_db_path).returncode == 0
    upgraded = connect(old_db_path)
    assert upgraded.execute("SELECT response_id, question_id, value, version FROM answers").fetchall() == [(1, "q1", '"b"', 2)]
    assert "version" not in upgraded["responses"].columns_dict  # 0006 moved it into answers
    upgraded.close()
    again = run_cli("migrate", db_path=old_db_path)
    assert again.returncode == 0 and "ajan tasalla" in again.stdout
    assert len(list((tmp_path / "varmuuskopiot").iterdir())) == 1  # nothing to apply, no second backup


@pytest.fixture
def newer_db_path(demo_db_path) -> Path:
    """The demo database after a newer portal applied a migration this code does not know (a rollback)."""
    db = connect(demo_db_path)
    db["_sqlite_migrations"].insert({"migration_set": "yse", "name": "0099_from_the_future", "applied_at": "2027-01-01"})
    db.close()
    return demo_db_path


def test_health_and_migrate_refuse_a_newer_schema(newer_db_path):
    before = digest(newer_db_path)
    for argv in (["health"], ["migrate"], ["migrate", "--status"], ["users", "list"]):
        result = run_cli(*argv, db_path=newer_db_path)
        assert result.returncode == 1, argv
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "uudempi kuin tämä portaalin versio" in result.stderr and "0099_from_the_future" in result.stderr
    assert digest(newer_db_path) == before


def test_open_db_refuses_a_newer_schema(newer_db_path):
    with pytest.raises(DatabaseError) as raised:
        open_db(newer_db_path)
    assert "0099_from_the_future" in raised.value.message("en")


def test_the_portal_refuses_to_start_on_a_newer_schema_in_its_language(newer_db_path, monkeypatch):
    monkeypatch.setenv("YSE_DB", str(newer_db_path))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception
    (error,) = [element.value for element in app.error]
    assert "uudempi kuin tämä portaalin versio" in error and "0099_from_the_future" in error
    assert not app.text_input  # no login form on a database it must not touch


def test_health_of_a_missing_file(tmp_path):
    result = run_cli("health", db_path=tmp_path / "ei-ole.db")
    assert result.returncode == 1
    assert "Tietokantaa ei löydy" in result.stderr
    assert not (tmp_path / "ei-ole.db").exists()
