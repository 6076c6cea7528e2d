"""What a person waits for: the portal's speed measured in a real browser, beside an empty Streamlit page.

Run:  python -m tools.bench_browser [--quick] [--runs N] [--scales 1 10] [--output bench-results/browser.json]

The real portal server (``python -m ui.serve``, started by ``tools.portal_server.Server`` as the browser tests
start it) and an EMPTY Streamlit page (a one-line script with one button, ``python -m streamlit run`` with the
same options) are driven by the same headless system Chromium (Playwright, ``CHROMIUM_ARGS``) in the same run.
Every figure is the median and p90 (nearest rank) of ``--runs`` timed runs after one warm-up, and is divided by
the empty page's matching figure ("× empty page"): page loads and the login by the empty page's load, reruns
in the page (theme switch, edit acknowledged) by the empty page's rerun (a click on its button → settled).
Bytes are what the browser received over the websocket(s) from the action until settled.

"Settled" is defined once, in ``settle``: see its docstring. Times are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.load_browsers import is_rerun_request, run_event

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "bench-results" / "browser.json"
EMPTY_SCRIPT = 'import streamlit as st; st.button("Rerun")\n'
# The floor of a page switch in the sidebar: two empty pages in st.navigation, as the portal registers its pages.
EMPTY_NAV_SCRIPT = """import streamlit as st
def home(): st.button("Rerun")
def first(): st.button("Rerun")
def second(): st.button("Rerun")
st.navigation([st.Page(home, title="Koti", url_path="koti", default=True), st.Page(first, title="Eka", url_path="eka"),
               st.Page(second, title="Toka", url_path="toka")]).run()
"""  # the default page's link is "/", so the switch is between the other two
TIMEOUT_S = 120  # only turns a hang into an error; never judges speed
QUIET_MS = 300  # how long a settled page must stay settled (not counted in the time)
POLL_MS = 10
LARGE_FRAME = 65_536  # frames above this are counted, not decoded (deltas; run ends and starts are small)
VIEWPORT = {"width": 1400, "height": 1000}

QUESTIONNAIRE_THEMES = ("Tilannekuva ja kehityssuuntien seuranta", "Omat toimet ja niiden vaikuttavuuden seuranta")
EDIT_QUESTION = "Miten arvioitte alueen tilannekuvan"  # trends_process_self, a 1–5 scale on the first theme


@dataclass(frozen=True)
class Marker:
    """The page's last element: ``css`` matched at least ``count`` times, with ``text`` in it if given."""

    css: str
    text: str | None = None
    count: int = 1


def _t(key: str, **values) -> str:
    from yse_core.i18n import t

    return t(key, **values)


def markers() -> dict[str, Marker]:
    """The last element each measured page draws (Finnish, as the demo accounts see it)."""
    plot = '[data-testid="stPlotlyChart"] .main-svg'
    return {
        "koti": Marker('[data-testid="stHeading"]', _t("area.contacts")),
        "kysely": Marker('[data-testid="stButton"] button', _t("q.submit")),
        "tilannekuva": Marker(plot, count=3),  # the trend, the map and the bar chart, drawn by plotly
        "yleiskuva": Marker('[data-testid="stCaptionContainer"]', _t("overview.unverified_note").split(" ", 1)[1][:30]),
        "alue": Marker('[data-testid="stHeading"]', "5"),  # section 5 (follow-ups) closes the dossier
        "vertailu": Marker('[data-testid="stDataFrame"] canvas'),
        "viennit": Marker('[data-testid="stButton"] button', _t("slides.prepare_zip")),
    }


ROLES = {  # account → the pages it opens by address; the first is where its login lands
    "demo-helsinki": ["koti", "kysely", "tilannekuva"],
    "demo-reviewer": ["yleiskuva", "alue", "vertailu", "tilannekuva", "viennit"],
}
EMPTY_MARKER = Marker('[data-testid="stButton"] button', "Rerun")

SETTLED_JS = """([css, text, count]) => {
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  if (status && status.getClientRects().length) return false;      // "Running…" (or connecting) is shown
  if (document.querySelector('[data-stale="true"]')) return false;  // elements of the previous run still faded
  let found = Array.from(document.querySelectorAll(css));
  if (text) found = found.filter(element => element.textContent.includes(text));
  return found.length >= count;
}"""


