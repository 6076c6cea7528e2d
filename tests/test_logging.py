"""The server's log: one line per event with the user id, never an answer text or a password; level from YSE_LOG_LEVEL.

The real server's log file is checked in tests/test_browser.py (test_respondent_answers_reloads_submits_and_reviewer_sees_it).
"""

from __future__ import annotations

import logging

import pytest

from tools.test_calendar import ROUND
from ui.questionnaire_form import _store
from yse_core import auth, discussions, log, responses
from yse_core.errors import AuthError

TEXT_QUESTION = "trends_process_description"


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.fixture
def lines(monkeypatch):
    """Configure the server's logger as ui.serve does and collect what it writes."""
    monkeypatch.delenv("YSE_LOG_LEVEL", raising=False)
    collected = Lines()

    def configure(level: str | None = None) -> Lines:
        if level is not None:
            monkeypatch.setenv("YSE_LOG_LEVEL", level)
        log.configure()
        return collected

    log.LOGGER.addHandler(collected)
    yield configure
    log.LOGGER.removeHandler(collected)


def test_a_sign_in_and_a_wrong_password_log_the_user_id_but_no_password(demo_db, lines):
    collected = lines()
    auth.authenticate(demo_db, "demo-helsinki", "yse-demo")
    with pytest.raises(AuthError):
        auth.authenticate(demo_db, "demo-helsinki", "väärä salasana 123")
    assert collected.lines[0] == "INFO event=login user=demo-helsinki target=demo-helsinki"
    assert collected.lines[1] == "INFO event=login_failed user=demo-helsinki target=demo-helsinki failures=1"
    assert not any("yse-demo" in line or "väärä" in line for line in collected.lines)


def test_an_unknown_user_name_is_not_logged_it_may_be_a_password(demo_db, lines):
    collected = lines()
    with pytest.raises(AuthError):
        auth.authenticate(demo_db, "Salasana!2026", "demo-helsinki")
    assert collected.lines == ["INFO event=login_failed user=-"]
    assert demo_db.execute("SELECT username FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == "Salasana!2026"


def test_a_failed_save_is_logged_with_its_message_key_and_not_its_text(demo_db, lines):
    collected = lines()
    user = auth.get_user(demo_db, "demo-helsinki")
    context = responses.load_context(demo_db, user, ROUND, "helsinki")
    question = context.questionnaire.question(TEXT_QUESTION)
    text = "Luottamuksellinen kuvaus " * 10_000
    errors: dict = {}
    assert not _store(demo_db, user, context.response["id"], question, text, "fi", {}, {}, errors, {})
    assert TEXT_QUESTION in errors  # the person sees why under the question
    (line,) = collected.lines
    with pytest.raises(Exception) as raised:
        responses.save_answer(demo_db, user, context.response["id"], TEXT_QUESTION, text, base_version=0)
    assert line == f"WARNING event=save_failed user=demo-helsinki target={context.response['id']}/{TEXT_QUESTION} code={raised.value.key}"
    assert "Luottamuksellinen" not in line


def test_text_details_stay_in_the_audit_table_and_out_of_the_log(demo_db, lines):
    collected = lines()
    reviewer = auth.get_user(demo_db, "demo-reviewer")
    item = discussions.add_follow_up(demo_db, reviewer, ROUND, "helsinki", "Salainen jatkotoimi", "area", None, None)
    discussions.update_follow_up(demo_db, reviewer, item, body="Vielä salaisempi")
    assert [line.split()[1] for line in collected.lines] == ["event=follow_up_added", "event=follow_up_updated"]
    assert all(f"item={item}" in line for line in collected.lines)
    assert not any("alai" in line for line in collected.lines)
    details = demo_db.execute("SELECT details FROM audit_log WHERE action = 'follow_up_updated'").fetchone()[0]
    assert "Vielä salaisempi" in details


def test_the_level_comes_from_the_environment(demo_db, lines):
    collected = lines("warning")
    auth.authenticate(demo_db, "demo-helsinki", "yse-demo")  # INFO: left out
    user = auth.get_user(demo_db, "demo-helsinki")
    context = responses.load_context(demo_db, user, ROUND, "helsinki")
    _store(demo_db, user, context.response["id"], context.questionnaire.question(TEXT_QUESTION), "x" * 200_000, "fi", {}, {}, {}, {})
    assert [line.split()[:2] for line in collected.lines] == [["WARNING", "event=save_failed"]]


def test_an_unknown_level_is_named_and_info_used(lines):
    handlers = [handler for handler in log.LOGGER.handlers if handler.get_name() == "yse-server"]
    for handler in handlers:  # a fresh server: the warning is written when the handler is set up
        log.LOGGER.removeHandler(handler)
    try:
        collected = lines("chatty")
        assert log.LOGGER.level == logging.INFO
        (line,) = collected.lines
        assert "YSE_LOG_LEVEL='CHATTY'" in line and "DEBUG, INFO, WARNING, ERROR" in line
    finally:
        for handler in [handler for handler in log.LOGGER.handlers if handler.get_name() == "yse-server"]:
            log.LOGGER.removeHandler(handler)
        for handler in handlers:
            log.LOGGER.addHandler(handler)
