"""Speed and memory figures for the portal: page reruns against an empty page, saves, imports, exports, peak RSS.

Run with ``make bench`` or ``python -m tools.bench [--runs N] [--quick] [--only TEXT] [--scales 1,10]
[--stock-apptest]``. Every figure is measured at demo scale ("[1×]") and at ten times the scale ("[10×]":
450 areas, 5 rounds of 60 questions, 10 years of monthly statistics, built by ``tools/scale_data.py``),
and the portal server's peak memory is read at both. Figures are measured and reported, never asserted;
docs/benchmarks.md says what each one means. The table goes to stdout, progress to stderr, and everything
(with the raw samples) to ``bench-results/latest.json``.

To add a figure, write a function ``bench_something(bench: Bench) -> list[Result]`` and append it to
``BENCHMARKS``; it runs once per scale, with ``bench.scale`` set and ``bench.fresh_db`` copying that
scale's database. A function that raises is reported as n/a with the error; it does not stop the others.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import inspect
import io
import json
import math
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "latest.json"
INDICATOR_FILE = ROOT / "tests" / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"
QUESTION_ID = "trends_process_self"  # a scale question in the first theme of the 2025 questionnaire
RAW_QUESTION_ID = "bench_raw_insert"  # the raw inserts write their own row, beside the saved answer
SAVE_RUNS = 300  # the fewest timed saves (and raw inserts) per scale, whatever --runs says
EMPTY_PAGE = "empty page"
SCALES = (1, 10)  # demo scale and ten times the scale
DB_KINDS = ("demo", "plain", "history")


@dataclass
class Stopwatch:
    """Wall-clock and process CPU time of repeated actions, in milliseconds; the first ``warmup`` are not kept."""

    warmup: int = 0
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    _seen: int = 0

    def time(self, function: Callable[..., object], *args, **kwargs) -> object:
        """Call the function, record how long it took and return what it returned."""
        wall, cpu = time.perf_counter_ns(), time.process_time_ns()
        value = function(*args, **kwargs)
        wall, cpu = time.perf_counter_ns() - wall, time.process_time_ns() - cpu
        self._seen += 1
        if self._seen > self.warmup:
            self.wall_ms.append(wall / 1e6)
            self.cpu_ms.append(cpu / 1e6)
        return value


@dataclass
class Result:
    """One measured figure: its timings in milliseconds, or why it could not be measured."""

    name: str
    watch: Stopwatch = field(default_factory=Stopwatch)
    unavailable: str | None = None  # the reason when the figure is n/a
    note: str = ""
    page_rerun: bool = True  # page reruns are compared with the empty page; other figures are not
    scale: int | None = None  # 1 = demo scale, 10 = ten times; None for the empty page (scale-free)
    unit: str = "ms"  # "ms": the Stopwatch's timings; "MB": a single ``value`` (memory), no timings
    value: float | None = None
    extra: dict = field(default_factory=dict)  # figure-specific details for the JSON
    app: object = field(default=None, repr=False)  # the AppTest, while a figure still needs it (keep_app)

    @property
    def samples_ms(self) -> list[float]:
        return self.watch.wall_ms

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.watch.wall_ms) if self.watch.wall_ms else None

    @property
    def p90_ms(self) -> float | None:
        """The 90th percentile by nearest rank (with 30 runs: the 27th fastest)."""
        if not self.watch.wall_ms:
            return None
        ordered = sorted(self.watch.wall_ms)
        return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]

    @property
    def cpu_median_ms(self) -> float | None:
        """CPU time of the whole process (every thread): less swayed than wall time by other work on the machine."""
        return statistics.median(self.watch.cpu_ms) if self.watch.cpu_ms else None


@dataclass
class Bench:
    """Settings of one bench run and the databases it builds once per scale and copies for each figure.

    ``scale`` is the scale the current figure runs at. Database kinds: ``demo`` (demo scale:
    ``init_database(demo=True)``; 10×: ``tools.scale_data.build_scale_database``), ``plain`` (demo scale
    only: ``init_database(demo=False)``, areas and questionnaires, no statistics) and ``history`` (10×:
    the 10× database with its ten years of statistics re-flagged as real, i.e. as earlier imports).
    """

    runs: int
    warmup: int
    import_repeats: int
    workdir: Path
    scale: int = 1
    full_zip: bool = False  # run the all-areas .zip also at 10× (about 450 × one pack)
    builds: dict[str, dict] = field(default_factory=dict)  # template name → build seconds, size, shape
    _templates: dict[tuple[int, str], Path] = field(default_factory=dict)
    _failed: dict[tuple[int, str], str] = field(default_factory=dict)
    _copies: list[Path] = field(default_factory=list)

    def fresh_db(self, name: str, *, kind: str = "demo") -> Path:
        """Return the path of a new copy of this scale's database of the given kind (built on first use)."""
        if kind not in DB_KINDS:
            raise ValueError(f"unknown database kind {kind!r}")
        key = (self.scale, kind)
        if key in self._failed:  # one failed build (minutes at 10×) is not retried for every figure
            raise RuntimeError(self._failed[key])
        template = self._templates.get(key)
        if template is None:
            try:
                template = self._build(kind)
            except Exception as error:
                self._failed[key] = f"building the {self.scale}× {kind} database failed: {type(error).__name__}: {error}"
                raise
            self._templates[key] = template
        target = self.workdir / f"{name}-{self.scale}x.db"
        for leftover in _database_files(target):
            leftover.unlink()
        shutil.copy(template, target)
        self._copies.append(target)
        return target

    def drop_copies(self) -> None:
        """Delete the copies made so far (a 10× copy is about half a gigabyte); the templates stay."""
        for copy in self._copies:
            for path in _database_files(copy):
                path.unlink(missing_ok=True)
        self._copies.clear()

    def _build(self, kind: str) -> Path:
        template = self.workdir / f"template-{kind}-{self.scale}x.db"
        started, cpu_started = time.monotonic(), time.process_time()
        _progress(f"building the {self.scale}× {kind} database …")
        if kind == "history":
            if self.scale == 1:
                raise ValueError("the history database exists at 10× only; demo scale imports into 'plain'")
            _copy_as_history(self.fresh_db("history-source"), template)
        elif self.scale == 1:
            from yse_core.setup import init_database

            db = init_database(template, demo=kind == "demo")
            db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copies must hold every page
            db.close()
        elif kind == "demo":
            from tools.scale_data import build_scale_database, describe

            build_scale_database(template, self.scale, progress=_progress)
            self.builds[template.name] = {"shape": describe(template)}
        else:
            raise ValueError(f"no {kind} database at {self.scale}×; the import there uses 'history'")
        seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
        self.builds.setdefault(template.name, {}).update(
            scale=self.scale, kind=kind, build_seconds=round(seconds, 1), build_cpu_seconds=round(cpu_seconds, 1),
            size_mb=round(template.stat().st_size / 1e6, 1))
        _progress(f"{template.name}: {seconds:.1f} s ({cpu_seconds:.1f} s CPU), {template.stat().st_size / 1e6:.1f} MB")
        return template


