"""The authorization matrix, as tables: which role may open which page and call which write function.

(a) every page script in app.py's PAGES × every demo role, through the real app.py with AppTest;
(b) a respondent's pages show only their own area;
(c) every write (and cross-area export/compare) function of ``yse_core`` × role × own/other area,
    asserting ``PermissionDenied`` exactly where the matrix forbids the call.

See docs/security.md for the threat model these tests back.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app, titles
from tools.test_calendar import ROUND
from yse_core import auth, comments, compare, discussions, exports, offline, responses, retention, statements
from yse_core.errors import PermissionDenied, YseError
from yse_core.gaps import service as gaps_service
from yse_core.i18n import t as translate

ROOT = Path(__file__).resolve().parent.parent
YEAR = ROUND
QUESTION = "trends_process_exists"  # a yes/no question of the 2025 questionnaire

USERS = {"respondent": "demo-helsinki", "reviewer": "demo-reviewer", "admin": "demo-admin"}
AREAS = {"own": "helsinki", "other": "vantaa"}  # "own" is demo-helsinki's area; reviewers and admins have none


def _pages_from_app() -> dict[str, list[str]]:
    """Role → page scripts, read from the PAGES literal in app.py (importing app.py would run Streamlit code)."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == "PAGES" for target in node.targets):
            literal = ast.literal_eval(node.value)
            return {role: [entry[0] for entry in entries] for role, entries in literal.items()}
    raise AssertionError("PAGES not found in app.py")


