"""Load test in real browsers: 20 Chromium sessions answer the questionnaire at once against one `streamlit run`.

Run:  python -m tools.load_browsers [--areas 20] [--json bench-results/browser-load.json]

Everything is real: a fresh demo database file (without the invented answers, so every area starts
empty), one `streamlit run app.py` (``tools.portal_server.Server``, as in the browser tests), logins
through the real form with bcrypt passwords, and headless system Chromium. Each of ``--areas`` areas gets one session logged in
as ``demo-<area>``; the first area also gets a second respondent account, added through
``yse_core.auth`` before the server starts, so there are ``--areas`` + 1 browser sessions. All of
them log in (a few at a time), open the questionnaire and wait at a common start; then they all
answer at once, without pauses:

* the sessions outside the pair open the theme "Omat toimet" straight from the address
  (``kysely?teema=own_measures``) and answer a 1–5 scale radio, a multiselect, a text area and a number;
* the conflict pair (``demo-<area>`` and ``toinen.<area>``) first both type a different text into the
  same empty long-text question and leave the field together. Exactly one save may win; the other page
  must show the conflict message with the winner's text, and it keeps its own ("Tallenna minun
  vastaukseni": version 2, a clean last write, both writes in the history). The winner's page, now
  stale, edits the text once more: it must get the conflict message too, and it takes the other text
  ("Pidä heidän vastauksensa"), so its stale text is never stored. Then ``demo-<area>`` answers a
  yes/no, the select box it reveals, a scale and two multiselect choices on the same theme, while
  ``toinen.<area>`` answers a scale, a yes/no, a multiselect and a text area on another theme of the
  same response.

Latency is what the browser sees on its websocket. After a save the form shows "✓ Tallennettu hh:mm"
under the question; that mark arrives with the run that carries the change (the widget's callback
saves, the question's fragment or the whole page reruns). So a save's latency is the time from the
browser sending the rerun request with the new value to the browser receiving that run's
``script_finished`` message (Streamlit's protobuf, read with Streamlit's own classes): by then the
mark and everything else the run drew has arrived. Both moments are taken when Playwright reports
the frame, so the delay of the test's own event loop largely cancels out.

Why the async Playwright API in one Chromium: the sync API must not be shared between threads, and one
Chromium per session (or per few sessions, in processes) would spend the two CPUs on browsers instead
of on the server under test. One event loop drives all contexts (separate cookies, so separate
Streamlit sessions and websockets; each page has its own renderer process); the sessions interleave at
every await, and the server sees every session rerunning at once, which is the load that matters.
``run`` starts its event loop in a thread of its own, so it also works while a pytest session holds
the sync Playwright of ``tests/conftest.py`` open in the main thread.

Afterwards, with the pages still open, it checks the SQLite file (every value each session typed is
stored exactly with the expected version and history, nothing else changed, ``PRAGMA integrity_check``)
and every page (no exception box, no error alert, no "database is locked", the saved marks, still on
its own theme). Failing pages are saved as ``screenshots/FAILED-browser-load-<user>*.png``. Times are
reported, never asserted; a hang fails through generous time limits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools import test_calendar
from yse_core.i18n import t as translate

ROOT = Path(__file__).resolve().parent.parent
ROUND = test_calendar.ROUND  # the tests' calendar: the drivers run on the tests' template
DEMO_PASSWORD = "yse-demo"
PARTNER_PASSWORD = "toinen-vastaaja-2025"  # a real account: bcrypt, at least 12 characters
SCREENSHOTS = ROOT / "screenshots"

QUESTIONNAIRE_HEADING = f"YSE-keskustelut {ROUND}: ennakkokysely"
EXISTS = "trends_process_exists"
FREQUENCY = "trends_process_frequency"
SCALE = "trends_process_self"
SOURCES = "trends_data_sources"
DESCRIPTION = "trends_process_description"  # also the question the conflict pair edits together
CONTACTS = "employer_contacts_per_year"
COVERAGE = "statistics_coverage_self"
FOLLOW_UP = "own_measures_follow_up_methods"
FOLLOW_UP_TEXT = "own_measures_follow_up_description"
OWN_MEASURES = "own_measures"  # the theme the sessions outside the pair open straight from the address
FUNDING_SCALE = "funding_steering_self"
FUNDING_REDIRECTED = "funding_redirected"
FUNDING_GROUPS = "funding_redirected_groups"
FUNDING_TEXT = "funding_direction_description"
SITUATION_THEME = "Tilannekuva ja kehityssuuntien seuranta"
OWN_MEASURES_THEME = "Omat toimet ja niiden vaikuttavuuden seuranta"
FUNDING_THEME = "Työmarkkinatilanteen huomioiminen rahoituksen suuntaamisessa"
THEME_IDS = {SITUATION_THEME: "situational_picture", OWN_MEASURES_THEME: OWN_MEASURES, FUNDING_THEME: "funding_direction"}
DESCRIPTION_LABEL = "Onko alueella toimivat prosessit"

CONFLICT_TEXT = "tallensi tähän kysymykseen toisen vastauksen"  # the middle of q.conflict, between name and time
KEEP_MINE = translate("q.keep_mine")
TAKE_THEIRS = translate("q.take_theirs")
THEIRS = translate("q.conflict_theirs")
SAVED_MARK = translate("q.saved_now", when="").strip()  # "✓ Tallennettu hh:mm" under a question this page saved

# Generous limits: they only turn a hang into a failure, they do not judge speed.
RERUN_TIMEOUT_S = 90
WAIT_TIMEOUT_MS = 60_000
RUN_TIMEOUT_S = 900
# Logins go a few at a time: twenty first page loads at once on two CPUs measure Chromium parsing
# Streamlit's JavaScript, not the portal; the load under test is the answering, which starts together.
LOGIN_CONCURRENCY = 4


@dataclass
class Session:
    """One browser session's account, what it saved and what it saw."""

    index: int
    username: str
    area_id: str
    password: str
    partner: bool = False  # the second account of the conflict pair's area
    expected: dict[str, object] = field(default_factory=dict)  # question id -> the value this session saved last
    saves: dict[str, int] = field(default_factory=dict)  # question id -> successful saves
    latencies: list[tuple[str, float]] = field(default_factory=list)  # (question id, ms) per save
    navigation_ms: list[float] = field(default_factory=list)  # theme switches and conflict choices (no save)
    login_seconds: float | None = None
    login_clicks: int | None = None
    click_times: list[float] = field(default_factory=list)  # wall-clock time of each click on "Kirjaudu"
    theme_jumps: list[str] = field(default_factory=list)  # the page left its theme by itself
    conflict_text: str | None = None
    conflict_outcome: str | None = None  # "won" or "lost" the first simultaneous save
    problems: list[str] = field(default_factory=list)
    answered_all: bool = False  # went through every step of its part
    finished: bool = False


