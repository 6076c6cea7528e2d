"""A benchmark database at ten times the demo's scale — SYNTHETIC DEMO DATA, FOR BENCHMARKING ONLY.

``build_scale_database(path, factor=10)`` writes, by default:

- **450 areas**: the 45 real ones with their municipalities, plus ``factor - 1`` synthetic copies of each
  (``helsinki-s2`` … ``helsinki-s10``, named "Helsingin kaupunki (skaalatesti 2)"). A municipality belongs to one
  area only, so the copies have no municipalities (and no map geometry: the situation map shows the 45
  shipped areas and leaves the copies out); they are marked "membership not verified".
- **5 rounds**, the five years up to this year, each with its own **60-question** questionnaire (``yse-<year>-skaalatesti@1``):
  ``questionnaires/yse-2025.yaml`` (44 questions) plus 16 generated ones of the types it already uses,
  spread over its themes, written to a temporary YAML file and stored with ``register_questionnaire``, so the
  questionnaire loader validates them. This year (``DEMO_ROUND_YEAR``, from ``setup.demo_round_years``) is the open round the pages open, as at
  demo scale; the earlier rounds are closed (``rounds.close_round``).
- **Answers** like ``yse_core.demo_answers`` gives: every area in every earlier round, submitted, a third
  of them with a recorded discussion; in this year's round every area except the eight the demo leaves empty (Helsinki
  among them) and their copies, a third submitted, ``3 × factor`` discussed with follow-up items. The
  2024 follow-up items of ``3 × factor`` areas stay open, so those areas' 2025 questionnaires carry them.
- **Ten years of monthly statistics**, 2016-01…2025-12, for every area and the whole country: the demo
  generator (``yse_core.indicators.demo.generate_demo``) with a longer period, imported year by year
  through ``import_parsed`` (the demo loader's path), flagged as demo data.
- The **demo accounts** (``demo-admin``, ``demo-reviewer``, ``demo-reviewer-2``, ``demo-<area id>``), password
  ``yse-demo``, created by the same function as ``init --demo``.

Which code writes what, and why: areas (``replace_areas``), accounts (``setup._create_demo_accounts``),
questionnaires (``register_questionnaire``), rounds (``open_round``), discussions and follow-ups
(``record_discussion``, ``add_follow_up``), the 2025 submissions (``submit``) and statistics
(``import_parsed``) go through the project's own functions. **Answers are bulk-inserted**: about 100,000
answers one ``save_answer`` call each (permission checks, questionnaire rebuilt per call, one transaction
per answer) would take several minutes here; instead each value is drawn like the demo does and checked
with ``validate_answer``, then written with its history row, response version and timestamps as
``save_answer`` would, one transaction per round. Earlier rounds' submissions are set directly too, with
dates in their own year, after ``missing_required`` confirms the response could have been submitted.

Run ``python -m tools.scale_data PATH [--factor N] [--years N]``; the bench (``tools/bench.py``) builds one
per run. At factor 10: 80-90 s of CPU (minutes of wall time on a busy two-core machine), 470-480 MB.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import yaml

from yse_core import areas as reference_areas
from yse_core.area_update import replace_areas
from yse_core.auth import get_user
from yse_core.db import get_setting, now_iso, set_setting, transaction
from yse_core.demo_answers import SEED, UNTOUCHED, _value_for
from yse_core.discussions import add_follow_up, record_discussion
from yse_core.indicators.demo import DEMO_SEED, LAST_YEAR, demo_areas, generate_demo, standout_areas
from yse_core.indicators.parsers import ParsedTable
from yse_core.indicators.store import DEMO_SOURCE, import_parsed
from yse_core.questionnaire import is_visible, missing_required, validate_answer
from yse_core.responses import SubmitIncomplete, get_response_row, submit
from yse_core.rounds import QUESTIONNAIRE_DIR, close_round, get_questionnaire, open_round, register_questionnaire
from yse_core.setup import _create_demo_accounts, demo_round_years, init_database

ACTOR = "scale-test"
# The open round, as in a demo database made today (``setup.demo_round_years``); the earlier rounds are history.
DEMO_ROUND_YEAR = demo_round_years().current
QUESTIONS_PER_ROUND = 60
ROUNDS = 5
YEARS_OF_STATISTICS = 10
BASE_QUESTIONNAIRE = QUESTIONNAIRE_DIR / "yse-2025.yaml"
# Types that yse-2025.yaml already uses, in the order the generated questions cycle through them.
GENERATED_TYPES = ("scale", "yes_no", "single", "multi", "number", "text", "long_text", "measures")
SYNTHETIC_ID = re.compile(r"^(.+)-s(\d+)$")
SYNTHETIC_NOTE = "SKAALATESTI — synteettistä demodataa vain suorituskykymittauksiin (synthetic benchmark data)"


def synthetic_area_id(area_id: str, copy_number: int) -> str:
    """The id of an area's ``copy_number``-th synthetic copy (2 … factor); the original counts as 1."""
    return f"{area_id}-s{copy_number}"


