"""Load test: many separate processes saving answers through the real ``save_answer`` at once.

Run:  python -m tools.load_answers --db PATH [--workers 45] [--edits 200] [--mode areas|same]

``--mode areas`` (default): one process per area, each logged in as that area's demo respondent
``demo-<area>``, alternating a scale answer and a long text; each process keeps, per question, the
version its last save returned and passes it as ``base_version``. Afterwards it checks that no update
was lost: each area's stored answers equal the process's last saved values and ``answer_history``
holds exactly as many rows as there were successful saves.

``--mode same``: ``--workers`` processes (2 by default) edit the SAME area's same long-text question.
A save on a stale version must raise ``ConflictError`` (counted; the worker reloads and retries);
nothing may be silently overwritten: history rows == successful saves, the saved versions are exactly
1..N with no duplicates and the stored value is the one of the highest version.

PATH must be a demo database (``python -m yse_core --db PATH init --demo``); it is created if missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import sqlite3
import statistics
import sys
import time
import types
from pathlib import Path

from tools import test_calendar

ROUND = test_calendar.ROUND  # the tests' calendar: the drivers run on the tests' template
SCALE_QUESTION = "trends_process_self"
TEXT_QUESTION = "trends_process_description"
SAME_AREA = "helsinki"
PASSWORD = "yse-demo"


def _text(worker: int, edit: int) -> str:
    return f"Prosessi {worker}, muokkaus {edit}: " + "Pitkä vastausteksti, jossa ääkkösiä ja rivejä.\n" * 20


def _worker(worker: int, db_path: str, username: str, mode: str, edits: int, ready, start, results) -> None:
    """One process: log in, wait for the start signal, make ``edits`` saves, report what it did."""
    from yse_core import auth, responses
    from yse_core.db import open_db
    from yse_core.errors import ConflictError, DatabaseError

    out = {
        "worker": worker,
        "username": username,
        "latencies": [],
        "saved": [],
        "conflicts": 0,
        "locked": 0,
        "db_errors": [],
        "other_errors": [],
        "last": {},
    }
    try:
        db = open_db(db_path)
        user = auth.authenticate(db, username, PASSWORD)
        rid = responses.get_response_row(db, user, ROUND, user.area_id)["id"]
        out["response_id"] = rid
        base: dict[str, int] = {q: a.version for q, a in responses.load_answers(db, user, rid).items()}
    except Exception as error:  # noqa: BLE001 - reported to the parent, never swallowed
        out["other_errors"].append(f"setup: {type(error).__name__}: {error}")
        ready.put(worker)
        results.put(out)
        return
    ready.put(worker)
    start.wait()
    for edit in range(edits):
        if mode == "same":
            question, value = TEXT_QUESTION, _text(worker, edit)
        elif edit % 2 == 0:
            question, value = SCALE_QUESTION, (edit // 2) % 5 + 1
        else:
            question, value = TEXT_QUESTION, _text(worker, edit)
        began = time.perf_counter()
        try:
            saved = responses.save_answer(db, user, rid, question, value, base_version=base.get(question, 0))
        except ConflictError as conflict:
            out["conflicts"] += 1
            base[question] = conflict.current.get("version", 0)  # the page reloads and the person tries again
            continue
        except (DatabaseError, sqlite3.DatabaseError) as error:
            out["db_errors"].append(str(error))
            out["locked"] += "locked" in str(error).lower()
            continue
        except Exception as error:  # noqa: BLE001
            out["other_errors"].append(f"{type(error).__name__}: {error}")
            continue
        out["latencies"].append(time.perf_counter() - began)
        base[question] = saved.version
        out["saved"].append([question, saved.version, value])
        out["last"][question] = value
    db.close()
    results.put(out)


@contextlib.contextmanager
def _plain_main():
    """Start spawned workers as if from a plain ``python`` process.

    Streamlit's script runner installs the script it ran (app.py, in AppTest too) as ``sys.modules["__main__"]``
    and leaves it there; "spawn" re-runs the parent's ``__main__`` file in every child, so after an AppTest in the
    same process each worker would start by running app.py outside Streamlit. A blank ``__main__`` while the
    workers start keeps them to ``_worker``.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def run(db_path: Path, workers: int, edits: int, mode: str = "areas") -> dict:
    """Run the load and return figures plus the verification result (``problems`` empty when all is well)."""
    from yse_core import auth, responses
    from yse_core.db import open_db

    db_path = Path(db_path)
    if not db_path.exists():
        test_calendar.build_template(db_path)
    db = open_db(db_path)
    if mode == "same":
        usernames = [f"demo-{SAME_AREA}"] * workers
    else:
        usernames = [
            r[0]
            for r in db.execute(
                "SELECT username FROM users WHERE role = 'respondent' AND username = 'demo-' || area_id ORDER BY username"
            )
        ]
        if len(usernames) < workers:
            raise SystemExit(f"only {len(usernames)} demo respondents, asked for {workers} workers")
        usernames = usernames[:workers]
    admin = auth.get_user(db, "demo-admin")
    response_ids = {u: responses.get_response_row(db, admin, ROUND, u.removeprefix("demo-"))["id"] for u in set(usernames)}
    history_before = {
        rid: db.execute("SELECT COUNT(*) FROM answer_history WHERE response_id = ?", [rid]).fetchone()[0]
        for rid in response_ids.values()
    }
    db.close()

    ctx = mp.get_context("spawn")
    ready, results, start = ctx.Queue(), ctx.Queue(), ctx.Event()
    processes = [
        ctx.Process(target=_worker, args=(i, str(db_path), name, mode, edits, ready, start, results))
        for i, name in enumerate(usernames)
    ]
    with _plain_main():
        for process in processes:
            process.start()
    for _ in processes:
        ready.get(timeout=300)
    began = time.perf_counter()
    start.set()
    outcomes = [results.get(timeout=1800) for _ in processes]
    wall = time.perf_counter() - began
    for process in processes:
        process.join(timeout=60)

    problems: list[str] = []
    db = open_db(db_path)
    if mode == "same":
        problems += _verify_same(db, outcomes, response_ids[usernames[0]], history_before)
    else:
        problems += _verify_areas(db, outcomes, history_before)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")

    latencies = sorted(x for o in outcomes for x in o["latencies"])
    saves = len(latencies)
    figures = {
        "mode": mode,
        "workers": workers,
        "edits_per_worker": edits,
        "attempts": workers * edits,
        "successful_saves": saves,
        "conflicts": sum(o["conflicts"] for o in outcomes),
        "locked_errors": sum(o["locked"] for o in outcomes),
        "database_errors": sum(len(o["db_errors"]) for o in outcomes),
        "other_errors": sum(len(o["other_errors"]) for o in outcomes),
        "error_examples": [e for o in outcomes for e in o["db_errors"] + o["other_errors"]][:5],
        "wall_seconds": round(wall, 2),
        "throughput_saves_per_s": round(saves / wall, 1) if wall else None,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1) if latencies else None,
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "lost_updates": sum(1 for p in problems if p.startswith("lost")),
        "problems": problems,
    }
    return figures