def _database_files(path: Path) -> list[Path]:
    return [candidate for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if candidate.exists()]


def _copy_as_history(source: Path, target: Path) -> None:
    """Write ``target``: ``source`` with every indicator value and import flagged real (not demo).

    A real import deletes all demo values first; re-flagged, the ten years stay, so the 10× import figure
    measures one month arriving in a database that already holds ten years for 450 areas.
    """
    shutil.move(source, target)
    connection = sqlite3.connect(str(target), isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE indicator_values SET is_demo = 0 WHERE is_demo = 1")
        connection.execute("UPDATE imports SET is_demo = 0 WHERE is_demo = 1")
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- Streamlit reruns ---------------------------------------------------------------------------


def bench_empty_page(bench: Bench) -> list[Result]:
    """The reference: one server-side rerun of a page that writes an empty string (3× the runs: it is every ratio's divisor)."""
    from streamlit.testing.v1 import AppTest

    script = bench.workdir / "empty_page.py"
    script.write_text('import streamlit as st\n\nst.write("")\n')
    app = AppTest.from_file(str(script), default_timeout=60)
    for _ in range(bench.warmup + 1):
        app.run()
    watch = Stopwatch()
    for _ in range(3 * bench.runs):
        watch.time(app.run)
    return [Result(EMPTY_PAGE, watch, note="AppTest, st.write(\"\") only")]


def _page_reruns(bench: Bench, name: str, username: str, script: str, db_path: Path | None = None,
                 interact: Callable[[object], None] | None = None, keep_app: bool = False) -> Result:
    """Log in through app.py, open a page and time ``run()``; ``interact(app)`` runs untimed before each."""
    from tools.apptest_helpers import logged_in_app

    if not (ROOT / script).is_file():
        return Result(name, unavailable=f"{script} does not exist yet")
    app = logged_in_app(db_path or bench.fresh_db(Path(script).stem), username)
    app.switch_page(script)
    app.run()
    if app.exception:
        return Result(name, unavailable=f"{script} raised: {_first_line(app.exception[0].message)}")
    watch = Stopwatch(bench.warmup)
    for _ in range(bench.warmup + bench.runs):
        if interact is not None:
            interact(app)
        watch.time(app.run)
    if app.exception:
        return Result(name, unavailable=f"{script} raised during reruns: {_first_line(app.exception[0].message)}")
    result = Result(name, watch, note=f"as {username}")
    if keep_app:
        result.app = app
    return result


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:160] if (text or "").strip() else "(no message)"