def build_scale_database(
    path: str | Path,
    factor: int = 10,
    *,
    years: int = YEARS_OF_STATISTICS,
    rounds: int = ROUNDS,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Build the synthetic benchmark database at ``path`` (which must not exist yet) and return its path."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; the scale database is always built from scratch")
    if factor < 1 or years < 1 or rounds < 1:
        raise ValueError("factor, years and rounds must be at least 1")
    say = progress or (lambda message: None)
    started = time.monotonic()

    def step(message: str) -> None:
        say(f"{message} ({time.monotonic() - started:.1f} s)")

    db = init_database(path, demo=False)  # reference areas, municipalities, the shipped questionnaires
    try:
        # A bigger page cache for this build connection only: each year's import revisits the same B-tree pages.
        db.execute("PRAGMA cache_size = -262144")
        set_setting(db, "demo", "1")  # the demo cookie key, demo banners: pages behave as on the demo database
        set_setting(db, "scale_test", json.dumps({"factor": factor, "years": years, "rounds": rounds,
                                                  "note": SYNTHETIC_NOTE}))
        area_ids = _add_synthetic_areas(db, factor)
        _create_demo_accounts(db)
        step(f"{len(area_ids)} areas and {len(area_ids) + 3} demo accounts")
        round_years = list(range(DEMO_ROUND_YEAR - rounds + 1, DEMO_ROUND_YEAR + 1))
        keys = _register_questionnaires(db, round_years)
        step(f"{len(keys)} questionnaires of {QUESTIONS_PER_ROUND} questions")
        for year in round_years:
            _open_scale_round(db, year, keys[year])
            answered = _fill_answers(db, year, area_ids)
            _finish_round(db, year, area_ids, factor, last=year == round_years[-1])
            step(f"round {year}: {answered} answers")
        values = _load_statistics(db, years)
        step(f"{values} indicator values, {years} years")
        for year in round_years[:-1]:  # the earlier rounds are history
            close_round(db, year, actor=ACTOR)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # one self-contained file, ready to be copied
    finally:
        db.close()
    return path


# --- areas and questionnaires ----------------------------------------------------------------------


def _add_synthetic_areas(db, factor: int) -> list[str]:
    """Add ``factor - 1`` obviously synthetic copies of every real area (without municipalities); return all ids."""
    parsed = reference_areas.load_reference_areas()
    copies = []
    for copy_number in range(2, factor + 1):
        for area in parsed.areas:
            copies.append({**area, "id": synthetic_area_id(area["id"], copy_number),
                           "name_fi": f"{area['name_fi']} (skaalatesti {copy_number})",
                           "name_sv": f"{area['name_sv']} (skalningstest {copy_number})",
                           "membership_verified": False})
    if copies:
        replace_areas(db, reference_areas.ParsedAreas(parsed.areas + copies, parsed.memberships), actor=ACTOR)
    return sorted(row[0] for row in db.execute("SELECT id FROM areas"))


