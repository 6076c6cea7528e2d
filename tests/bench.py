"""Speed figures for the portal: page reruns, answer saves and an indicator import, against an empty page.

Run with ``make bench`` or ``python -m tests.bench [--runs N] [--quick] [--only TEXT] [--stock-apptest]``.
Figures are measured and reported, never asserted; docs/benchmarks.md says what each one means. The table
goes to stdout, progress to stderr, and everything (with the raw samples) to ``bench-results/latest.json``.

To add a figure, write a function ``bench_something(bench: Bench) -> list[Result]`` and append it to
``BENCHMARKS`` (the hooks for later issues are at the end of that list). A function that raises is
reported as n/a with the error; it does not stop the others.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import inspect
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results" / "latest.json"
INDICATOR_FILE = ROOT / "tests" / "fixtures" / "indicators" / "statfin-12r5-kunnat-2026M06.json"
QUESTION_ID = "trends_process_self"  # a scale question in the first theme of the 2025 questionnaire
EMPTY_PAGE = "empty page"


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
    """Settings of one bench run and the databases it builds once and copies for each figure."""

    runs: int
    warmup: int
    import_repeats: int
    workdir: Path
    _templates: dict[bool, Path] = field(default_factory=dict)

    def fresh_db(self, name: str, *, demo: bool = True) -> Path:
        """Return the path of a new copy of the demo (or plain, non-demo) database."""
        template = self._templates.get(demo)
        if template is None:
            from yse_core.setup import init_database

            template = self.workdir / f"template-{'demo' if demo else 'plain'}.db"
            db = init_database(template, demo=demo)
            db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy below must hold every page
            db.close()
            self._templates[demo] = template
        target = self.workdir / f"{name}.db"
        shutil.copy(template, target)
        return target


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
                 interact: Callable[[object], None] | None = None) -> Result:
    """Log in through app.py, open a page and time ``run()``; ``interact(app)`` runs untimed before each."""
    from tests.apptest_helpers import logged_in_app

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
    return Result(name, watch, note=f"as {username}")


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:160] if (text or "").strip() else "(no message)"


def _stored_answer(db_path: Path, username: str, area_id: str) -> tuple[int, object, int]:
    """Return (response id, stored value, version) of the benchmarked question."""
    from yse_core import auth
    from yse_core.db import connect
    from yse_core.responses import get_response_row, load_answers
    from yse_core.setup import DEMO_ROUND_YEAR

    db = connect(db_path)
    user = auth.get_user(db, username)
    response_id = get_response_row(db, user, DEMO_ROUND_YEAR, area_id)["id"]
    stored = load_answers(db, user, response_id).get(QUESTION_ID)
    db.close()
    return response_id, stored.value if stored else None, stored.version if stored else 0


def bench_questionnaire(bench: Bench) -> list[Result]:
    """The questionnaire page rerun after one scale answer changes (the change is saved in that rerun)."""
    db_path = bench.fresh_db("questionnaire")
    response_id, _, first_version = _stored_answer(db_path, "demo-helsinki", "helsinki")
    key = f"q-{response_id}-{QUESTION_ID}"
    values: list[int] = []

    def change_answer(app) -> None:
        radio = app.radio(key=key)
        values.append(4 if radio.value == 3 else 3)
        radio.set_value(values[-1])

    result = _page_reruns(bench, "questionnaire rerun after 1 answer", "demo-helsinki", "pages/questionnaire.py",
                          db_path, change_answer)
    if result.unavailable:
        return [result]
    _, value, version = _stored_answer(db_path, "demo-helsinki", "helsinki")
    expected = first_version + len(values)
    saved = value == values[-1] and version == expected
    result.note = f"as demo-helsinki, {QUESTION_ID} 3↔4; " + (
        f"all {len(values)} changes saved" if saved else f"NOT SAVED: stored {value} v{version}, expected {values[-1]} v{expected}"
    )
    return [result]


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
    """One answer through save_answer vs. the same row by a raw INSERT OR REPLACE, each committed alone."""
    from yse_core import auth
    from yse_core.db import BUSY_TIMEOUT_SECONDS, connect
    from yse_core.responses import get_response_row, save_answer
    from yse_core.setup import DEMO_ROUND_YEAR

    path = bench.fresh_db("answer_save")
    db = connect(path)
    user = auth.get_user(db, "demo-helsinki")
    response_id = get_response_row(db, user, DEMO_ROUND_YEAR, "helsinki")["id"]
    version = 0
    row = db.execute("SELECT version FROM answers WHERE response_id = ? AND question_id = ?", [response_id, QUESTION_ID]).fetchone()
    if row:
        version = row[0]
    saves = Stopwatch(bench.warmup)
    for index in range(bench.warmup + bench.runs):
        version = saves.time(save_answer, db, user, response_id, QUESTION_ID, 3 + index % 2, base_version=version).version
    db.close()

    # Raw sqlite3 on the same file with the settings yse_core.db.connect uses (WAL is stored in the file).
    raw = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    raw.execute("PRAGMA synchronous = NORMAL")
    journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
    inserts = Stopwatch(bench.warmup)
    for index in range(bench.warmup + bench.runs):
        row = [response_id, QUESTION_ID, str(3 + index % 2), user.username, datetime.now(UTC).isoformat(timespec="seconds"),
               version + 1 + index]
        inserts.time(_raw_insert, raw, row)
    raw.close()

    save_result = Result("save_answer (1 answer)", saves, page_rerun=False)
    raw_result = Result("raw sqlite3 insert (1 row)", inserts, page_rerun=False,
                        note=f"INSERT OR REPLACE + COMMIT, journal_mode={journal}, synchronous=NORMAL")
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
    watch = Stopwatch()
    summary = None
    for index in range(bench.import_repeats):
        db = connect(bench.fresh_db(f"import-{index}", demo=False))
        summary = watch.time(import_file, db, INDICATOR_FILE.name, data, user="bench")
        db.close()
    note = f"{INDICATOR_FILE.name}, {len(data) // 1024} KiB"
    if summary is not None:
        note += f", {sum(summary.counts.values())} values written"
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
    from yse_core.setup import DEMO_ROUND_YEAR

    db = connect(bench.fresh_db("gap_rules"))
    known = {"db": db, "round_year": DEMO_ROUND_YEAR, "year": DEMO_ROUND_YEAR, "user": auth.get_user(db, "demo-admin"),
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


def bench_briefing_zip(bench: Bench) -> list[Result]:
    """The briefing pack for one area, and the .zip of all 45 (the zip once: it takes tens of seconds)."""
    from yse_core import auth
    from yse_core.db import connect
    from yse_core.exports import briefing_docx, briefing_zip
    from yse_core.setup import DEMO_ROUND_YEAR

    db = connect(bench.fresh_db("briefing"))
    reviewer = auth.get_user(db, "demo-reviewer")
    one = Stopwatch(1)
    for _ in range(1 + min(bench.runs, 5)):
        one.time(briefing_docx, db, reviewer, DEMO_ROUND_YEAR, "espoo-kauniainen")
    whole = Stopwatch(0)
    data = whole.time(briefing_zip, db, reviewer, DEMO_ROUND_YEAR)
    db.close()
    return [Result("briefing .docx, one area", one, page_rerun=False, note="espoo-kauniainen, demo answers"),
            Result("briefing .zip, 45 areas", whole, page_rerun=False, note=f"one run, {len(data) // 1024} KiB")]


BENCHMARKS: list[Callable[[Bench], list[Result]]] = [
    bench_empty_page,  # first: every page rerun is compared with it
    bench_questionnaire,
    bench_round_overview,
    bench_area_view,
    bench_situation,
    bench_answer_save,
    bench_indicator_import,
    # Hooks for later issues: add new figures below.
    bench_gap_rules,
    bench_briefing_zip,
]


# --- running and reporting -----------------------------------------------------------------------


def run_all(bench: Bench, only: str | None = None) -> list[Result]:
    """Run every benchmark (or those whose function name contains ``only``); a failure becomes an n/a row."""
    results: list[Result] = []
    for function in BENCHMARKS:
        if only and only not in function.__name__ and function is not bench_empty_page:
            continue
        _progress(f"{function.__name__} …")
        gc.collect()  # garbage from the previous figure is not this one's cost
        started = time.monotonic()
        try:
            results += function(bench)
        except Exception as error:  # a broken page or core function is reported, not fatal
            label = function.__name__.removeprefix("bench_").replace("_", " ")
            results.append(Result(label, unavailable=f"{type(error).__name__}: {_first_line(str(error))}"))
        _progress(f"{function.__name__} done in {time.monotonic() - started:.1f} s")
    return results


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
    """Return one row per result with the ratio of page reruns to the empty page."""
    empty = next((r.median_ms for r in results if r.name == EMPTY_PAGE and r.samples_ms), None)
    rows = []
    for result in results:
        ratio = None
        if result.page_rerun and empty and result.median_ms is not None:
            ratio = result.median_ms / empty
        rows.append({
            "name": result.name,
            "median_ms": result.median_ms,
            "p90_ms": result.p90_ms,
            "ratio_to_empty_page": ratio,
            "cpu_median_ms": result.cpu_median_ms,
            "n": len(result.samples_ms),
            "note": f"n/a: {result.unavailable}" if result.unavailable else result.note,
            "samples_ms": [round(sample, 4) for sample in result.watch.wall_ms],
            "cpu_samples_ms": [round(sample, 4) for sample in result.watch.cpu_ms],
        })
    return rows


def format_table(rows: list[dict]) -> str:
    headers = ["name", "median ms", "p90 ms", "× empty page", "cpu ms", "n", "note"]
    cells = [[row["name"], _ms(row["median_ms"]), _ms(row["p90_ms"]),
              f"{row['ratio_to_empty_page']:.1f}" if row["ratio_to_empty_page"] is not None else "–",
              _ms(row["cpu_median_ms"]), str(row["n"]), row["note"]] for row in rows]
    widths = [max(len(headers[i]), *(len(c[i]) for c in cells)) for i in range(len(headers) - 1)]
    right = {1, 2, 3, 4, 5}

    def line(values: list[str]) -> str:
        padded = [v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values[:-1])]
        return " | ".join(padded + [values[-1]]).rstrip()

    return "\n".join([line(headers), "-+-".join("-" * w for w in widths) + "-+-" + "-" * 4] + [line(c) for c in cells])


@contextlib.contextmanager
def _server_like_script_cache() -> Iterator[bool]:
    """Let AppTest keep compiled scripts across reruns, as the server does; yield whether that worked.

    Stock AppTest builds a new ScriptCache on every ``run()``, so each rerun re-reads app.py and the
    page, applies Streamlit's "magic" AST pass and compiles them again: 15-60 ms of CPU per rerun here that
    a real server pays once per process. The empty page barely pays it, so the ratios would mislead.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    modules = [module for module in (app_test, local_script_runner) if getattr(module, "ScriptCache", None) is ScriptCache]
    if len(modules) != 2:  # Streamlit changed how AppTest builds its cache: measure it as it is
        yield False
        return
    shared = ScriptCache()
    for module in modules:
        module.ScriptCache = lambda: shared
    try:
        yield True
    finally:
        for module in modules:
            module.ScriptCache = ScriptCache


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
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="timed runs per figure (default 30; 5 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke check: few runs, one import")
    parser.add_argument("--stock-apptest", action="store_true",
                        help="let AppTest recompile app.py and the page on every rerun (its default; the server does not)")
    parser.add_argument("--only", help="run only the benchmarks whose function name contains this (plus the empty page)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 30)
    warmup = 1 if args.quick else 3

    started = time.monotonic()
    load_before = round(os.getloadavg()[0], 2)
    _configure_streamlit()
    previous_db = os.environ.get("YSE_DB")
    # The login component prints cookie errors (AppTest has no cookies) to stdout; stdout is for the table.
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(sys.stderr))
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="yse-bench-"))
        script_cache = False if args.stock_apptest else stack.enter_context(_server_like_script_cache())
        bench = Bench(runs=runs, warmup=warmup, import_repeats=1 if args.quick else 3, workdir=Path(workdir))
        results = run_all(bench, args.only)
    if previous_db is None:
        os.environ.pop("YSE_DB", None)
    else:
        os.environ["YSE_DB"] = previous_db

    rows = table(results)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), "load_average_1min_at_start": load_before},
        "settings": {"runs": runs, "warmup": warmup, "import_repeats": bench.import_repeats, "quick": args.quick,
                     "only": args.only, "script_cache_kept_across_reruns": script_cache},
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")

    print(header(report))
    print(format_table(rows))
    print(f"peak RSS {report['peak_rss_mb']} MB; total {report['total_seconds']} s; written to {_shown(args.output)}")
    return 0


def header(report: dict) -> str:
    """Return two lines naming the machine, its load and the settings of the run."""
    info, settings = report["machine"], report["settings"]
    return (
        f"YSE bench {report['when']}: {info['nproc']} cores, load {info['load_average_1min_at_start']} → "
        f"{info['load_average_1min']}, Python {info['python']}, Streamlit {info['streamlit']}, SQLite {info['sqlite']}\n"
        f"runs={settings['runs']} (warm-up {settings['warmup']}){' quick' if settings['quick'] else ''}; "
        + ("compiled scripts kept across reruns, as on the server" if settings["script_cache_kept_across_reruns"]
           else "stock AppTest: app.py and the page recompiled on every rerun")
    )


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