def _stored_answer(db_path: Path, username: str, area_id: str) -> tuple[int, object, int]:
    """Return (response id, stored value, version) of the benchmarked question."""
    from yse_core import auth
    from yse_core.db import connect
    from yse_core.responses import get_response_row, load_answers
    from yse_core.setup import demo_round_years

    db = connect(db_path)
    user = auth.get_user(db, username)
    response_id = get_response_row(db, user, demo_round_years().current, area_id)["id"]
    stored = load_answers(db, user, response_id).get(QUESTION_ID)
    db.close()
    return response_id, stored.value if stored else None, stored.version if stored else 0


def bench_questionnaire(bench: Bench) -> list[Result]:
    """The questionnaire page after one scale answer changes: the question's own fragment rerun and the full rerun.

    Each question is an ``st.fragment``, so the browser asks the server to rerun only that question when
    its answer is edited (the save runs in that rerun's callback); a change that moves the progress, the
    visible questions or a discussion point makes the callback rerun the whole page. The first figure is
    the edit as the browser sends it (``tools/apptest_fragments.py``); the second the whole page rerun with
    the same change, which is what a first answer costs.
    """
    from tools.apptest_fragments import fragment_called_with, fragment_reruns

    db_path = bench.fresh_db("questionnaire")
    response_id, _, first_version = _stored_answer(db_path, "demo-helsinki", "helsinki")
    key = f"q-{response_id}-{QUESTION_ID}"
    values: list[int] = []

    def change_answer(app) -> None:
        radio = app.radio(key=key)
        values.append(4 if radio.value == 3 else 3)
        radio.set_value(values[-1])

    full = _page_reruns(bench, "questionnaire full rerun after 1 answer", "demo-helsinki", "pages/questionnaire.py",
                        db_path, change_answer, keep_app=True)
    if full.unavailable:
        return [full]
    app = full.app
    fragment = Result("questionnaire rerun after 1 answer (its fragment)")
    try:
        fragment_id = fragment_called_with(app, lambda value: getattr(value, "id", None) == QUESTION_ID
                                           and hasattr(value, "type"))
    except (LookupError, RuntimeError) as error:
        fragment.unavailable = str(error)
    else:
        watch = Stopwatch(bench.warmup)
        with fragment_reruns(fragment_id):
            for _ in range(bench.warmup + bench.runs):
                change_answer(app)
                watch.time(app.run)
        fragment.watch = watch
        if app.exception:
            fragment.unavailable = f"raised during fragment reruns: {_first_line(app.exception[0].message)}"
    full.app = None
    _, value, version = _stored_answer(db_path, "demo-helsinki", "helsinki")
    expected = first_version + len(values)
    saved = value == values[-1] and version == expected
    note = f"as demo-helsinki, {QUESTION_ID} 3↔4; " + (
        f"all {len(values)} changes saved" if saved else f"NOT SAVED: stored {value} v{version}, expected {values[-1]} v{expected}"
    )
    full.note = note + "; what a first answer (progress moves) costs"
    fragment.note = note + "; an edit, rerun as the browser asks"
    return [fragment, full]


def bench_round_overview(bench: Bench) -> list[Result]:
    """The reviewer's round overview, plain reruns (nothing toggled)."""
    return [_page_reruns(bench, "round_overview rerun", "demo-reviewer", "pages/round_overview.py")]


def bench_area_view(bench: Bench) -> list[Result]:
    """One area's response for a reviewer (the first area), plain reruns."""
    return [_page_reruns(bench, "area_view rerun", "demo-reviewer", "pages/area_view.py")]


def bench_situation(bench: Bench) -> list[Result]:
    """The situation page for a respondent, plain reruns."""
    return [_page_reruns(bench, "situation rerun", "demo-helsinki", "pages/situation.py")]


# --- the database -------------------------------------------------------------------------------