class Wire:
    """One page's websockets as the browser sees them: rerun requests sent, runs started and finished, bytes."""

    def __init__(self, page):
        self.requests: list[float] = []
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.received: list[tuple[float, int]] = []  # (time, bytes) of every frame received
        page.on("websocket", self._attach)

    def _attach(self, websocket) -> None:
        websocket.on("framesent", self._sent)
        websocket.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        if is_rerun_request(payload):
            self.requests.append(time.perf_counter())

    def _received(self, payload) -> None:
        now = time.perf_counter()
        size = len(payload.encode() if isinstance(payload, str) else payload)
        self.received.append((now, size))
        event = run_event(payload) if size < LARGE_FRAME else None  # a large frame is page content, not a run's end
        if event == "start":
            self.starts.append(now)
        elif event == "end":
            self.ends.append(now)

    def served(self, since: float) -> bool:
        """A rerun was requested after ``since``, and the last request has had a run start after it and finish."""
        requests = [r for r in self.requests if r > since]
        if not requests:
            return False
        start = next((s for s in self.starts if s > requests[-1]), None)
        return start is not None and any(e > start for e in self.ends)

    def bytes_since(self, since: float, until: float) -> int:
        return sum(size for moment, size in self.received if since < moment <= until)


def settle(page, wire: Wire, since: float, marker: Marker, quiet_ms: int = QUIET_MS,
           timeout_s: float = TIMEOUT_S) -> tuple[float, int]:
    """Wait until the page is settled after an action begun at ``since``; return (ms taken, bytes received).

    Settled means all three at once: (1) on the websocket, the browser asked for a rerun after ``since`` and
    received the end (``script_finished``, not "finished early for another rerun") of a run that started
    after its last request; (2) Streamlit's status indicator (``[data-testid="stStatusWidget"]``, "Running…")
    is not shown and no element of a previous run is still faded (``data-stale``); (3) the page's last
    element (``marker``) is present. The time is the first moment all three held, checked every 10 ms;
    they must then hold for ``quiet_ms`` more (not counted), so a rerun that a component asks for just
    after (the login cookie, for example) is waited for and the later moment counts.
    """
    args = [marker.css, marker.text, marker.count]
    deadline = time.perf_counter() + timeout_s
    settled_at = None
    while True:
        try:
            ready = wire.served(since) and page.evaluate(SETTLED_JS, args)
        except Exception as error:  # noqa: BLE001 - a navigation replaced the document mid-check
            if "context was destroyed" not in str(error) and "navigation" not in str(error).lower():
                raise
            ready = False
        now = time.perf_counter()
        if ready and wire.served(since):
            if settled_at is None:
                settled_at = now
            elif (now - settled_at) * 1000 >= quiet_ms and not any(r > settled_at for r in wire.requests):
                return (settled_at - since) * 1000, wire.bytes_since(since, now)
        else:
            settled_at = None
        if now > deadline:
            raise TimeoutError(f"not settled within {timeout_s:.0f} s ({marker})")
        page.wait_for_timeout(POLL_MS)


# --- figures ---------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    kind: str  # "load" (divided by the empty page's load) or "rerun" (by its rerun)
    scale: int | None
    samples_ms: list[float] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    error: str | None = None

    def row(self, floor: dict[str, float | None]) -> dict:
        median = statistics.median(self.samples_ms) if self.samples_ms else None
        ordered = sorted(self.samples_ms)
        p90 = ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * 9 // 10) - 1))] if ordered else None
        divisor = floor.get(self.kind)
        return {"name": self.name, "kind": self.kind, "scale": self.scale, "n": len(self.samples_ms),
                "median_ms": _round(median), "p90_ms": _round(p90),
                "x_empty": round(median / divisor, 2) if median and divisor else None,
                "bytes_median": int(statistics.median(self.bytes)) if self.bytes else None,
                "samples_ms": [round(s, 1) for s in self.samples_ms], "error": self.error}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _measure(figure: Figure, runs: int, once) -> Figure:
    """Call ``once()`` (returns (ms, bytes)) one warm-up time and ``runs`` timed times; errors become the figure's note."""
    _progress(f"{figure.name}" + (f" [{figure.scale}×]" if figure.scale else ""))
    try:
        once()
        for _ in range(runs):
            ms, size = once()
            figure.samples_ms.append(ms)
            figure.bytes.append(size)
    except Exception as error:  # noqa: BLE001 - reported as n/a, the other figures still run
        figure.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    return figure