@dataclass
class ConflictPair:
    """The two sessions on one area and question, and the moment the loser has kept its own text."""

    area_id: str
    sessions: list[Session]
    kept: asyncio.Event | None = None
    stale_text: str | None = None  # what the winner's stale page typed after the loser's write


@dataclass
class Plan:
    db_path: Path
    sessions: list[Session]
    pair: ConflictPair
    labels: dict[str, dict[str, str]]  # question id -> option id -> Finnish label
    scale_labels: dict[str, list[str]]
    before: dict[int, tuple[int, int]]  # response id -> (saves so far: its answers' versions summed, history rows)
    response_ids: dict[str, int]  # area id -> response id
    theme_questions: dict[str, set[str]]  # Finnish theme title -> its question ids


# --- preparing the database -------------------------------------------------------------------


def prepare(db_path: Path, areas: int) -> Plan:
    """Choose ``areas`` empty, writable areas, add the second account for the first, and record the start state."""
    from yse_core import auth
    from yse_core.db import open_db
    from yse_core.responses import WRITABLE_STATES, load_context

    db = open_db(db_path)
    try:
        rows = db.execute(
            """SELECT u.area_id, r.id FROM users u JOIN responses r ON r.area_id = u.area_id AND r.round_year = ?
               WHERE u.role = 'respondent' AND u.username = 'demo-' || u.area_id AND u.active = 1
                 AND r.state IN ({}) AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id)
               ORDER BY u.area_id""".format(",".join("?" * len(WRITABLE_STATES))),
            [ROUND, *WRITABLE_STATES],
        ).fetchall()
        if len(rows) < areas:
            raise RuntimeError(f"only {len(rows)} areas have an empty, writable {ROUND} response; asked for {areas}")
        chosen = rows[:areas]
        pair_area = chosen[0][0]
        partner = f"toinen.{pair_area}"
        if not db.execute("SELECT 1 FROM users WHERE username = ?", [partner]).fetchone():
            auth.add_user(db, partner, "Toinen vastaaja", PARTNER_PASSWORD, "respondent", pair_area, actor="load-test")
        sessions = [Session(i, f"demo-{area_id}", area_id, DEMO_PASSWORD) for i, (area_id, _) in enumerate(chosen)]
        sessions.append(Session(len(sessions), partner, pair_area, PARTNER_PASSWORD, partner=True))
        admin = auth.get_user(db, "demo-admin")
        questionnaire = load_context(db, admin, ROUND, pair_area).questionnaire
        labels = {qid: {o: questionnaire.question(qid).option_label(o, "fi") for o in questionnaire.question(qid).option_ids()}
                  for qid in (FREQUENCY, SOURCES, FUNDING_GROUPS, FOLLOW_UP)}
        scale_labels = {qid: [label.get("fi") for label in questionnaire.question(qid).scale_labels]
                        for qid in (SCALE, FUNDING_SCALE, COVERAGE)}
        response_ids = dict(chosen)
        theme_questions = {theme.title.get("fi"): {q.id for q in theme.questions} for theme in questionnaire.themes}
        titles = {theme.title.get("fi"): theme.id for theme in questionnaire.themes}
        if any(titles.get(title) != theme_id for title, theme_id in THEME_IDS.items()):
            raise RuntimeError(f"the questionnaire's themes changed: {titles}")
        before = {
            rid: (saves_so_far(db, rid),
                  db.execute("SELECT COUNT(*) FROM answer_history WHERE response_id = ?", [rid]).fetchone()[0])
            for rid in response_ids.values()
        }
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    pair = ConflictPair(pair_area, [sessions[0], sessions[-1]])
    return Plan(db_path, sessions, pair, labels, scale_labels, before, response_ids, theme_questions)


# --- driving one page -------------------------------------------------------------------------


def is_rerun_request(payload) -> bool:
    """Whether a frame the browser sent over Streamlit's websocket asks for a script run."""
    from google.protobuf.message import DecodeError
    from streamlit.proto.BackMsg_pb2 import BackMsg

    if not isinstance(payload, bytes):
        return False
    try:
        return BackMsg.FromString(payload).WhichOneof("type") == "rerun_script"
    except DecodeError:
        return False


def run_event(payload) -> str | None:
    """What a frame the server sent says of a script run: "start", "end" (not cut short for a rerun), or None."""
    from google.protobuf.message import DecodeError
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(payload, bytes):
        return None
    try:
        message = ForwardMsg.FromString(payload)
    except DecodeError:
        return None
    kind = message.WhichOneof("type")
    if kind == "new_session":
        return "start"
    if kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
        return "end"
    return None