def bench_answer_save(bench: Bench) -> list[Result]:
    """One answer through save_answer vs. the same row by a raw INSERT OR REPLACE, each committed alone.

    The two alternate in rounds of ten, with a WAL checkpoint after each round, so that a change in the
    machine's speed or the WAL's size during the run weighs on both alike (run one after the other, two
    identical runs gave 1.7× and 2.7×).
    """
    from yse_core import auth
    from yse_core.db import BUSY_TIMEOUT_SECONDS, connect
    from yse_core.responses import get_response_row, save_answer
    from yse_core.setup import demo_round_years

    path = bench.fresh_db("answer_save")
    db = connect(path)
    user = auth.get_user(db, "demo-helsinki")
    response_id = get_response_row(db, user, demo_round_years().current, "helsinki")["id"]
    row = db.execute("SELECT version FROM answers WHERE response_id = ? AND question_id = ?", [response_id, QUESTION_ID]).fetchone()
    version = row[0] if row else 0

    # Raw sqlite3 on the same file with the settings yse_core.db.connect uses (WAL is stored in the file).
    raw = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    raw.execute("PRAGMA synchronous = NORMAL")
    journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
    # A save takes microseconds: at least SAVE_RUNS of each even with --quick (5 runs gave 1.9x and 2.7x).
    warmup, runs = max(bench.warmup, 10), max(bench.runs, SAVE_RUNS)
    saves, inserts = Stopwatch(warmup), Stopwatch(warmup)
    round_size = 10
    for first in range(0, warmup + runs, round_size):
        for index in range(first, min(first + round_size, warmup + runs)):
            version = saves.time(save_answer, db, user, response_id, QUESTION_ID, 3 + index % 2, base_version=version).version
        for index in range(first, min(first + round_size, warmup + runs)):
            row = [response_id, RAW_QUESTION_ID, str(3 + index % 2), user.username,
                   datetime.now(UTC).isoformat(timespec="seconds"), index + 1]
            inserts.time(_raw_insert, raw, row)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    db.close()

    save_result = Result("save_answer (1 answer)", saves, page_rerun=False)
    raw_result = Result("raw sqlite3 insert (1 row)", inserts, page_rerun=False,
                        note=f"INSERT OR REPLACE + COMMIT, journal_mode={journal}, synchronous=NORMAL; "
                             f"alternating with the saves in rounds of {round_size}")
    save_result.note = (f"{save_result.median_ms * 1000:.0f} µs vs raw {raw_result.median_ms * 1000:.0f} µs = "
                        f"{save_result.median_ms / raw_result.median_ms:.1f}× raw")
    return [save_result, raw_result]


def _raw_insert(connection: sqlite3.Connection, row: list) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT OR REPLACE INTO answers(response_id, question_id, value, updated_by, updated_at, version) "
                       "VALUES (?, ?, ?, ?, ?, ?)", row)
    connection.execute("COMMIT")


def bench_indicator_import(bench: Bench) -> list[Result]:
    """Importing the shared 12r5 municipal file into a fresh non-demo database."""
    from yse_core.db import connect
    from yse_core.indicators.store import import_file

    data = INDICATOR_FILE.read_bytes()
    kind = "plain" if bench.scale == 1 else "history"
    watch = Stopwatch()
    summary = None
    for index in range(bench.import_repeats):
        db = connect(bench.fresh_db(f"import-{index}", kind=kind))
        summary = watch.time(import_file, db, INDICATOR_FILE.name, data, user="bench")
        db.close()
    note = f"{INDICATOR_FILE.name}, {len(data) // 1024} KiB"
    if summary is not None:
        note += f", {sum(summary.counts.values())} values written"
    note += (" into a fresh database without statistics" if kind == "plain" else
             " into the 10× database holding its 10 years as earlier real imports (synthetic areas have no "
             "municipalities: only the 45 real areas get values)")
    return [Result("import 12r5 file", watch, page_rerun=False, note=note)]


# --- hooks for later issues: each returns n/a until the feature exists ----------------------------


