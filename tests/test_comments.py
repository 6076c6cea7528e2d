"""Comments and clarification requests: who may write, reply, resolve and read them."""

from __future__ import annotations

import pytest

from tools.test_calendar import ROUND
from yse_core import auth
from yse_core.comments import add_comment, open_clarification_count, reply, resolve, threads
from yse_core.errors import AnswerError, PermissionDenied
from yse_core.responses import get_response_row, round_overview


@pytest.fixture
def people(demo_db):
    get = lambda name: auth.get_user(demo_db, name)  # noqa: E731
    reviewer, helsinki, vantaa = get("demo-reviewer"), get("demo-helsinki"), get("demo-vantaa")
    response_id = get_response_row(demo_db, reviewer, ROUND, "helsinki")["id"]
    return demo_db, reviewer, helsinki, vantaa, response_id


def test_reviewer_asks_respondent_replies_reviewer_resolves(people):
    db, reviewer, helsinki, _, response_id = people
    comment_id = add_comment(db, reviewer, response_id, "Miten seuraatte nuorten työpajan vaikutuksia?",
                             question_id="youth_measures", needs_clarification=True)
    assert open_clarification_count(db, reviewer, response_id) == 1
    reply(db, helsinki, comment_id, "Seuraamme työllistyneiden osuutta kuuden kuukauden jälkeen.")
    thread = threads(db, helsinki, response_id)[0]
    assert thread["status"] == "answered" and thread["replies"][0]["author"] == "demo-helsinki"
    resolve(db, reviewer, comment_id)
    assert open_clarification_count(db, reviewer, response_id) == 0
    assert threads(db, helsinki, response_id, include_resolved=False) == []


def test_respondent_cannot_comment_or_resolve(people):
    db, reviewer, helsinki, _, response_id = people
    comment_id = add_comment(db, reviewer, response_id, "Kommentti")
    with pytest.raises(PermissionDenied):
        add_comment(db, helsinki, response_id, "Itse itselleni")
    with pytest.raises(PermissionDenied):
        resolve(db, helsinki, comment_id)


def test_respondent_of_another_area_cannot_read_or_reply(people):
    db, reviewer, _, vantaa, response_id = people
    comment_id = add_comment(db, reviewer, response_id, "Helsingille")
    with pytest.raises(PermissionDenied):
        threads(db, vantaa, response_id)
    with pytest.raises(PermissionDenied):
        reply(db, vantaa, comment_id, "Vantaalta")


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_empty_or_oversized_comment_is_refused(people, body):
    db, reviewer, _, _, response_id = people
    with pytest.raises(AnswerError):
        add_comment(db, reviewer, response_id, body)


def test_comment_text_is_stored_exactly(people):
    db, reviewer, helsinki, _, response_id = people
    body = "<script>alert(1)</script> =HYPERLINK(\"x\") **bold** 🙂"
    add_comment(db, reviewer, response_id, body)
    assert threads(db, helsinki, response_id)[0]["body"] == body


def test_open_clarifications_are_counted_in_the_round_overview(people):
    db, reviewer, _, _, response_id = people
    add_comment(db, reviewer, response_id, "Tarkenna", needs_clarification=True)
    add_comment(db, reviewer, response_id, "Pelkkä kommentti")
    rows = {row["area_id"]: row for row in round_overview(db, reviewer, ROUND)}
    assert rows["helsinki"]["open_clarifications"] == 1
