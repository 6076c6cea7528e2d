"""The one place that relies on what Streamlit and streamlit-authenticator do not promise.

Everything here uses a name, a state key or a format outside the libraries' documented API: a class
attribute of Streamlit's page manager, its rerun exception, AppTest's script cache and fragment storage,
streamlit-authenticator's controllers, cookie model, session-state keys and cookie token, and the
component keys of the cookie manager it renders (extra-streamlit-components). Each helper's docstring says
what it relies on and in which version that was read from the installed source. The rest of the project
calls these helpers and touches none of it.

``CHECKED_AGAINST`` holds those versions (the pins of requirements.txt; extra-streamlit-components comes
with streamlit-authenticator). ``tests/test_library_internals.py`` fails, naming the library, both versions
and the missing name, when an installed version differs from it or a relied-on name or parameter is gone:
after an upgrade, re-read each helper against the new source, then update ``CHECKED_AGAINST``.

Streamlit's testing modules are imported inside the AppTest helpers only, so the portal never loads them.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import jwt
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import RerunData, RerunException

# distribution → the version every helper below was checked against.
CHECKED_AGAINST = {
    "streamlit": "1.67.0",
    "streamlit-authenticator": "0.4.2",
    "extra-streamlit-components": "0.1.81",  # not pinned in requirements.txt: installed by streamlit-authenticator
}

__all__ = ["RerunData", "RerunException"]  # re-exported: ui.callbacks catches it, its test raises it


# --- Streamlit: the old pages/ folder mode ------------------------------------------------------------


def use_navigation_only() -> None:
    """Tell Streamlit, before its server starts, that the app chooses its pages with ``st.navigation``.

    Relies on the class attribute ``PagesManager.uses_pages_directory`` (streamlit 1.67.0): ``None`` until
    the first ``PagesManager`` is made, which then sets it once per process from whether ``pages/`` exists
    beside the main script; ``st.navigation`` sets it ``False``. Set beforehand, no session runs the mode.
    """
    PagesManager.uses_pages_directory = False


def leave_pages_directory_mode() -> bool:
    """Leave the old ``pages/`` folder mode if this run is in it; True when it was (the caller reruns).

    Relies on ``PagesManager.uses_pages_directory`` as ``use_navigation_only`` does (streamlit 1.67.0);
    AppTest resets it to ``None`` before every run, so under AppTest every run starts in the mode.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        return True
    return False


def browser_url() -> str | None:
    """Return the address the browser showed when it asked for this run, as its frontend reported it.

    ``st.context.url`` rewrites the page part of the address to the page Streamlit resolved; this is the raw
    value before that. Relies on ``streamlit.runtime.context._context_info_field("url")`` (streamlit 1.67.0).
    """
    from streamlit.runtime.context import _context_info_field

    return _context_info_field("url")


def say_page_not_found() -> None:
    """Show Streamlit's own "Page not found" notice, as ``st.navigation`` does for an address it does not know.

    Relies on ``streamlit.commands.navigation.send_page_not_found`` (streamlit 1.67.0).
    """
    from streamlit.commands.navigation import send_page_not_found
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    send_page_not_found(get_script_run_ctx())


# --- Streamlit: st.login's identity ------------------------------------------------------------------


def identity_provider(user_info: dict) -> str | None:
    """Return the name of the ``[auth.<name>]`` provider an ``st.user`` identity came from, or None.

    Relies on the ``provider`` key that Streamlit's OAuth callback writes into the identity cookie beside the
    ID token's claims (``web/server/starlette/starlette_auth_routes.py: _auth_callback``, streamlit 1.67.0);
    ``st.user`` shows it but the docs do not list it.
    """
    provider = user_info.get("provider")
    return provider if isinstance(provider, str) and provider else None


# --- streamlit-authenticator: its session-state keys ----------------------------------------------------

# Keys streamlit-authenticator 0.4.2 keeps in st.session_state (models/authentication_model.py).
AUTHENTICATION_STATUS = "authentication_status"  # True after a login, False after a failed one, else None
USERNAME = "username"
LOGOUT_FLAG = "logout"  # while true, CookieModel.get_cookie ignores the login cookie
# Key of the cookie manager's delete component (extra-streamlit-components 0.1.81, CookieManager.delete's
# default); its value, True, appears under it once the browser has done it. The login cookie is written by
# ui/login.py's own script, not by the component.
DELETE_COOKIE_COMPONENT_KEY = "delete"


