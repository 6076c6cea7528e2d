"""Mail over TLS: STARTTLS and implicit TLS (SMTPS) against aiosmtpd's real SMTP server on localhost.

The server's certificate is made here for 127.0.0.1 and trusted through ``SSL_CERT_FILE``, the variable OpenSSL
reads for its default trust store, so ``yse_core.mail`` verifies it exactly as it verifies a real mail server's.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.test_invitations import SENDER, Mailbox
from tools.portal_server import free_port
from yse_core import mail
from yse_core.mail import MailError, SmtpSettings

USER, PASSWORD = "yse-portaali", "salainen sana"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class Accounts:
    """The server's one account; ``seen`` records (login, whether the connection was encrypted)."""

    def __init__(self):
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode()
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.seen.append((login, encrypted))
        # handled=False: aiosmtpd then answers a failure with 535 itself (its default, True, leaves it to us)
        return AuthResult(success=login == USER and auth_data.password.decode() == PASSWORD, handled=False)


def _server(certificate, *, implicit: bool):
    cert_file, key_file = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    mailbox, accounts, port = Mailbox(), Accounts(), free_port()
    # aiosmtpd offers AUTH on an implicit-TLS connection only without auth_require_tls (which waits for STARTTLS)
    tls = ({"ssl_context": context, "auth_require_tls": False} if implicit
           else {"tls_context": context, "require_starttls": True, "auth_require_tls": True})
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=accounts,
                            auth_exclude_mechanism=["LOGIN"], **tls)  # PLAIN: smtplib sends it first
    controller.start()
    return controller, mailbox, accounts, port


@pytest.fixture
def trusted(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


def _settings(port: int, security: str, password: str = PASSWORD) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security=security, sender=SENDER,
                        portal_url="https://yse.example.fi", username=USER, password=password)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_message_is_sent_encrypted_and_the_login_travels_only_inside_tls(certificate, trusted, security):
    controller, mailbox, accounts, port = _server(certificate, implicit=security == "ssl")
    try:
        mail.send(_settings(port, security), "johtaja@lahti.example.fi", "Kutsu YSE-portaaliin", "Hei!")
    finally:
        controller.stop()
    assert [message["To"] for message in mailbox.messages] == ["johtaja@lahti.example.fi"]
    assert mailbox.messages[0]["Subject"] == "Kutsu YSE-portaaliin"
    assert accounts.seen == [(USER, True)]  # the password was sent after the handshake, never in the clear


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_certificate_the_machine_does_not_trust_is_refused_naming_the_server(certificate, security):
    controller, mailbox, accounts, port = _server(certificate, implicit=security == "ssl")
    try:
        with pytest.raises(MailError) as raised:
            mail.send(_settings(port, security), "johtaja@lahti.example.fi", "Kutsu", "Hei!")
    finally:
        controller.stop()
    assert raised.value.key == "mail.error.send_failed"
    assert raised.value.params["host"] == "127.0.0.1" and raised.value.params["port"] == str(port)
    assert "certificate" in raised.value.params["reason"].lower()
    assert mailbox.messages == [] and accounts.seen == []  # neither the message nor the password left


def test_a_server_that_requires_starttls_refuses_a_plain_connection_and_nothing_is_sent(certificate, trusted):
    controller, mailbox, accounts, port = _server(certificate, implicit=False)
    try:
        with pytest.raises(MailError) as raised:
            mail.send(_settings(port, "none"), "johtaja@lahti.example.fi", "Kutsu", "Hei!")
    finally:
        controller.stop()
    assert raised.value.key == "mail.error.send_failed"
    assert mailbox.messages == [] and accounts.seen == []


def test_a_wrong_password_over_tls_is_said_with_the_servers_reply(certificate, trusted):
    controller, mailbox, accounts, port = _server(certificate, implicit=False)
    try:
        with pytest.raises(MailError) as raised:
            mail.send(_settings(port, "starttls", password="wrong password"), "johtaja@lahti.example.fi", "Kutsu", "Hei!")
    finally:
        controller.stop()
    assert raised.value.key == "mail.error.send_failed"
    assert raised.value.params["reason"].startswith("535")  # authentication failed, in the server's words
    assert mailbox.messages == [] and accounts.seen == [(USER, True)]


def test_a_login_smtplib_cannot_send_is_refused_when_the_settings_are_read_naming_the_key_not_the_value():
    section = {"host": "127.0.0.1", "sender": SENDER, "portal_url": "https://yse.example.fi", "username": USER,
               "password": "kesällä kahvia"}
    with pytest.raises(MailError) as raised:
        mail.settings_from_mapping(section, "secrets.toml")
    assert raised.value.key == "mail.error.non_ascii_login"
    message = raised.value.message("fi")
    assert "password" in message and "secrets.toml" in message and "kesällä" not in message