class RunWatch:
    """One page's Streamlit websocket as the browser sees it: rerun requests sent, runs started and ended."""

    def __init__(self, page):
        self.requests: list[float] = []  # perf_counter times of rerun requests sent
        self.starts: list[float] = []  # times of new_session received (every run, fragment runs too)
        self.ends: list[float] = []  # times of script_finished received, except runs cut short for another run
        self.last_frame = time.perf_counter()
        page.on("websocket", self._attach)

    def _attach(self, websocket) -> None:
        websocket.on("framesent", self._sent)
        websocket.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        if is_rerun_request(payload):
            self.requests.append(time.perf_counter())

    def _received(self, payload) -> None:
        self.last_frame = now = time.perf_counter()
        event = run_event(payload)
        if event == "start":
            self.starts.append(now)
        elif event == "end":
            self.ends.append(now)

    def run_after(self, since: float) -> tuple[float, float] | None:
        """The first rerun request sent after ``since`` and the end of the first run that started after it.

        A run that started before the request (its start was already received) ends without the change;
        one that was cut short for the request ends "early" and is not counted.
        """
        request = next((r for r in self.requests if r > since), None)
        start = next((s for s in self.starts if request is not None and s > request), None)
        end = next((e for e in self.ends if start is not None and e > start), None)
        return (request, end) if end is not None else None

    def quiet_for(self, seconds: float) -> bool:
        """Every rerun request has been served (a run started and ended after it) and nothing came for ``seconds``."""
        served = not self.requests or self.run_after(self.requests[-1] - 1e-9) is not None
        return served and time.perf_counter() - self.last_frame > seconds


@dataclass
class Tab:
    """A session's page and what its websocket says."""

    page: object
    watch: RunWatch
    session: Session
    theme: str = SITUATION_THEME  # the theme this page is meant to show

    @property
    def theme_id(self) -> str:
        return THEME_IDS[self.theme]


async def settle(tab: Tab, quiet_seconds: float = 1.0) -> None:
    """Wait until Streamlit has answered every rerun request and sent nothing for ``quiet_seconds``."""
    deadline = time.perf_counter() + WAIT_TIMEOUT_MS / 1000
    while not tab.watch.quiet_for(quiet_seconds):
        if time.perf_counter() > deadline:
            raise AssertionError(f"the page did not settle within {WAIT_TIMEOUT_MS / 1000:.0f} s")
        await asyncio.sleep(0.05)


async def rerun_ms(tab: Tab, action) -> float:
    """Do ``action`` (whose last click or key press changes a widget); return the ms from the browser sending
    that change to the browser receiving the end of the run it started."""
    since = time.perf_counter()
    await action()
    deadline = time.perf_counter() + RERUN_TIMEOUT_S
    while (run := tab.watch.run_after(since)) is None:
        if time.perf_counter() > deadline:
            asked = any(r > since for r in tab.watch.requests)
            raise AssertionError(f"no run ended within {RERUN_TIMEOUT_S} s of the change (rerun request sent: {asked})")
        await asyncio.sleep(0.01)
    request, end = run
    return (end - request) * 1000


async def login(tab: Tab, base_url: str, password: str, path: str = "") -> int:
    """Log in through the real form (the async twin of ``browser_helpers.login``), wait for the cookie and
    return how many clicks on "Kirjaudu" it took."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    page, username = tab.page, tab.session.username
    await page.goto(f"{base_url}/{path}", timeout=WAIT_TIMEOUT_MS)
    await page.get_by_label("Käyttäjätunnus").wait_for()
    await settle(tab, 1.0)
    if await page.get_by_role("dialog").count():  # Streamlit's own "page not found" notice before the login
        await page.keyboard.press("Escape")
    logout = page.get_by_role("button", name="Kirjaudu ulos")
    name_field = page.get_by_label("Käyttäjätunnus")
    clicks = 0
    deadline = time.perf_counter() + 3 * WAIT_TIMEOUT_MS / 1000
    while not await logout.count():
        if clicks == 3 or time.perf_counter() > deadline:
            raise AssertionError(f"{username}: not logged in after {clicks} clicks on 'Kirjaudu'")
        if not await name_field.count():  # between the form and the portal: look again
            await asyncio.sleep(0.2)
            continue
        try:
            await name_field.fill(username, timeout=15_000)
            await page.get_by_label("Salasana").fill(password, timeout=15_000)
            since = time.perf_counter()
            await page.get_by_role("button", name="Kirjaudu").click(timeout=15_000)
            clicks += 1
            tab.session.click_times.append(time.time())
        except PlaywrightTimeout:  # the form went away (a previous click is logging in) or the page was busy
            continue
        # A click can be lost when a rerun started by the cookie component interrupts the run that carries
        # it (docs/reliability.md): a run ends after the click, the form simply stays and the page goes
        # quiet, and a person would click again. Clicking again while a slow login is still on its way
        # does no harm either.
        while not await logout.count() and time.perf_counter() < deadline:
            if tab.watch.run_after(since) and tab.watch.quiet_for(3.0):
                if await page.locator('[data-testid="stAlertContentError"]').count():
                    raise AssertionError(f"{username}: the login form shows an error")
                break
            await asyncio.sleep(0.2)
    for _ in range(300):
        if any(cookie["name"] == "yse_auth" for cookie in await page.context.cookies()):
            return clicks
        await asyncio.sleep(0.1)
    raise AssertionError("the login cookie was not set within 30 s")


async def stay_on_theme(tab: Tab, moment: str) -> None:
    """Record it when the page no longer shows its theme (nobody chose another one), then go back to it.

    The page writes its theme into the address (``?teema=``) on every full run and shows it as the header.
    """
    from urllib.parse import parse_qs, urlsplit

    headers = tab.page.locator('[data-testid="stHeading"] h2')
    for _ in range(50):  # a run's elements can be between two states for a moment
        in_address = parse_qs(urlsplit(tab.page.url).query).get("teema", [None])[0]
        if in_address == tab.theme_id and await headers.filter(has_text=tab.theme).count():
            return
        await asyncio.sleep(0.1)
    shown = await headers.all_inner_texts()
    tab.session.theme_jumps.append(f"{moment}: the page showed {shown} instead of '{tab.theme}' (address {tab.page.url})")
    SCREENSHOTS.mkdir(exist_ok=True)
    await tab.page.screenshot(path=str(SCREENSHOTS / f"FAILED-browser-load-{tab.session.username}-theme.png"), full_page=True)
    await switch_theme(tab, tab.theme, timed=False)
    await settle(tab, 0.5)


async def save(tab: Tab, question_id: str, value: object, action) -> None:
    """Change one answer through ``action``, wait for its run and record the value and the latency."""
    session = tab.session
    await stay_on_theme(tab, f"before saving {question_id}")
    session.latencies.append((question_id, await rerun_ms(tab, action)))
    session.expected[question_id] = value
    session.saves[question_id] = session.saves.get(question_id, 0) + 1


def radio(page, question_text: str):
    """The radio group of the question whose text contains ``question_text``."""
    return page.locator('[data-testid="stRadio"]').filter(has_text=question_text).first


async def choose_in_box(page, testid: str, question_text: str, label: str) -> None:
    """Open a select box or multiselect, type the option's label and press Enter (as a keyboard user would)."""
    await page.locator(f'[data-testid="{testid}"]').filter(has_text=question_text).first.click()
    await page.keyboard.type(label)
    await page.keyboard.press("Enter")