def scale_questionnaire(year: int) -> dict:
    """Return yse-2025.yaml as data, renamed for ``year`` and grown to 60 questions with generated ones."""
    data = yaml.safe_load(BASE_QUESTIONNAIRE.read_text(encoding="utf-8"))  # anchors and aliases resolved
    data["id"], data["version"], data["year"] = f"yse-{year}-skaalatesti", 1, year
    data["title"] = {lang: f"SKAALATESTI {year} (synteettinen): {text}" for lang, text in data["title"].items()}
    themes = data["themes"]
    existing = sum(len(theme["questions"]) for theme in themes)
    scale_labels = next(q["scale_labels"] for theme in themes for q in theme["questions"] if q["type"] == "scale")
    for number in range(1, QUESTIONS_PER_ROUND - existing + 1):
        kind = GENERATED_TYPES[(number - 1) % len(GENERATED_TYPES)]
        themes[(number - 1) % len(themes)]["questions"].append(_generated_question(number, kind, scale_labels))
    return data


def _generated_question(number: int, kind: str, scale_labels: list) -> dict:
    question = {
        "id": f"scale_extra_{number:02d}",
        "type": kind,
        "text": {"fi": f"Skaalatestin lisäkysymys {number} ({kind}): synteettinen kysymys suorituskykymittausta varten.",
                 "sv": f"Skalningstestets tilläggsfråga {number} ({kind}): syntetisk fråga för prestandamätning.",
                 "en": f"Scale test extra question {number} ({kind}): a synthetic question for benchmarking."},
    }
    if kind in ("single", "multi"):
        question["options"] = [{"id": f"option_{index}", "label": {"fi": f"Vaihtoehto {index}", "sv": f"Alternativ {index}",
                                                                    "en": f"Option {index}"}}
                               for index in range(1, 6)]
    elif kind == "scale":
        question["scale_labels"] = copy.deepcopy(scale_labels)
    elif kind == "number":
        question.update(min=0, max=1000, unit={"fi": "kpl", "sv": "st.", "en": "pcs"})
    return question


def _register_questionnaires(db, round_years: list[int]) -> dict[int, str]:
    keys = {}
    with tempfile.TemporaryDirectory(prefix="yse-scale-") as directory:
        for year in round_years:
            target = Path(directory) / f"yse-{year}-skaalatesti.yaml"
            text = yaml.safe_dump(scale_questionnaire(year), allow_unicode=True, sort_keys=False, width=200)
            target.write_text(f"# {SYNTHETIC_NOTE}\n{text}", encoding="utf-8")
            keys[year] = register_questionnaire(db, target, actor=ACTOR)  # validated by the loader
            count = sum(1 for _ in get_questionnaire(db, keys[year]).questions())
            if count != QUESTIONS_PER_ROUND:
                raise AssertionError(f"{keys[year]} has {count} questions, not {QUESTIONS_PER_ROUND}")
    return keys


# --- rounds and answers ----------------------------------------------------------------------------


def _open_scale_round(db, year: int, key: str) -> None:
    if year == DEMO_ROUND_YEAR:  # as setup._open_demo_round: open now, deadline in three weeks
        today = date.today()
        open_round(db, year, key, deadline=today + timedelta(days=21), opens=today - timedelta(days=7), actor=ACTOR)
    else:
        open_round(db, year, key, deadline=date(year, 11, 28), opens=date(year, 10, 1), actor=ACTOR)


def original_area_id(area_id: str) -> str:
    """The real area a synthetic copy was made from (the id itself for a real area)."""
    match = SYNTHETIC_ID.match(area_id)
    return match.group(1) if match else area_id


def _left_empty(area_id: str) -> bool:
    """The areas the demo leaves unanswered in its round (and their copies), so their pages look like a first visit."""
    return original_area_id(area_id) in UNTOUCHED


