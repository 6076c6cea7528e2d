"""Where an answer save's time goes: ``python -m tools.save_split`` (a few seconds; figures in docs/benchmarks.md).

Times, alternating in rounds with a WAL checkpoint after each (so drift in the machine's speed hits all alike):
a raw single-row insert; the SQL that ``yse_core.responses.save_answer`` runs, as bare sqlite3 statements
(read + answer, + history row); the same steps with the core's Python parts (questionnaire
lookup, validation, JSON, the ``transaction()`` helper); and ``save_answer`` itself. Medians, and each as a
multiple of the raw insert.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from yse_core import auth
from yse_core import responses as core
from yse_core.answer_store import encode
from yse_core.db import connect, now_iso, transaction
from yse_core.questionnaire import validate_answer
from yse_core.setup import demo_round_years, init_database

QUESTION = "trends_process_self"
READ = """SELECT r.area_id, r.round_year, r.state, ro.state, ro.questionnaire_key, q.file_hash, a.value, a.version,
                 a.updated_by, a.updated_at
          FROM responses r JOIN rounds ro ON ro.year = r.round_year JOIN questionnaires q ON q.key = ro.questionnaire_key
          LEFT JOIN answers a ON a.response_id = r.id AND a.question_id = ? WHERE r.id = ?"""
UPSERT = """INSERT INTO answers(response_id, question_id, value, updated_by, updated_at, version) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(response_id, question_id) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
            updated_at = excluded.updated_at, version = excluded.version"""
HISTORY = """INSERT INTO answer_history(response_id, question_id, old_value, new_value, changed_by, changed_at, version)
             VALUES (?, ?, ?, ?, ?, ?, ?)"""


def main(rounds: int = 40, per_round: int = 25) -> None:
    path = Path(tempfile.mkdtemp(prefix="yse-save-split-")) / "demo.db"
    init_database(path, demo=True, with_answers=False).close()
    db = connect(path)
    conn = db.conn
    user = auth.get_user(db, "demo-helsinki")
    response_id = core.get_response_row(db, user, demo_round_years().current, "helsinki")["id"]
    counter = {"n": 0, "save": 0, "steps": 0}

    def raw() -> None:
        counter["n"] += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR REPLACE INTO answers(response_id, question_id, value, updated_by, updated_at, version) "
                     "VALUES (?, ?, ?, ?, ?, ?)", [response_id, "raw", str(counter["n"] % 2 + 3), "u", now_iso(), counter["n"]])
        conn.execute("COMMIT")

    def bare(*statements: str):
        def run() -> None:
            counter["n"] += 1
            n, at = counter["n"], now_iso()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(READ, ["bare", response_id]).fetchone()
            if "answer" in statements:
                conn.execute(UPSERT, [response_id, "bare", str(n % 2 + 3), "u", at, n])
            if "history" in statements:
                conn.execute(HISTORY, [response_id, "bare", "3", str(n % 2 + 3), "u", at, n])
            conn.execute("COMMIT")
        return run

    def steps() -> None:
        with transaction(db):
            row = conn.execute(READ, ["steps", response_id]).fetchone()
            user.require_area(row[0])
            question = core._question_for_save(db, user, row[1], (row[4], row[5]), row[0], QUESTION)
            encoded = encode(validate_answer(question, 3 + counter["steps"] % 2, lang="fi"))
            at, version = now_iso(), (row[7] or 0) + 1
            conn.execute(UPSERT, [response_id, "steps", encoded, user.username, at, version])
            conn.execute(HISTORY, [response_id, "steps", row[6], encoded, user.username, at, version])
        counter["steps"] = version

    def save() -> None:
        counter["save"] = core.save_answer(db, user, response_id, QUESTION, 3 + counter["save"] % 2,
                                           base_version=counter["save"]).version

    cases = {"raw insert (1 row)": raw, "bare SQL: read + answer": bare("answer"),
             "bare SQL: + history row": bare("answer", "history"),
             "the same with the core's Python": steps, "save_answer": save}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            for _ in range(per_round):
                start = time.perf_counter()
                case()
                times[name].append(time.perf_counter() - start)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    shutil.rmtree(path.parent, ignore_errors=True)
    base = statistics.median(times["raw insert (1 row)"])
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:34s} {median * 1e6:7.1f} µs  {median / base:4.2f}×")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
