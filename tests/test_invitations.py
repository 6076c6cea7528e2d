"""Invitations and password resets by one-time links over SMTP: the core and the CLI against a real SMTP server
(aiosmtpd on localhost), then the whole way in a real browser against the real portal."""

from __future__ import annotations

import email
import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tools.apptest_helpers import logged_in_app
from tools.browser_helpers import login, review_shot, settle
from tools.portal_server import free_port
from yse_core import audit, auth, invitations
from yse_core.db import open_db
from yse_core.errors import AuthError
from yse_core.invitations import INVITE_VALID, RESET_MAIL_INTERVAL, RESET_VALID, LinkError
from yse_core.mail import MailError, SmtpSettings, load_settings

from .conftest import ROOT, Server

NOW = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)  # a Friday afternoon, 16.05 in Finland
PASSWORD = "kesällä kahvia kuksasta"
SENDER = "YSE-portaali <yse-portaali@example.fi>"
LINK = re.compile(r"\?(kutsu|palauta)=([A-Za-z0-9_-]+)")


class Mailbox:
    """What the SMTP server received; ``refuse`` names recipients it answers 550 for."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def body(self, index: int = -1) -> str:
        return self.messages[index].get_content()

    def token(self, index: int = -1) -> str:
        return LINK.search(self.body(index)).group(2)


class SmtpServer:
    """aiosmtpd's real SMTP server on a free localhost port, and the portal's settings for it."""

    def __init__(self, portal_url: str = "http://localhost:8501"):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.settings = SmtpSettings(host="127.0.0.1", port=self.port, security="none", sender=SENDER,
                                     portal_url=portal_url, contact="YSE-tuki, yse-tuki@example.fi")

    def secrets_toml(self, portal_url: str | None = None) -> str:
        return (f'[yse_smtp]\nhost = "127.0.0.1"\nport = {self.port}\nsecurity = "none"\nsender = "{SENDER}"\n'
                f'portal_url = "{portal_url or self.settings.portal_url}"\ncontact = "YSE-tuki, yse-tuki@example.fi"\n')

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


def _invited(db, username="uusi-johtaja", email_address="johtaja@lahti.example.fi", role="respondent", area="lahti",
             language="fi"):
    user = auth.add_user(db, username, "Liisa Johtaja", None, role, area, email=email_address, actor="demo-admin")
    if language != "fi":
        auth.set_language(db, username, language)
    return user


# --- the core, against the real SMTP server ------------------------------------------------------------------


def test_an_invitation_mails_a_link_that_sets_the_persons_own_password(demo_db, smtp):
    _invited(demo_db)
    assert auth.credentials_for_authenticator(demo_db)["usernames"].get("uusi-johtaja") is None  # no password yet
    with pytest.raises(AuthError):
        auth.authenticate(demo_db, "uusi-johtaja", "")
    expires = invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    assert expires == NOW + INVITE_VALID
    message = smtp.mailbox.messages[-1]
    assert message["To"] == "johtaja@lahti.example.fi" and message["X-Envelope-To"] == "johtaja@lahti.example.fi"
    assert message["Subject"] == "Kutsu YSE-portaaliin: aseta salasanasi"
    body = smtp.mailbox.body()
    assert "Käyttäjätunnuksesi: uusi-johtaja" in body
    assert f"http://localhost:8501/?kutsu={smtp.mailbox.token()}" in body
    assert "pe 11.12.2026 klo 16.05" in body  # a week on, in Finnish time
    assert "Demo-pääkäyttäjä" in body  # the inviting admin to ask
    info = invitations.set_password_with_link(demo_db, smtp.mailbox.token(), PASSWORD, PASSWORD, now=NOW + timedelta(days=3))
    assert (info.username, info.purpose) == ("uusi-johtaja", "invite")
    assert auth.authenticate(demo_db, "uusi-johtaja", PASSWORD).area_id == "lahti"
    assert "uusi-johtaja" in auth.credentials_for_authenticator(demo_db)["usernames"]


def test_the_mail_is_in_the_persons_language_and_names_the_areas_tem_contacts(demo_db, smtp):
    _invited(demo_db, username="ny-chef", email_address="chef@vasa.example.fi", area="helsinki", language="sv")
    invitations.invite(demo_db, smtp.settings, "ny-chef", actor="cli", now=NOW)
    body = smtp.mailbox.body()
    assert smtp.mailbox.messages[-1]["Subject"] == "Inbjudan till YSE-portalen: välj ditt lösenord"
    assert "fre 11.12.2026 kl. 16:05" in body
    contacts = [row["display_name"] for row in auth.area_contacts(demo_db, "helsinki")]
    assert contacts and all(name in body for name in contacts)


def test_only_the_tokens_hash_is_stored_and_no_log_holds_the_token(demo_db, smtp):
    _invited(demo_db)
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    token = smtp.mailbox.token()
    invitations.set_password_with_link(demo_db, token, PASSWORD, PASSWORD, now=NOW)
    stored = [str(value) for row in demo_db.execute("SELECT * FROM one_time_tokens").fetchall() for value in row]
    logged = [str(value) for row in demo_db.execute("SELECT * FROM audit_log").fetchall() for value in row]
    assert len(token) >= 43 and not [value for value in stored + logged if token in value or PASSWORD in value]
    actions = [event["action"] for event in audit.events(demo_db, username=None, limit=5)]
    assert actions[:3] == ["invite_used", "password_set", "invite_sent"]


@pytest.mark.parametrize(("purpose", "valid"), [("invite", INVITE_VALID), ("reset", RESET_VALID)])
def test_a_link_works_until_it_expires(demo_db, smtp, purpose, valid):
    if purpose == "invite":
        _invited(demo_db)
        invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    else:
        auth.update_user(demo_db, "demo-lahti", email="lahti@example.fi")
        invitations.request_reset(demo_db, smtp.settings, "demo-lahti", now=NOW)
    token = smtp.mailbox.token()
    assert invitations.check_link(demo_db, token, now=NOW + valid - timedelta(seconds=1)).purpose == purpose
    with pytest.raises(LinkError) as expired:
        invitations.set_password_with_link(demo_db, token, PASSWORD, PASSWORD, now=NOW + valid)
    assert expired.value.key == f"link.error.expired_{purpose}"


def test_a_link_works_once(demo_db, smtp):
    _invited(demo_db)
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    token = smtp.mailbox.token()
    invitations.set_password_with_link(demo_db, token, PASSWORD, PASSWORD, now=NOW)
    with pytest.raises(LinkError) as used:
        invitations.set_password_with_link(demo_db, token, "toinen pitkä salasana", "toinen pitkä salasana", now=NOW)
    assert used.value.key == "link.error.used"
    assert auth.authenticate(demo_db, "uusi-johtaja", PASSWORD)


def test_a_new_link_replaces_the_earlier_one(demo_db, smtp):
    _invited(demo_db)
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    first = smtp.mailbox.token()
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW + timedelta(hours=1))
    second = smtp.mailbox.token()
    assert first != second
    with pytest.raises(LinkError) as replaced:
        invitations.check_link(demo_db, first, now=NOW + timedelta(hours=2))
    assert replaced.value.key == "link.error.replaced"
    assert invitations.check_link(demo_db, second, now=NOW + timedelta(hours=2)).username == "uusi-johtaja"


def test_setting_the_password_spends_the_accounts_other_open_links(demo_db, smtp):
    _invited(demo_db)
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    invite_token = smtp.mailbox.token()
    invitations.request_reset(demo_db, smtp.settings, "johtaja@lahti.example.fi", now=NOW)
    reset_token = smtp.mailbox.token()
    invitations.set_password_with_link(demo_db, reset_token, PASSWORD, PASSWORD, now=NOW)
    with pytest.raises(LinkError):
        invitations.check_link(demo_db, invite_token, now=NOW)


@pytest.mark.parametrize(("password", "again", "key"), [
    ("lyhyt", "lyhyt", "auth.error.password_too_short"),
    (PASSWORD, PASSWORD + "x", "link.error.passwords_differ"),
])
def test_a_refused_password_leaves_the_link_open(demo_db, smtp, password, again, key):
    _invited(demo_db)
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    with pytest.raises(AuthError) as refused:
        invitations.set_password_with_link(demo_db, smtp.mailbox.token(), password, again, now=NOW)
    assert refused.value.key == key
    assert not invitations.has_password(demo_db, "uusi-johtaja")
    assert invitations.check_link(demo_db, smtp.mailbox.token(), now=NOW).username == "uusi-johtaja"


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_an_unknown_link_is_refused(demo_db, token):
    with pytest.raises(LinkError) as unknown:
        invitations.check_link(demo_db, token, now=NOW)
    assert unknown.value.key == "link.error.unknown"
    assert "pyydä uusi linkki" in str(unknown.value)


def test_a_reset_replaces_the_old_password(demo_db, smtp):
    auth.update_user(demo_db, "demo-lahti", email="Lahti.Johtaja@Example.fi")
    invitations.request_reset(demo_db, smtp.settings, "  lahti.johtaja@example.FI ", now=NOW)  # the e-mail, any case
    assert smtp.mailbox.messages[-1]["Subject"] == "YSE-portaali: uusi salasana"
    assert "?palauta=" in smtp.mailbox.body() and "pe 4.12.2026 klo 17.05" in smtp.mailbox.body()
    invitations.set_password_with_link(demo_db, smtp.mailbox.token(), PASSWORD, PASSWORD, now=NOW)
    with pytest.raises(AuthError):
        auth.authenticate(demo_db, "demo-lahti", auth.DEMO_PASSWORD)
    assert auth.authenticate(demo_db, "demo-lahti", PASSWORD).username == "demo-lahti"


@pytest.mark.parametrize("identifier", ["nobody", "nobody@example.fi", "", "demo-vantaa", "demo-deactivated", "demo-locked"])
def test_a_reset_for_no_usable_account_sends_nothing_and_says_the_same(demo_db, smtp, identifier):
    # demo-vantaa has no e-mail; the other two are made unusable here: no mail for any of them, and no difference
    # the caller could show (request_reset returns None and raises nothing in every case).
    for username, change in (("demo-deactivated", {"active": False}), ("demo-locked", {})):
        auth.add_user(demo_db, username, "Suljettu", None, "respondent", "lahti", email=f"{username}@example.fi")
        if change:
            auth.update_user(demo_db, username, **change)
        else:
            auth.lock_user(demo_db, username)
    assert invitations.request_reset(demo_db, smtp.settings, identifier, now=NOW) is None
    assert smtp.mailbox.messages == []
    assert demo_db.execute("SELECT COUNT(*) FROM one_time_tokens").fetchone()[0] == 0


def test_a_control_reset_for_a_usable_account_does_send(demo_db, smtp):
    auth.update_user(demo_db, "demo-vantaa", email="vantaa@example.fi")
    assert invitations.request_reset(demo_db, smtp.settings, "demo-vantaa", now=NOW) is None
    assert [message["To"] for message in smtp.mailbox.messages] == ["vantaa@example.fi"]


def test_at_most_one_reset_mail_per_account_in_five_minutes(demo_db, smtp):
    auth.update_user(demo_db, "demo-vantaa", email="vantaa@example.fi")
    for minutes in (0, 1, 4):
        invitations.request_reset(demo_db, smtp.settings, "demo-vantaa", now=NOW + timedelta(minutes=minutes))
    assert len(smtp.mailbox.messages) == 1
    invitations.request_reset(demo_db, smtp.settings, "demo-vantaa", now=NOW + RESET_MAIL_INTERVAL)
    assert len(smtp.mailbox.messages) == 2


def test_a_mail_server_that_is_down_gives_a_clear_error_and_stores_no_link(demo_db, smtp):
    _invited(demo_db)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", sender=SENDER, portal_url="http://x.example")
    with pytest.raises(MailError) as failed:
        invitations.invite(demo_db, down, "uusi-johtaja", actor="demo-admin", now=NOW)
    assert failed.value.key == "mail.error.send_failed"
    assert f"palvelin 127.0.0.1:{down.port} ei ottanut viestiä vastaan" in str(failed.value)
    assert demo_db.execute("SELECT COUNT(*) FROM one_time_tokens").fetchone()[0] == 0
    assert invitations.link_status(demo_db, "uusi-johtaja", now=NOW)["state"] == "none"
    assert audit.events(demo_db, action="invite_mail_failed", limit=1)
    # The account is whole: invited again once mail works, the person sets the password.
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    invitations.set_password_with_link(demo_db, smtp.mailbox.token(), PASSWORD, PASSWORD, now=NOW)
    assert invitations.link_status(demo_db, "uusi-johtaja", now=NOW)["state"] == "password"


def test_a_failed_mail_keeps_the_earlier_link_working(demo_db, smtp):
    _invited(demo_db)
    invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    smtp.mailbox.refuse.add("johtaja@lahti.example.fi")
    with pytest.raises(MailError) as refused:
        invitations.invite(demo_db, smtp.settings, "uusi-johtaja", actor="demo-admin", now=NOW)
    assert refused.value.key == "mail.error.recipient_refused"
    assert invitations.check_link(demo_db, smtp.mailbox.token(), now=NOW).username == "uusi-johtaja"


def test_no_invitation_without_an_email_or_to_a_closed_account(demo_db, smtp):
    with pytest.raises(AuthError) as no_email:
        invitations.invite(demo_db, smtp.settings, "demo-vantaa", actor="demo-admin", now=NOW)
    assert no_email.value.key == "invite.error.no_email"
    auth.update_user(demo_db, "demo-vantaa", email="vantaa@example.fi", active=False)
    with pytest.raises(AuthError) as closed:
        invitations.invite(demo_db, smtp.settings, "demo-vantaa", actor="demo-admin", now=NOW)
    assert closed.value.key == "invite.error.account_closed"
    assert smtp.mailbox.messages == []


@pytest.mark.parametrize("address", ["liisa.johtaja@lahti", "liisa johtaja@lahti.fi", "liisa@@lahti.fi",
                                     "liisa.lahti.fi", "@lahti.fi", "liisa@lahti.fi.", "x" * 250 + "@lahti.fi"])
def test_a_mistyped_email_is_refused_and_nothing_is_written(demo_db, address):
    with pytest.raises(AuthError) as added:
        auth.add_user(demo_db, "liisa.johtaja", "Liisa Johtaja", None, "respondent", "lahti", email=address)
    assert added.value.key == "auth.error.bad_email" and "ei kelpaa" in str(added.value)
    assert not demo_db.execute("SELECT 1 FROM users WHERE username = 'liisa.johtaja'").fetchone()
    with pytest.raises(AuthError) as changed:
        auth.update_user(demo_db, "demo-vantaa", email=address, role="reviewer")
    assert changed.value.key == "auth.error.bad_email"
    vantaa = auth.get_user(demo_db, "demo-vantaa")
    assert (vantaa.email, vantaa.role) == ("", "respondent")  # neither the address nor the role changed


def test_an_email_is_kept_without_its_surrounding_spaces_and_can_be_removed(demo_db):
    auth.update_user(demo_db, "demo-vantaa", email="  Vantaa.Johtaja@vantaa.example.fi ", actor="demo-admin")
    assert auth.get_user(demo_db, "demo-vantaa").email == "Vantaa.Johtaja@vantaa.example.fi"
    event = audit.events(demo_db, action="user_changed", limit=1)[0]
    assert json.loads(event["details"])["email"] == "Vantaa.Johtaja@vantaa.example.fi"
    auth.update_user(demo_db, "demo-vantaa", email="")
    assert auth.get_user(demo_db, "demo-vantaa").email == ""


def test_the_users_page_adds_an_email_so_a_password_link_can_be_sent(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    app.switch_page("pages/admin_users.py").run()
    app.selectbox(key="admin-user-choice").set_value("demo-vantaa").run()
    assert "Lisää osoite yllä olevaan lomakkeeseen" in " ".join(caption.value for caption in app.caption)
    app.text_input(key="admin-email-demo-vantaa").input("vantaa johtaja@vantaa.fi")
    app.button(key="FormSubmitter:admin-role-form-Tallenna rooli, alue ja sähköposti").click().run()
    assert "Sähköpostiosoite 'vantaa johtaja@vantaa.fi' ei kelpaa" in " ".join(error.value for error in app.error)
    assert auth.get_user(open_db(demo_db_path), "demo-vantaa").email == ""
    app.text_input(key="admin-email-demo-vantaa").input("vantaa.johtaja@vantaa.fi")
    app.button(key="FormSubmitter:admin-role-form-Tallenna rooli, alue ja sähköposti").click().run()
    assert not app.exception and not app.error
    assert auth.get_user(open_db(demo_db_path), "demo-vantaa").email == "vantaa.johtaja@vantaa.fi"
    assert app.button(key="admin-send-reset").label == "Lähetä linkki uuden salasanan asettamiseen"  # it has a password


def test_a_link_of_an_account_locked_by_an_admin_does_not_open_it(demo_db, smtp):
    auth.update_user(demo_db, "demo-vantaa", email="vantaa@example.fi")
    invitations.request_reset(demo_db, smtp.settings, "demo-vantaa", now=NOW)
    auth.lock_user(demo_db, "demo-vantaa")  # e.g. the mailbox is suspected to be someone else's
    with pytest.raises(LinkError) as closed:
        invitations.set_password_with_link(demo_db, smtp.mailbox.token(), PASSWORD, PASSWORD, now=NOW)
    assert closed.value.key == "link.error.account_closed"
    assert auth.is_locked(auth.get_user(demo_db, "demo-vantaa"))


def test_migration_0010_adds_the_token_table_and_applies_once(plain_db):
    from yse_core.db import migrate

    migrate(plain_db)
    columns = {column.name for column in plain_db["one_time_tokens"].columns}
    assert columns == {"token_hash", "purpose", "username", "created_at", "created_by", "expires_at", "used_at",
                       "invalidated_at"}
    names = [row[0] for row in plain_db.execute("SELECT name FROM _sqlite_migrations WHERE name LIKE '0010%'")]
    assert names == ["0010_invitations"]


# --- the settings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("", "mail.error.not_configured"),
    ('[yse_smtp]\nhost = "smtp.example.fi"\n', "mail.error.missing_keys"),
    ('[yse_smtp]\nhost = "h"\nsender = "a@b.fi"\nportal_url = "https://p.fi"\nsecurity = "tls"\n', "mail.error.bad_security"),
    ('[yse_smtp]\nhost = "h"\nsender = "a@b.fi"\nportal_url = "https://p.fi"\nport = "587"\n', "mail.error.bad_port"),
    ('[yse_smtp]\nhost = "h"\nsender = "a@b.fi"\nportal_url = "p.fi"\n', "mail.error.bad_portal_url"),
    ('[yse_smtp]\nhost = "h"\nsender = "nobody"\nportal_url = "https://p.fi"\n', "mail.error.bad_sender"),
    ('[yse_smtp]\nhost = "h"\nsender = "a@b.fi"\nportal_url = "https://p.fi"\npasword = "x"\n', "mail.error.unknown_keys"),
    ("[yse_smtp\n", "mail.error.bad_secrets_file"),
])
def test_a_wrong_mail_setting_is_named_in_finnish(tmp_path, text, key):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(text, encoding="utf-8")
    with pytest.raises(MailError) as wrong:
        load_settings([secrets])
    assert wrong.value.key == key
    assert str(secrets) in str(wrong.value)


def test_the_settings_take_each_securitys_usual_port(tmp_path):
    secrets = tmp_path / "secrets.toml"
    for security, port in (("starttls", 587), ("ssl", 465), ("none", 25)):
        secrets.write_text(f'[yse_smtp]\nhost = "h"\nsender = "a@b.fi"\nportal_url = "https://p.fi/yse/"\nsecurity = "{security}"\n',
                           encoding="utf-8")
        settings = load_settings([secrets])
        assert (settings.port, settings.link("kutsu", "T")) == (port, "https://p.fi/yse/?kutsu=T")


# --- the command line -------------------------------------------------------------------------------------------


def run_cli(*args, db_path: Path, secrets: Path | None = None, stdin: str = ""):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(db_path.parent)}
    if secrets is not None:
        env["STREAMLIT_SECRETS_FILES"] = str(secrets)
    return subprocess.run([sys.executable, "-m", "yse_core", "--db", str(db_path), *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)


def test_cli_users_add_creates_the_account_and_mails_the_invitation(demo_db_path, smtp, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(smtp.secrets_toml(), encoding="utf-8")
    added = run_cli("users", "add", "uusi-johtaja", "--role", "respondent", "--area", "lahti", "--name", "Liisa Johtaja",
                    "--email", "johtaja@lahti.example.fi", "--language", "en", db_path=demo_db_path, secrets=secrets)
    assert added.returncode == 0, added.stderr
    assert "Kutsu lähetetty: uusi-johtaja <johtaja@lahti.example.fi>" in added.stdout
    assert smtp.mailbox.messages[-1]["Subject"] == "Invitation to the YSE portal: set your password"
    listing = run_cli("users", "list", db_path=demo_db_path).stdout
    assert "ei salasanaa: kutsu voimassa" in [line for line in listing.splitlines() if line.startswith("uusi-johtaja")][0]
    again = run_cli("users", "invite", "uusi-johtaja", db_path=demo_db_path, secrets=secrets)
    assert again.returncode == 0, again.stderr
    db = open_db(demo_db_path)
    with pytest.raises(LinkError):
        invitations.check_link(db, smtp.mailbox.token(0))
    assert invitations.check_link(db, smtp.mailbox.token()).username == "uusi-johtaja"


@pytest.mark.parametrize(("args", "message"), [
    (("--email", "x@example.fi"), "osiota [yse_smtp] ei löydy"),
    ((), "anna osoite (--email)"),
])
def test_cli_users_add_without_mail_refuses_before_writing(demo_db_path, args, message):
    result = run_cli("users", "add", "uusi-johtaja", "--role", "admin", *args, db_path=demo_db_path)
    assert result.returncode == 1 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    db = open_db(demo_db_path)
    assert db.execute("SELECT COUNT(*) FROM users WHERE username = 'uusi-johtaja'").fetchone()[0] == 0


def test_cli_users_add_when_the_server_is_down_says_the_account_waits_for_an_invitation(demo_db_path, smtp, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(smtp.secrets_toml().replace(f"port = {smtp.port}", f"port = {free_port()}"), encoding="utf-8")
    result = run_cli("users", "add", "uusi-johtaja", "--role", "admin", "--email", "x@example.fi", db_path=demo_db_path,
                     secrets=secrets)
    assert result.returncode == 1
    assert "luotiin ilman salasanaa, mutta kutsua ei lähetetty" in result.stderr
    assert "yse users invite uusi-johtaja" in result.stderr
    db = open_db(demo_db_path)
    assert invitations.link_status(db, "uusi-johtaja")["state"] == "none"


def test_cli_set_password_is_the_audited_emergency_path_reading_standard_input(demo_db_path):
    result = run_cli("users", "set-password", "demo-lahti", db_path=demo_db_path, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    db = open_db(demo_db_path)
    assert auth.authenticate(db, "demo-lahti", PASSWORD)
    event = audit.events(db, action="password_set", limit=1)[0]
    assert (event["username"], event["target"]) == ("cli", "demo-lahti")
    assert PASSWORD not in json.dumps(audit.events(db, limit=50), ensure_ascii=False)
    refused = run_cli("users", "set-password", "demo-lahti", "--password", PASSWORD, db_path=demo_db_path)
    assert refused.returncode == 2  # no password on the command line (it would stay in the shell's history)


# --- in a browser: the real portal, the real SMTP server ---------------------------------------------------------


@pytest.fixture
def mail_portal(tmp_path, demo_db_path, smtp):
    """The portal with [yse_smtp] pointing at the test's SMTP server (secrets.toml read via secrets.files)."""
    db = open_db(demo_db_path)
    auth.update_user(db, "demo-lahti", email="lahti.johtaja@example.fi")
    db.close()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(smtp.secrets_toml("http://portaali.example.fi/yse"), encoding="utf-8")
    server = Server(demo_db_path, env={"STREAMLIT_SECRETS_FILES": str(secrets)})
    yield server
    server.stop()