def is_logged_in() -> bool:
    """Whether streamlit-authenticator counts this session as logged in (``authentication_status``, 0.4.2)."""
    return bool(st.session_state.get(AUTHENTICATION_STATUS))


def logged_in_username() -> str | None:
    """The username streamlit-authenticator logged this session in as (``username``, 0.4.2), or None."""
    return st.session_state.get(USERNAME)


def forget_login_outcome() -> None:
    """Set ``authentication_status`` back to None (0.4.2): neither logged in nor a failed attempt."""
    st.session_state[AUTHENTICATION_STATUS] = None


def cookie_ignored() -> bool:
    """Whether the library ignores the login cookie in this session (its ``logout`` flag, 0.4.2)."""
    return bool(st.session_state.get(LOGOUT_FLAG))


def ignore_cookie() -> None:
    """Make the library ignore the login cookie for the rest of this session (``logout`` flag, 0.4.2).

    ``CookieModel.get_cookie`` returns False while ``st.session_state["logout"]`` is true; a login sets
    it back (``AuthenticationModel.login`` through the library's login).
    """
    st.session_state[LOGOUT_FLAG] = True


def browser_deleted_cookie() -> bool:
    """Whether the browser reported the delete-cookie component done (its value under ``delete``, esc 0.1.81)."""
    return bool(st.session_state.get(DELETE_COOKIE_COMPONENT_KEY))


# --- streamlit-authenticator: password check and the credentials it counts in ---------------------------


def check_password(authenticator, username: str, password: str, *, max_login_attempts: int,
                   callback: Callable[[dict], Any]) -> None:
    """Check a username and password with the library, without rendering its form.

    Relies on ``Authenticate.authentication_controller`` and ``AuthenticationController.login(username,
    password, max_login_attempts=, callback=)`` (streamlit-authenticator 0.4.2): on success it sets the
    session-state keys above and calls ``callback({"widget", "username", ...})``; a wrong password sets
    ``authentication_status`` False and adds one to the user's ``failed_login_attempts``; an account at
    the limit raises ``LoginError``.
    """
    authenticator.authentication_controller.login(username, password, max_login_attempts=max_login_attempts,
                                                  callback=callback)


def credentials_username(typed: str) -> str:
    """The credentials key the library looks a typed username up by (``lower().strip()``, 0.4.2)."""
    return typed.lower().strip()


def failed_attempts(credentials: dict) -> dict[str, int]:
    """Each user's failed-login counter in the credentials dict the library counts in place (0.4.2)."""
    return {name: entry.get("failed_login_attempts", 0) for name, entry in credentials["usernames"].items()}


def set_failed_attempts(credentials: dict, username: str, attempts: int) -> None:
    """Set a user's counter; at ``max_login_attempts`` the library refuses the login with ``LoginError`` (0.4.2)."""
    credentials["usernames"][username]["failed_login_attempts"] = attempts


# --- streamlit-authenticator: the login cookie -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoginCookie:
    """The login cookie's name, signing key and lifetime in days, as the authenticator was built with."""

    name: str
    key: str
    expiry_days: float


def login_cookie(authenticator) -> LoginCookie:
    """Read the cookie settings from ``authenticator.cookie_controller.cookie_model`` (0.4.2).

    Relies on ``CookieModel``'s attributes ``cookie_name``, ``cookie_key`` and ``cookie_expiry_days``.
    """
    model = authenticator.cookie_controller.cookie_model
    return LoginCookie(model.cookie_name, model.cookie_key, model.cookie_expiry_days)


def login_token(cookie: LoginCookie, username: str, expires: datetime, session_id: str | None = None) -> str:
    """A login token in the library's format: a JWT ``{username, exp_date}`` (a Unix time), HS256.

    The format of ``CookieModel._token_encode`` / ``_token_decode`` (streamlit-authenticator 0.4.2); the
    library reads only those two claims, so the portal's own ``sid`` (yse_core/sessions.py) rides along.
    """
    claims = {"username": username, "exp_date": expires.timestamp()}
    if session_id is not None:
        claims["sid"] = session_id
    return jwt.encode(claims, cookie.key, algorithm="HS256")