def _statement_scripts() -> list[str]:
    """The statements' page scripts (app.py's STATEMENT_PAGES): open to every role and to the logged out."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == "STATEMENT_PAGES" for target in node.targets):
            return [entry[0] for entry in ast.literal_eval(node.value)]
    raise AssertionError("STATEMENT_PAGES not found in app.py")


PAGES = _pages_from_app()
ALL_SCRIPTS = sorted({script for scripts in PAGES.values() for script in scripts})
STATEMENT_SCRIPTS = _statement_scripts()


def test_pages_table_covers_every_role_and_page_file():
    assert set(PAGES) == set(auth.ROLES) == set(USERS)
    for script in ALL_SCRIPTS:
        assert (ROOT / script).is_file(), script
    # Every page file except the login form belongs to at least one role, or is a statement that every role sees.
    on_disk = {f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py")} - {"pages/login.py"}
    assert on_disk == set(ALL_SCRIPTS) | set(STATEMENT_SCRIPTS)
    assert not set(ALL_SCRIPTS) & set(STATEMENT_SCRIPTS)


# --- (a) pages × roles --------------------------------------------------------------------------


@pytest.mark.parametrize("script", ALL_SCRIPTS)
@pytest.mark.parametrize("role", sorted(USERS))
def test_page_opens_exactly_for_the_roles_of_the_matrix(demo_db_path, role, script):
    app = logged_in_app(demo_db_path, USERS[role])
    if script in PAGES[role]:
        app.switch_page(script)
        app.run()
        assert not app.exception, (role, script, app.exception)
        assert titles(app), (role, script)
    else:
        # Not registered in this role's st.navigation: there is no URL that reaches it.
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(script)


# --- (b) a respondent sees only their own area -------------------------------------------------


PEERS_LINE = translate("situation.peers_line", "fi", names="").split(" ")[0]  # "Vertailuryhmä:"


def _texts(app) -> list[str]:
    return [element.value for kind in ("title", "header", "subheader", "markdown", "caption") for element in getattr(app, kind)]


@pytest.mark.parametrize("script", ["pages/situation.py", "pages/area_home.py"])
def test_respondent_page_shows_only_the_own_area(demo_db_path, script):
    app = logged_in_app(demo_db_path, "demo-vantaa")
    app.query_params["area"] = "helsinki"  # a hand-edited URL must not switch the area
    app.switch_page(script)
    app.run()
    assert not app.exception, app.exception
    assert any("Vantaa" in title for title in titles(app)), titles(app)
    # The peer-group line names the statistically similar areas (public statistics, no answers): Helsinki may
    # be one of Vantaa's peers. Nothing else on a respondent's page may name another area.
    texts = [text for text in _texts(app) if not text.startswith(PEERS_LINE)]
    assert not [text for text in texts if "Helsingin kaupunki" in text], script


# --- (c) write functions × role × own/other area ----------------------------------------------

# Who may call: role → which of "own"/"other" area (a respondent's own area is helsinki).
BOTH = frozenset({"own", "other"})
NOBODY = frozenset()
OWN_RESPONDENT = {"respondent": frozenset({"own"}), "reviewer": NOBODY, "admin": NOBODY}  # edit answers
AREA_READERS = {"respondent": frozenset({"own"}), "reviewer": BOTH, "admin": BOTH}  # read / reply / status
TEM = {"respondent": NOBODY, "reviewer": BOTH, "admin": BOTH}  # comment, reopen, record, export all
ADMIN = {"respondent": NOBODY, "reviewer": NOBODY, "admin": BOTH}  # the statements' details, removing old rounds


def _response_id(db, area_id: str) -> int:
    return db.execute("SELECT id FROM responses WHERE round_year = ? AND area_id = ?", [YEAR, area_id]).fetchone()[0]


def _reviewer(db) -> auth.User:
    return auth.get_user(db, "demo-reviewer")


def _comment(db, area_id: str) -> int:
    return comments.add_comment(db, _reviewer(db), _response_id(db, area_id), "Tarkentakaa, kiitos.", needs_clarification=True)


def _follow_up(db, area_id: str) -> int:
    return discussions.add_follow_up(db, _reviewer(db), YEAR, area_id, "Sovittu jatkotoimi", "area", "Johtaja", None)


def _submitted(db, area_id: str) -> int:
    db.execute("UPDATE responses SET state = 'submitted' WHERE id = ?", [_response_id(db, area_id)])
    db.conn.commit()
    return _response_id(db, area_id)


# name → (matrix, prepare(db, area_id) → arg, call(db, user, area_id, arg), takes an area)
OPERATIONS = {
    "responses.save_answer": (
        OWN_RESPONDENT,
        _response_id,
        lambda db, user, area, rid: responses.save_answer(db, user, rid, QUESTION, True, base_version=0),
        True,
    ),
    "responses.submit": (OWN_RESPONDENT, _response_id, lambda db, user, area, rid: responses.submit(db, user, rid), True),
    "responses.reopen": (TEM, _submitted, lambda db, user, area, rid: responses.reopen(db, user, rid, "Täydennettävää"), True),
    "responses.import_answers": (
        OWN_RESPONDENT,
        None,
        lambda db, user, area, _: responses.import_answers(db, user, YEAR, area, {QUESTION: True}),
        True,
    ),
    "comments.add_comment": (
        TEM,
        _response_id,
        lambda db, user, area, rid: comments.add_comment(db, user, rid, "Kommentti", question_id=QUESTION),
        True,
    ),
    "comments.reply": (AREA_READERS, _comment, lambda db, user, area, cid: comments.reply(db, user, cid, "Vastaus"), True),
    "comments.resolve": (TEM, _comment, lambda db, user, area, cid: comments.resolve(db, user, cid), True),
    "discussions.record_discussion": (
        TEM,
        None,
        lambda db, user, area, _: discussions.record_discussion(
            db,
            user,
            YEAR,
            area,
            held_on=date.today(),
            participants="TEM ja alue",
            notes={"general": "Muistiinpano"},
            follow_up_needed=False,
            follow_up_date=None,
            follow_up_notes="",
        ),
        True,
    ),
    "discussions.add_follow_up": (
        TEM,
        None,
        lambda db, user, area, _: discussions.add_follow_up(db, user, YEAR, area, "Jatkotoimi", "tem", "TEM", None),
        True,
    ),
    "discussions.update_follow_up(status)": (
        AREA_READERS,
        _follow_up,
        lambda db, user, area, item: discussions.update_follow_up(db, user, item, status="in_progress"),
        True,
    ),
    "discussions.update_follow_up(body)": (
        TEM,
        _follow_up,
        lambda db, user, area, item: discussions.update_follow_up(db, user, item, body="Muutettu teksti"),
        True,
    ),
    "discussions.update_follow_up(owner, due)": (
        TEM,
        _follow_up,
        lambda db, user, area, item: discussions.update_follow_up(db, user, item, owner="Joku muu", due=date(2026, 6, 30)),
        True,
    ),
    "offline.apply_template": (
        OWN_RESPONDENT,
        None,
        lambda db, user, area, _: offline.apply_template(db, user, YEAR, area, {QUESTION: False}),
        True,
    ),
    "exports.briefing_docx": (AREA_READERS, None, lambda db, user, area, _: exports.briefing_docx(db, user, YEAR, area), True),
    "exports.minutes_docx": (AREA_READERS, None, lambda db, user, area, _: exports.minutes_docx(db, user, YEAR, area), True),
    "exports.briefing_zip": (TEM, None, lambda db, user, area, _: exports.briefing_zip(db, user, YEAR), False),
    "exports.round_workbook_xlsx": (TEM, None, lambda db, user, area, _: exports.round_workbook_xlsx(db, user, YEAR), False),
    "exports.round_long_csv": (TEM, None, lambda db, user, area, _: exports.round_long_csv(db, user, YEAR), False),
    "compare.answers_across_areas": (
        TEM,
        None,
        lambda db, user, area, _: compare.answers_across_areas(db, user, YEAR, QUESTION),
        False,
    ),
    "statements.set_statement_settings": (
        ADMIN, None, lambda db, user, area, _: statements.set_statement_settings(db, user, {"controller": "TEM"}), False,
    ),
    "retention.remove_old_rounds": (
        ADMIN, None, lambda db, user, area, _: retention.remove_old_rounds(db, user, 5, ".", dry_run=True), False,
    ),
    "gaps.service.points_for_area": (
        AREA_READERS,
        None,
        lambda db, user, area, _: gaps_service.points_for_area(db, YEAR, area, user),
        True,
    ),
}


def _cases():
    for name, (matrix, _, _, per_area) in OPERATIONS.items():
        for role in sorted(USERS):
            for where in ("own", "other") if per_area else ("own",):
                allowed = where in matrix[role] if per_area else bool(matrix[role])
                if name == "exports.briefing_zip" and allowed:
                    continue  # building 45 real .docx files takes ~30 s: the allowed case is tests/test_exports.py's zip test
                yield pytest.param(name, role, where, allowed, id=f"{name}-{role}-{where if per_area else 'round'}")


@pytest.mark.parametrize(("name", "role", "where", "allowed"), list(_cases()))
def test_write_function_follows_the_matrix(demo_db, name, role, where, allowed):
    _, prepare, call, _ = OPERATIONS[name]
    area_id = AREAS[where]
    argument = prepare(demo_db, area_id) if prepare else None
    user = auth.get_user(demo_db, USERS[role])
    before = demo_db.conn.total_changes
    if allowed:
        try:
            call(demo_db, user, area_id, argument)
        except PermissionDenied as error:
            pytest.fail(f"{name} refused {role} on the {where} area, which the matrix allows: {error}")
        except YseError:
            pass  # e.g. a required answer missing on submit, or no discussion recorded yet: not an access decision
    else:
        with pytest.raises(PermissionDenied):
            call(demo_db, user, area_id, argument)
        assert demo_db.conn.total_changes == before, f"{name} wrote to the database before refusing {role}"


def test_respondent_cannot_change_a_submitted_response(demo_db):
    """The matrix holds 'while the round is open' and the response is a draft or reopened."""
    helsinki = auth.get_user(demo_db, "demo-helsinki")
    response_id = _submitted(demo_db, "helsinki")
    with pytest.raises(PermissionDenied):
        responses.save_answer(demo_db, helsinki, response_id, QUESTION, True, base_version=0)
    with pytest.raises(PermissionDenied):
        offline.apply_template(demo_db, helsinki, YEAR, "helsinki", {QUESTION: True})
    responses.reopen(demo_db, _reviewer(demo_db), response_id, "Täydennettävää")
    responses.save_answer(demo_db, helsinki, response_id, QUESTION, True, base_version=0)


def test_respondent_cannot_change_answers_of_a_closed_round(demo_db):
    helsinki = auth.get_user(demo_db, "demo-helsinki")
    demo_db.execute("UPDATE rounds SET state = 'closed' WHERE year = ?", [YEAR])
    demo_db.conn.commit()
    with pytest.raises(PermissionDenied):
        responses.save_answer(demo_db, helsinki, _response_id(demo_db, "helsinki"), QUESTION, True, base_version=0)


# --- (d) ways in by mail: who may send a one-time link ------------------------------------------------------
# ``invitations.invite`` and ``send_reset`` are admin-only core functions that take no User (as ``auth.add_user``):
# only the users page (registered for admins, guarded by ``require_role("admin")``) and the CLI call them. The
# logged-out ways in (``request_reset``, ``check_link``, ``set_password_with_link``) are the login page's.

INVITING_FUNCTIONS = {"invite", "send_reset"}
LOGGED_OUT_FUNCTIONS = {"request_reset", "check_link", "set_password_with_link"}


def _callers(function: str) -> set[str]:
    """The app files (app.py, pages/, ui/) that call ``invitations.<function>``."""
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    return {str(path.relative_to(ROOT)) for path in files
            if f"invitations.{function}(" in path.read_text(encoding="utf-8")}


@pytest.mark.parametrize("function", sorted(INVITING_FUNCTIONS))
def test_only_admin_pages_send_invitations_and_password_links(function):
    callers = _callers(function)
    assert callers, f"invitations.{function} is called from no page: the test would pass for nothing"
    for script in callers:
        assert script in PAGES["admin"] and not any(script in PAGES[role] for role in ("respondent", "reviewer")), script
        assert 'require_role("admin")' in (ROOT / script).read_text(encoding="utf-8"), script


@pytest.mark.parametrize("function", sorted(LOGGED_OUT_FUNCTIONS))
def test_the_logged_out_ways_in_by_mail_are_only_on_the_login_page(function):
    assert _callers(function) == {"ui/invitations.py"}