def _fill_answers(db, year: int, area_ids: list[str]) -> int:
    """Draw and insert every area's answers for one round, as fill_demo_answers would; returns the count."""
    questionnaire = get_questionnaire(db, db.execute("SELECT questionnaire_key FROM rounds WHERE year = ?",
                                                     [year]).fetchone()[0])
    areas = {row["id"]: {**row, "uusimaa": bool(row["uusimaa"])} for row in db.query("SELECT * FROM areas")}
    responses = dict(db.execute("SELECT area_id, id FROM responses WHERE round_year = ?", [year]).fetchall())
    answer_rows, history_rows = [], []
    current = year == DEMO_ROUND_YEAR
    for area_id in area_ids:
        if current and _left_empty(area_id):
            continue
        rng = random.Random(f"{SEED}-{year}-{area_id}")
        username = f"demo-{area_id}"
        values: dict[str, object] = {}
        share = rng.uniform(0.4, 1.0)
        for _theme, question in questionnaire.questions():
            if not is_visible(question, values, areas[area_id]):
                continue
            if not question.required and rng.random() > share:
                continue
            values[question.id] = validate_answer(question, _value_for(question, rng, year))
        at = now_iso() if current else f"{year}-{10 + rng.randint(0, 1)}-{rng.randint(1, 28):02d}T{rng.randint(7, 16):02d}:00:00+00:00"
        for question_id, value in values.items():
            encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)  # as answer_store.encode
            answer_rows.append((responses[area_id], question_id, encoded, username, at, 1))
            history_rows.append((responses[area_id], question_id, None, encoded, username, at, 1))
    with transaction(db):
        db.conn.executemany("INSERT INTO answers(response_id, question_id, value, updated_by, updated_at, version) "
                            "VALUES (?, ?, ?, ?, ?, ?)", answer_rows)
        db.conn.executemany("INSERT INTO answer_history(response_id, question_id, old_value, new_value, changed_by, "
                            "changed_at, version) VALUES (?, ?, ?, ?, ?, ?, ?)", history_rows)
    return len(answer_rows)


def _finish_round(db, year: int, area_ids: list[str], factor: int, *, last: bool) -> None:
    """Submit and discuss: earlier rounds as finished history, the open round as the demo leaves its round."""
    admin = get_user(db, "demo-admin")
    if last:
        for index, area_id in enumerate(area_ids):
            if index % 3 == 0 and not _left_empty(area_id):
                user = get_user(db, f"demo-{area_id}")
                try:
                    submit(db, user, get_response_row(db, user, year, area_id)["id"])
                except SubmitIncomplete:  # as in the demo: an area with a required answer missing stays a draft
                    pass
    else:
        questionnaire = get_questionnaire(db, db.execute("SELECT questionnaire_key FROM rounds WHERE year = ?",
                                                         [year]).fetchone()[0])
        areas = {row["id"]: {**row, "uusimaa": bool(row["uusimaa"])} for row in db.query("SELECT * FROM areas")}
        submitted = []
        for response_id, area_id, values_json in db.execute(
            "SELECT r.id, r.area_id, json_group_object(a.question_id, json(a.value)) FROM responses r "
            "JOIN answers a ON a.response_id = r.id WHERE r.round_year = ? GROUP BY r.id", [year]
        ).fetchall():
            if not missing_required(questionnaire, json.loads(values_json), areas[area_id]):
                submitted.append((f"demo-{area_id}", f"{year}-11-{20 + response_id % 8:02d}T12:00:00+00:00", response_id))
        with transaction(db):
            db.conn.executemany("UPDATE responses SET state = 'submitted', submitted_by = ?, submitted_at = ? "
                                "WHERE id = ?", submitted)
    # Discussions: a third of the submitted areas in earlier rounds, 3 × factor in the open round (as the demo's 3).
    candidates = [row[0] for row in db.execute(
        "SELECT area_id FROM responses WHERE round_year = ? AND state = 'submitted' ORDER BY area_id", [year])]
    chosen = candidates[: 3 * factor] if last else candidates[::3]
    held_on = date.today() if last else date(year, 12, 10)
    # 2024's open items reappear in 2025 questionnaires; never in the areas the bench and the pages open first.
    carried = set([a for a in chosen if not _left_empty(a)][: 3 * factor]) if year == DEMO_ROUND_YEAR - 1 else set()
    for area_id in chosen:
        record_discussion(db, admin, year, area_id, held_on=held_on,
                          participants="Demo: TEM (2 henkilöä), työllisyysalueen johtaja ja palvelupäällikkö",
                          notes={"general": "Demo: käytiin läpi ennakkokyselyn vastaukset ja alueen tilastot."},
                          follow_up_needed=False, follow_up_date=None, follow_up_notes="")
        if last or area_id in carried:  # open items: the open round's own, and 2024's carried into 2025
            add_follow_up(db, admin, year, area_id, "Demo: kirjataan omat toimet asiakastietojärjestelmään",
                          "area", "Palvelupäällikkö", held_on + timedelta(days=120))
            add_follow_up(db, admin, year, area_id, "Demo: TEM toimittaa datapakettien käyttöohjeen", "tem", None,
                          held_on + timedelta(days=60))


