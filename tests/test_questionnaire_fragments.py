"""The questionnaire page's fragments, rerun the way the browser asks for them after a widget change.

Each simple question is its own fragment inside the theme-body fragment: editing an answer reruns that
question only, and its callback reruns the body when the edit moved the progress, showed or hid a
question, or changed a discussion point. AppTest always reruns the whole app, so these tests send the
fragment rerun themselves (tools/apptest_fragments.py), as the browser does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tools.apptest_fragments import fragment_called_with, fragment_reruns
from tools.apptest_helpers import logged_in_app
from tools.test_calendar import ROUND
from yse_core import auth
from yse_core.db import open_db
from yse_core.responses import get_response_row, load_answers


def _questionnaire(db_path, username="demo-helsinki"):
    app = logged_in_app(db_path, username)
    app.switch_page("pages/questionnaire.py").run()
    assert not app.exception, app.exception
    return app


def _response_id(db_path, username="demo-helsinki", area="helsinki") -> int:
    db = open_db(db_path)
    try:
        return get_response_row(db, auth.get_user(db, username), ROUND, area)["id"]
    finally:
        db.close()


def _answers(db_path, response_id, username="demo-helsinki") -> dict:
    db = open_db(db_path)
    try:
        return load_answers(db, auth.get_user(db, username), response_id)
    finally:
        db.close()


def _question_fragment(app, question_id: str) -> str:
    return fragment_called_with(app, lambda value: getattr(value, "id", None) == question_id
                                and hasattr(value, "type"))


def _progress_text(app) -> str:
    """The text of the page's progress bar (AppTest has no accessor for progress elements)."""
    pending = [app.main]
    while pending:
        node = pending.pop(0)
        if node.type == "progress":
            return node.proto.text
        children = getattr(node, "children", None) or {}
        pending.extend(children.values() if isinstance(children, dict) else children)
    raise AssertionError("the page shows no progress bar")


def _widget_keys(app) -> list[str]:
    return [widget.key for kind in (app.radio, app.selectbox, app.multiselect, app.text_area, app.number_input)
            for widget in kind]


def test_editing_an_answer_reruns_only_its_question(demo_db_path):
    app = _questionnaire(demo_db_path)
    response_id = _response_id(demo_db_path)
    key = f"q-{response_id}-trends_process_self"
    app.radio(key=key).set_value(3).run()  # answered once through a full run
    assert len(_widget_keys(app)) > 3

    shown_minute = datetime.now().strftime("%H:%M")  # the theme's "last saved" caption, to the minute
    with fragment_reruns(_question_fragment(app, "trends_process_self")):
        for value in (4, 2, 5):
            app.radio(key=key).set_value(value).run()
            assert not app.exception, app.exception
            assert app.radio(key=key).value == value
            now = datetime.now().strftime("%H:%M")
            if now == shown_minute:
                # AppTest's tree holds what this rerun sent: the one question, nothing else of the page
                assert _widget_keys(app) == [key]
            shown_minute = now  # in a new minute the caption moved, so the whole theme body may have rerun

    answer = _answers(demo_db_path, response_id)["trends_process_self"]
    assert (answer.value, answer.version) == (5, 4)


def test_an_answer_that_shows_a_question_and_moves_progress_redraws_the_theme_body(demo_db_path):
    app = _questionnaire(demo_db_path)
    response_id = _response_id(demo_db_path)
    frequency_key = f"q-{response_id}-trends_process_frequency"
    assert frequency_key not in [widget.key for widget in app.selectbox]  # shown only once the process exists
    progress_before = _progress_text(app)

    with fragment_reruns(_question_fragment(app, "trends_process_exists")):
        app.radio(key=f"q-{response_id}-trends_process_exists").set_value(True).run()
    assert not app.exception, app.exception

    assert _answers(demo_db_path, response_id)["trends_process_exists"].value is True
    assert frequency_key in [widget.key for widget in app.selectbox]  # the body reran: the follow-up question is there
    assert _progress_text(app) != progress_before


def test_a_locked_account_cannot_save_through_a_fragment(demo_db_path):
    app = _questionnaire(demo_db_path)
    response_id = _response_id(demo_db_path)
    key = f"q-{response_id}-trends_process_self"
    app.radio(key=key).set_value(3).run()
    fragment = _question_fragment(app, "trends_process_self")

    db = open_db(demo_db_path)
    db.execute("UPDATE users SET locked_until = ? WHERE username = 'demo-helsinki'",
               [(datetime.now(UTC) + timedelta(minutes=15)).isoformat(timespec="seconds")])
    db.conn.commit()
    db.close()

    with fragment_reruns(fragment):
        app.radio(key=key).set_value(5).run()

    assert _answers(demo_db_path, response_id)["trends_process_self"].value == 3
    assert app.text_input  # the full rerun app.py asked for logged the session out: the login form is back
    assert not any(element.value == "Vuoropuhelukysely" for element in app.title)
