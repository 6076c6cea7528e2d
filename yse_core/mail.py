"""Mail over SMTP: the settings in secrets.toml's ``[yse_smtp]`` section, and sending one plain-text message.

The portal (through ``st.secrets``) and the command line (through ``load_settings``, which reads the same
files with tomllib) take the same section::

    [yse_smtp]
    host = "smtp.example.fi"
    port = 587                      # default: 587 for starttls, 465 for ssl, 25 for none
    security = "starttls"           # starttls | ssl | none
    username = "yse-portaali"       # optional: no login when empty
    password = "…"
    sender = "YSE-portaali <yse-portaali@example.fi>"
    portal_url = "https://yse.example.fi/yse"   # the public address the links in the mails start with
    contact = "YSE-portaalin ylläpito, yse-tuki@example.fi"   # optional: who to ask, when no person is named

Nothing here logs a message's body: the invitation and reset mails carry one-time links.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from .errors import YseError

SECRETS_SECTION = "yse_smtp"
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SMTP_TIMEOUT_SECONDS = 15
_KNOWN_KEYS = {"host", "port", "security", "username", "password", "sender", "portal_url", "contact"}


class MailError(YseError):
    """Mail is not configured, or the mail server did not take the message."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how the portal sends mail, and the public address its links start with."""

    host: str
    port: int
    security: str
    sender: str
    portal_url: str
    username: str = ""
    password: str = ""
    contact: str = ""

    def link(self, parameter: str, token: str) -> str:
        """Return the portal's public address with one query parameter: ``https://…/yse/?kutsu=TOKEN``."""
        return f"{self.portal_url.rstrip('/')}/?{parameter}={token}"


def settings_from_mapping(section: Mapping | None, source: str) -> SmtpSettings:
    """Validate a ``[yse_smtp]`` section (unknown keys refused) into settings; ``source`` names it in errors."""
    if not section:
        raise MailError("mail.error.not_configured", source=source)
    unknown = sorted(set(section) - _KNOWN_KEYS)
    if unknown:
        raise MailError("mail.error.unknown_keys", source=source, keys=", ".join(unknown))
    missing = [key for key in ("host", "sender", "portal_url") if not str(section.get(key) or "").strip()]
    if missing:
        raise MailError("mail.error.missing_keys", source=source, keys=", ".join(missing))
    security = str(section.get("security") or "starttls").strip().lower()
    if security not in SECURITY_MODES:
        raise MailError("mail.error.bad_security", source=source, value=security, modes=" | ".join(SECURITY_MODES))
    port = section.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise MailError("mail.error.bad_port", source=source, value=str(port))
    portal_url = str(section["portal_url"]).strip()
    if not portal_url.startswith(("https://", "http://")):
        raise MailError("mail.error.bad_portal_url", source=source, value=portal_url)
    if "@" not in parseaddr(str(section["sender"]))[1]:
        raise MailError("mail.error.bad_sender", source=source, value=str(section["sender"]))
    # smtplib encodes AUTH as ASCII: a password with "ä" would fail at the first send with a UnicodeEncodeError
    not_ascii = [key for key in ("username", "password") if not str(section.get(key) or "").isascii()]
    if not_ascii:
        raise MailError("mail.error.non_ascii_login", source=source, keys=", ".join(not_ascii))
    return SmtpSettings(host=str(section["host"]).strip(), port=port, security=security,
                        sender=str(section["sender"]).strip(), portal_url=portal_url,
                        username=str(section.get("username") or ""), password=str(section.get("password") or ""),
                        contact=str(section.get("contact") or "").strip())


def secrets_files() -> list[Path]:
    """The secrets files Streamlit reads, in its order (a later file's section wins).

    ``STREAMLIT_SECRETS_FILES`` (Streamlit's ``secrets.files`` option, comma-separated) when set, else
    ``~/.streamlit/secrets.toml`` and ``.streamlit/secrets.toml`` in the working folder (the portal's).
    """
    configured = os.environ.get("STREAMLIT_SECRETS_FILES", "").strip()
    if configured:
        return [Path(part.strip()) for part in configured.split(",") if part.strip()]
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def load_settings(paths: list[Path] | None = None) -> SmtpSettings:
    """Read ``[yse_smtp]`` from the secrets files (the command line's way; the portal passes st.secrets)."""
    paths = secrets_files() if paths is None else paths
    section, source = None, " / ".join(str(path) for path in paths)
    for path in paths:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise MailError("mail.error.bad_secrets_file", source=str(path), reason=str(error)) from None
        if SECRETS_SECTION in data:
            section, source = data[SECRETS_SECTION], str(path)
    return settings_from_mapping(section, source)


def send(settings: SmtpSettings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raise MailError naming the server when it cannot be delivered to it."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to the portal
    message.set_content(body)
    try:
        if settings.security == "ssl":
            connection = smtplib.SMTP_SSL(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
        with connection:
            if settings.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if settings.username:
                connection.login(settings.username, settings.password)
            connection.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        raise MailError("mail.error.recipient_refused", to=to, host=settings.host) from None
    except (smtplib.SMTPException, OSError) as error:  # refused connection, timeout, TLS, login, a 4xx/5xx reply
        raise MailError("mail.error.send_failed", host=settings.host, port=str(settings.port),
                        reason=_reason(error)) from None


def _reason(error: Exception) -> str:
    """A short, single-line reason from smtplib's or the socket's error (the server's own words, if any)."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"{error.smtp_code} {text}".replace("\n", " ").strip()
    return (getattr(error, "strerror", None) or str(error) or type(error).__name__).replace("\n", " ")
