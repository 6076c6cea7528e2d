"""Accessibility: axe-core (vendored, no network) on every page of every role, and a keyboard-only questionnaire run.

What is checked, what is excluded and why, and the known issues: docs/accessibility.md.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from tools.browser_helpers import login, new_page, radio_group, settle
from tools.test_calendar import ROUND
from yse_core import auth
from yse_core.db import open_db
from yse_core.responses import get_response_row, load_answers

from .conftest import ROOT, Server

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "fixtures" / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
# Streamlit's own chrome, outside the portal's control (each one is explained in docs/accessibility.md).
EXCLUDE = [
    '[data-testid="stToolbar"]',
    '[data-testid="stHeader"]',
    '[data-testid="stSidebarCollapseButton"]',
    '[data-testid="stExpandSidebarButton"]',
    '[data-testid="stStatusWidget"]',
    'iframe[title*="cookie" i]',
]
ROLES = {"demo-helsinki": "respondent", "demo-reviewer": "reviewer", "demo-admin": "admin"}


def _app_constant(name: str):
    """A constant of app.py (PAGES, STATEMENT_PAGES), read with ast so a new page is checked automatically."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == name for target in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in app.py")


def _portal_pages() -> dict[str, list[str]]:
    """The url paths of each role's pages, read from app.py's PAGES."""
    return {role: [entry[3] for entry in entries] for role, entries in _app_constant("PAGES").items()}


PORTAL_PAGES = _portal_pages()
# The accessibility statement and the privacy notice: open to everyone, logged in or not.
STATEMENT_PATHS = [entry[3] for entry in _app_constant("STATEMENT_PAGES")]

# Known serious/critical violations in the portal's own content, listed per page (username, url path; "" is the
# role's default page at "/"). A known violation is (axe rule id, kind of element); anything else on the page still
# fails the test outright, and a page whose known violations are fixed XPASSes, which fails the strict xfail.
CAPTION_CONTRAST = ("color-contrast", "caption")
CAPTION_REASON = (
    "color-contrast (serious): st.caption text is Streamlit's default caption grey — 3.81:1 in the sidebar "
    "('Kirjautunut: …', #7f7e7d on #f8f8f7) and 3.88:1 in the main area (#828180 on #ffffff); WCAG AA needs 4.5:1. "
    "Fix: a darker caption/text colour in the portal's Streamlit theme (.streamlit/config.toml) — see docs/accessibility.md"
)
# Empty since the theme's darker text colour (.streamlit/config.toml) fixed the caption contrast on every page.
KNOWN_ISSUES: dict[tuple[str, str], set[tuple[str, str]]] = {}


class KnownA11yViolation(Exception):
    """Raised only when a page's violations are exactly its listed known ones (the xfail expects this type only)."""


def _cases():
    cases = [pytest.param("logged-out", "", id="login-page")]
    for username, role in ROLES.items():
        for index, url_path in enumerate(PORTAL_PAGES[role]):
            path = "" if index == 0 else url_path
            known = (username, path) in KNOWN_ISSUES
            marks = [pytest.mark.xfail(strict=True, raises=KnownA11yViolation, reason=CAPTION_REASON)] if known else []
            cases.append(pytest.param(username, path, id=f"{username}-{url_path}", marks=marks))
    for username in ("logged-out", "demo-admin"):  # the admin also sees the form that edits them
        cases += [pytest.param(username, path, id=f"{username}-{path}") for path in STATEMENT_PATHS]
    return cases


@pytest.fixture(scope="module")
def a11y_server(demo_template, tmp_path_factory):
    """One real server for the whole module: every page is only read, so the pages can share it."""
    source = open_db(demo_template)
    source.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source.close()
    target = tmp_path_factory.mktemp("a11y") / "demo.db"
    shutil.copy(demo_template, target)
    srv = Server(target)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def role_pages(a11y_server, browser):
    """One browser page per role, logged in once and reused for every page of that role."""
    opened: dict[str, object] = {}

    def get(username: str):
        if username not in opened:
            pg = new_page(browser)
            if username == "logged-out":
                pg.goto(a11y_server.url)
                pg.get_by_label("Käyttäjätunnus").wait_for()
                settle(pg, 1500)
            else:
                login(pg, a11y_server.url, username)
                settle(pg, 1500)
            opened[username] = pg
        return opened[username]

    yield get
    for pg in opened.values():
        pg.context.close()


def run_axe(page) -> list[dict]:
    """Inject the vendored axe-core and return the serious/critical WCAG 2.0/2.1 A+AA violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async ([exclude, tags]) => {
            const kindOf = target => {
                if (target.length !== 1) return 'in-iframe';
                const el = document.querySelector(target[0]);
                return el && el.closest('[data-testid="stCaptionContainer"]') ? 'caption' : 'other';
            };
            const present = exclude.filter(selector => document.querySelector(selector));
            const context = present.length ? {exclude: present.map(selector => [selector])} : document;
            const result = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({impact: n.impact, kind: kindOf(n.target), target: n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : t),
                                          html: n.html.slice(0, 160), summary: n.failureSummary})),
            }));
        }""",
        [EXCLUDE, WCAG_TAGS],
    )
    return [v for v in result if v["impact"] in FAILING_IMPACTS]