async def write_text(page, label: str, text: str) -> None:
    """Fill a text field and leave it with Tab (the moment the form saves)."""
    box = page.get_by_role("textbox", name=label)
    await box.fill(text)
    await box.press("Tab")


async def switch_theme(tab: Tab, title: str, *, timed: bool = True) -> None:
    """Choose a theme in the sidebar and wait for its run (timed as navigation, not as a save)."""
    async def click():
        await tab.page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(has_text=title).click()

    tab.theme = title
    took = await rerun_ms(tab, click)
    if timed:
        tab.session.navigation_ms.append(took)
    await tab.page.locator('[data-testid="stHeading"] h2').filter(has_text=title).first.wait_for()


def session_text(session: Session, what: str) -> str:
    """A distinct text per session with a line break, Nordic letters, quotes, markup and an emoji (stored exactly)."""
    return (f"{what} – istunto {session.index} ({session.username}).\nJohtoryhmä käsittelee tilannekuvan kuukausittain; "
            f"Åbo & \"lainaus\" <b>ei HTML</b> 😀")


async def answer_situation(tab: Tab, plan: Plan) -> None:
    """The first theme (after the conflicting text): yes/no, the select box it reveals, scale, two multiselect choices."""
    page, session = tab.page, tab.session

    async def yes():
        await radio(page, "Onko alueella vakiintunut prosessi").get_by_text("Kyllä").click()

    await save(tab, EXISTS, True, yes)
    frequency = list(plan.labels[FREQUENCY])[session.index % len(plan.labels[FREQUENCY])]

    async def how_often():  # the select box appeared with the "yes"
        await choose_in_box(page, "stSelectbox", "Kuinka usein tilannekuva", plan.labels[FREQUENCY][frequency])

    await save(tab, FREQUENCY, frequency, how_often)
    level = session.index % 5 + 1

    async def scale():
        await radio(page, "Miten arvioitte alueen tilannekuvan").get_by_text(f"{level} – {plan.scale_labels[SCALE][level - 1]}").click()

    await save(tab, SCALE, level, scale)
    sources = list(plan.labels[SOURCES])
    picked = [sources[session.index % len(sources)], sources[(session.index + 4) % len(sources)]]
    for count, source in enumerate(picked, start=1):
        async def pick(source=source):
            await choose_in_box(page, "stMultiSelect", "Mitä tietolähteitä", plan.labels[SOURCES][source])

        # The core stores the choices in the questionnaire's option order.
        await save(tab, SOURCES, [s for s in sources if s in picked[:count]], pick)
    await page.keyboard.press("Escape")  # close the multiselect's list


async def answer_own_measures(tab: Tab, plan: Plan) -> None:
    """The theme the other sessions open from the address: a scale, a multiselect, a text area and a number."""
    page, session = tab.page, tab.session
    level = session.index % 5 + 1

    async def scale():
        await radio(page, "Kuinka hyvin käytettävissä olevat tilastot").get_by_text(
            f"{level} – {plan.scale_labels[COVERAGE][level - 1]}").click()

    await save(tab, COVERAGE, level, scale)
    method = list(plan.labels[FOLLOW_UP])[session.index % len(plan.labels[FOLLOW_UP])]

    async def pick():
        await choose_in_box(page, "stMultiSelect", "Millä tavoin omien toimien", plan.labels[FOLLOW_UP][method])

    await save(tab, FOLLOW_UP, [method], pick)
    await page.keyboard.press("Escape")  # close the multiselect's list
    text = session_text(session, "Omien toimien seuranta")

    async def describe():
        await write_text(page, "Miten seuraatte omien toimien", text)

    await save(tab, FOLLOW_UP_TEXT, text, describe)
    contacts = 100 + 7 * session.index

    async def number():
        await write_text_in(page.get_by_role("spinbutton", name="Kuinka monta yritys- ja työnantajakontaktia"), str(contacts))

    await save(tab, CONTACTS, contacts, number)


