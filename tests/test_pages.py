"""Page tests through the real app.py with AppTest: roles, pages, answering, submit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app, titles
from tools.test_calendar import NEXT, ROUND
from yse_core import audit, auth
from yse_core.db import open_db
from yse_core.responses import get_response_row, load_answers

RESPONDENT_PAGES = {"pages/area_home.py": "Helsingin kaupunki", "pages/questionnaire.py": f"YSE-keskustelut {ROUND}: ennakkokysely"}
REVIEWER_PAGES = {"pages/round_overview.py": "Kierroksen yleiskuva", "pages/area_view.py": None}
ADMIN_PAGES = {
    "pages/admin_users.py": "Käyttäjät", "pages/admin_areas.py": "Alueet ja kunnat",
    "pages/admin_rounds.py": "Kierrokset ja kyselyt", "pages/admin_audit.py": "Tapahtumaloki",
}


def test_wrong_password_shows_error_and_no_pages(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-helsinki", "not-the-password")
    assert "Väärä käyttäjätunnus tai salasana." in [e.value for e in app.error]
    assert titles(app) == ["YSE-portaali"]


def test_login_page_says_it_is_a_demo_and_names_the_accounts(demo_db_path):
    import os

    from streamlit.testing.v1 import AppTest

    from tools.apptest_helpers import APP

    os.environ["YSE_DB"] = str(demo_db_path)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    notice = " ".join(element.value for element in app.info)
    assert "demo-helsinki" in notice and "demo-admin" in notice and "yse-demo" in notice


@pytest.mark.parametrize(
    ("username", "own_pages", "foreign_pages"),
    [
        ("demo-helsinki", RESPONDENT_PAGES, {**REVIEWER_PAGES, **ADMIN_PAGES}),
        ("demo-reviewer", REVIEWER_PAGES, {**RESPONDENT_PAGES, **ADMIN_PAGES}),
        ("demo-admin", {**REVIEWER_PAGES, **ADMIN_PAGES}, RESPONDENT_PAGES),
    ],
)
def test_each_role_sees_exactly_its_pages(demo_db_path, username, own_pages, foreign_pages):
    app = logged_in_app(demo_db_path, username)
    default_titles = titles(app)
    for script, title in own_pages.items():
        app.switch_page(script)
        app.run()
        assert not app.exception, (script, app.exception)
        if title:
            assert title in titles(app), script
    for script in foreign_pages:
        # A page outside the role's navigation is not registered at all, so it cannot be opened.
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(script)
    assert titles(app) != [] and default_titles


def _questionnaire(app):
    app.switch_page("pages/questionnaire.py")
    app.run()
    return app


def test_respondent_answers_each_widget_type_and_database_holds_it(demo_db_path):
    app = _questionnaire(logged_in_app(demo_db_path, "demo-helsinki"))
    db = open_db(demo_db_path)
    user = auth.get_user(db, "demo-helsinki")
    response_id = get_response_row(db, user, ROUND, "helsinki")["id"]

    def key(question_id):
        return f"q-{response_id}-{question_id}"

    app.radio(key=key("trends_process_exists")).set_value(True).run()
    frequency = app.selectbox(key=key("trends_process_frequency"))  # a single choice with many options
    frequency.set_value(frequency.options[0]).run()
    app.radio(key=key("trends_process_self")).set_value(4).run()
    app.multiselect(key=key("trends_data_sources")).select(app.multiselect(key=key("trends_data_sources")).options[0]).run()
    app.text_area(key=key("uusimaa_factors")).input("<b>Rakennemuutos</b> =SUM(A1) 🙂").run()
    app.radio(key="yse_theme").set_value("own_measures").run()
    app.number_input(key=key("employer_contacts_per_year")).set_value(1200).run()
    assert not app.exception, app.exception

    answers = {qid: answer.value for qid, answer in load_answers(db, user, response_id).items()}
    assert answers["trends_process_exists"] is True
    assert answers["trends_process_self"] == 4
    assert answers["trends_process_frequency"]
    assert len(answers["trends_data_sources"]) == 1
    assert answers["uusimaa_factors"] == "<b>Rakennemuutos</b> =SUM(A1) 🙂"
    assert answers["employer_contacts_per_year"] == 1200


def test_the_theme_radio_keeps_its_labels_and_sends_its_value_when_an_answer_moves_the_progress(demo_db_path):
    """Bug 2 (docs/reliability.md): the browser sends back the label of the theme it shows. Labels that carried
    the progress stopped matching after an answer, and a browser that lost the radio's state showed the first
    theme and sent it back. Now the labels are the titles (progress in the captions) and every full run sends
    the page's theme to the browser."""
    app = _questionnaire(logged_in_app(demo_db_path, "demo-helsinki"))
    app.radio(key="yse_theme").set_value("own_measures").run()
    before = app.radio(key="yse_theme")
    labels, captions = list(before.options), list(before.proto.captions)
    db = open_db(demo_db_path)
    response_id = get_response_row(db, auth.get_user(db, "demo-helsinki"), ROUND, "helsinki")["id"]
    app.number_input(key=f"q-{response_id}-employer_contacts_per_year").set_value(1200).run()
    after = app.radio(key="yse_theme")
    assert not app.exception, app.exception
    assert list(after.options) == labels
    assert list(after.proto.captions) != captions  # the theme's "0/n" moved to "1/n"
    assert after.proto.set_value and after.proto.raw_value == "Omat toimet ja niiden vaikuttavuuden seuranta"
    assert after.value == "own_measures"