def bench_gap_rules(bench: Bench) -> list[Result]:
    """Gap rules evaluated for every area of the demo round (yse_core.gaps.service.points_for_round)."""
    name = "gap rules, all areas"
    try:
        from yse_core.gaps.service import points_for_round
    except ImportError:
        return [Result(name, unavailable="yse_core.gaps.service.points_for_round does not exist yet", page_rerun=False)]
    from yse_core import auth
    from yse_core.db import connect
    from yse_core.setup import demo_round_years

    db = connect(bench.fresh_db("gap_rules"))
    known = {"db": db, "round_year": demo_round_years().current, "year": demo_round_years().current, "user": auth.get_user(db, "demo-admin"),
             "lang": "fi"}
    arguments = {}
    for parameter in inspect.signature(points_for_round).parameters.values():
        if parameter.name in known:
            arguments[parameter.name] = known[parameter.name]
        elif parameter.default is inspect.Parameter.empty:
            return [Result(name, unavailable=f"points_for_round needs '{parameter.name}'; teach bench_gap_rules about it",
                           page_rerun=False)]
    watch = Stopwatch(bench.warmup)
    for _ in range(bench.warmup + bench.runs):
        points = watch.time(points_for_round, **arguments)
    db.close()
    return [Result(name, watch, page_rerun=False, note=f"points_for_round as demo-admin, {len(points)} areas")]


def _all_areas_zip(bench: Bench, kind: str, one_area, all_areas) -> list[Result]:
    """One area's file, and the .zip of every area (the zip once: tens of seconds, minutes at 10×)."""
    from yse_core import auth
    from yse_core.db import connect
    from yse_core.setup import demo_round_years

    db = connect(bench.fresh_db(kind))
    reviewer = auth.get_user(db, "demo-reviewer")
    one = Stopwatch(1)
    for _ in range(1 + min(bench.runs, 5)):
        one.time(one_area, db, reviewer, demo_round_years().current, "espoo-kauniainen")
    one_result = Result(f"{kind}, one area", one, page_rerun=False, note="espoo-kauniainen, demo answers")
    areas = db.execute("SELECT COUNT(*) FROM responses WHERE round_year = ?", [demo_round_years().current]).fetchone()[0]
    name = f"{kind.split(' ')[0]} .zip, all areas"
    if bench.scale > 1 and not bench.full_zip:  # 450 files take tens of minutes here: estimate unless asked
        db.close()
        estimate = one_result.median_ms * areas / 1000
        return [one_result, Result(name, page_rerun=False,
                                   unavailable=f"not run at {bench.scale}× (--full-zip runs it); "
                                               f"{areas} areas × one file ≈ {estimate:.0f} s")]
    whole = Stopwatch(0)
    data = whole.time(all_areas, db, reviewer, demo_round_years().current)
    db.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = len(archive.namelist())
    return [one_result, Result(name, whole, page_rerun=False, note=f"one run, {files} files, {len(data) // 1024} KiB")]


def bench_briefing_zip(bench: Bench) -> list[Result]:
    """The briefing pack (.docx) for one area, and the .zip of every area's pack."""
    from yse_core.exports import briefing_docx, briefing_zip

    return _all_areas_zip(bench, "briefing .docx", briefing_docx, briefing_zip)


def bench_slides_zip(bench: Bench) -> list[Result]:
    """The discussion slides (.pptx) for one area, and the .zip of every area's slides."""
    from yse_core.exports.slides import slides_pptx, slides_zip

    return _all_areas_zip(bench, "slides .pptx", slides_pptx, slides_zip)


# --- the portal server's memory ------------------------------------------------------------------

PORTAL_TIMEOUT_MS = 180_000  # one page at 10× on a busy two-core machine can take tens of seconds
REVIEWER_PAGES = ("yleiskuva", "alue", "vertailu", "viennit")  # round overview (where login lands), area, compare, exports
RESPONDENT_PAGES = ("kysely", "tilannekuva")  # questionnaire (one answer changed there), situation


def bench_portal_memory(bench: Bench) -> list[Result]:
    """Peak resident memory (VmHWM) of a real ``streamlit run app.py`` after a reviewer's and a respondent's visit.

    A reviewer opens the round overview, area view, compare and exports pages; a respondent opens the
    questionnaire, changes one answer and opens the situation page, all in headless Chromium. The kernel's
    high-water mark of the server process is read before it stops.
    """
    name = "portal server peak RSS"
    missing = _browser_missing()
    if missing:
        return [Result(name, unavailable=missing, page_rerun=False, unit="MB")]
    from tools.portal_server import Server

    db_path = bench.fresh_db("portal_memory")
    try:
        server = Server(db_path)
        try:
            idle = _memory_status(server.process.pid)
            visits = _visit_portal(server.url)
            status = _memory_status(server.process.pid)
        finally:
            server.stop()
    except Exception as error:  # a page that never finishes, a server that does not start: n/a, in the memory table
        return [Result(name, unavailable=f"{type(error).__name__}: {_first_line(str(error))}", page_rerun=False,
                       unit="MB")]
    saved = _stored_answer(db_path, "demo-helsinki", "helsinki")[1] == 4
    errors = sum(visit["errors"] for visit in visits)
    note = (f"VmHWM; VmRSS at the end {status['VmRSS']:.1f} MB, after start {idle['VmRSS']:.1f} MB; "
            f"{len(REVIEWER_PAGES) + len(RESPONDENT_PAGES)} pages in Chromium, slowest "
            f"{max(visits, key=lambda v: v['seconds'])['page']} {max(v['seconds'] for v in visits):.1f} s; "
            f"1 answer changed: {'saved' if saved else 'NOT SAVED'}"
            + (f"; {errors} error boxes shown" if errors else ""))
    return [Result(name, page_rerun=False, unit="MB", value=status["VmHWM"], note=note,
                   extra={"vm_hwm_mb": status["VmHWM"], "vm_rss_mb": status["VmRSS"],
                          "vm_rss_after_start_mb": idle["VmRSS"], "vm_hwm_after_start_mb": idle["VmHWM"],
                          "answer_saved": saved, "visits": visits})]