async def write_text_in(box, text: str) -> None:
    """Fill a field and leave it with Tab (number inputs commit on leaving, like text areas)."""
    await box.fill(text)
    await box.press("Tab")


async def answer_funding(tab: Tab, plan: Plan) -> None:
    """The second account's own questions, on another theme of the same response: scale, yes/no, multiselect, text."""
    page, session = tab.page, tab.session
    await switch_theme(tab, FUNDING_THEME)
    level = (session.index + 2) % 5 + 1

    async def scale():
        await radio(page, "Missä määrin työmarkkinatilanteen").get_by_text(f"{level} – {plan.scale_labels[FUNDING_SCALE][level - 1]}").click()

    await save(tab, FUNDING_SCALE, level, scale)

    async def yes():
        await radio(page, "Onko alueen rahoitusta tai palveluja suunnattu").get_by_text("Kyllä").click()

    await save(tab, FUNDING_REDIRECTED, True, yes)
    group = list(plan.labels[FUNDING_GROUPS])[1]

    async def pick():  # the multiselect appeared with the "yes"
        await choose_in_box(page, "stMultiSelect", "Mihin kohderyhmiin", plan.labels[FUNDING_GROUPS][group])

    await save(tab, FUNDING_GROUPS, [group], pick)
    await page.keyboard.press("Escape")
    text = session_text(session, "Rahoituksen suuntaaminen")

    async def describe():
        await write_text(page, "Miten työmarkkinatilanteen yleiset haasteet", text)

    await save(tab, FUNDING_TEXT, text, describe)


async def conflicting_edit(tab: Tab, plan: Plan) -> None:
    """Both pair sessions type into the same empty question at once: the loser must see the conflict and keeps
    its own text; the winner's page, now stale, edits again, must see the conflict too and takes theirs."""
    page, session, pair = tab.page, tab.session, plan.pair
    other = next(s for s in pair.sessions if s is not session)
    text = session.conflict_text = session_text(session, "Samanaikainen muokkaus")

    async def describe():
        await write_text(page, DESCRIPTION_LABEL, text)

    session.latencies.append((DESCRIPTION, await rerun_ms(tab, describe)))
    keep = page.get_by_role("button", name=KEEP_MINE)
    saved_marks = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=SAVED_MARK)
    # The run has ended; the browser draws either the conflict (with its buttons) or the saved mark.
    if not await eventually(lambda: any_count(keep, saved_marks)):
        raise AssertionError("neither the conflict message nor the saved mark appeared after the simultaneous save")
    if await keep.count():
        session.conflict_outcome = "lost"
        await conflict_shown(page, session, session_text(other, "Samanaikainen muokkaus"))

        async def keep_mine():
            await keep.click()

        await save(tab, DESCRIPTION, text, keep_mine)
        if not await eventually(lambda: none_left(page.get_by_text(CONFLICT_TEXT))):
            session.problems.append("the conflict message stayed after 'keep mine'")
        pair.kept.set()
        return
    session.conflict_outcome = "won"
    session.saves[DESCRIPTION] = 1
    await asyncio.wait_for(pair.kept.wait(), WAIT_TIMEOUT_MS / 1000)
    await stay_on_theme(tab, "before the stale edit")
    # This page still shows its own text, read before the other session kept theirs.
    pair.stale_text = session_text(session, "Vanhentunut sivu")

    async def stale():
        await write_text(page, DESCRIPTION_LABEL, pair.stale_text)

    session.latencies.append((DESCRIPTION, await rerun_ms(tab, stale)))
    if not await eventually(lambda: any_count(page.get_by_role("button", name=TAKE_THEIRS))):
        session.problems.append("a stale page saved over the other session's answer without a conflict message")
        return
    await conflict_shown(page, session, other.conflict_text)

    async def take_theirs():
        await page.get_by_role("button", name=TAKE_THEIRS).click()

    session.navigation_ms.append(await rerun_ms(tab, take_theirs))
    box = page.get_by_role("textbox", name=DESCRIPTION_LABEL)

    async def shows_theirs() -> bool:
        return await box.input_value() == other.conflict_text

    if not await eventually(shows_theirs):
        shown = await box.input_value()
        session.problems.append(f"after 'keep theirs' the text area shows {shown!r:.80}, not the other session's text")


async def eventually(check, seconds: float = 10.0) -> bool:
    """Whether the async ``check()`` becomes true within ``seconds`` (the browser draws a run's last
    messages just after they arrive)."""
    deadline = time.perf_counter() + seconds
    while not await check():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def any_count(*locators) -> bool:
    return any([await locator.count() for locator in locators])


async def none_left(locator) -> bool:
    return not await locator.count()


async def conflict_shown(page, session: Session, theirs: str) -> None:
    """The conflict warning is shown with the other session's text (its first line is enough to recognise it)."""
    warning = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text=CONFLICT_TEXT)
    if not await warning.count():
        session.problems.append("conflict buttons without the conflict message")
    await page.get_by_text(f"{THEIRS} {theirs.splitlines()[0]}").first.wait_for()


