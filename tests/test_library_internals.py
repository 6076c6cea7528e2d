"""ui/library_internals.py: the versions it was checked against, the names it relies on, and each helper at work.

The first tests fail loudly when an upgrade changed what the helpers rely on; the rest run every helper
against the real libraries (AppTest runs, a real authenticator, the library's own token code).
"""

from __future__ import annotations

import importlib
import inspect
import re
import time
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jwt
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from ui import library_internals as lib

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"


def _installed(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def _where(distribution: str) -> str:
    return (f"{distribution} (ui/library_internals.py was checked against {lib.CHECKED_AGAINST[distribution]}, "
            f"installed: {_installed(distribution)})")


def _resolve(distribution: str, module_name: str, path: str):
    """The object at ``module.path``, or a test failure that names what is missing."""
    try:
        target = importlib.import_module(module_name)
    except ImportError as error:
        pytest.fail(f"{_where(distribution)}: module {module_name} is gone ({error}); re-check ui/library_internals.py")
    walked = module_name
    for name in path.split("."):
        walked += f".{name}"
        if not hasattr(target, name):
            pytest.fail(f"{_where(distribution)}: {walked} is gone; re-check the helpers in ui/library_internals.py "
                        "that rely on it")
        target = getattr(target, name)
    return target


# --- versions and names --------------------------------------------------------------------------


def test_the_checked_versions_are_the_pins_of_requirements_txt():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", REQUIREMENTS.read_text(encoding="utf-8"), re.MULTILINE))
    pinned = {name: pins[name] for name in lib.CHECKED_AGAINST if name in pins}
    assert set(pinned) >= {"streamlit", "streamlit-authenticator"}, "requirements.txt no longer pins the libraries"
    assert pinned == {name: lib.CHECKED_AGAINST[name] for name in pinned}, (
        f"requirements.txt pins {pinned}, ui/library_internals.py CHECKED_AGAINST says {lib.CHECKED_AGAINST}: "
        "re-check every helper there against the new version, then update CHECKED_AGAINST")


@pytest.mark.parametrize("distribution", sorted(lib.CHECKED_AGAINST))
def test_the_installed_version_is_the_checked_one(distribution):
    assert _installed(distribution) == lib.CHECKED_AGAINST[distribution], (
        f"{_where(distribution)}: the versions differ; re-check every helper in ui/library_internals.py against "
        "the installed source, then update CHECKED_AGAINST (and requirements.txt)")


@pytest.mark.parametrize(("distribution", "module_name", "path"), lib.RELIED_ON,
                         ids=[f"{module}.{path}" for _, module, path in lib.RELIED_ON])
def test_a_relied_on_name_is_still_there(distribution, module_name, path):
    _resolve(distribution, module_name, path)  # fails, naming the library, its versions and the name


@pytest.mark.parametrize(("distribution", "module_name", "path", "parameters"), lib.RELIED_ON_PARAMETERS,
                         ids=[f"{module}.{path}" for _, module, path, _ in lib.RELIED_ON_PARAMETERS])
def test_a_relied_on_parameter_is_still_there(distribution, module_name, path, parameters):
    signature = inspect.signature(_resolve(distribution, module_name, path))
    for name, default in parameters.items():
        assert name in signature.parameters, (
            f"{_where(distribution)}: {module_name}.{path} has no parameter {name!r} any more (signature {signature})")
        if default is not ...:
            assert signature.parameters[name].default == default, (
                f"{_where(distribution)}: {module_name}.{path}'s {name!r} defaults to "
                f"{signature.parameters[name].default!r}, the helpers rely on {default!r}")


def test_the_pages_manager_flag_is_a_class_attribute_that_starts_undecided():
    assert "uses_pages_directory" in vars(PagesManager), (
        f"{_where('streamlit')}: PagesManager.uses_pages_directory is no longer a class attribute")


# --- Streamlit: reruns and the pages/ folder mode ------------------------------------------------


def _rerun_is_caught():
    import streamlit as st

    from ui.library_internals import RerunException

    if st.session_state.get("caught") is None:
        try:
            st.rerun()
        except RerunException as request:
            st.session_state["caught"] = type(request).__name__


def test_st_rerun_raises_the_rerun_exception_ui_callbacks_catches():
    app = AppTest.from_function(_rerun_is_caught)
    app.run()
    assert not app.exception
    assert app.session_state["caught"] == "RerunException"


def test_leave_pages_directory_mode_under_the_folder_mode(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "other.py").write_text("import streamlit as st\nst.write('other')\n", encoding="utf-8")
    main = tmp_path / "main.py"
    main.write_text("import streamlit as st\nfrom ui.library_internals import leave_pages_directory_mode\n"
                    "st.session_state['left'] = [leave_pages_directory_mode(), leave_pages_directory_mode()]\n",
                    encoding="utf-8")
    app = AppTest.from_file(str(main))
    app.run()
    assert not app.exception
    assert app.session_state["left"] == [True, False]  # in the mode at first, then out of it


def test_leave_pages_directory_mode_without_a_pages_folder(tmp_path):
    main = tmp_path / "main.py"
    main.write_text("import streamlit as st\nfrom ui.library_internals import leave_pages_directory_mode\n"
                    "st.session_state['left'] = leave_pages_directory_mode()\n", encoding="utf-8")
    app = AppTest.from_file(str(main))
    app.run()
    assert app.session_state["left"] is False


@pytest.fixture
def pages_flag():
    saved = PagesManager.uses_pages_directory
    yield
    PagesManager.uses_pages_directory = saved


def test_use_navigation_only_keeps_a_new_session_out_of_the_folder_mode(tmp_path, pages_flag):
    (tmp_path / "pages").mkdir()
    main = tmp_path / "main.py"
    main.write_text("", encoding="utf-8")
    PagesManager.uses_pages_directory = None  # control: an undecided process decides from the pages/ folder
    PagesManager(str(main), setup_watcher=False)
    assert PagesManager.uses_pages_directory is True
    PagesManager.uses_pages_directory = None
    lib.use_navigation_only()
    PagesManager(str(main), setup_watcher=False)  # the first session's page manager
    assert PagesManager.uses_pages_directory is False


# --- AppTest: compiled scripts and fragments ------------------------------------------------------


def _script_text_after_an_edit(path: Path) -> str:
    path.write_text("import streamlit as st\nst.markdown('before the edit')\n", encoding="utf-8")
    app = AppTest.from_file(str(path))
    app.run()
    path.write_text("import streamlit as st\nst.markdown('after the edit')\n", encoding="utf-8")
    app.run()
    assert not app.exception
    return app.markdown[0].value


def test_apptest_keeps_compiled_scripts_across_reruns(tmp_path):
    with lib.apptest_keeps_compiled_scripts() as kept:
        seen = _script_text_after_an_edit(tmp_path / "kept.py")
    assert kept is True
    assert seen == "before the edit"  # compiled once, as on the server
    assert _script_text_after_an_edit(tmp_path / "stock.py") == "after the edit"  # control: stock AppTest recompiles


def _two_fragments():
    import streamlit as st

    st.session_state["full_runs"] = st.session_state.get("full_runs", 0) + 1

    @st.fragment
    def part(name, *, label):
        st.session_state[f"runs_{name}"] = st.session_state.get(f"runs_{name}", 0) + 1
        st.markdown(label)

    part("alpha", label="A")
    part("beta", label="B")


def test_the_fragments_of_a_run_their_arguments_and_a_fragment_rerun():
    app = AppTest.from_function(_two_fragments)
    app.run()
    fragments = lib.apptest_fragments(app)
    assert [lib.fragment_call_arguments(fragment) for _, fragment in fragments] == [["alpha", "A"], ["beta", "B"]]
    beta = fragments[1][0]
    with lib.apptest_reruns_fragment(beta):
        app.run()
    assert not app.exception
    assert (app.session_state["full_runs"], app.session_state["runs_alpha"], app.session_state["runs_beta"]) == (1, 1, 2)
    app.run()  # outside the block: a full run again
    assert (app.session_state["full_runs"], app.session_state["runs_alpha"]) == (2, 2)


# --- streamlit-authenticator: password check, session keys, cookie ---------------------------------

COOKIE_KEY = "library-internals-test-key-" + "k" * 40


def _login_script(cookie_key):
    import bcrypt
    import streamlit as st
    import streamlit_authenticator as stauth
    from streamlit_authenticator.utilities.exceptions import LoginError

    from ui import library_internals as lib

    if "credentials" not in st.session_state:
        st.session_state["credentials"] = {"usernames": {"tester": {
            "name": "Tester", "email": "tester@invalid.example", "roles": ["respondent"], "logged_in": False,
            "password": bcrypt.hashpw(b"right", bcrypt.gensalt(4)).decode(), "failed_login_attempts": 0}}}
    credentials = st.session_state["credentials"]
    if st.session_state.get("at_limit"):
        lib.set_failed_attempts(credentials, "tester", 3)
    authenticator = stauth.Authenticate(credentials, "test_cookie", cookie_key, 2.0, auto_hash=False, login_sleep_time=0)
    logins = []
    outcome = "checked"
    try:
        lib.check_password(authenticator, " Tester ", st.session_state["password"], max_login_attempts=3,
                           callback=lambda info: logins.append(info["username"]))
    except LoginError:
        outcome = "refused"
    st.session_state["result"] = {
        "outcome": outcome, "logged_in": lib.is_logged_in(), "username": lib.logged_in_username(),
        "attempts": lib.failed_attempts(credentials)[lib.credentials_username(" Tester ")], "callback": logins,
    }


def _login_app(password: str) -> AppTest:
    app = AppTest.from_function(_login_script, kwargs={"cookie_key": COOKIE_KEY}, default_timeout=30)
    app.session_state["password"] = password
    return app


def test_a_wrong_password_counts_and_a_right_one_logs_in():
    app = _login_app("wrong")
    app.run()
    assert app.session_state["result"] == {"outcome": "checked", "logged_in": False, "username": None, "attempts": 1,
                                           "callback": []}
    app.run()
    assert app.session_state["result"]["attempts"] == 2
    app.session_state["password"] = "right"
    app.run()
    assert not app.exception
    assert app.session_state["result"] == {"outcome": "checked", "logged_in": True, "username": "tester", "attempts": 0,
                                           "callback": ["tester"]}


def test_an_account_at_the_attempt_limit_is_refused_with_the_right_password():
    app = _login_app("right")
    app.session_state["at_limit"] = True
    app.run()
    assert not app.exception
    assert app.session_state["result"]["outcome"] == "refused"
    assert app.session_state["result"]["logged_in"] is False


def _cookie_script(cookie_key, action):
    import time
    from datetime import UTC, datetime, timedelta

    import streamlit as st
    import streamlit_authenticator as stauth

    from ui import library_internals as lib

    authenticator = stauth.Authenticate({"usernames": {}}, "test_cookie", cookie_key, 2.0, auto_hash=False,
                                        login_sleep_time=0)
    cookie = lib.login_cookie(authenticator)
    model = authenticator.cookie_controller.cookie_model  # the library's own token code, for the round trip
    ours = lib.login_token(cookie, "tester", datetime.now(UTC) + timedelta(days=cookie.expiry_days))
    model.token = ours
    decoded = model._token_decode()
    st.session_state["username"] = "tester"
    model.exp_date = model._set_exp_date()
    theirs = model._token_encode()
    if action == "delete":
        lib.delete_login_cookie(authenticator)
    lib.ignore_cookie()
    st.session_state["result"] = {
        "cookie": cookie, "decoded": decoded, "library_accepts": decoded["exp_date"] > time.time(),
        "theirs": lib.login_token_username(cookie, theirs, now=time.time()),
        "ignored": lib.cookie_ignored(), "library_reads_cookie": model.get_cookie(),
        "delete_key": lib.DELETE_COOKIE_COMPONENT_KEY in st.session_state, "delete_reported": lib.browser_deleted_cookie(),
    }


def _cookie_run(action: str) -> dict:
    app = AppTest.from_function(_cookie_script, kwargs={"cookie_key": COOKIE_KEY, "action": action}, default_timeout=30)
    app.run()
    assert not app.exception, app.exception
    return app.session_state["result"]


def test_the_login_token_round_trips_through_the_library():
    result = _cookie_run("none")
    assert result["cookie"] == lib.LoginCookie("test_cookie", COOKIE_KEY, 2.0)
    assert result["decoded"]["username"] == "tester" and result["library_accepts"]  # ours, read by the library
    assert result["theirs"] == "tester"  # the library's, read by ours
    assert result["ignored"] is True and result["library_reads_cookie"] is False  # the logout flag stops the library
    assert result["delete_key"] is False  # control: no component, no key


def test_deleting_the_cookie_renders_the_component_under_the_library_key():
    deleted = _cookie_run("delete")
    # Rendered under the key the helper reads; AppTest has no browser, so nothing is reported done.
    assert (deleted["delete_key"], deleted["delete_reported"]) == (True, False)


@pytest.mark.parametrize(("case", "token"), [
    ("expired", lambda: jwt.encode({"username": "tester", "exp_date": time.time() - 1}, COOKIE_KEY, algorithm="HS256")),
    ("another key", lambda: jwt.encode({"username": "tester", "exp_date": time.time() + 60}, "x" * 40, algorithm="HS256")),
    ("no exp_date", lambda: jwt.encode({"username": "tester"}, COOKIE_KEY, algorithm="HS256")),
    ("exp_date a boolean", lambda: jwt.encode({"username": "tester", "exp_date": True}, COOKIE_KEY, algorithm="HS256")),
    ("username a number", lambda: jwt.encode({"username": 7, "exp_date": time.time() + 60}, COOKIE_KEY, algorithm="HS256")),
    ("algorithm none", lambda: jwt.encode({"username": "tester", "exp_date": time.time() + 60}, None, algorithm="none")),
    ("HS512", lambda: jwt.encode({"username": "tester", "exp_date": time.time() + 60}, COOKIE_KEY, algorithm="HS512")),
    ("garbage", lambda: "not-a-token"),
])
def test_a_token_the_library_would_refuse_or_raise_on_has_no_username(case, token):
    cookie = lib.LoginCookie("test_cookie", COOKIE_KEY, 2.0)
    assert lib.login_token_username(cookie, token(), now=time.time()) is None


def test_control_a_fresh_token_of_ours_has_its_username():
    cookie = lib.LoginCookie("test_cookie", COOKIE_KEY, 2.0)
    token = lib.login_token(cookie, "tester", datetime.now(UTC) + timedelta(minutes=5))
    assert lib.login_token_username(cookie, token, now=time.time()) == "tester"


def test_browser_url_is_the_address_the_frontend_reported(tmp_path):
    """``browser_url`` reads the raw "url" the frontend sends with each run (ContextInfo has the field)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    assert "url" in BackMsg().rerun_script.context_info.DESCRIPTOR.fields_by_name
    script = tmp_path / "app.py"
    script.write_text("import streamlit as st\nfrom ui.library_internals import browser_url\nst.write(repr(browser_url()))\n")
    app = AppTest.from_file(str(script)).run()
    assert not app.exception, app.exception
    assert app.markdown[0].value == "None"  # AppTest sends no browser context: nothing made up
