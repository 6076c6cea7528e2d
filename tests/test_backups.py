"""Backups kept, verified and restored (yse_core/backups.py and the backup/restore commands), on real files.

The restore drill at the end takes a backup while several editors save, restores it into the stopped
database and prints its figures (run with ``-s`` or read them in the output: they are printed uncaptured).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools.test_calendar import ROUND
from yse_core import backups, cli
from yse_core.backups import RetentionPolicy, backups_to_delete
from yse_core.db import backup, open_db
from yse_core.errors import DatabaseError

ROOT = Path(__file__).resolve().parent.parent
TEXT_QUESTION = "trends_process_description"


def run_cli(*args, db_path):
    return subprocess.run([sys.executable, "-m", "yse_core", "--db", str(db_path), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("virhe: "), err
    return lines[0]


def dated(*stamps: str, stem: str = "yse") -> list[str]:
    return [f"{stem}-{stamp}.db" for stamp in stamps]


@pytest.fixture
def backup_file(demo_db_path, tmp_path) -> Path:
    """A backup of the demo database; no connection to the database is left open."""
    db = open_db(demo_db_path)
    try:
        return backups.write_backup(db, tmp_path / "backups" / "yse-copy.db")
    finally:
        db.close()


# --- the retention policy, a pure function over names ----------------------------------------------------------

@pytest.mark.parametrize(
    ("names", "policy", "deleted"),
    [
        # the newest of each of the 2 most recent days; the rest of those days and older days go
        (dated("20261206T023000Z", "20261206T120000Z", "20261205T023000Z", "20261205T220000Z", "20261204T023000Z"),
         RetentionPolicy(2, 0), dated("20261204T023000Z", "20261205T023000Z", "20261206T023000Z")),
        # days without backups do not count: the 2 most recent days *that have backups*
        (dated("20261206T023000Z", "20261130T023000Z", "20261101T023000Z"),
         RetentionPolicy(2, 0), dated("20261101T023000Z")),
        # months: the newest of each of the 3 most recent months, whatever day it falls on
        (dated("20261206T023000Z", "20261130T023000Z", "20261101T023000Z", "20261031T023000Z", "20260915T023000Z",
               "20260801T023000Z"),
         RetentionPolicy(1, 3), dated("20260801T023000Z", "20260915T023000Z", "20261101T023000Z")),
        # daily and monthly together: a backup kept by either rule stays
        (dated("20261206T023000Z", "20261205T023000Z", "20261204T023000Z", "20261130T023000Z", "20261015T023000Z"),
         RetentionPolicy(2, 2), dated("20261015T023000Z", "20261204T023000Z")),
        # the newest backup stays even when the policy keeps nothing
        (dated("20261206T023000Z", "20261205T023000Z"), RetentionPolicy(0, 0), dated("20261205T023000Z")),
        # a year boundary: December and January are different months
        (dated("20270102T023000Z", "20261231T023000Z", "20261230T023000Z"), RetentionPolicy(1, 2),
         dated("20261230T023000Z")),
    ],
)
def test_backups_to_delete_keeps_the_newest_of_recent_days_and_months(names, policy, deleted):
    assert backups_to_delete(names, "yse", policy) == deleted


def test_backups_to_delete_never_lists_a_file_outside_the_naming_pattern():
    others = ["yse.db", "yse-ennen-migraatiota-20200101T000000.db", "yse-test-20200101T000000Z.db", "notes.txt",
              "yse-20201345T000000Z.db", ".yse-20200101T000000Z.db.123.tmp", "yse-20200101T000000Z.db.bak",
              "other-20200101T000000Z.db"]
    ours = dated("20261206T023000Z", "20200101T000000Z")
    assert backups_to_delete(others + ours, "yse", RetentionPolicy(1, 0)) == dated("20200101T000000Z")


def test_a_backup_name_is_the_stem_and_the_utc_time():
    assert backups.backup_name("yse", datetime(2026, 12, 6, 2, 30, 5, tzinfo=UTC)) == "yse-20261206T023005Z.db"


# --- backup DIR through the command line -------------------------------------------------------------------------

def test_backup_into_a_folder_writes_a_dated_copy_and_removes_only_old_backups(demo_db_path, tmp_path, capsys):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = dated("20200101T023000Z", "20200101T120000Z", "20200102T023000Z", "20191231T023000Z", stem="demo")
    for name in [*old, "demo-ennen-migraatiota-20200101T000000.db", "notes.txt", "yse-20200101T023000Z.db"]:
        (folder / name).write_bytes(b"old")
    assert cli.main(["--db", str(demo_db_path), "backup", str(folder), "--keep-daily", "2", "--keep-monthly", "1"]) == 0
    written, removed = capsys.readouterr().out.strip().splitlines()
    new = Path(written.removeprefix("Varmuuskopio: "))
    assert new.parent == folder and new.name.startswith("demo-") and new.name.endswith("Z.db")
    # kept: the new one (today's, also this month's) and the newest of the second most recent day, 2020-01-02
    assert removed == ("Poistettu säilytyssäännön mukaan (2 päivää, 1 kuukautta): "
                       "demo-20191231T023000Z.db, demo-20200101T023000Z.db, demo-20200101T120000Z.db")
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [new.name, "demo-20200102T023000Z.db", "demo-ennen-migraatiota-20200101T000000.db", "notes.txt",
         "yse-20200101T023000Z.db"])
    assert backups.verify_backup(new)["users"] > 40


def test_backup_into_an_existing_folder_without_a_policy_removes_nothing(demo_db_path, tmp_path, capsys):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "demo-20200101T023000Z.db").write_bytes(b"old")
    assert cli.main(["--db", str(demo_db_path), "backup", str(folder)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1
    assert len(list(folder.iterdir())) == 2


def test_backup_to_a_file_name_still_writes_that_file(demo_db_path, tmp_path, capsys):
    target = tmp_path / "kopio.db"
    assert cli.main(["--db", str(demo_db_path), "backup", str(target)]) == 0
    assert capsys.readouterr().out.strip() == f"Varmuuskopio: {target}"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith("kopio")] == ["kopio.db"]
    assert backups.verify_backup(target)["areas"] == 45


@pytest.mark.parametrize("argv", [["backup", "verify"], ["backup", "verify", "x.db", "--keep-daily", "3"],
                                  ["backup", "a.db", "b.db"]])
def test_a_misused_backup_command_prints_its_usage_in_one_line(demo_db_path, capsys, argv):
    assert cli.main(["--db", str(demo_db_path), *argv]) == 1
    assert one_error_line(capsys).startswith("virhe: Käyttö: backup [--keep-daily N]")


# --- backup verify ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("made_by", ["backup command", "db.backup (as migrate does: a WAL header)"])
def test_verify_prints_what_the_backup_holds_and_leaves_the_file_untouched(demo_db, tmp_path, capsys, made_by):
    target = tmp_path / "checked" / "copy.db"
    target.parent.mkdir()
    if made_by == "backup command":
        backups.write_backup(demo_db, target)
    else:
        backup(demo_db, target)
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    assert cli.main(["backup", "verify", str(target)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"ok: varmuuskopio {target} on eheä: alueita 45, ")
    newest = demo_db.execute("SELECT name FROM _sqlite_migrations ORDER BY applied_at DESC, name DESC").fetchone()[0]
    assert line.endswith(f", käyttäjiä {demo_db['users'].count}; uusin migraatio {newest}")
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    assert [path.name for path in target.parent.iterdir()] == ["copy.db"]  # no -wal/-shm left behind


def _damage_middle_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    middle = len(data) // page_size // 2 * page_size
    data[middle:middle + 8 * page_size] = os.urandom(8 * page_size)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("missing", "virhe: Varmuuskopiotiedostoa ei löydy: {path}"),
        ("text file", "virhe: {path} ei ole SQLite-tietokanta (tiedoston alusta puuttuu SQLite-tunniste)."),
        ("empty file", "virhe: {path} ei ole SQLite-tietokanta (tiedoston alusta puuttuu SQLite-tunniste)."),
        ("middle pages overwritten", "virhe: Varmuuskopio {path} on vioittunut ("),
        ("another SQLite database", "virhe: {path} on SQLite-tietokanta mutta ei portaalin tietokanta "
                                    "(puuttuvat taulut: areas, rounds, responses, answers, users, _sqlite_migrations)."),
    ],
)
def test_verify_refuses_a_bad_file_in_one_finnish_line(backup_file, capsys, damage, message):
    if damage == "missing":
        backup_file.unlink()
    elif damage == "text file":
        backup_file.write_text("tämä ei ole tietokanta\n" * 200, encoding="utf-8")
    elif damage == "empty file":
        backup_file.write_bytes(b"")
    elif damage == "middle pages overwritten":
        _damage_middle_pages(backup_file)
    else:
        backup_file.unlink()
        other = sqlite3.connect(backup_file)
        other.execute("CREATE TABLE notes(text)")
        other.commit()
        other.close()
    assert cli.main(["backup", "verify", str(backup_file)]) == 1
    assert one_error_line(capsys).startswith(message.format(path=backup_file))


# --- restore ------------------------------------------------------------------------------------------------------

HOLD_OPEN = """
import sys, time
from yse_core.db import portal_connection
db = portal_connection(sys.argv[1])  # as a portal session: opened, read once, then idle
db.execute("SELECT COUNT(*) FROM users").fetchone()
print("open", flush=True)
time.sleep(120)
"""

KILLED_WRITER = """
import os, signal, sys
from yse_core.db import open_db, set_setting
db = open_db(sys.argv[1])
set_setting(db, "written-just-before-a-crash", "yes")
os.kill(os.getpid(), signal.SIGKILL)  # no close: the change is only in the -wal
"""


def _child(script: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture
def idle_connection(demo_db_path):
    """Another process with an open, idle connection to the database, as a running portal has."""
    child = _child(HOLD_OPEN, demo_db_path)
    assert child.stdout.readline().strip() == "open", child.stderr.read()
    yield child
    child.kill()
    child.communicate(timeout=30)


def test_an_idle_connection_in_another_process_denies_the_exclusive_lock(demo_db_path, idle_connection):
    with pytest.raises(DatabaseError) as refused:
        backups._lock_exclusively(demo_db_path)
    assert refused.value.key == "db.error.restore_in_use"
    idle_connection.kill()
    idle_connection.communicate(timeout=30)
    backups._lock_exclusively(demo_db_path).close()  # and granted once that process is gone


def test_restore_refuses_while_the_database_is_open_elsewhere_and_changes_nothing(
        demo_db_path, backup_file, idle_connection, capsys):
    before = demo_db_path.read_bytes()
    assert cli.main(["--db", str(demo_db_path), "restore", str(backup_file)]) == 1
    assert one_error_line(capsys) == (
        f"virhe: Tietokanta {demo_db_path} on käytössä: prosessit {idle_connection.pid} pitävät sitä auki. "
        "Pysäytä portaali (systemctl stop yse-portal) ja yritä uudelleen.")
    assert demo_db_path.read_bytes() == before
    assert not list(demo_db_path.parent.glob("*.ennen-palautusta-*"))


def test_restore_keeps_the_replaced_file_with_its_wal_and_audits_the_restore(demo_db_path, backup_file, capsys):
    crashed = _child(KILLED_WRITER, demo_db_path)
    crashed.communicate(timeout=60)
    assert crashed.returncode == -signal.SIGKILL
    assert Path(f"{demo_db_path}-wal").stat().st_size > 0
    assert cli.main(["--db", str(demo_db_path), "restore", str(backup_file)]) == 0
    line = capsys.readouterr().out.strip()
    kept = next(demo_db_path.parent.glob("demo.db.ennen-palautusta-*Z"))
    assert line.startswith(f"Palautettu {backup_file} tietokannaksi {demo_db_path} (")
    assert line.endswith(f"korvattu tiedosto tallessa: {kept}")
    # the replaced file holds what was only in its -wal, on its own
    assert not Path(f"{kept}-wal").exists()
    old = sqlite3.connect(f"{kept.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    assert old.execute("SELECT value FROM settings WHERE key = 'written-just-before-a-crash'").fetchone() == ("yes",)
    old.close()
    db = open_db(demo_db_path)
    assert db.execute("SELECT value FROM settings WHERE key = 'written-just-before-a-crash'").fetchone() is None
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    event = db.execute("SELECT username, action, target, details FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    db.close()
    assert event[:3] == ("cli", "database_restored", str(demo_db_path))
    assert json.loads(event[3]) == {"backup": str(backup_file), "kept": str(kept)}


def test_restore_of_a_damaged_backup_is_refused_before_anything_changes(demo_db_path, backup_file, capsys):
    _damage_middle_pages(backup_file)
    before = demo_db_path.read_bytes()
    assert cli.main(["--db", str(demo_db_path), "restore", str(backup_file)]) == 1
    assert one_error_line(capsys).startswith(f"virhe: Varmuuskopio {backup_file} on vioittunut (")
    assert demo_db_path.read_bytes() == before
    assert not list(demo_db_path.parent.glob("*.ennen-palautusta-*"))


def test_restore_over_a_damaged_database_keeps_it_and_puts_the_backup_in_place(demo_db_path, backup_file, capsys):
    demo_db_path.write_bytes(b"rikki" * 1000)
    assert cli.main(["--db", str(demo_db_path), "restore", str(backup_file)]) == 0
    capsys.readouterr()
    assert next(demo_db_path.parent.glob("demo.db.ennen-palautusta-*")).read_bytes() == b"rikki" * 1000
    assert backups.verify_backup(demo_db_path)["areas"] == 45


def test_restore_without_a_database_file_creates_it(backup_file, tmp_path, capsys):
    target = tmp_path / "new" / "yse.db"
    target.parent.mkdir()
    assert cli.main(["--db", str(target), "restore", str(backup_file)]) == 0
    assert capsys.readouterr().out.strip().endswith("korvattavaa tiedostoa ei ollut")
    assert backups.verify_backup(target)["users"] > 40


# --- the restore drill ----------------------------------------------------------------------------------------

EDITOR = """
import sys
from yse_core import auth, responses
from yse_core.db import open_db
db = open_db(sys.argv[1])
user = auth.get_user(db, sys.argv[2])
response_id = responses.get_response_row(db, user, int(sys.argv[3]), user.area_id)["id"]
version = 0
for save in range(100000):
    version = responses.save_answer(db, user, response_id, sys.argv[4], f"{sys.argv[2]} tallennus {save} " + "x" * 2000,
                                    base_version=version).version
    print(response_id, version, flush=True)  # only after save_answer returned: the save is acknowledged