def _browser_missing() -> str | None:
    """Why the browser part cannot run here, or None."""
    from tools.portal_server import CHROMIUM

    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (requirements-dev.txt)"
    if not Path("/proc/self/status").exists():
        return "no /proc/<pid>/status on this system to read the peak memory from"
    return None


def _memory_status(pid: int) -> dict[str, float]:
    """VmHWM (peak) and VmRSS (current) resident memory of a process, in MB (Linux reports kB)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def _visit_portal(base_url: str) -> list[dict]:
    """Drive the portal as demo-reviewer and then demo-helsinki; return each page load's time and error count."""
    from playwright.sync_api import sync_playwright

    from tools.browser_helpers import login, radio_group
    from tools.portal_server import CHROMIUM, CHROMIUM_ARGS

    visits: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for username, pages in (("demo-reviewer", REVIEWER_PAGES), ("demo-helsinki", RESPONDENT_PAGES)):
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fi-FI")
                context.set_default_timeout(PORTAL_TIMEOUT_MS)
                page = context.new_page()
                login(page, base_url, username)
                for path in pages:
                    started = time.monotonic()
                    if username == "demo-reviewer" and path == REVIEWER_PAGES[0]:
                        _page_done(page)  # the login lands here
                    else:
                        page.goto(f"{base_url}/{path}")
                        _page_done(page)
                    visits.append({"user": username, "page": path, "seconds": round(time.monotonic() - started, 2),
                                   "errors": page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count()})
                    if path == "kysely":
                        started = time.monotonic()
                        radio_group(page, "Miten arvioitte alueen tilannekuvan").get_by_text("4 –").click()
                        _page_done(page)
                        visits.append({"user": username, "page": "kysely: 1 answer changed",
                                       "seconds": round(time.monotonic() - started, 2), "errors": 0})
                context.close()
        finally:
            browser.close()
    return visits


def _page_done(page) -> None:
    """Wait until the page has a heading and Streamlit's running indicator has gone."""
    page.locator("h1").first.wait_for()
    page.wait_for_timeout(800)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=PORTAL_TIMEOUT_MS)


BENCHMARKS: list[Callable[[Bench], list[Result]]] = [
    bench_empty_page,  # first and once per run (not per scale): every page rerun is compared with it
    bench_questionnaire,
    bench_round_overview,
    bench_area_view,
    bench_situation,
    bench_answer_save,
    bench_indicator_import,
    bench_gap_rules,
    bench_briefing_zip,
    bench_slides_zip,
    bench_portal_memory,
    # New figures below; each runs once per scale.
]


# --- running and reporting -----------------------------------------------------------------------


def run_all(bench: Bench, only: str | None = None, scales: tuple[int, ...] = SCALES) -> list[Result]:
    """Run the empty page once, then every benchmark (or those whose name contains ``only``) at each scale.

    A failure becomes an n/a row. All figures of the smaller scale run first, so ``--scales 1`` never
    builds the large database. Results come back ordered by figure, then scale, so the 1× and 10× rows of
    one figure stand together.
    """
    ordered: list[tuple[tuple[int, int, int], Result]] = []
    for scale in [None, *scales]:
        for position, function in enumerate(BENCHMARKS):
            if (function is bench_empty_page) != (scale is None):
                continue
            if only and only not in function.__name__ and function is not bench_empty_page:
                continue
            bench.scale = scale or 1
            label = f"{function.__name__}" + (f" [{scale}×]" if scale else "")
            _progress(f"{label} …")
            gc.collect()  # garbage from the previous figure is not this one's cost
            started = time.monotonic()
            try:
                results = function(bench)
            except Exception as error:  # a broken page or core function is reported, not fatal
                name = function.__name__.removeprefix("bench_").replace("_", " ")
                results = [Result(name, unavailable=f"{type(error).__name__}: {_first_line(str(error))}")]
            finally:
                bench.drop_copies()
            for index, result in enumerate(results):
                if scale is not None:
                    result.scale = scale
                    result.name = f"{result.name} [{scale}×]"
                ordered.append(((position, scale or 0, index), result))
            _progress(f"{label} done in {time.monotonic() - started:.1f} s")
    return [result for _, result in sorted(ordered, key=lambda item: item[0])]


