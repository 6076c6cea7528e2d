"""Single sign-on by OpenID Connect (st.login): the matching rule on real databases, then the whole way in a
real browser against a real provider (panva/oidc-provider, tools/oidc_provider) and the real portal."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tools.browser_helpers import settle
from tools.oidc_server import OidcProvider
from tools.portal_server import free_port
from yse_core import audit, auth, sso
from yse_core.db import open_db
from yse_core.errors import AuthError

from .conftest import Server

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
PROVIDER = "testidp"
LABEL = "Testi-IdP"
HELSINKI_EMAIL = "Anna.Virtanen@Hel.example.fi"  # as the admin typed it; the provider says it in lower case


def _claims(email="anna.virtanen@hel.example.fi", verified=True, issued=NOW - timedelta(minutes=5)) -> dict:
    return {"sub": "anna", "email": email, "email_verified": verified, "iat": int(issued.timestamp()), "is_logged_in": True}


def _last_event(db, action: str) -> dict:
    event = audit.events(db, action=action, limit=1)[0]
    return {**event, "details": json.loads(event["details"] or "{}")}


@pytest.fixture
def helsinki_db(demo_db):
    auth.update_user(demo_db, "demo-helsinki", email=HELSINKI_EMAIL)
    return demo_db


def test_a_verified_email_opens_the_account_with_that_email_whatever_its_case(helsinki_db):
    user = sso.user_for_identity(helsinki_db, _claims(), PROVIDER, max_age_days=1, now=NOW)
    assert (user.username, user.role, user.area_id) == ("demo-helsinki", "respondent", "helsinki")


@pytest.mark.parametrize(("claims", "key", "audited_reason"), [
    (_claims(email="nobody@example.fi"), "sso.error.unknown_email", "unknown email"),
    (_claims(verified=False), "sso.error.unverified", "email not verified"),
    (_claims(verified="true"), "sso.error.unverified", "email not verified"),  # only a JSON true is a yes
    ({**_claims(), "email_verified": None}, "sso.error.unverified", "email not verified"),
    ({key: value for key, value in _claims().items() if key != "email"}, "sso.error.unverified", "email not verified"),
])
def test_an_unknown_or_unverified_email_is_refused_and_audited_with_email_and_provider(helsinki_db, claims, key, audited_reason):
    with pytest.raises(AuthError) as refused:
        sso.user_for_identity(helsinki_db, claims, PROVIDER, max_age_days=1, now=NOW)
    assert refused.value.key == key
    event = _last_event(helsinki_db, "login_failed")
    assert event["details"] == {"method": "sso", "provider": PROVIDER, "email": claims.get("email", ""), "reason": audited_reason}


@pytest.mark.parametrize("change", ["deactivated", "locked"])
def test_a_deactivated_or_locked_account_is_refused_by_sso_too(helsinki_db, change):
    if change == "deactivated":
        auth.update_user(helsinki_db, "demo-helsinki", active=False)
    else:
        auth.lock_user(helsinki_db, "demo-helsinki")
    with pytest.raises(AuthError):
        sso.user_for_identity(helsinki_db, _claims(), PROVIDER, max_age_days=1, now=NOW)
    event = _last_event(helsinki_db, "login_failed")
    assert (event["username"], event["details"]["provider"], event["details"]["method"]) == ("demo-helsinki", PROVIDER, "sso")


def test_an_email_of_two_users_opens_neither(helsinki_db):
    auth.update_user(helsinki_db, "demo-vantaa", email=HELSINKI_EMAIL.upper())
    with pytest.raises(AuthError) as refused:
        sso.user_for_identity(helsinki_db, _claims(), PROVIDER, max_age_days=1, now=NOW)
    assert refused.value.key == "sso.error.ambiguous_email"


@pytest.mark.parametrize(("issued", "expired"), [
    (NOW - timedelta(hours=23, minutes=59), False),
    (NOW - timedelta(hours=24), True),
    (NOW - timedelta(days=3), True),
    (None, True),  # an identity without an issue time is never current
])
def test_a_sign_in_counts_as_long_as_a_password_login_is_remembered(helsinki_db, issued, expired):
    claims = _claims(issued=issued) if issued else {key: value for key, value in _claims().items() if key != "iat"}
    if expired:
        with pytest.raises(sso.SignInExpired):
            sso.user_for_identity(helsinki_db, claims, PROVIDER, max_age_days=1, now=NOW)
        assert audit.events(helsinki_db, action="login_failed") == []  # an expiry is not a refusal
    else:
        assert sso.user_for_identity(helsinki_db, claims, PROVIDER, max_age_days=1, now=NOW).username == "demo-helsinki"


def test_a_sign_in_is_recorded_once_with_its_provider_whatever_the_number_of_sessions(helsinki_db):
    user = auth.get_user(helsinki_db, "demo-helsinki")
    issued = NOW.timestamp()
    sso.record_sign_in(helsinki_db, user, PROVIDER, issued)
    sso.record_sign_in(helsinki_db, user, PROVIDER, issued)  # a second tab on the same identity
    sso.record_sign_in(helsinki_db, user, PROVIDER, issued + 60)  # signed in again at the provider
    logins = audit.events(helsinki_db, username="demo-helsinki", action="login")
    assert [json.loads(event["details"]) for event in logins] == [
        {"method": "sso", "provider": PROVIDER, "issued_at": int(issued) + 60},
        {"method": "sso", "provider": PROVIDER, "issued_at": int(issued)},
    ]


# --- In a browser: the real portal, a real provider ----------------------------------------------------

CLIENT_ID = "yse-portal"
CLIENT_SECRET = "test-client-secret-not-a-real-one"
ACCOUNTS = {
    "anna": {"email": HELSINKI_EMAIL.lower(), "email_verified": True, "name": "Anna Virtanen"},
    "ville": {"email": "ville.stranger@example.fi", "email_verified": True, "name": "Ville Vieras"},
}


class SsoSetup:
    """A provider and the portal configured for it (secrets.toml written for the test, read via secrets.files)."""

    def __init__(self, tmp_path, db_path, *, untrusted_signing=False, expiry_days=None, idle_minutes=None):
        provider_port = free_port()
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f"""
[auth]
redirect_uri = "http://localhost:{{port}}/oauth2callback"
cookie_secret = "test-cookie-secret-{time.time_ns()}"