def summarize(where: str, violations: list[dict]) -> str:
    lines = [f"{where}: {len(violations)} serious/critical axe violation(s)"]
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        more = f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else ""
        kinds = ",".join(sorted({n["kind"] for n in v["nodes"]}))
        lines.append(f"  [{v['impact']}] {v['id']} ({kinds}) — {v['help']} — {len(v['nodes'])} node(s): {targets}{more}")
        lines.append(f"      e.g. {v['nodes'][0]['html']}")
        for summary in sorted({" ".join((n["summary"] or "").split())[:260] for n in v["nodes"]})[:3]:
            lines.append(f"      {summary}")
    return "\n".join(lines)


def _open_page(page, base_url: str, path: str, logged_in: bool) -> None:
    page.goto(f"{base_url}/{path}")
    if logged_in:
        page.get_by_role("button", name="Kirjaudu ulos").wait_for()
    elif path in STATEMENT_PATHS:  # the statement itself, not the login form
        title = {"saavutettavuus": "Saavutettavuusseloste", "tietosuoja": "Tietosuojaseloste"}[path]
        page.get_by_role("heading", name=title, exact=True).wait_for()
    else:
        page.get_by_label("Käyttäjätunnus").wait_for()
    page.locator('[data-testid="stMain"] h1, [data-testid="stMain"] h2').first.wait_for()
    settle(page, 2000)


@pytest.mark.parametrize(("username", "path"), _cases())
def test_axe_no_serious_violations(a11y_server, role_pages, username, path):
    page = role_pages(username)
    _open_page(page, a11y_server.url, path, logged_in=username != "logged-out")
    violations = run_axe(page)
    report = summarize(f"{username} /{path}", violations)
    print(report)
    found = {(v["id"], n["kind"]) for v in violations for n in v["nodes"]}
    unexpected = found - KNOWN_ISSUES.get((username, path), set())
    assert not unexpected, f"new serious/critical violations {sorted(unexpected)}\n{report}"
    if violations:
        raise KnownA11yViolation(report)


def _tab_until(page, target, description: str, tag: str, limit: int = 200) -> None:
    """Press Tab (only Tab) until the keyboard focus is on a `tag` element ("radio" or "textarea") inside `target`.

    The question's help icon is a button inside the same widget, so it is tabbed past like a person would."""
    check = "([el, tag]) => el.contains(document.activeElement) && (document.activeElement.type || '') === tag"
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check, [target.element_handle(), tag]):
            return
    raise AssertionError(f"Tab never reached {description}")


def _focused_label(page) -> str:
    return page.evaluate("() => (document.activeElement.closest('label') || document.activeElement).innerText || ''")


def test_questionnaire_by_keyboard_only(server, page):
    login(page, server.url, "demo-helsinki")
    page.goto(f"{server.url}/kysely")
    page.get_by_role("heading", name=f"YSE-keskustelut {ROUND}: ennakkokysely").wait_for()
    settle(page, 1500)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # start from the top of the page

    # Yes/no: Tab into the group (no choice yet, so focus lands on the first option, "Kyllä"), Space chooses it.
    yes_no = radio_group(page, "Onko alueella vakiintunut prosessi")
    _tab_until(page, yes_no, "the yes/no question", "radio")
    assert "Kyllä" in _focused_label(page)
    page.keyboard.press("Space")
    settle(page)
    assert yes_no.locator("input[type=radio]").first.is_checked()

    # Scale 1–5: Tab into the group, Space chooses 1, the arrow keys move the choice to 4.
    scale = radio_group(page, "Miten arvioitte alueen tilannekuvan")
    _tab_until(page, scale, "the scale question", "radio")
    page.keyboard.press("Space")
    settle(page)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        settle(page, 400)
    settle(page)
    assert scale.locator("input[type=radio]").nth(3).is_checked()

    # Long text: Tab to the text area, type, Tab away (which saves it).
    text = "Kirjoitettu pelkällä näppäimistöllä."
    area = page.get_by_role("textbox", name="Mitkä tekijät ovat mielestänne johtaneet")
    _tab_until(page, area, "the text area", "textarea")
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    settle(page, 1500)

    db = open_db(server.db_path)
    try:
        user = auth.get_user(db, "demo-helsinki")
        answers = load_answers(db, user, get_response_row(db, user, ROUND, "helsinki")["id"])
    finally:
        db.close()
    assert answers["trends_process_exists"].value is True
    assert answers["trends_process_self"].value == 4
    assert answers["uusimaa_factors"].value == text


def test_the_theme_list_is_usable_with_the_arrow_keys(server, page):
    """The sidebar's themes are one radio group: Tab reaches it, the arrow keys move from theme to theme, and
    the focus stays in the group while each theme is drawn (every run re-sends the group's value, bug 2)."""
    login(page, server.url, "demo-helsinki")
    page.goto(f"{server.url}/kysely")
    page.get_by_role("heading", name=f"YSE-keskustelut {ROUND}: ennakkokysely").wait_for()
    settle(page, 1500)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    themes = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]')
    _tab_until(page, themes, "the theme list", "radio")
    assert "Tilannekuva ja kehityssuuntien seuranta" in _focused_label(page)
    for expected in ("Työmarkkinatilanteen huomioiminen", "Tiedolla johtaminen ja seurantatietojen"):
        page.keyboard.press("ArrowDown")
        page.get_by_role("heading", level=2, name=expected).first.wait_for(timeout=20_000)
        settle(page)
        assert expected in _focused_label(page)
    assert "teema=" in page.url and themes.locator("input[type=radio]").nth(2).is_checked()
