"""The accessibility statement, the privacy notice and the removal of old rounds (Act 306/2019, GDPR 13-14)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app
from yse_core import statements
from yse_core.auth import get_user
from yse_core.demo_answers import fill_demo_answers
from yse_core.errors import PermissionDenied, YseError
from yse_core.i18n import LANGUAGES
from yse_core.retention import remove_old_rounds, rounds_past
from yse_core.rounds import current_round

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def out(tmp_path) -> Path:
    """An empty export folder (tmp_path holds the database)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def round_year(db) -> int:
    return current_round(db)["year"]


# --- the statements ------------------------------------------------------------------------------


def test_unset_details_are_said_to_be_unset_in_every_language(demo_db):
    for lang in LANGUAGES:
        for text in (statements.accessibility_statement(demo_db, lang), statements.privacy_notice(demo_db, lang)):
            assert "None" not in text and "{" not in text
            assert statements.t("statements.unset", lang) in text
    assert "WCAG 2.1 AA" in statements.accessibility_statement(demo_db, "sv")


def test_an_admin_sets_the_contacts_and_texts_and_every_language_shows_them(demo_db):
    admin = get_user(demo_db, "demo-admin")
    changed = statements.set_statement_settings(
        demo_db, admin, {"feedback_email": "saavutettavuus@example.fi", "controller": "Työ- ja elinkeinoministeriö",
                         "retention_years": "6"},
        {("privacy_basis", "fi"): "Demo: yleisen edun mukainen tehtävä", ("privacy_basis", "sv"): "Demo: uppgift av allmänt intresse"})
    assert len(changed) == 5
    fi, sv, en = (statements.accessibility_statement(demo_db, lang) for lang in LANGUAGES)
    assert all("[saavutettavuus@example.fi](mailto:saavutettavuus@example.fi)" in text for text in (fi, sv, en))
    notice_sv, notice_en = statements.privacy_notice(demo_db, "sv"), statements.privacy_notice(demo_db, "en")
    assert "uppgift av allmänt intresse" in notice_sv and "6 år" in notice_sv
    assert "yleisen edun" in notice_en  # no English text written: the Finnish one
    assert statements.retention_years(demo_db) == 6
    event = demo_db.execute("SELECT username, details FROM audit_log WHERE action = 'statements.change'").fetchone()
    assert event[0] == "demo-admin" and "feedback_email" in json.loads(event[1])["keys"]
    assert statements.set_statement_settings(demo_db, admin, {"retention_years": "6"}) == []  # unchanged: nothing written


@pytest.mark.parametrize(("values", "fragment"), [
    ({"feedback_email": "not an address"}, "ei ole sähköpostiosoite"),
    ({"retention_years": "viisi"}, "ei ole kokonaisluku"),
    ({"retention_years": "0"}, "ei ole kokonaisluku"),
    ({"controller": "x" * 600}, "liian pitkä"),
])
def test_a_bad_detail_is_refused_by_name_and_nothing_is_written(demo_db, values, fragment):
    admin = get_user(demo_db, "demo-admin")
    with pytest.raises(YseError) as refused:
        statements.set_statement_settings(demo_db, admin, {"controller_contact": "kirjaamo@example.fi", **values})
    assert fragment in str(refused.value)
    assert statements.contacts(demo_db)["controller_contact"] == ""  # the valid field of the same save was not stored


def test_only_an_admin_changes_the_statements(demo_db):
    with pytest.raises(PermissionDenied):
        statements.set_statement_settings(demo_db, get_user(demo_db, "demo-reviewer"), {"controller": "X"})