def _progress(message: str) -> None:
    print(f"[bench_browser {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _new_page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="fi-FI")
    context.set_default_timeout(TIMEOUT_S * 1000)
    page = context.new_page()
    return context, page, Wire(page)


def _open(page, wire: Wire, url: str, marker: Marker) -> tuple[float, int]:
    since = time.perf_counter()
    page.goto(url, wait_until="commit")
    return settle(page, wire, since, marker)


def _click(page, wire: Wire, locator, marker: Marker) -> tuple[float, int]:
    since = time.perf_counter()
    locator.click()
    return settle(page, wire, since, marker)


def _nav_link(page, path: str):
    return page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]')


def bench_empty_navigation(browser, url: str, runs: int) -> Figure:
    """The empty two-page app: a click on the other page's sidebar link → settled (the floor of "navigate")."""
    context, page, wire = _new_page(browser)
    try:
        _open(page, wire, f"{url}/eka", EMPTY_MARKER)
        state = {"at": "eka"}

        def switch() -> tuple[float, int]:
            state["at"] = "toka" if state["at"] == "eka" else "eka"
            return _click(page, wire, _nav_link(page, state["at"]), EMPTY_MARKER)

        return _measure(Figure("empty page: switch page (sidebar)", "navigate", None), runs, switch)
    finally:
        context.close()


def bench_empty(browser, url: str, runs: int) -> list[Figure]:
    context, page, wire = _new_page(browser)
    try:
        load = _measure(Figure("empty page: load", "load", None), runs, lambda: _open(page, wire, url, EMPTY_MARKER))
        button = page.get_by_role("button", name="Rerun")
        rerun = _measure(Figure("empty page: rerun (button click)", "rerun", None), runs,
                         lambda: _click(page, wire, button, EMPTY_MARKER))
    finally:
        context.close()
    return [load, rerun]


def _login_once(browser, url: str, username: str, marker: Marker) -> tuple[float, int]:
    context, page, wire = _new_page(browser)
    try:
        opened = time.perf_counter()
        page.goto(url)
        page.get_by_label("Käyttäjätunnus").wait_for()
        settle(page, wire, opened, Marker('[data-testid="stFormSubmitButton"] button', "Kirjaudu"), quiet_ms=1000)
        if page.get_by_role("dialog").count():
            page.keyboard.press("Escape")
        page.get_by_label("Käyttäjätunnus").fill(username)
        page.get_by_label("Salasana").fill("yse-demo")
        since = time.perf_counter()
        page.get_by_role("button", name="Kirjaudu").click()
        page.get_by_role("button", name="Kirjaudu ulos").wait_for(timeout=TIMEOUT_S * 1000)
        return settle(page, wire, since, marker)
    finally:
        context.close()


def _questionnaire_figures(page, wire: Wire, runs: int, scale: int) -> list[Figure]:
    """On the open questionnaire: a theme switch in the sidebar, and an edit until "✓ Tallennettu" is shown."""
    from tools.browser_helpers import radio_group

    state = {"theme": 0, "level": 3}
    saved = _t("q.saved_now", when="").strip()

    def switch_theme() -> tuple[float, int]:
        state["theme"] = 1 - state["theme"]
        title = QUESTIONNAIRE_THEMES[state["theme"]]
        label = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(has_text=title)
        return _click(page, wire, label, Marker('[data-testid="stHeading"] h2', title))

    def edit() -> tuple[float, int]:
        state["level"] = 7 - state["level"]  # 4, 3, 4, …: every click really changes the answer
        option = radio_group(page, EDIT_QUESTION).locator("label").filter(has_text=re.compile(rf"^{state['level']} –"))
        return _click(page, wire, option, Marker('[data-testid="stCaptionContainer"]', saved))

    figures = [_measure(Figure("kysely: theme switch (sidebar)", "rerun", scale), runs, switch_theme)]
    if state["theme"] != 0:
        switch_theme()  # back to the first theme, where the edited question is
    figures.append(_measure(Figure("kysely: edit → “Tallennettu” shown", "rerun", scale), runs, edit))
    return figures