async def check_page(tab: Tab, plan: Plan) -> None:
    """No exception box, no error alert, no locked database, no conflict left open; every question this page
    saved on the theme it ended on shows the saved mark."""
    page, session = tab.page, tab.session
    if await page.locator('[data-testid="stException"]').count():
        session.problems.append("an exception box is shown")
    for alert in await page.locator('[data-testid="stAlertContentError"]').all():
        session.problems.append(f"error message: {(await alert.inner_text())[:200]}")
    body = (await page.locator("body").inner_text()).lower()
    for bad in ("database is locked", "traceback", "tietokantavirhe"):
        if bad in body:
            session.problems.append(f"the page shows {bad!r}")
    if await page.get_by_text(CONFLICT_TEXT).count():
        session.problems.append("a conflict message is still open")
    await stay_on_theme(tab, "after the last save")
    saved_here = set(session.saves) & plan.theme_questions[tab.theme]
    marks = await page.locator('[data-testid="stCaptionContainer"]').filter(has_text=SAVED_MARK).count()
    if marks != len(saved_here):
        session.problems.append(f"{marks} '{SAVED_MARK}' marks on the page, but it saved {len(saved_here)} questions of this theme")


async def new_tab(browser, session: Session) -> Tab:
    """A new browser context (its own cookies, so its own Streamlit session) with one watched page."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fi-FI")
    context.set_default_timeout(WAIT_TIMEOUT_MS)
    page = await context.new_page()
    return Tab(page, RunWatch(page), session)


async def run_session(tab: Tab, base_url: str, plan: Plan, logins: asyncio.Semaphore, ready, start: asyncio.Event) -> None:
    """Log in, open the questionnaire, wait for the common start, answer; on any error record it and keep the page."""
    session, pair = tab.session, plan.pair
    in_pair = session in pair.sessions
    path = "kysely" if in_pair else f"kysely?teema={OWN_MEASURES}"  # a deep link survives the login
    tab.theme = SITUATION_THEME if in_pair else OWN_MEASURES_THEME
    try:
        async with logins:
            began = time.perf_counter()
            session.login_clicks = await login(tab, base_url, session.password, path=path)
            session.login_seconds = time.perf_counter() - began
            await tab.page.get_by_role("heading", name=QUESTIONNAIRE_HEADING).filter(visible=True).first.wait_for()
        await settle(tab)
        await stay_on_theme(tab, "after the login")  # the login keeps ?teema= from the address
    except Exception as error:
        session.problems.append(f"before the start: {type(error).__name__}: {str(error)[:500]}")
        if in_pair:
            pair.kept.set()  # do not leave the other one of the pair waiting
        session.finished = True
        ready()
        return
    ready()
    await start.wait()
    try:
        if in_pair:
            await conflicting_edit(tab, plan)
        if session.partner:
            await answer_funding(tab, plan)
        elif in_pair:
            await answer_situation(tab, plan)
        else:
            await answer_own_measures(tab, plan)
        session.answered_all = True
        await settle(tab, 0.5)
        await check_page(tab, plan)
    except Exception as error:
        session.problems.append(f"{type(error).__name__}: {str(error)[:500]}")
        if in_pair:
            pair.kept.set()
    session.finished = True


async def warm_up(browser, base_url: str) -> int:
    """Log in once as the admin before the sessions start, as on a server that has been up for a while.

    The first session after a server start loses its first login click (docs/reliability.md); the
    sessions under test should meet the server in its everyday state, so one throwaway login goes first.
    Returns how many clicks that login took, as evidence of the cold-start behaviour.
    """
    tab = await new_tab(browser, Session(-1, "demo-admin", "", DEMO_PASSWORD))
    try:
        return await login(tab, base_url, DEMO_PASSWORD)
    finally:
        await tab.page.context.close()


async def drive(base_url: str, plan: Plan, server_pid: int) -> dict:
    """Run every session at once in one headless Chromium; check the database while the pages are open."""
    from playwright.async_api import async_playwright

    from tools.portal_server import CHROMIUM, CHROMIUM_ARGS

    plan.pair.kept = asyncio.Event()
    start = asyncio.Event()
    waiting = len(plan.sessions)
    timing: dict[str, float] = {}

    def ready() -> None:
        nonlocal waiting
        waiting -= 1
        if waiting == 0:
            timing["start"] = time.perf_counter()
            timing["server_cpu_at_start"] = process_cpu_seconds(server_pid)
            start.set()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            timing["warm_up_login_clicks"] = await warm_up(browser, base_url)
            timing["began"] = time.perf_counter()
            tabs = [await new_tab(browser, session) for session in plan.sessions]
            try:
                logins = asyncio.Semaphore(LOGIN_CONCURRENCY)
                await asyncio.wait_for(
                    asyncio.gather(*(run_session(tab, base_url, plan, logins, ready, start) for tab in tabs)), RUN_TIMEOUT_S)
            except TimeoutError:
                for session in plan.sessions:
                    if not session.finished:
                        session.problems.append(f"still running after {RUN_TIMEOUT_S} s")
            timing["end"] = time.perf_counter()
            timing["server_cpu_at_end"] = process_cpu_seconds(server_pid)
            database_problems = verify_database(plan)
            failing = {s.username for s in plan.sessions if s.problems}
            failing |= {s.username for s in plan.sessions for p in database_problems.values() for line in p
                        if line.startswith(s.area_id + " ") or line.startswith(s.area_id + ":")}
            if plan.pair and database_problems["conflict"]:
                failing |= {s.username for s in plan.pair.sessions}
            for tab in tabs:
                if tab.session.username in failing:
                    SCREENSHOTS.mkdir(exist_ok=True)
                    path = SCREENSHOTS / f"FAILED-browser-load-{tab.session.username}.png"
                    await tab.page.screenshot(path=str(path), full_page=True)
        finally:
            await browser.close()
    return figures(plan, timing, database_problems)


# --- checking the database ---------------------------------------------------------------------


def saves_so_far(db, response_id: int) -> float:
    """A response's saves so far: every save raises one answer's version by one (yse_core.responses.change_counts)."""
    return db.execute("SELECT TOTAL(version) FROM answers WHERE response_id = ?", [response_id]).fetchone()[0]


def second_clicks(plan: Plan) -> list[str]:
    """For each login that took more than one click: was the first click lost, or only slow?

    The audit log's "login" event (written by the login callback, to the second) tells: before the second
    click's second, the first click had logged in and the driver clicked again on a form still shown."""
    from datetime import datetime

    from yse_core.db import open_db

    lines = []
    db = open_db(plan.db_path)
    try:
        for session in plan.sessions:
            if len(session.click_times) < 2:
                continue
            logins = [datetime.fromisoformat(at).timestamp() for (at,) in db.execute(
                "SELECT at FROM audit_log WHERE action = 'login' AND username = ? ORDER BY id", [session.username])]
            second = int(session.click_times[1])
            verdict = ("not lost: logged in before the second click" if logins and logins[0] < second
                       else "lost: logged in after the second click" if logins and logins[0] > second
                       else "unclear: logged in within the second of the second click" if logins else "no login event")
            lines.append(f"{session.username}: {len(session.click_times)} clicks at {[round(t, 3) for t in session.click_times]}, {verdict}")
    finally:
        db.close()
    return lines