def test_the_evaluation_is_the_one_the_accessibility_tests_check():
    axe_readme = (ROOT / "tests" / "fixtures" / "axe" / "README.md").read_text(encoding="utf-8")
    assert f"axe-core {statements.evaluation()['axe_version']}" in axe_readme
    from tests.test_accessibility import KNOWN_ISSUES

    listed = {tuple(entry) for entry in statements.evaluation()["known_violations"]}
    expected = {(user, path, rule) for (user, path), found in KNOWN_ISSUES.items() for rule, _ in found}
    assert listed == expected
    assert statements.evaluation()["standard"] == "WCAG 2.1 AA"
    assert '"wcag21a", "wcag21aa"' in (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")  # what axe runs


def test_the_statements_open_logged_out_and_for_every_role(demo_db_path):
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["YSE_DB"] = str(demo_db_path)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("pages/statement_privacy.py").run()
    assert not app.exception, app.exception
    assert [title.value for title in app.title] == ["Tietosuojaseloste"]
    assert not app.text_input, "the login form is not drawn under a statement"
    for username in ("demo-helsinki", "demo-reviewer", "demo-admin"):
        app = logged_in_app(demo_db_path, username)
        app.switch_page("pages/statement_accessibility.py").run()
        assert not app.exception, app.exception
        assert [title.value for title in app.title] == ["Saavutettavuusseloste"]
        shown = " ".join(markdown.value for markdown in app.markdown)
        assert "Palaute ja yhteystiedot" in shown and "None" not in shown
        assert bool(app.get("form")) == (username == "demo-admin")  # only the admin gets the form


def test_the_admin_form_saves_and_refuses_in_the_page(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/statement_accessibility.py").run()
    app.text_input(key="statements-accessibility-feedback_email").input("palaute@example.fi")
    next(button for button in app.button if button.label == "Tallenna selosteiden tiedot").click().run()
    assert not app.exception, app.exception
    assert any("Tallennettu: 1 muutosta." in element.value for element in app.success)
    assert "mailto:palaute@example.fi" in " ".join(markdown.value for markdown in app.markdown)
    app.text_input(key="statements-accessibility-feedback_email").input("palaute")
    next(button for button in app.button if button.label == "Tallenna selosteiden tiedot").click().run()
    assert any("ei ole sähköpostiosoite" in element.value for element in app.error)


# --- removing old rounds -------------------------------------------------------------------------


def _answered_closed_round(db) -> int:
    year = round_year(db)
    fill_demo_answers(db, year)
    db.execute("UPDATE rounds SET state = 'closed' WHERE year = ?", [year])
    db.conn.commit()
    return year


def _round_counts(db, year: int) -> dict[str, int]:
    where = "response_id IN (SELECT id FROM responses WHERE round_year = ?)"
    return {
        "answers": db.execute(f"SELECT COUNT(*) FROM answers WHERE {where}", [year]).fetchone()[0],
        "responses": db.execute("SELECT COUNT(*) FROM responses WHERE round_year = ?", [year]).fetchone()[0],
        "rounds": db.execute("SELECT COUNT(*) FROM rounds WHERE year = ?", [year]).fetchone()[0],
    }


def test_a_closed_round_past_the_period_is_exported_checked_and_removed(demo_db, out):
    year = _answered_closed_round(demo_db)
    before = _round_counts(demo_db, year)
    assert before["answers"] > 100
    admin = get_user(demo_db, "demo-admin")
    assert rounds_past(demo_db, 1, today=date(year + 1, 12, 31)) == []  # year + 1 is not before year + 1
    (planned,) = remove_old_rounds(demo_db, admin, 1, out, today=date(year + 2, 1, 1), dry_run=True)
    removed = remove_old_rounds(demo_db, admin, 1, out, today=date(year + 2, 1, 1))
    assert removed[0].rows == planned.rows  # the dry run's counts (SQL COUNT) are the rows really exported
    assert [r.year for r in removed] == [year]
    archive = json.loads((out / f"yse-round-{year}-archive.json").read_text(encoding="utf-8"))
    assert len(archive["tables"]["answers"]) == before["answers"]
    assert len(archive["tables"]["responses"]) == before["responses"] == 45
    from openpyxl import load_workbook

    assert load_workbook(out / f"yse-round-{year}-responses.xlsx").sheetnames
    assert _round_counts(demo_db, year) == {"answers": 0, "responses": 0, "rounds": 0}
    assert demo_db.execute("SELECT COUNT(*) FROM audit_log WHERE target LIKE ?", [f"{year}/%"]).fetchone()[0] == 0
    purge = demo_db.execute("SELECT username, details FROM audit_log WHERE action = 'rounds.purge'").fetchone()
    assert purge[0] == "demo-admin" and json.loads(purge[1])["rows"]["answers"] == before["answers"]
    assert not list(out.glob("*.partial"))


def test_an_open_round_past_the_period_stops_the_removal_before_anything_is_written(demo_db, out):
    year = round_year(demo_db)
    fill_demo_answers(demo_db, year)
    before = _round_counts(demo_db, year)
    with pytest.raises(YseError, match="vielä auki") as refused:
        remove_old_rounds(demo_db, get_user(demo_db, "demo-admin"), 1, out, today=date(year + 2, 1, 1))
    assert "close it first" in refused.value.message("en")
    assert list(out.iterdir()) == [] and _round_counts(demo_db, year) == before


def test_a_dry_run_and_a_missing_folder_remove_nothing_and_a_reviewer_is_refused(demo_db, out):
    year = _answered_closed_round(demo_db)
    before = _round_counts(demo_db, year)
    admin = get_user(demo_db, "demo-admin")
    planned = remove_old_rounds(demo_db, admin, 1, out / "missing", today=date(year + 2, 1, 1), dry_run=True)
    assert planned[0].rows["answers"] == before["answers"] and planned[0].files == ()
    with pytest.raises(YseError, match="Vientikansiota"):
        remove_old_rounds(demo_db, admin, 1, out / "missing", today=date(year + 2, 1, 1))
    with pytest.raises(PermissionDenied):
        remove_old_rounds(demo_db, get_user(demo_db, "demo-reviewer"), 1, out, today=date(year + 2, 1, 1))
    assert _round_counts(demo_db, year) == before and list(out.iterdir()) == []


def test_the_cli_purge_uses_the_set_period_and_says_what_it_did(demo_db_path, out, capsys):
    from yse_core.cli import main
    from yse_core.db import open_db

    db = open_db(demo_db_path)
    year = _answered_closed_round(db)
    db.close()
    assert main(["--db", str(demo_db_path), "rounds", "purge", "--dry-run"]) != 0
    assert "Säilytysaikaa ei ole annettu" in capsys.readouterr().err
    assert main(["--db", str(demo_db_path), "rounds", "purge", "--older-than", "1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    # the CLI's today is the real date, so what is due depends on it; the rule is year + N < this year
    if year + 1 < date.today().year:
        assert f"Poistettaisiin kierros {year}" in out, out
    else:
        assert "Yksikään kierros ei ole" in out and "Poistettaisiin" not in out, out


def test_the_rounds_page_says_the_retention_period_and_what_is_due(demo_db_path):
    from yse_core.db import open_db

    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_rounds.py").run()
    assert any("Säilytysaikaa ei ole asetettu" in element.value for element in app.info)
    db = open_db(demo_db_path)
    statements.set_statement_settings(db, get_user(db, "demo-admin"), {"retention_years": "3"})
    db.close()
    app.run()
    assert not app.exception, app.exception
    shown = " ".join(element.value for element in app.markdown) + " ".join(element.value for element in app.caption)
    assert "(3 vuotta)" in shown and "Yksikään kierros ei ole säilytysajan ulkopuolella." in shown


def test_the_rounds_page_exports_and_removes_a_round_past_the_period(demo_db_path, tmp_path):
    """The button, end to end: a closed round from long ago (copied from the demo's closed one) is removed."""
    from yse_core.db import open_db

    db = open_db(demo_db_path)
    year = _answered_closed_round(db)
    old = date.today().year - 4
    with db.conn:
        db.execute("INSERT INTO rounds(year, questionnaire_key, opens, deadline, state, created_at) "
                   "SELECT ?, questionnaire_key, opens, deadline, 'closed', created_at FROM rounds WHERE year = ?", [old, year])
        db.execute("INSERT INTO responses(round_year, area_id, updated_at) VALUES (?, 'helsinki', '2020-01-01')", [old])
    statements.set_statement_settings(db, get_user(db, "demo-admin"), {"retention_years": "3"})
    db.close()
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_rounds.py").run()
    shown = " ".join(element.value for element in app.markdown)
    assert f"kierros {old}, 0 vastausta" in shown, shown
    assert app.button(key="retention-remove").disabled  # nothing happens before the folder and the check
    app.text_input(key="retention-folder").input(str(tmp_path)).run()
    app.checkbox(key="retention-confirm").check().run()
    app.button(key="retention-remove").click().run()
    assert not app.exception, app.exception
    assert any(f"Kierros {old} vietiin" in element.value for element in app.success), [e.value for e in app.success]
    assert sorted(path.name for path in tmp_path.iterdir() if path.suffix in {".json", ".xlsx"}) == [
        f"yse-round-{old}-archive.json", f"yse-round-{old}-responses.xlsx"]
    db = open_db(demo_db_path)
    assert db.execute("SELECT COUNT(*) FROM rounds WHERE year = ?", [old]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM rounds WHERE year = ?", [year]).fetchone()[0] == 1  # inside the period
    assert db.execute("SELECT username FROM audit_log WHERE action = 'rounds.purge'").fetchone()[0] == "demo-admin"
    db.close()