# --- statistics ------------------------------------------------------------------------------------


def scale_months(years: int) -> list[str]:
    """The monthly periods of the last ``years`` years of the demo period (… 2025-12)."""
    return [f"{year}-{month:02d}" for year in range(LAST_YEAR - years + 1, LAST_YEAR + 1) for month in range(1, 13)]


def _load_statistics(db, years: int) -> int:
    """Generate the demo series for the longer period and import it a year at a time; return the values written.

    A year per import keeps memory modest, and each import finds the previous year's values already stored
    for its year-on-year changes, as monthly imports would. The secondary indexes of ``indicator_values`` are
    dropped for the load and recreated afterwards from their own stored SQL: one sort at the end costs about a
    quarter less CPU than keeping them up to date through 2.7 million inserts, and the schema ends up the same.
    """
    areas = demo_areas(db)
    records = generate_demo(areas, months=scale_months(years))
    by_year: dict[str, list] = {}
    for record in records:
        by_year.setdefault(record.period[:4], []).append(record)
    del records
    indexes = [row[0] for row in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'indicator_values' AND sql IS NOT NULL")]
    with transaction(db):
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'indicator_values' "
                                  "AND sql IS NOT NULL").fetchall():
            db.execute(f'DROP INDEX "{name}"')
    written = 0
    extra = {"standout_areas": standout_areas(areas), "note": SYNTHETIC_NOTE, "seed": DEMO_SEED}
    for year in sorted(by_year):
        table = ParsedTable("demo", None, None, DEMO_SOURCE, by_year.pop(year), "DEMO")
        summary = import_parsed(db, table, "demo", user=ACTOR, is_demo=True, extra_summary=extra)
        written += sum(summary.counts.values())
    with transaction(db):
        for sql in indexes:
            db.execute(sql)
    return written


def describe(path: str | Path) -> dict:
    """Return the shape of a scale database: areas, rounds, questions per round, months and values."""
    from yse_core.db import connect

    db = connect(path)
    try:
        rounds = {year: sum(1 for _ in get_questionnaire(db, key).questions())
                  for year, key in db.execute("SELECT year, questionnaire_key FROM rounds ORDER BY year")}
        return {
            "areas": db.execute("SELECT COUNT(*) FROM areas").fetchone()[0],
            "rounds": rounds,
            "responses": db.execute("SELECT COUNT(*) FROM responses").fetchone()[0],
            "answers": db.execute("SELECT COUNT(*) FROM answers").fetchone()[0],
            "months": db.execute("SELECT COUNT(DISTINCT period) FROM indicator_values").fetchone()[0],
            "indicator_values": db.execute("SELECT COUNT(*) FROM indicator_values").fetchone()[0],
            "users": db.execute("SELECT COUNT(*) FROM users").fetchone()[0],
            "scale_test": json.loads(get_setting(db, "scale_test") or "{}"),
        }
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.scale_data", description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the database file to create (must not exist)")
    parser.add_argument("--factor", type=int, default=10, help="areas = 45 × factor (default 10)")
    parser.add_argument("--years", type=int, default=YEARS_OF_STATISTICS, help="years of monthly statistics (default 10)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="answering rounds ending in 2025 (default 5)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    build_scale_database(args.path, args.factor, years=args.years, rounds=args.rounds,
                         progress=lambda message: print(f"[scale] {message}", file=sys.stderr, flush=True))
    seconds = time.monotonic() - started
    size = args.path.stat().st_size / 1e6
    print(json.dumps({**describe(args.path), "build_seconds": round(seconds, 1), "size_mb": round(size, 1)},
                     ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