def verify_database(plan: Plan) -> dict[str, list[str]]:
    """Compare the SQLite file with what the sessions saved; problems by kind ("answers", "conflict", "integrity")."""
    from yse_core.db import open_db

    problems: dict[str, list[str]] = {"answers": [], "conflict": [], "integrity": []}
    db = open_db(plan.db_path)
    try:
        for area_id, rid in plan.response_ids.items():
            sessions = [s for s in plan.sessions if s.area_id == area_id]
            stored = {q: (json.loads(v) if v is not None else None, version, by) for q, v, version, by in db.execute(
                "SELECT question_id, value, version, updated_by FROM answers WHERE response_id = ?", [rid])}
            history = {}
            for q, version, old, new, by in db.execute(
                    "SELECT question_id, version, old_value, new_value, changed_by FROM answer_history WHERE response_id = ? "
                    "ORDER BY question_id, version", [rid]):
                history.setdefault(q, []).append((version, json.loads(old) if old else None, json.loads(new) if new else None, by))
            expected_saves = 0
            for session in sessions:
                for question, value in session.expected.items():
                    if area_id == plan.pair.area_id and question == DESCRIPTION:
                        continue  # checked by the conflict rules below
                    count = session.saves[question]
                    expected_saves += count
                    value_stored, version, by = stored.get(question, (None, 0, None))
                    if value_stored != value:
                        problems["answers"].append(f"{area_id} {question}: stored {value_stored!r:.80} != typed {value!r:.80}")
                    if version != count or by != session.username:
                        problems["answers"].append(f"{area_id} {question}: version {version} by {by}, expected {count} by {session.username}")
                    rows = history.get(question, [])
                    if [r[0] for r in rows] != list(range(1, count + 1)) or (rows and rows[-1][2] != value):
                        problems["answers"].append(f"{area_id} {question}: history {[(r[0], r[3]) for r in rows]} does not end in the saved value")
            if area_id == plan.pair.area_id:
                expected_saves += 2
                problems["conflict"] += verify_conflict(plan, stored.get(DESCRIPTION), history.get(DESCRIPTION, []))
            answered = {q for s in sessions for q in s.expected} | ({DESCRIPTION} if area_id == plan.pair.area_id else set())
            if set(stored) != answered:
                problems["answers"].append(f"{area_id}: answers stored for {sorted(set(stored) - answered)}, missing {sorted(answered - set(stored))}")
            version_before, history_before = plan.before[rid]
            version_now = saves_so_far(db, rid)
            history_now = db.execute("SELECT COUNT(*) FROM answer_history WHERE response_id = ?", [rid]).fetchone()[0]
            if version_now - version_before != expected_saves or history_now - history_before != expected_saves:
                problems["answers"].append(f"{area_id}: answer versions +{version_now - version_before:g}, history "
                                           f"+{history_now - history_before}, but {expected_saves} saves were made")
        placeholders = ",".join("?" * len(plan.response_ids))
        others = db.execute(f"SELECT COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.area_id NOT IN ({placeholders})",
                            list(plan.response_ids)).fetchone()[0]
        if others:
            problems["answers"].append(f"{others} answers appeared in areas no session used")
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems["integrity"].append(f"integrity_check: {integrity}")
    finally:
        db.close()
    return problems


def verify_conflict(plan: Plan, stored, history: list[tuple]) -> list[str]:
    """One save won, the other page showed the conflict and then wrote its own text as version 2; the stale page wrote nothing."""
    pair = plan.pair
    outcomes = sorted(s.conflict_outcome or "unknown" for s in pair.sessions)
    if outcomes != ["lost", "won"]:
        return [f"the simultaneous saves ended {outcomes}, expected one won and one lost (shown as a conflict)"]
    winner = next(s for s in pair.sessions if s.conflict_outcome == "won")
    loser = next(s for s in pair.sessions if s.conflict_outcome == "lost")
    problems = []
    if stored != (loser.conflict_text, 2, loser.username):
        problems.append(f"stored {stored!r:.120}, expected the kept text of {loser.username} as version 2")
    expected_history = [(1, None, winner.conflict_text, winner.username), (2, winner.conflict_text, loser.conflict_text, loser.username)]
    if history != expected_history:
        problems.append(f"history {history!r:.300} != {expected_history!r:.300}")
    if pair.stale_text is None or any(pair.stale_text in (r[1], r[2]) for r in history):
        problems.append("the stale page's text was stored (or it never tried)")
    return problems