def machine() -> dict:
    import streamlit

    return {
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine skews every figure
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if value < 1 else f"{value:.1f}"


def table(results: list[Result]) -> list[dict]:
    """Return one row per result with the ratio of page reruns to the empty page (the one of this run).

    Timings are in ``*_ms``; a memory figure (``unit`` "MB") has no timings, its number is ``value``.
    """
    empty = next((r.median_ms for r in results if r.name == EMPTY_PAGE and r.samples_ms), None)
    rows = []
    for result in results:
        ratio = None
        if result.page_rerun and empty and result.median_ms is not None:
            ratio = result.median_ms / empty
        rows.append({
            "name": result.name,
            "scale": result.scale,
            "unit": result.unit,
            "median_ms": result.median_ms,
            "p90_ms": result.p90_ms,
            "ratio_to_empty_page": ratio,
            "cpu_median_ms": result.cpu_median_ms,
            "value": round(result.value, 1) if result.value is not None else None,
            "n": len(result.samples_ms) if result.unit == "ms" else int(result.value is not None),
            "note": f"n/a: {result.unavailable}" if result.unavailable else result.note,
            "samples_ms": [round(sample, 4) for sample in result.watch.wall_ms],
            "cpu_samples_ms": [round(sample, 4) for sample in result.watch.cpu_ms],
            **({"details": result.extra} if result.extra else {}),
        })
    return rows


def _aligned(headers: list[str], cells: list[list[str]], right: set[int]) -> str:
    """A plain-text table; the last column (the note) is left ragged."""
    widths = [max(len(headers[i]), *(len(c[i]) for c in cells)) for i in range(len(headers) - 1)]

    def line(values: list[str]) -> str:
        padded = [v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values[:-1])]
        return " | ".join(padded + [values[-1]]).rstrip()

    return "\n".join([line(headers), "-+-".join("-" * w for w in widths) + "-+-" + "-" * 4] + [line(c) for c in cells])


def format_table(rows: list[dict]) -> str:
    """The timings table, then (if any) the memory figures in a table of their own: MB are not milliseconds."""
    timings = [row for row in rows if row.get("unit", "ms") == "ms"]
    memory = [row for row in rows if row.get("unit") == "MB"]
    parts = []
    if timings:
        parts.append(_aligned(
            ["name", "median ms", "p90 ms", "× empty page", "cpu ms", "n", "note"],
            [[row["name"], _ms(row["median_ms"]), _ms(row["p90_ms"]),
              f"{row['ratio_to_empty_page']:.1f}" if row["ratio_to_empty_page"] is not None else "–",
              _ms(row["cpu_median_ms"]), str(row["n"]), row["note"]] for row in timings],
            {1, 2, 3, 4, 5}))
    if memory:
        parts.append(_aligned(
            ["memory", "peak MB", "note"],
            [[row["name"], f"{row['value']:.1f}" if row["value"] is not None else "n/a", row["note"]] for row in memory],
            {1}))
    return "\n\n".join(parts)