def _stored(db, rid: int) -> dict[str, tuple[object, int]]:
    return {
        q: (json.loads(v) if v is not None else None, ver)
        for q, v, ver in db.execute("SELECT question_id, value, version FROM answers WHERE response_id = ?", [rid])
    }


def _history_count(db, rid: int) -> int:
    return db.execute("SELECT COUNT(*) FROM answer_history WHERE response_id = ?", [rid]).fetchone()[0]


def _verify_areas(db, outcomes: list[dict], history_before: dict[int, int]) -> list[str]:
    problems = []
    for o in outcomes:
        if "response_id" not in o:
            problems.append(f"worker {o['worker']} never started: {o['other_errors']}")
            continue
        rid = o["response_id"]
        stored = _stored(db, rid)
        for question, value in o["last"].items():
            if stored.get(question, (None, 0))[0] != value:
                problems.append(
                    f"lost update: {o['username']} {question} stored {stored.get(question)!r:.60} != last saved {value!r:.60}"
                )
        for question in {q for q, _, _ in o["saved"]}:
            last_version = max(v for q, v, _ in o["saved"] if q == question)
            if stored[question][1] != last_version:
                problems.append(f"lost update: {o['username']} {question} version {stored[question][1]} != {last_version}")
        rows = _history_count(db, rid) - history_before[rid]
        if rows != len(o["saved"]):
            problems.append(f"lost update: {o['username']} history rows {rows} != successful saves {len(o['saved'])}")
    return problems


def _verify_same(db, outcomes: list[dict], rid: int, history_before: dict[int, int]) -> list[str]:
    problems = []
    saved = [(version, value) for o in outcomes for q, version, value in o["saved"]]
    versions = sorted(v for v, _ in saved)
    if versions and versions != list(range(versions[0], versions[0] + len(versions))):
        problems.append(f"lost update: saved versions are not consecutive and unique: {versions[:20]}...")
    rows = _history_count(db, rid) - history_before[rid]
    if rows != len(saved):
        problems.append(f"lost update: history rows {rows} != successful saves {len(saved)}")
    if saved:
        newest = max(saved, key=lambda item: item[0])
        stored = _stored(db, rid).get(TEXT_QUESTION)
        if stored != (newest[1], newest[0]):
            problems.append(f"lost update: stored {stored!r:.80} is not the newest save (version {newest[0]})")
        history = dict(
            db.execute(
                "SELECT version, new_value FROM answer_history WHERE response_id = ? AND question_id = ?", [rid, TEXT_QUESTION]
            ).fetchall()
        )
        for version, value in saved:
            if json.loads(history.get(version, "null")) != value:
                problems.append(f"lost update: history version {version} does not hold the value that was saved")
                break
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--mode", choices=("areas", "same"), default="areas")
    args = parser.parse_args(argv)
    workers = args.workers or (45 if args.mode == "areas" else 2)
    figures = run(Path(args.db), workers, args.edits, args.mode)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(
        f"{figures['mode']}: {figures['successful_saves']}/{figures['attempts']} saves in {figures['wall_seconds']} s, "
        f"{figures['throughput_saves_per_s']} saves/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"conflicts {figures['conflicts']}, locked {figures['locked_errors']}, database errors "
        f"{figures['database_errors']}, other errors {figures['other_errors']}, lost updates {figures['lost_updates']}"
    )
    return 1 if figures["problems"] or figures["database_errors"] or figures["other_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
