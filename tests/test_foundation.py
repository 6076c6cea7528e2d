"""Database, migrations, users, lockout, audit, backup and the command line — on real SQLite files."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from yse_core import audit, auth
from yse_core.db import backup, migrate, open_db
from yse_core.errors import AuthError, DatabaseError, PermissionDenied

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_migrations_applied_twice_give_the_same_schema(tmp_path):
    db = open_db(tmp_path / "a.db", create=True)
    schema = db.schema
    migrate(db)
    db.close()
    again = open_db(tmp_path / "a.db")
    assert again.schema == schema
    assert again.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert again.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_database_from_before_the_lean_save_keeps_its_history_and_answers(tmp_path):
    """Migration 0006 rebuilds answer_history keyed by (response, question, version) and drops responses.version."""
    from yse_core.db import connect, migrations

    old = connect(tmp_path / "old.db", create=True)
    migrations.apply(old, stop_before="0006_lean_answer_save")
    old.execute("INSERT INTO areas(id, name_fi, name_sv, region, ely) VALUES ('a', 'Alue', 'Område', 'Uusimaa', 'Uusimaa')")
    old.execute("INSERT INTO questionnaires VALUES ('k', 'q', 1, 'q.yaml', 'h', '{}', 't')")
    old.execute("INSERT INTO rounds(year, questionnaire_key, opens, deadline, created_at) VALUES (2025, 'k', 'o', 'd', 't')")
    old.execute("INSERT INTO responses(id, round_year, area_id, updated_at, version) VALUES (1, 2025, 'a', 't0', 2)")
    old.execute("INSERT INTO answers VALUES (1, 'q1', '\"b\"', 'u', 't2', 2)")
    history = [(1, "q1", None, '"a"', "u", "t1", 1), (1, "q1", '"a"', '"b"', "u", "t2", 2)]
    old.conn.executemany("INSERT INTO answer_history(response_id, question_id, old_value, new_value, changed_by, changed_at, "
                         "version) VALUES (?, ?, ?, ?, ?, ?, ?)", history)
    old.conn.commit()
    old.close()

    db = open_db(tmp_path / "old.db")
    assert "version" not in db["responses"].columns_dict
    assert db["answer_history"].pks == ["response_id", "question_id", "version"]
    assert db.execute("SELECT response_id, question_id, old_value, new_value, changed_by, changed_at, version "
                      "FROM answer_history ORDER BY version").fetchall() == history
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_missing_database_names_the_init_command(tmp_path):
    with pytest.raises(DatabaseError, match="init"):
        open_db(tmp_path / "missing.db")


def test_corrupt_database_file_gives_a_clear_message(tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="vioittunut"):
        open_db(path)


def test_password_hash_is_bcrypt_and_verifies():
    hashed = auth.hash_password("correct horse battery")
    assert hashed.startswith("$2b$")
    assert auth.verify_password("correct horse battery", hashed)
    assert not auth.verify_password("wrong", hashed)


def test_non_demo_password_needs_twelve_characters(plain_db):
    with pytest.raises(AuthError, match="12"):
        auth.add_user(plain_db, "short-pw", "Short", "elevenchars", "admin")
    auth.add_user(plain_db, "long-pw", "Long", "twelve chars", "admin")


@pytest.mark.parametrize(
    ("role", "area", "message"),
    [
        ("respondent", None, "alue"),
        ("respondent", "no-such-area", "Tuntematon alue"),
        ("reviewer", "helsinki", "Vain vastaaja"),
        ("superuser", None, "Tuntematon rooli"),
    ],
)
def test_user_role_and_area_are_validated(plain_db, role, area, message):
    with pytest.raises(AuthError, match=message):
        auth.add_user(plain_db, "someone", "Someone", "a long enough password", role, area)


def test_five_failed_logins_lock_for_fifteen_minutes_then_release(plain_db):
    auth.add_user(plain_db, "anna", "Anna", "a long enough password", "respondent", "helsinki")
    start = datetime.now(UTC)
    for attempt in range(4):
        with pytest.raises(AuthError, match="Väärä"):
            auth.authenticate(plain_db, "anna", "wrong", at=start + timedelta(seconds=attempt))
    with pytest.raises(AuthError, match="lukittu"):
        auth.authenticate(plain_db, "anna", "wrong", at=start + timedelta(seconds=5))
    with pytest.raises(AuthError, match="lukittu"):
        auth.authenticate(plain_db, "anna", "a long enough password", at=start + timedelta(minutes=14))
    user = auth.authenticate(plain_db, "anna", "a long enough password", at=start + timedelta(minutes=16))
    assert user.area_id == "helsinki"
    actions = [event["action"] for event in audit.events(plain_db, username="anna")]
    assert actions.count("login_failed") >= 5
    assert "user_locked" in actions and "login" in actions


def test_locked_or_deactivated_user_cannot_continue_a_session(plain_db):
    auth.add_user(plain_db, "bert", "Bert", "a long enough password", "reviewer")
    assert auth.session_user(plain_db, "bert").role == "reviewer"
    auth.lock_user(plain_db, "bert", actor="admin")
    with pytest.raises(AuthError, match="lukittu"):
        auth.session_user(plain_db, "bert")
    auth.unlock_user(plain_db, "bert", actor="admin")
    auth.update_user(plain_db, "bert", active=False, actor="admin")
    with pytest.raises(AuthError, match="käytöstä"):
        auth.session_user(plain_db, "bert")


def test_respondent_may_read_only_own_area():
    user = auth.User("x", "X", "respondent", "helsinki")
    user.require_area("helsinki")
    with pytest.raises(PermissionDenied):
        user.require_area("vantaa")
    assert auth.User("r", "R", "reviewer", None).can_read_area("vantaa")


def test_demo_database_has_demo_accounts_and_contacts(demo_db):
    usernames = {row["username"] for row in auth.list_users(demo_db)}
    assert {"demo-admin", "demo-reviewer", "demo-helsinki"} <= usernames
    assert len([u for u in usernames if u.startswith("demo-")]) == 45 + 3
    assert auth.authenticate(demo_db, "demo-helsinki", auth.DEMO_PASSWORD).area_id == "helsinki"
    assert {c["username"] for c in auth.area_contacts(demo_db, "helsinki")} & {"demo-reviewer", "demo-reviewer-2"}


def test_plain_init_creates_no_accounts(plain_db):
    assert auth.list_users(plain_db) == []
    assert plain_db.execute("SELECT COUNT(*) FROM areas").fetchone()[0] == 45


def test_backup_contains_the_same_rows(demo_db, tmp_path):
    target = backup(demo_db, tmp_path / "copy.db")
    copy = sqlite3.connect(target)
    for table in ("users", "areas", "area_municipalities", "responses", "audit_log"):
        assert copy.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == \
            demo_db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    copy.close()


def run_cli(*args, db_path):
    return subprocess.run([sys.executable, "-m", "yse_core", "--db", str(db_path), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_users_add_list_lock_unlock(demo_db_path):
    added = run_cli("users", "add", "new-analyst", "--role", "respondent", "--area", "vantaa", "--no-invite",
                    db_path=demo_db_path)
    assert added.returncode == 0, added.stderr
    assert run_cli("users", "lock", "new-analyst", db_path=demo_db_path).returncode == 0
    listing = run_cli("users", "list", db_path=demo_db_path).stdout
    assert "new-analyst" in listing and "LUKITTU" in listing
    assert run_cli("users", "unlock", "new-analyst", db_path=demo_db_path).returncode == 0
    assert "LUKITTU" not in [line for line in run_cli("users", "list", db_path=demo_db_path).stdout.splitlines()
                              if line.startswith("new-analyst")][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "add", "x1", "--role", "admin", "--area", "vantaa", "--no-invite"), "Vain vastaaja sidotaan"),
        (("users", "lock", "nobody"), "Käyttäjää nobody ei ole"),
        (("areas", "import", "/nonexistent.csv"), "virhe:"),
    ],
)
def test_cli_errors_are_one_line_without_traceback(demo_db_path, args, message):
    result = run_cli(*args, db_path=demo_db_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_backup_writes_a_consistent_copy(demo_db_path, tmp_path):
    result = run_cli("backup", str(tmp_path / "b.db"), db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert sqlite3.connect(tmp_path / "b.db").execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_areas_import_replaces_and_rejects_without_change(demo_db_path, tmp_path):
    db = open_db(demo_db_path)
    exported = tmp_path / "areas.csv"
    assert run_cli("areas", "export", str(exported), db_path=demo_db_path).returncode == 0
    text = exported.read_text(encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text(text.replace("\n091,helsinki", "\n999,helsinki"), encoding="utf-8")
    before = db.execute("SELECT COUNT(*) FROM area_municipalities").fetchone()[0]
    result = run_cli("areas", "import", str(broken), db_path=demo_db_path)
    assert result.returncode == 1 and "999" in result.stderr
    assert db.execute("SELECT COUNT(*) FROM area_municipalities").fetchone()[0] == before
    assert run_cli("areas", "import", str(exported), db_path=demo_db_path).returncode == 0