def _configure_streamlit() -> None:
    """Log only errors and show full error details, also after AppTest re-reads the config.

    AppTest reads widgets outside a script run, and Streamlit warns about that on every rerun, inside
    the timed region. The project's config redacts error messages (client.showErrorDetails = "none"),
    which would leave an n/a row without its reason.
    """
    from streamlit import config
    from streamlit.logger import set_log_level

    def configure() -> None:
        set_log_level("error")
        config.set_option("client.showErrorDetails", "full")
        set_log_level("error")  # again: setting an option may re-read the config, which resets the level

    configure()
    config.on_config_parsed(configure, force_connect=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="timed runs per figure (default 30; 5 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke check: few runs, one import")
    parser.add_argument("--stock-apptest", action="store_true",
                        help="let AppTest recompile app.py and the page on every rerun (its default; the server does not)")
    parser.add_argument("--only", help="run only the benchmarks whose function name contains this (plus the empty page)")
    parser.add_argument("--scales", type=_scales, default=SCALES, metavar="1,10",
                        help="scales to measure, comma-separated multiples of the demo (default 1,10; --scales 1 skips "
                             "building the 10× database)")
    parser.add_argument("--full-zip", action="store_true",
                        help="build the all-areas briefing .zip also at 10× (450 packs: tens of minutes); else estimated")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 30)
    warmup = 1 if args.quick else 3

    from ui.library_internals import apptest_keeps_compiled_scripts  # so the bench's numbers match the server's

    started = time.monotonic()
    load_before = round(os.getloadavg()[0], 2)
    _configure_streamlit()
    previous_db = os.environ.get("YSE_DB")
    # The login component prints cookie errors (AppTest has no cookies) to stdout; stdout is for the table.
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(sys.stderr))
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="yse-bench-"))
        script_cache = False if args.stock_apptest else stack.enter_context(apptest_keeps_compiled_scripts())
        bench = Bench(runs=runs, warmup=warmup, import_repeats=1 if args.quick else 3, workdir=Path(workdir),
                      full_zip=args.full_zip)
        results = run_all(bench, args.only, args.scales)
    if previous_db is None:
        os.environ.pop("YSE_DB", None)
    else:
        os.environ["YSE_DB"] = previous_db

    rows = table(results)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), "load_average_1min_at_start": load_before},
        "settings": {"runs": runs, "warmup": warmup, "import_repeats": bench.import_repeats, "quick": args.quick,
                     "only": args.only, "scales": list(args.scales), "script_cache_kept_across_reruns": script_cache},
        "databases": bench.builds,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")

    print(header(report))
    print(format_table(rows))
    print(f"peak RSS of the bench process {report['peak_rss_mb']} MB; total {report['total_seconds']} s; "
          f"written to {_shown(args.output)}")
    slow = slow_pages(rows)
    if slow is not None:
        print(slow)
    return 0


def _scales(text: str) -> tuple[int, ...]:
    try:
        scales = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from None
    if not scales or scales[0] < 1:
        raise argparse.ArgumentTypeError("scales are multiples of the demo: 1, 10 …")
    return scales


def slow_pages(rows: list[dict], limit_ms: float = 1000.0) -> str | None:
    """Name the page reruns whose median is over one second at the largest scale (reported, never asserted)."""
    largest = max((row["scale"] for row in rows if row.get("scale")), default=None)
    if largest is None or largest == 1:
        return None
    pages = [row for row in rows if row.get("scale") == largest and row["ratio_to_empty_page"] is not None]
    over = [f"{row['name']} {row['median_ms']:.0f} ms (cpu {row['cpu_median_ms']:.0f} ms)"
            for row in pages if row["median_ms"] > limit_ms]
    if not pages:
        return None
    return (f"goal 'every page under 1 s at {largest}×' (median wall time, not asserted; cpu for a busy machine): "
            + (f"over 1 s: {', '.join(over)}" if over else f"all {len(pages)} page reruns under 1 s"))


def header(report: dict) -> str:
    """Return two lines naming the machine, its load and the settings of the run."""
    info, settings = report["machine"], report["settings"]
    lines = [
        f"YSE bench {report['when']}: {info['nproc']} cores, load {info['load_average_1min_at_start']} → "
        f"{info['load_average_1min']}, Python {info['python']}, Streamlit {info['streamlit']}, SQLite {info['sqlite']}",
        f"runs={settings['runs']} (warm-up {settings['warmup']}){' quick' if settings['quick'] else ''}; scales "
        + ", ".join(f"{scale}×" for scale in settings.get("scales", [1])) + "; "
        + ("compiled scripts kept across reruns, as on the server" if settings["script_cache_kept_across_reruns"]
           else "stock AppTest: app.py and the page recompiled on every rerun"),
    ]
    for name, build in report.get("databases", {}).items():
        if build.get("scale", 1) > 1:
            shape = build.get("shape", {})
            lines.append(f"{name}: built in {build['build_seconds']} s ({build.get('build_cpu_seconds')} s CPU), "
                         f"{build['size_mb']} MB"
                         + (f" ({shape['areas']} areas, {len(shape['rounds'])} rounds, {shape['answers']} answers, "
                            f"{shape['months']} months, {shape['indicator_values']} indicator values)" if shape else ""))
    return "\n".join(lines)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