"""
EDITORS = 4


def test_restore_drill_every_save_acknowledged_before_the_backup_is_restored(demo_db_path, tmp_path, capsys):
    live = open_db(demo_db_path)
    usernames = [name for (name,) in live.execute(
        "SELECT username FROM users WHERE role = 'respondent' AND username = 'demo-' || area_id ORDER BY username LIMIT ?",
        [EDITORS])]
    editors = [_child(EDITOR, demo_db_path, name, ROUND, TEXT_QUESTION) for name in usernames]
    acknowledged: list[list[tuple[float, int, int]]] = [[] for _ in editors]  # (read at, response id, version)

    def read(child: subprocess.Popen, into: list) -> None:
        for line in child.stdout:
            if not line.endswith("\n"):  # cut short when the editor was stopped: that save was not acknowledged
                break
            response_id, version = map(int, line.split())
            into.append((time.monotonic(), response_id, version))

    readers = [threading.Thread(target=read, args=pair, daemon=True) for pair in zip(editors, acknowledged, strict=True)]
    for reader in readers:
        reader.start()
    _wait_for(lambda: all(len(saves) >= 20 for saves in acknowledged), editors)
    backup_started = time.monotonic()
    written, _ = backups.backup_into_folder(live, tmp_path / "backups", RetentionPolicy(14, 12))
    backup_seconds = time.monotonic() - backup_started
    live.close()
    during = [sum(1 for read_at, _, _ in saves if read_at <= backup_started) for saves in acknowledged]
    _wait_for(lambda: all(len(saves) >= count + 20 for saves, count in zip(acknowledged, during, strict=True)), editors)
    for editor in editors:  # the portal is stopped
        editor.terminate()
        editor.communicate(timeout=60)
    for reader in readers:
        reader.join(timeout=30)

    result = run_cli("restore", str(written), db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    restored = open_db(demo_db_path)
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before_backup = {(response_id, version) for saves in acknowledged for read_at, response_id, version in saves
                     if read_at <= backup_started}
    response_ids = sorted({response_id for response_id, _ in before_backup})
    marks = ",".join("?" * len(response_ids))
    history = set(restored.execute(
        f"SELECT response_id, version FROM answer_history WHERE question_id = ? AND response_id IN ({marks})",
        [TEXT_QUESTION, *response_ids]).fetchall())
    stored_versions = restored.execute(
        f"SELECT response_id, version FROM answers WHERE question_id = ? AND response_id IN ({marks}) ORDER BY response_id",
        [TEXT_QUESTION, *response_ids]).fetchall()
    restored.close()
    assert len(response_ids) == EDITORS
    # one consistent moment: each stored answer's version is the length of its history
    assert stored_versions == [(response_id, sum(1 for rid, _ in history if rid == response_id))
                               for response_id in response_ids]
    assert before_backup <= history  # every acknowledged save before the backup started is there
    acknowledged_total = sum(map(len, acknowledged))
    assert len(history) < acknowledged_total  # and it really is the backup: later saves are not
    with capsys.disabled():
        print(f"\nrestore drill: {EDITORS} editors, {len(before_backup)} saves acknowledged before the backup "
              f"(of {acknowledged_total} in all), {len(history)} answer_history rows restored for them, "
              f"backup {backup_seconds:.2f} s ({written.stat().st_size // 1024} KiB)")


def _wait_for(condition, children, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for child in children:
            assert child.poll() is None, child.stderr.read()
        assert time.monotonic() < deadline, "the editors did not save in time"
        time.sleep(0.05)