def _wait_for_mail(smtp, count: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while len(smtp.mailbox.messages) < count:
        assert time.monotonic() < deadline, f"{count} mails expected, {len(smtp.mailbox.messages)} arrived"
        time.sleep(0.2)


def _set_password_by_link(page, url: str, parameter: str, token: str, password: str) -> None:
    page.goto(f"{url}/?{parameter}={token}")
    page.get_by_role("textbox", name="Uusi salasana", exact=True).wait_for()
    settle(page, 1200)
    review_shot(page, f"link-{parameter}")
    page.get_by_role("textbox", name="Uusi salasana", exact=True).fill(password)
    page.get_by_label("Uusi salasana uudelleen").fill(password)
    page.get_by_role("button", name="Aseta salasana").click()
    page.get_by_text("Salasana on asetettu.").wait_for()
    settle(page)
    assert token not in page.url  # gone from the address bar once used


@pytest.mark.browser
def test_an_admin_invites_and_the_person_sets_the_password_by_the_mailed_link(mail_portal, smtp, tall_page):
    page = tall_page
    login(page, mail_portal.url, "demo-admin", path="kayttajat")
    settle(page, 2000)  # the login's rerun leaves a stale copy of the page for a moment
    page.get_by_role("tab", name="Lisää käyttäjä").click()
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Luo tunnus ja lähetä kutsu"))
    form.get_by_label("Käyttäjätunnus").fill("liisa.johtaja")
    form.get_by_label("Nimi").fill("Liisa Johtaja")
    form.get_by_label("Sähköposti").fill("liisa.johtaja@lahti.example.fi")
    settle(page)
    review_shot(page, "admin-invite-form")
    form.get_by_role("button", name="Luo tunnus ja lähetä kutsu").click()
    page.get_by_text("Kutsu lähetetty käyttäjälle liisa.johtaja osoitteeseen liisa.johtaja@lahti.example.fi").wait_for()
    settle(page)
    review_shot(page, "admin-invite-sent")
    page.get_by_role("tab", name="Muokkaa käyttäjää").click()
    settle(page)
    review_shot(page, "admin-manage")
    _wait_for_mail(smtp, 1)
    body = smtp.mailbox.body()
    assert f"http://portaali.example.fi/yse/?kutsu={smtp.mailbox.token()}" in body
    page.context.clear_cookies()  # the invitee's browser: nobody signed in
    _set_password_by_link(page, mail_portal.url, "kutsu", smtp.mailbox.token(), PASSWORD)
    review_shot(page, "link-done")
    login(page, mail_portal.url, "liisa.johtaja", PASSWORD)
    page.get_by_role("button", name="Kirjaudu ulos").wait_for()


@pytest.mark.browser
def test_forgot_password_mails_a_link_and_the_old_password_stops_working(mail_portal, smtp, tall_page):
    page = tall_page
    page.goto(mail_portal.url)
    page.get_by_text("Unohtuiko salasana?").click()
    page.get_by_label("Tunnus tai sähköpostiosoite").fill("Lahti.Johtaja@example.fi")
    settle(page)
    review_shot(page, "forgot-form")
    page.get_by_role("button", name="Lähetä linkki").click()
    page.get_by_text("Jos tunnus tai osoite löytyi portaalista").wait_for()
    settle(page)
    review_shot(page, "forgot-sent")
    _wait_for_mail(smtp, 1)
    _set_password_by_link(page, mail_portal.url, "palauta", smtp.mailbox.token(), PASSWORD)
    page.get_by_label("Käyttäjätunnus").fill("demo-lahti")
    page.get_by_label("Salasana").fill(auth.DEMO_PASSWORD)
    page.get_by_role("button", name="Kirjaudu").click()
    page.get_by_text("Väärä käyttäjätunnus tai salasana").wait_for()
    login(page, mail_portal.url, "demo-lahti", PASSWORD)


@pytest.mark.browser
def test_an_expired_link_says_so_in_finnish_and_offers_a_new_one(mail_portal, smtp, tall_page):
    page = tall_page
    db = open_db(mail_portal.db_path)
    invitations.request_reset(db, smtp.settings, "demo-lahti", now=datetime.now(UTC) - RESET_VALID - timedelta(minutes=1))
    db.close()
    page.goto(f"{mail_portal.url}/?palauta={smtp.mailbox.token()}")
    page.get_by_text("Salasanalinkki on vanhentunut (voimassa tunnin). Pyydä uusi linkki.").wait_for()
    settle(page)
    review_shot(page, "link-expired")
    page.get_by_role("button", name="Pyydä uusi linkki").click()
    page.get_by_label("Tunnus tai sähköpostiosoite").wait_for()  # the forgot-password form, opened