[auth.{PROVIDER}]
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"
# Streamlit asks for prompt=select_account by default, which the test provider does not know.
client_kwargs = {{ prompt = "login" }}

[yse_sso.{PROVIDER}]
label = "{LABEL}"
""", encoding="utf-8")
        env = {"STREAMLIT_SECRETS_FILES": str(secrets)}
        if expiry_days is not None:
            env["YSE_COOKIE_EXPIRY_DAYS"] = str(expiry_days)
        if idle_minutes is not None:
            env["YSE_IDLE_MINUTES"] = str(idle_minutes)
        self.portal = Server(db_path, env=env)
        self.url = f"http://localhost:{self.portal.port}"  # the redirect_uri's host: the identity cookie's
        try:
            self.provider = OidcProvider(tmp_path, port=provider_port, redirect_uri=f"{self.url}/oauth2callback",
                                         client_id=CLIENT_ID, client_secret=CLIENT_SECRET, accounts=ACCOUNTS,
                                         untrusted_signing=untrusted_signing)
        except Exception:
            self.portal.stop()
            raise

    def stop(self):
        self.provider.stop()
        self.portal.stop()


@pytest.fixture
def sso_setup(request, tmp_path, demo_db_path):
    db = open_db(demo_db_path)
    auth.update_user(db, "demo-helsinki", email=HELSINKI_EMAIL)
    db.close()
    setup = SsoSetup(tmp_path, demo_db_path, **getattr(request, "param", {}))
    yield setup
    setup.stop()


def _sign_in_at_the_provider(page, setup: SsoSetup, login: str) -> None:
    """Open the portal, click the provider's button, sign in on the provider's own form."""
    page.goto(setup.url)
    button = page.get_by_role("button", name=f"Kirjaudu: {LABEL}")
    button.wait_for()
    settle(page, 1500)
    button.click()
    page.locator('input[name="login"]').wait_for()
    assert page.url.startswith(setup.provider.issuer)
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password: the test form checks none")
    page.get_by_role("button", name="Sign-in").click()


def _identity_cookie(page) -> bool:
    return any(cookie["name"].startswith("_streamlit_user") for cookie in page.context.cookies())


@pytest.mark.browser
def test_a_known_email_signs_in_at_the_provider_and_lands_on_the_role_page(sso_setup, page):
    _sign_in_at_the_provider(page, sso_setup, "anna")
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()
    assert page.url.rstrip("/").endswith("/koti")
    db = open_db(sso_setup.portal.db_path)
    event = _last_event(db, "login")
    assert (event["username"], event["details"]["method"], event["details"]["provider"]) == ("demo-helsinki", "sso", PROVIDER)


@pytest.mark.browser
def test_logging_out_of_the_portal_ends_the_sso_identity(sso_setup, page):
    _sign_in_at_the_provider(page, sso_setup, "anna")
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    settle(page)
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own logout (end_session_endpoint)
    page.get_by_role("button", name=f"Kirjaudu: {LABEL}").wait_for()
    assert not _identity_cookie(page)
    page.goto(f"{sso_setup.url}/koti")
    page.get_by_label("Käyttäjätunnus").wait_for()
    assert page.get_by_role("heading", name="Helsingin kaupunki").count() == 0
    db = open_db(sso_setup.portal.db_path)
    event = _last_event(db, "logout")
    assert (event["username"], event["details"]) == ("demo-helsinki", {"method": "sso", "provider": PROVIDER})


@pytest.mark.browser
def test_an_unknown_email_is_refused_in_finnish_audited_and_sees_no_portal_page(sso_setup, page):
    _sign_in_at_the_provider(page, sso_setup, "ville")
    page.get_by_text("Sähköpostiosoitteella ville.stranger@example.fi ei ole käyttäjätunnusta portaalissa").wait_for()
    sign_out = page.get_by_role("button", name=f"Kirjaudu ulos: {LABEL}")
    sign_out.wait_for()
    page.get_by_label("Käyttäjätunnus").wait_for()  # the login page, and nothing of the portal
    settle(page)
    assert page.get_by_role("button", name="Kirjaudu ulos", exact=True).count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    db = open_db(sso_setup.portal.db_path)
    event = _last_event(db, "login_failed")
    assert (event["username"], event["target"]) == (None, "ville.stranger@example.fi")
    assert event["details"] == {"method": "sso", "provider": PROVIDER, "email": "ville.stranger@example.fi",
                                "reason": "unknown email"}
    sign_out.click()  # the way out of the refused identity
    page.get_by_role("button", name="Yes, sign me out").click()
    page.get_by_role("button", name=f"Kirjaudu: {LABEL}").wait_for()
    assert not _identity_cookie(page)


@pytest.mark.browser
@pytest.mark.parametrize("sso_setup", [{"untrusted_signing": True}], indirect=True)
def test_an_id_token_signed_with_a_key_the_provider_does_not_publish_is_refused(sso_setup, page):
    # The provider signs with one key and publishes another under the same kid: Authlib's signature check in
    # Streamlit's callback fails, Streamlit sets no identity cookie and sends the browser back to the portal.
    _sign_in_at_the_provider(page, sso_setup, "anna")
    page.get_by_role("button", name=f"Kirjaudu: {LABEL}").wait_for()
    settle(page, 1500)
    assert not _identity_cookie(page)
    assert page.get_by_role("heading", name="Helsingin kaupunki").count() == 0
    assert "OAuth token exchange failed" in sso_setup.portal.log.read_text(errors="replace")
    db = open_db(sso_setup.portal.db_path)
    assert audit.events(db, username="demo-helsinki", action="login") == []


EXPIRY_SECONDS = 25


@pytest.mark.browser
@pytest.mark.parametrize("sso_setup", [{"expiry_days": EXPIRY_SECONDS / 86400}], indirect=True)
def test_an_expired_sign_in_sends_the_live_session_and_a_new_one_back_to_the_login(sso_setup, page):
    _sign_in_at_the_provider(page, sso_setup, "anna")
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    page.wait_for_timeout((EXPIRY_SECONDS + 1) * 1000)
    page.get_by_role("link", name="Tilannekuva ja tilastot").first.click()  # a rerun of the live session
    page.get_by_text("Kirjautumisesi on vanhentunut. Kirjaudu uudelleen.").wait_for()
    settle(page)  # the run has ended: what the last run left is what the person sees
    assert page.get_by_role("button", name="Kirjaudu ulos", exact=True).count() == 0
    page.reload()  # a new session on the same identity cookie
    page.get_by_text("Kirjautumisesi on vanhentunut. Kirjaudu uudelleen.").wait_for()
    page.get_by_label("Käyttäjätunnus").wait_for()
    assert page.get_by_role("heading", name="Helsingin kaupunki").count() == 0


@pytest.mark.browser
@pytest.mark.parametrize("sso_setup", [{"idle_minutes": 0.4}], indirect=True)
def test_an_idle_sso_session_ends_in_every_tab_of_that_sign_in_and_a_new_sign_in_opens_the_portal(sso_setup, page):
    _sign_in_at_the_provider(page, sso_setup, "anna")
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    settle(page)
    page.reload()  # a reload within the timeout goes on in the same session
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()
    page.wait_for_timeout(26_000)  # 24 s is the timeout
    page.get_by_role("link", name="Tilannekuva ja tilastot").first.click()
    idle = "Istunto päättyi, koska portaalia ei ollut käytetty 0,4 minuuttiin."
    page.get_by_text(idle).wait_for()
    settle(page)
    assert page.get_by_role("button", name="Kirjaudu ulos", exact=True).count() == 0
    page.reload()  # a new Streamlit session on the same identity cookie: the same sign-in, still ended
    page.get_by_text(idle).wait_for()
    assert page.get_by_role("heading", name="Helsingin kaupunki").count() == 0
    db = open_db(sso_setup.portal.db_path)
    refused = _last_event(db, "session_refused")
    assert (refused["username"], refused["details"]["method"]) == ("demo-helsinki", "sso")
    page.get_by_role("button", name=f"Kirjaudu ulos: {LABEL}").click()  # out of the identity, then in again
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own logout (end_session_endpoint)
    page.get_by_role("button", name=f"Kirjaudu: {LABEL}").wait_for()
    assert not _identity_cookie(page)
    _sign_in_at_the_provider(page, sso_setup, "anna")
    page.get_by_role("heading", name="Helsingin kaupunki").wait_for()
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()