def bench_portal(browser, url: str, runs: int, scale: int) -> list[Figure]:
    from tools.browser_helpers import login

    found = markers()
    figures: list[Figure] = []
    for username, paths in ROLES.items():
        figures.append(_measure(Figure(f"login → first page ({username}, {paths[0]})", "load", scale), runs,
                                lambda username=username, paths=paths: _login_once(browser, url, username, found[paths[0]])))
        context, page, wire = _new_page(browser)
        try:
            login(page, url, username)
            for path in paths:
                figures.append(_measure(Figure(f"{path} ({username}): open by address", "load", scale), runs,
                                        lambda page=page, wire=wire, path=path: _open(page, wire, f"{url}/{path}", found[path])))
                if path == "kysely":
                    figures += _questionnaire_figures(page, wire, runs, scale)
            for path in paths[1:]:  # how a person goes there: from the first page, a click in the sidebar
                def via_sidebar(page=page, wire=wire, path=path, home=paths[0]) -> tuple[float, int]:
                    _click(page, wire, _nav_link(page, home), found[home])  # back to the first page, not timed
                    return _click(page, wire, _nav_link(page, path), found[path])

                figures.append(_measure(Figure(f"{path} ({username}): sidebar click from {paths[0]}", "navigate", scale),
                                        runs, via_sidebar))
        finally:
            context.close()
    return figures


# --- databases and servers -------------------------------------------------------------------


def build_database(scale: int, workdir: Path) -> tuple[Path, dict]:
    """The scale's database, built once per run in ``workdir``: demo (1) or ``tools.scale_data`` (10)."""
    path = workdir / f"yse-{scale}x.db"
    started, cpu = time.perf_counter(), time.process_time()
    if scale == 1:
        from yse_core.setup import init_database

        init_database(path, demo=True).close()
    else:
        from tools.scale_data import build_scale_database

        build_scale_database(path, factor=scale)
    return path, {"scale": scale, "build_seconds": round(time.perf_counter() - started, 1),
                  "build_cpu_seconds": round(time.process_time() - cpu, 1),
                  "mb": round(path.stat().st_size / 1e6, 1)}


def run(scales: tuple[int, ...], runs: int, workdir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from tools.portal_server import CHROMIUM, CHROMIUM_ARGS, Server

    report: dict = {"machine": machine(), "runs": runs, "scales": list(scales), "settled": settle.__doc__.split("\n\n")[1],
                    "databases": [], "results": [], "floor": {}}
    empty_script = workdir / "empty_page.py"
    empty_script.write_text(EMPTY_SCRIPT)
    empty_nav_script = workdir / "empty_navigation.py"
    empty_nav_script.write_text(EMPTY_NAV_SCRIPT)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for scale in scales:
                _progress(f"building the {scale}× database")
                db_path, info = build_database(scale, workdir)
                report["databases"].append(info)
                # The floor is measured again at every scale, just before that scale's pages (same browser).
                empty = Server(workdir / "empty.db", launcher="streamlit", script=empty_script)
                try:
                    floor_figures = bench_empty(browser, empty.url, max(runs, 5))
                finally:
                    empty.stop()
                empty_nav = Server(workdir / "empty.db", launcher="streamlit", script=empty_nav_script)
                try:
                    floor_figures.append(bench_empty_navigation(browser, empty_nav.url, max(runs, 5)))
                finally:
                    empty_nav.stop()
                floor = {figure.kind: (statistics.median(figure.samples_ms) if figure.samples_ms else None)
                         for figure in floor_figures}
                report["floor"][str(scale)] = floor
                server = Server(db_path)
                try:
                    portal_figures = bench_portal(browser, server.url, runs, scale)
                finally:
                    server.stop()
                for figure in floor_figures:
                    figure.scale = scale
                report["results"] += [figure.row(floor) for figure in floor_figures + portal_figures]
                report["machine"][f"load_average_after_{scale}x"] = round(os.getloadavg()[0], 2)
        finally:
            browser.close()
    return report


def twenty_browsers(workdir: Path) -> dict:
    """Twenty browsers answering at once: ``tools.load_browsers`` as it is (demo scale, empty answers), its figures."""
    from tools import load_browsers
    from tools.test_calendar import build_template

    _progress("twenty browsers answering at once (tools.load_browsers)")
    db_path = workdir / "load.db"
    build_template(db_path)  # the calendar load_browsers drives (its round open today, empty answers)
    try:
        result = load_browsers.run(db_path, 20)
    except Exception as error:  # noqa: BLE001 - reported, the table above stands
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
    keep = ("sessions", "saves", "save_latency", "first_save_latency", "theme_switch_latency", "incomplete",
            "problems", "load_average_after", "total_seconds")
    return {key: result.get(key) for key in keep}


def twenty_browsers_line(result: dict) -> str:
    if "error" in result:
        return f"twenty browsers answering at once: n/a ({result['error']})"
    save, switch = result["save_latency"], result["theme_switch_latency"]
    problems = sum(len(v) for v in (result["problems"] or {}).values())
    return (f"twenty browsers answering at once ({result['sessions']} sessions, {result['saves']} saves, load average "
            f"{result['load_average_after']:.1f} at the end): save → run ended p50 {save['p50_ms']} ms, p90 "
            f"{save['p90_ms']} ms, p95 {save['p95_ms']} ms; theme switch p50 {switch['p50_ms']} ms, p95 "
            f"{switch['p95_ms']} ms; problems {problems}")


def machine() -> dict:
    import platform

    import streamlit

    return {"nproc": len(os.sched_getaffinity(0)), "load_average_1min_start": round(os.getloadavg()[0], 2),
            "python": platform.python_version(), "streamlit": streamlit.__version__, "chromium": _chromium_version(),
            "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _chromium_version() -> str | None:
    import subprocess

    from tools.portal_server import CHROMIUM

    try:
        return subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def format_table(report: dict) -> str:
    headers = ["figure", "scale", "n", "median ms", "p90 ms", "× empty page", "kB received"]
    cells = []
    for row in report["results"]:
        if row["error"]:
            cells.append([row["name"], f"{row['scale']}×", "0", "n/a", "n/a", "n/a", row["error"][:60]])
            continue
        divisor = row["kind"]
        cells.append([row["name"], f"{row['scale']}×", str(row["n"]), f"{row['median_ms']:,.0f}", f"{row['p90_ms']:,.0f}",
                      f"{row['x_empty']:.2f} ({divisor})" if row["x_empty"] is not None else "–",
                      f"{row['bytes_median'] / 1000:,.1f}" if row["bytes_median"] is not None else "–"])
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *(line(c) for c in cells)])