# --- figures -----------------------------------------------------------------------------------


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50_ms": None, "p90_ms": None, "p95_ms": None, "max_ms": None}
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered)),
            "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]), "max_ms": round(ordered[-1])}


def figures(plan: Plan, timing: dict, database_problems: dict[str, list[str]]) -> dict:
    """Latency figures (reported, never asserted) and every problem found, by kind."""
    saves = [ms for s in plan.sessions for _, ms in s.latencies]
    return {
        "sessions": len(plan.sessions),
        "areas": len(plan.response_ids),
        "cpus": os.cpu_count(),
        "saves": len(saves),
        "save_latency": _percentiles(saves),
        "first_save_latency": _percentiles([s.latencies[0][1] for s in plan.sessions if s.latencies]),
        "theme_switch_latency": _percentiles([ms for s in plan.sessions for ms in s.navigation_ms]),
        "per_session": {s.username: _percentiles([ms for _, ms in s.latencies]) for s in plan.sessions},
        "login_seconds_max": round(max((s.login_seconds or 0) for s in plan.sessions), 1),
        "login_clicks": sorted((s.login_clicks or 0) for s in plan.sessions),
        "warm_up_login_clicks": timing.get("warm_up_login_clicks"),
        "second_clicks": second_clicks(plan),
        "theme_jumps": [f"{s.username}: {jump}" for s in plan.sessions for jump in s.theme_jumps],
        "login_phase_seconds": round(timing.get("start", timing["began"]) - timing["began"], 1),
        "answering_seconds": round(timing["end"] - timing["start"], 1) if "start" in timing and "end" in timing else None,
        "server_cpu_answering_seconds": (round(timing["server_cpu_at_end"] - timing["server_cpu_at_start"], 1)
                                         if timing.get("server_cpu_at_start") is not None and timing.get("server_cpu_at_end") is not None
                                         else None),
        "conflict": {s.username: s.conflict_outcome for s in plan.pair.sessions},
        "incomplete": [s.username for s in plan.sessions if not s.answered_all],
        "problems": {"pages": [f"{s.username}: {p}" for s in plan.sessions for p in s.problems], **database_problems},
    }


# --- entry points ------------------------------------------------------------------------------


def run(db_path: Path, areas: int = 20) -> dict:
    """Prepare ``db_path`` (a demo database without answers), start one server, drive the sessions, return figures."""
    from tools.portal_server import Server

    began = time.perf_counter()
    plan = prepare(Path(db_path), areas)
    server = Server(Path(db_path))
    outcome: dict = {}

    def in_thread() -> None:  # an event loop of its own, away from any sync Playwright in the caller's thread
        try:
            outcome["figures"] = asyncio.run(drive(server.url, plan, server.process.pid))
        except BaseException as error:  # noqa: BLE001 - handed back to the caller below
            outcome["error"] = error

    try:
        cpu_before = process_cpu_seconds(server.process.pid)
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        worker = threading.Thread(target=in_thread, name="browser-load")
        worker.start()
        worker.join()
        cpu_after = process_cpu_seconds(server.process.pid)
        own_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        server.stop()
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["figures"]
    result["total_seconds"] = round(time.perf_counter() - began, 1)
    result["server_cpu_seconds"] = round(cpu_after - cpu_before, 1) if cpu_after is not None and cpu_before is not None else None
    result["driver_process_cpu_seconds"] = round(own_after.ru_utime + own_after.ru_stime - own_before.ru_utime - own_before.ru_stime, 1)
    result["load_average_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result["server_log"] = str(server.log)
    return result


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process from /proc (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(result: dict) -> str:
    """For people: the latency figures overall and per session, the times and the problem counts."""
    save, first, switch = result["save_latency"], result["first_save_latency"], result["theme_switch_latency"]
    problems = sum(len(v) for v in result["problems"].values())
    lines = [
        f"{result['sessions']} browser sessions ({result['areas']} areas, {result['cpus']} CPUs, load average "
        f"{result['load_average_after']:.1f} at the end): {result['saves']} saves, browser-seen save latency p50 "
        f"{save['p50_ms']} ms, p90 {save['p90_ms']} ms, max {save['max_ms']} ms; first save after the common start p50 "
        f"{first['p50_ms']} / max {first['max_ms']} ms; theme switch p50 {switch['p50_ms']} ms",
        f"logins {result['login_phase_seconds']} s (clicks {result['login_clicks']}, warm-up {result['warm_up_login_clicks']}), "
        f"answering {result['answering_seconds']} s, total {result['total_seconds']} s; server CPU "
        f"{result['server_cpu_seconds']} s ({result['server_cpu_answering_seconds']} s while answering); conflict {result['conflict']}; theme jumps {len(result['theme_jumps'])}; "
        f"incomplete {len(result['incomplete'])}; problems {problems}",
    ]
    lines += [f"  {user}: n={row['n']} p50 {row['p50_ms']} ms, p90 {row['p90_ms']} ms, max {row['max_ms']} ms"
              for user, row in result["per_session"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=20, help="areas, one session each (plus the conflict partner)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench-results" / "browser-load.json")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="yse-browser-load-"))
    db_path = workdir / "demo.db"
    test_calendar.build_template(db_path)
    result = run(db_path, args.areas)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    failed = any(result["problems"].values()) or result["theme_jumps"] or result["incomplete"]
    if failed:
        print(json.dumps({"problems": result["problems"], "theme_jumps": result["theme_jumps"]}, ensure_ascii=False, indent=1))
        print(f"database and server log kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(summary(result))
    for line in result["second_clicks"]:
        print("  second click:", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