def test_out_of_range_number_shows_message_and_is_not_saved(demo_db_path):
    app = _questionnaire(logged_in_app(demo_db_path, "demo-helsinki"))
    db = open_db(demo_db_path)
    user = auth.get_user(db, "demo-helsinki")
    response_id = get_response_row(db, user, ROUND, "helsinki")["id"]
    app.radio(key="yse_theme").set_value("statutory_services").run()
    app.number_input(key=f"q-{response_id}-face_to_face_share_reported").set_value(150).run()
    assert any("100" in element.value for element in app.error)
    assert "face_to_face_share_reported" not in load_answers(db, user, response_id)


def test_submit_with_missing_required_answer_lists_what_is_missing(demo_db_path):
    app = _questionnaire(logged_in_app(demo_db_path, "demo-helsinki"))
    app.button(key="q-submit").click().run()
    assert any("pakollista kysymystä on vastaamatta" in element.value for element in app.error)
    jump_buttons = [b for b in app.button if b.key and b.key.startswith("jump-")]
    assert any(b.key == "jump-trends_process_exists" for b in jump_buttons)
    jump_buttons[-1].click().run()
    assert app.radio(key="yse_theme").value == "statutory_services"


def test_respondent_home_shows_deadline_progress_and_contacts(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-helsinki")
    labels = [metric.label for metric in app.metric]
    assert "Vastausaika päättyy" in labels
    assert "päivää jäljellä" in app.metric[1].delta
    assert any("Demo-tarkastaja" in element.value or "Toinen demo-tarkastaja" in element.value for element in app.markdown)


def test_reviewer_overview_lists_areas_and_filters_own(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-reviewer")
    frame = app.dataframe[0].value
    db = open_db(demo_db_path)
    own = auth.reviewer_area_ids(db, "demo-reviewer")
    assert len(frame) == len(own)
    app.toggle(key="overview-own").set_value(False).run()
    assert len(app.dataframe[0].value) == 45


def test_admin_locks_a_user_on_the_users_page(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_users.py").run()
    app.selectbox(key="admin-user-choice").set_value("demo-vantaa").run()
    app.button(key="admin-lock").click().run()
    db = open_db(demo_db_path)
    assert auth.is_locked(auth.get_user(db, "demo-vantaa"))


def test_compare_page_shows_a_question_across_areas(demo_db_path):
    db = open_db(demo_db_path)
    user = auth.get_user(db, "demo-helsinki")
    from yse_core.responses import save_answer

    save_answer(db, user, get_response_row(db, user, ROUND, "helsinki")["id"], "trends_process_self", 5, base_version=0)
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.switch_page("pages/compare.py").run()
    app.selectbox(key="compare-question").set_value("trends_process_self").run()
    assert not app.exception, app.exception
    table = app.dataframe[-1].value
    assert len(table) == 45
    assert any("5 –" in str(value) for value in table.iloc[:, 2])


def test_compare_page_shows_the_same_question_year_over_year(demo_db_path):
    from datetime import date, timedelta
    from pathlib import Path

    from yse_core.responses import save_answer
    from yse_core.rounds import open_round, register_questionnaire

    db = open_db(demo_db_path)
    user = auth.get_user(db, "demo-helsinki")
    save_answer(db, user, get_response_row(db, user, ROUND, "helsinki")["id"], "trends_process_self", 2, base_version=0)
    register_questionnaire(db, Path(__file__).resolve().parent.parent / "questionnaires" / "yse-2026.yaml")
    open_round(db, NEXT, "yse-2026@1", date.today() + timedelta(days=30))
    save_answer(db, user, get_response_row(db, user, NEXT, "helsinki")["id"], "trends_process_self", 4, base_version=0)
    app = logged_in_app(demo_db_path, "demo-reviewer")
    app.switch_page("pages/compare.py").run()
    app.selectbox(key="compare-question").set_value("trends_process_self").run()
    assert not app.exception, app.exception
    years = app.dataframe[-1].value
    assert list(years.columns) == [str(ROUND), str(NEXT)]
    assert years.loc["Helsingin kaupunki", str(ROUND)].startswith("2 –") and years.loc["Helsingin kaupunki", str(NEXT)].startswith("4 –")


def test_no_url_path_is_the_name_of_a_page_file():
    """Streamlit's old pages/ folder mode (every AppTest run, the first session of a plain `streamlit run`) runs
    pages/<name>.py directly, without app.py, for the address /<name> (ui/legacy_pages.py)."""
    from .test_accessibility import PORTAL_PAGES

    file_names = {path.stem for path in (Path(__file__).resolve().parent.parent / "pages").glob("*.py")}
    assert {path for paths in PORTAL_PAGES.values() for path in paths} & file_names == set()


def test_five_wrong_passwords_in_the_form_lock_the_account_and_the_right_one_is_then_refused(demo_db_path):
    """The login form's callback (ui/login.py) counts failures in the database and locks at the fifth."""
    from streamlit.testing.v1 import AppTest

    from tools.apptest_helpers import APP

    os.environ["YSE_DB"] = str(demo_db_path)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    for attempt in range(1, auth.MAX_FAILED_LOGINS + 1):
        app.text_input[0].input("demo-helsinki")
        app.text_input[1].input(f"wrong-{attempt}")
        app.button[0].click()
        app.run()
        assert app.text_input[1].value == ""  # the password does not stay in the form
        errors = " ".join(element.value for element in app.error)
        assert ("lukittu" in errors) == (attempt == auth.MAX_FAILED_LOGINS), (attempt, errors)
    db = open_db(demo_db_path)
    assert auth.is_locked(auth.get_user(db, "demo-helsinki"))
    assert len(audit.events(db, username="demo-helsinki", action="login_failed")) == auth.MAX_FAILED_LOGINS
    app.text_input[0].input("demo-helsinki")
    app.text_input[1].input("yse-demo")
    app.button[0].click()
    app.run()
    assert "lukittu" in " ".join(element.value for element in app.error)
    assert titles(app) == ["YSE-portaali"]  # still the login page
    assert audit.events(db, username="demo-helsinki", action="login") == []
    db.close()