def goals(report: dict) -> list[str]:
    """The issue's goals as measured ratios (reported, never asserted)."""
    lines = []
    for scale, limit in ((1, 3.0), (10, 4.0)):
        for kind, what in (("load", "every page settled (opened by address)"),
                           ("navigate", "every page settled (sidebar click)")):
            loads = [r for r in report["results"] if r["scale"] == scale and r["kind"] == kind and r["x_empty"]
                     and not r["name"].startswith("empty")]
            if loads:
                worst = max(loads, key=lambda r: r["x_empty"])
                over = [r["name"] for r in loads if r["x_empty"] > limit]
                lines.append(f"[{scale}×] {what} ≤ {limit:.0f}× the empty page: slowest {worst['name']} "
                             f"{worst['x_empty']:.2f}×; " + (f"over: {', '.join(over)}" if over else "all within"))
    for row in report["results"]:
        if row["name"].startswith("kysely: edit") and row["x_empty"]:
            lines.append(f"[{row['scale']}×] edit acknowledged ≤ 2× the empty page's rerun: {row['x_empty']:.2f}×")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="demo scale, 3 runs per figure (a few minutes)")
    parser.add_argument("--runs", type=int, help="timed runs per figure (default 10, --quick 3)")
    parser.add_argument("--scales", type=int, nargs="+", help="1 and/or 10 (default both, --quick 1)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--load", action=argparse.BooleanOptionalAction, default=None,
                        help="also twenty browsers answering at once (tools.load_browsers; default: on, off with --quick)")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 10)
    scales = tuple(args.scales or ((1,) if args.quick else (1, 10)))
    workdir = Path(tempfile.mkdtemp(prefix="yse-bench-browser-"))
    began = time.perf_counter()
    try:
        report = run(scales, runs, workdir)
        if args.load if args.load is not None else not args.quick:
            report["twenty_browsers"] = twenty_browsers(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["total_seconds"] = round(time.perf_counter() - began, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    m = report["machine"]
    print(f"In the browser: {m['date_utc']}, {m['nproc']} cores, load average {m['load_average_1min_start']} at start "
          + ", ".join(f"{v} after {k.rsplit('_', 1)[1]}" for k, v in m.items() if k.startswith("load_average_after"))
          + f"; Streamlit {m['streamlit']}, {m['chromium']}; {runs} runs per figure; {report['total_seconds']:.0f} s")
    print(format_table(report))
    for line in goals(report):
        print(line)
    if "twenty_browsers" in report:
        print(twenty_browsers_line(report["twenty_browsers"]))
    print(f"JSON: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
