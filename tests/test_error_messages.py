"""The core's errors carry catalogue keys; the CLI and the pages show them in the reader's language."""

from __future__ import annotations

import argparse
import os
import string
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tools.apptest_helpers import APP
from tools.test_calendar import ROUND
from yse_core import areas, auth, cli, comments, rounds
from yse_core.db import connect
from yse_core.errors import YseError
from yse_core.i18n import CATALOGUE_DIR, LANGUAGES
from yse_core.questionnaire import Question, validate_answer
from yse_core.responses import get_response_row

CORE_KEYS = yaml.safe_load((CATALOGUE_DIR / "errors_core.yaml").read_text(encoding="utf-8"))
ESSAY = Question.model_validate({"id": "essay", "type": "long_text", "text": {"fi": "Kerro"}})
DAYS = Question.model_validate({"id": "days", "type": "number", "min": 0, "max": 365, "text": {"fi": "Päiviä"},
                                "unit": {"fi": "päivää", "sv": "dagar", "en": "days"}})


def _unknown_municipality(db) -> None:
    text = areas.AREAS_CSV.read_text(encoding="utf-8").replace("091,helsinki,", "999,helsinki,", 1)
    areas.parse_area_csv(text, areas.load_municipalities())


def _long_comment(db) -> None:
    reviewer = auth.get_user(db, "demo-reviewer")
    response_id = get_response_row(db, auth.get_user(db, "demo-helsinki"), ROUND, "helsinki")["id"]
    comments.add_comment(db, reviewer, response_id, "x" * 5_001)


def _unknown_rounds_command(db) -> None:
    cli.cmd_rounds(argparse.Namespace(db=db.conn.execute("PRAGMA database_list").fetchone()[2], rounds_command="bogus"))


# (what raises, the Finnish, Swedish and English message)
RAISES = [
    (lambda db: validate_answer(ESSAY, "x" * 20_001),
     "Vastaus on liian pitkä: enintään 20\u00a0000 merkkiä, nyt 20\u00a0001.",
     "Svaret är för långt: högst 20\u00a0000 tecken, nu 20\u00a0001.",
     "The answer is too long: at most 20,000 characters, now 20,001."),
    (lambda db: validate_answer(DAYS, -5),
     "Luvun on oltava välillä 0–365 päivää; annettu \u22125.",
     "Talet måste ligga mellan 0 och 365 dagar; angivet \u22125.",
     "The number must be between 0 and 365 days; got \u22125."),
    (_unknown_municipality,
     "Rivi 2: tuntematon kuntakoodi 999.", "Rad 2: okänd kommunkod 999.", "Line 2: unknown municipality code 999."),
    (_unknown_rounds_command,
     "Tuntematon rounds-komento.", "Okänt rounds-kommando.", "Unknown rounds command."),
    (lambda db: auth.check_new_password("lyhyt"),
     "Salasanassa on oltava vähintään 12 merkkiä (nyt 5).", "Lösenordet måste ha minst 12 tecken (nu 5).",
     "The password must have at least 12 characters (now 5)."),
    (lambda db: auth.authenticate(db, "nobody", "wrong"),
     "Väärä käyttäjätunnus tai salasana.", "Fel användarnamn eller lösenord.", "Wrong username or password."),
    (lambda db: rounds.get_round(db, 1999),
     "Kierrosta 1999 ei ole.", "Omgången 1999 finns inte.", "There is no round 1999."),
    (_long_comment,
     "Kommentti on liian pitkä: enintään 5\u00a0000 merkkiä, nyt 5\u00a0001.",
     "Kommentaren är för lång: högst 5\u00a0000 tecken, nu 5\u00a0001.",
     "The comment is too long: at most 5,000 characters, now 5,001."),
    (lambda db: connect(Path("/nonexistent/yse.db")),
     "Tietokantaa ei löydy: /nonexistent/yse.db. Luo se komennolla 'python -m yse_core --db /nonexistent/yse.db init' "
     "(tai init --demo).",
     "Databasen hittas inte: /nonexistent/yse.db. Skapa den med kommandot 'python -m yse_core --db /nonexistent/yse.db "
     "init' (eller init --demo).",
     "The database is not found: /nonexistent/yse.db. Create it with the command 'python -m yse_core --db "
     "/nonexistent/yse.db init' (or init --demo)."),
]


@pytest.mark.parametrize(("raise_it", "fi", "sv", "en"), RAISES)
def test_core_error_is_shown_in_each_language(demo_db, raise_it, fi, sv, en):
    with pytest.raises(YseError) as raised:
        raise_it(demo_db)
    assert raised.value.key in CORE_KEYS or raised.value.key == "login.failed"
    assert [raised.value.message(lang) for lang in LANGUAGES] == [fi, sv, en]
    assert str(raised.value) == fi


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("users", "lock", "nobody"), "virhe: Käyttäjää nobody ei ole."),
        (("gaps", "--round", "1999", "--lang", "sv"), "fel: Omgången 1999 finns inte."),
        (("gaps", "--round", "1999", "--lang", "en"), "error: There is no round 1999."),
        (("indicators", "show", "--area", "atlantis"),
         "virhe: Tuntematon alue 'atlantis' (alueen tunnus, esim. helsinki, tai SSS koko maalle)."),
    ],
)
def test_cli_prints_the_error_in_the_commands_language(demo_db_path, capsys, argv, line):
    assert cli.main(["--db", str(demo_db_path), *argv]) == 1
    assert capsys.readouterr().err.strip() == line


@pytest.mark.parametrize("key", sorted(CORE_KEYS))
def test_every_core_message_has_fi_sv_en_with_the_same_placeholders(key):
    texts = CORE_KEYS[key]
    assert set(texts) == set(LANGUAGES) and all(texts.values())
    placeholders = {lang: {name for _, name, _, _ in string.Formatter().parse(text) if name} for lang, text in texts.items()}
    assert placeholders["sv"] == placeholders["fi"] == placeholders["en"]


def test_swedish_page_shows_the_error_in_swedish(demo_db_path):
    os.environ["YSE_DB"] = str(demo_db_path)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.selectbox(key="yse-language").set_value("sv").run()  # on the login page, so the session is Swedish throughout
    app.text_input[0].input("demo-vantaa")
    app.text_input[1].input("yse-demo")
    app.button[0].click().run()
    auth.update_user(connect(demo_db_path), "demo-vantaa", active=False, actor="test")
    app.run()  # the live session of a deactivated account is refused, on the login page, with the reason
    assert "Kontot har inaktiverats." in [element.value for element in app.error]