def login_token_session(cookie: LoginCookie, token: str) -> str | None:
    """The portal session id (``sid``) of a well-signed login token, else None (call after login_token_username)."""
    try:
        claims = jwt.decode(token, cookie.key, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    session_id = claims.get("sid") if isinstance(claims, dict) else None
    return session_id if isinstance(session_id, str) else None


def login_token_username(cookie: LoginCookie, token: str, now: float) -> str | None:
    """The username of a token the library would accept without raising, else None.

    The library (0.4.2, ``CookieModel.get_cookie``) decodes with HS256 and the cookie key and accepts a
    token whose ``exp_date`` is later than now; but it raises on a JWT with another algorithm
    (``jwt.InvalidAlgorithmError``) and on one without ``exp_date`` (``KeyError``). This accepts exactly
    the well-signed HS256 tokens with a text ``username`` and a numeric ``exp_date`` after ``now``.
    """
    try:
        claims = jwt.decode(token, cookie.key, algorithms=["HS256"])
    except jwt.InvalidTokenError:  # wrong key, tampered, another algorithm, garbage
        return None
    if not isinstance(claims, dict):
        return None
    username, expires = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or isinstance(expires, bool) or not isinstance(expires, int | float) or expires <= now:
        return None
    return username


def skip_cookie_listing() -> None:
    """Build streamlit-authenticator's cookie manager without its "getAll" component; harmless to call again.

    ``CookieModel.__init__`` (streamlit-authenticator 0.4.2) makes an extra-streamlit-components
    ``CookieManager()`` (0.1.81), whose ``__init__`` renders a component (method "getAll", key "init") that
    lists the browser's cookies. The library no longer reads that list (``CookieModel.get_cookie`` reads
    ``st.context.cookies``, from the request), but the component still cost every new browser session a
    second script run: its iframe loaded after the first run and sent the list back, and that rerun was
    most of the time between "page shown" and "page settled" (tools/bench_browser.py, docs/benchmarks.md).
    Here the module name ``stx`` that ``streamlit_authenticator.models.cookie_model`` looks the class up in is
    replaced, once for the process, by a namespace whose ``CookieManager`` renders nothing when made and
    holds the request's cookies; ``set`` and ``delete`` render their components as before.
    """
    from streamlit_authenticator.models import cookie_model

    if isinstance(cookie_model.stx, _CookieModule):
        return
    cookie_model.stx = _CookieModule(cookie_model.stx)


class _CookieModule:
    """Stands for the ``extra_streamlit_components`` module inside the library's cookie model."""

    def __init__(self, module):
        self._module = module
        self.CookieManager = _request_cookie_manager_class(module.CookieManager)

    def __getattr__(self, name: str):
        return getattr(self._module, name)


def _request_cookie_manager_class(base: type) -> type:
    from extra_streamlit_components.CookieManager import _component_func

    class RequestCookieManager(base):
        def __init__(self, key: str = "init"):  # noqa: ARG002 - the base's signature; no component, no key
            self.cookie_manager = _component_func
            self.cookies = dict(st.context.cookies)

    return RequestCookieManager


def delete_login_cookie(authenticator) -> None:
    """Render the delete-cookie component, as the library's logout does (key ``delete``).

    Relies on ``Authenticate.cookie_controller.delete_cookie()`` (streamlit-authenticator 0.4.2), which calls
    ``CookieManager.delete(name)`` with its default key ``delete`` (extra-streamlit-components 0.1.81).
    Rendering it twice in one run raises ``StreamlitDuplicateElementKey``.
    """
    authenticator.cookie_controller.delete_cookie()


# --- Streamlit's AppTest (tests and the bench only) -----------------------------------------------------


@contextlib.contextmanager
def apptest_keeps_compiled_scripts() -> Iterator[bool]:
    """Let AppTest keep compiled scripts across reruns, as the server does; yield whether that worked.

    Stock AppTest builds a new ``ScriptCache`` on every ``run()`` (``app_test`` and ``local_script_runner``
    both call the name ``ScriptCache`` of their module; streamlit 1.67.0), so each rerun re-reads app.py
    and the page, applies Streamlit's "magic" AST pass and compiles them again. Here both names give one
    shared cache while the block runs. Yields False, changing nothing, if AppTest no longer builds it so.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    modules = [module for module in (app_test, local_script_runner) if getattr(module, "ScriptCache", None) is ScriptCache]
    if len(modules) != 2:
        yield False
        return
    shared = ScriptCache()
    for module in modules:
        module.ScriptCache = lambda: shared
    try:
        yield True
    finally:
        for module in modules:
            module.ScriptCache = ScriptCache


def apptest_fragments(app) -> list[tuple[str, Callable]]:
    """The fragments the AppTest's last full run registered, ``(id, fragment)`` in registration order.

    Relies on ``AppTest._fragment_storage``, a ``MemoryFragmentStorage`` with the dicts ``_fragments``
    (id → the callable Streamlit reruns) and ``_registration_sequence_by_id`` (streamlit 1.67.0).
    """
    storage = app._fragment_storage
    order = storage._registration_sequence_by_id
    return sorted(storage._fragments.items(), key=lambda item: order.get(item[0], 0))


def fragment_call_arguments(fragment: Callable) -> list:
    """The positional and keyword argument values a fragment function was called with.

    Relies on the wrapper Streamlit registers (``streamlit.runtime.fragment``, 1.67.0) keeping ``args``
    and ``kwargs`` of the call in its closure.
    """
    cells = dict(zip(fragment.__code__.co_freevars, (cell.cell_contents for cell in fragment.__closure__ or ()),
                     strict=True))
    if "args" not in cells or "kwargs" not in cells:
        raise RuntimeError(f"streamlit {_installed('streamlit')} (checked: {CHECKED_AGAINST['streamlit']}): the fragment "
                           "wrapper no longer keeps its call's arguments; update ui/library_internals.py")
    return [*cells["args"], *cells["kwargs"].values()]


@contextlib.contextmanager
def apptest_reruns_fragment(fragment_id: str) -> Iterator[None]:
    """Make every ``AppTest.run()`` in the block a rerun of one fragment, as a widget change in it asks for.

    Relies on ``local_script_runner`` building each run's request with its module name ``RerunData``
    (streamlit 1.67.0); the request's ``fragment_id_queue`` is the field the server fills in.
    """
    from streamlit.testing.v1 import local_script_runner

    if getattr(local_script_runner, "RerunData", None) is not RerunData:
        raise RuntimeError(f"streamlit {_installed('streamlit')} (checked: {CHECKED_AGAINST['streamlit']}): "
                           "local_script_runner no longer builds RerunData; update ui/library_internals.py")

    def rerun_data(**fields) -> RerunData:
        return dataclasses.replace(RerunData(**fields), fragment_id_queue=[fragment_id])

    local_script_runner.RerunData = rerun_data
    try:
        yield
    finally:
        local_script_runner.RerunData = RerunData


def _installed(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


# What the helpers rely on, for the test: (distribution, module, attribute path).
RELIED_ON = [
    ("streamlit", "streamlit.runtime.scriptrunner", "RerunException"),
    ("streamlit", "streamlit.runtime.scriptrunner", "RerunData"),
    ("streamlit", "streamlit.runtime.pages_manager", "PagesManager.uses_pages_directory"),
    ("streamlit", "streamlit.runtime.scriptrunner.script_cache", "ScriptCache"),
    ("streamlit", "streamlit.testing.v1.app_test", "ScriptCache"),
    ("streamlit", "streamlit.testing.v1.local_script_runner", "ScriptCache"),
    ("streamlit", "streamlit.testing.v1.local_script_runner", "RerunData"),
    ("streamlit", "streamlit.runtime.fragment", "MemoryFragmentStorage"),
    ("streamlit-authenticator", "streamlit_authenticator", "Authenticate"),
    ("streamlit-authenticator", "streamlit_authenticator.controllers", "AuthenticationController.login"),
    ("streamlit-authenticator", "streamlit_authenticator.controllers", "CookieController.delete_cookie"),
    ("streamlit-authenticator", "streamlit_authenticator.models", "CookieModel"),
    ("extra-streamlit-components", "extra_streamlit_components", "CookieManager.delete"),
    ("extra-streamlit-components", "extra_streamlit_components.CookieManager", "_component_func"),
    ("streamlit-authenticator", "streamlit_authenticator.models.cookie_model", "stx"),
]
# Parameters the helpers pass by name (or whose default they rely on), for the test:
# (distribution, module, callable path, {parameter: required default or ... for any}).
RELIED_ON_PARAMETERS = [
    ("streamlit-authenticator", "streamlit_authenticator.controllers", "AuthenticationController.login",
     {"username": ..., "password": ..., "max_login_attempts": ..., "callback": ...}),
    ("streamlit-authenticator", "streamlit_authenticator.models", "CookieModel.__init__",
     {"cookie_name": ..., "cookie_key": ..., "cookie_expiry_days": ...}),
    ("extra-streamlit-components", "extra_streamlit_components", "CookieManager.delete", {"cookie": ..., "key": DELETE_COOKIE_COMPONENT_KEY}),
    ("streamlit", "streamlit.runtime.scriptrunner", "RerunException.__init__", {"rerun_data": ...}),
]
