"""Invitations and password resets by one-time links sent by e-mail: the person sets their own password.

An admin invites (``invite``): the account gets a link valid ``INVITE_VALID``. Anyone may ask for a reset on the
login page (``request_reset``) with a username or an e-mail address; the reply is the same whether or not an
account matched, and an active account with an e-mail gets a link valid ``RESET_VALID``, at most one mail per
``RESET_MAIL_INTERVAL``. A link is ``secrets.token_urlsafe(32)``; only its SHA-256 is stored (table
``one_time_tokens``, migration 0010). A new link invalidates the account's earlier unused ones of that purpose
(once its mail went out), and setting the password by a link spends it and every other open link of the account.
The password is set through ``auth.set_password``, the one path every password change takes. Tokens and
passwords never reach the audit log or the server's log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from . import audit, auth
from .db import transaction
from .errors import AuthError, NotFound
from .i18n import t
from .mail import MailError, SmtpSettings, send

INVITE_VALID = timedelta(days=7)  # an invitation sent on a Friday afternoon still works the week after
RESET_VALID = timedelta(hours=1)  # a reset is asked for by the person who then waits for the mail
RESET_MAIL_INTERVAL = timedelta(minutes=5)  # at most one reset mail per account in this time
PURPOSES = ("invite", "reset")
LINK_PARAMETERS = {"invite": "kutsu", "reset": "palauta"}  # the query parameter of each purpose's link
FINNISH_TIME = ZoneInfo("Europe/Helsinki")


class LinkError(AuthError):
    """A one-time link is unknown, used, replaced, expired, or its account is closed."""


@dataclass(frozen=True)
class LinkInfo:
    """What an open one-time link is for: whose password, why, until when."""

    username: str
    display_name: str
    purpose: str
    expires_at: datetime
    language: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def finnish_time(moment: datetime, lang: str = "fi") -> str:
    """Return a moment in Finnish time with its weekday: "pe 18.12.2026 klo 16.05"."""
    local = moment.astimezone(FINNISH_TIME)
    weekday = t("mail.weekdays", lang).split(",")[local.weekday()]
    return t("mail.moment", lang, weekday=weekday, date=f"{local.day}.{local.month}.{local.year}",
             time=f"{local:%H.%M}" if lang == "fi" else f"{local:%H:%M}")


def has_password(db: sqlite_utils.Database, username: str) -> bool:
    """True when the account has a password (an invited person has none until they set it by the link)."""
    row = db.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()
    return bool(row and row[0])


def _can_receive(user: auth.User) -> bool:
    """An account a link may be sent to or used for: active, with an e-mail, not locked by an admin."""
    admin_locked = bool(user.locked_until and user.locked_until.startswith("9999"))
    return user.active and bool(user.email.strip()) and not admin_locked


def _contacts(db: sqlite_utils.Database, user: auth.User, settings: SmtpSettings, inviter: auth.User | None,
              lang: str) -> str:
    """Who the person can ask: the inviting admin, a respondent's TEM contact persons, else the portal's contact."""
    people = []
    if inviter is not None:
        people.append(f"{inviter.display_name} ({inviter.email})" if inviter.email else inviter.display_name)
    if user.area_id:
        people += [f"{row['display_name']} ({row['email']})" if row["email"] else row["display_name"]
                   for row in auth.area_contacts(db, user.area_id)]
    people = list(dict.fromkeys(people))
    if not people:
        people = [settings.contact or settings.sender]
    return "\n".join(f"- {person}" for person in people)


def _message(db: sqlite_utils.Database, settings: SmtpSettings, user: auth.User, purpose: str, token: str,
             expires_at: datetime, inviter: auth.User | None) -> tuple[str, str]:
    lang = user.language if user.language in ("fi", "sv", "en") else "fi"
    body = t(f"mail.{purpose}.body", lang, name=user.display_name, username=user.username,
             link=settings.link(LINK_PARAMETERS[purpose], token), expires=finnish_time(expires_at, lang),
             contacts=_contacts(db, user, settings, inviter, lang), portal=settings.portal_url)
    return t(f"mail.{purpose}.subject", lang), body


def _issue(db: sqlite_utils.Database, settings: SmtpSettings, user: auth.User, purpose: str, *, actor: str | None,
           inviter: auth.User | None, now: datetime) -> datetime:
    """Store a new link, mail it, then invalidate the older ones; a failed mail leaves no trace but the audit."""
    token = secrets.token_urlsafe(32)
    digest = _digest(token)
    expires_at = now + (INVITE_VALID if purpose == "invite" else RESET_VALID)
    with transaction(db):
        db.execute("INSERT INTO one_time_tokens(token_hash, purpose, username, created_at, created_by, expires_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", [digest, purpose, user.username, _iso(now), actor, _iso(expires_at)])
    subject, body = _message(db, settings, user, purpose, token, expires_at, inviter)
    try:
        send(settings, user.email, subject, body)  # outside the transaction: the server may take seconds
    except MailError as error:
        with transaction(db):
            db.execute("DELETE FROM one_time_tokens WHERE token_hash = ?", [digest])
            audit.record(db, actor, f"{purpose}_mail_failed", user.username, reason=str(error))
        raise
    with transaction(db):
        db.execute("UPDATE one_time_tokens SET invalidated_at = ? WHERE username = ? AND purpose = ? AND token_hash != ? "
                   "AND used_at IS NULL AND invalidated_at IS NULL", [_iso(now), user.username, purpose, digest])
        audit.record(db, actor, f"{purpose}_sent", user.username, to=user.email, expires_at=_iso(expires_at))
    return expires_at


def invite(db: sqlite_utils.Database, settings: SmtpSettings, username: str, *, actor: str | None,
           now: datetime | None = None) -> datetime:
    """Mail the account an invitation to set its password; return when the link expires (admins and the CLI only).

    Raises AuthError for an account that cannot take one (deactivated, locked by an admin, no e-mail) and
    MailError when the mail server does not take the message (then nothing is stored, and it can be sent again).
    """
    user = auth.get_user(db, username)
    if not user.email.strip():
        raise AuthError("invite.error.no_email", username=username)
    if not _can_receive(user):
        raise AuthError("invite.error.account_closed", username=username)
    inviter = None
    if actor:
        try:
            inviter = auth.get_user(db, actor)
        except NotFound:  # "cli": no person to name
            inviter = None
    return _issue(db, settings, user, "invite", actor=actor, inviter=inviter, now=now or datetime.now(UTC))


def _matching_accounts(db: sqlite_utils.Database, identifier: str) -> list[auth.User]:
    wanted = identifier.strip().casefold()
    if not wanted:
        return []
    rows = db.execute("SELECT username FROM users WHERE lower(username) = ? OR (email != '' AND lower(trim(email)) = ?)",
                      [wanted, wanted]).fetchall()
    return [auth.get_user(db, username) for (username,) in rows]


def request_reset(db: sqlite_utils.Database, settings: SmtpSettings, identifier: str, *,
                  now: datetime | None = None) -> None:
    """Mail a reset link to the accounts a username or e-mail names; say nothing about whether any matched.

    Only an active account with an e-mail gets one, at most one per ``RESET_MAIL_INTERVAL``. A mail server's
    failure is audited (``reset_mail_failed``) and not raised: raising it only for a matching account would tell
    a stranger which accounts exist. The caller shows the same reply in every case.
    """
    now = now or datetime.now(UTC)
    accounts = _matching_accounts(db, identifier)
    if not accounts:
        audit.record(db, None, "reset_requested", None, outcome="no account")  # what was typed is not kept
        return
    for user in accounts:
        if not _can_receive(user):
            audit.record(db, None, "reset_requested", user.username, outcome="account cannot receive")
            continue
        latest = db.execute("SELECT MAX(created_at) FROM one_time_tokens WHERE username = ? AND purpose = 'reset'",
                            [user.username]).fetchone()[0]
        if latest and datetime.fromisoformat(latest) + RESET_MAIL_INTERVAL > now:
            audit.record(db, None, "reset_requested", user.username, outcome="too soon")
            continue
        try:
            _issue(db, settings, user, "reset", actor=None, inviter=None, now=now)
        except MailError:
            continue  # audited by _issue; the person sees the same reply


def check_link(db: sqlite_utils.Database, token: str, *, now: datetime | None = None) -> LinkInfo:
    """Return what an open link is for; raise LinkError saying why it cannot be used."""
    now = now or datetime.now(UTC)
    row = db.execute("SELECT purpose, username, expires_at, used_at, invalidated_at FROM one_time_tokens "
                     "WHERE token_hash = ?", [_digest(token.strip())]).fetchone() if token else None
    if row is None:
        raise LinkError("link.error.unknown")
    purpose, username, expires_at, used_at, invalidated_at = row
    if used_at:
        raise LinkError("link.error.used")
    if invalidated_at:
        raise LinkError("link.error.replaced")
    if datetime.fromisoformat(expires_at) <= now:
        raise LinkError(f"link.error.expired_{purpose}")
    user = auth.get_user(db, username)
    if not _can_receive(user):
        raise LinkError("link.error.account_closed")
    return LinkInfo(user.username, user.display_name, purpose, datetime.fromisoformat(expires_at), user.language)


def check_new_passwords(password: str, again: str) -> None:
    """Raise AuthError unless the two typings agree and the password meets the rule (auth.check_new_password)."""
    if password != again:
        raise AuthError("link.error.passwords_differ")
    auth.check_new_password(password)


def set_password_with_link(db: sqlite_utils.Database, token: str, password: str, again: str, *,
                           now: datetime | None = None) -> LinkInfo:
    """Set the password of the link's account and spend the link (and the account's other open links)."""
    now = now or datetime.now(UTC)
    info = check_link(db, token, now=now)
    check_new_passwords(password, again)
    with transaction(db):
        spent = db.execute("UPDATE one_time_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
                           "AND invalidated_at IS NULL AND expires_at > ?", [_iso(now), _digest(token.strip()), _iso(now)])
        if spent.rowcount != 1:  # another tab used it a moment ago
            raise LinkError("link.error.used")
        db.execute("UPDATE one_time_tokens SET invalidated_at = ? WHERE username = ? AND used_at IS NULL "
                   "AND invalidated_at IS NULL", [_iso(now), info.username])
        auth.set_password(db, info.username, password, actor=info.username)
        audit.record(db, info.username, f"{info.purpose}_used", info.username)
    return info


def link_status(db: sqlite_utils.Database, username: str, *, now: datetime | None = None) -> dict:
    """The account's password and latest invitation, for the users page: has_password, sent_at, expires_at, state.

    ``state``: "password" (a password is set), "pending" (an invitation is open), "expired" (the latest
    invitation ran out or was replaced without use), "none" (never invited).
    """
    now = now or datetime.now(UTC)
    row = db.execute("SELECT created_at, expires_at, used_at, invalidated_at FROM one_time_tokens "
                     "WHERE username = ? AND purpose = 'invite' ORDER BY created_at DESC, rowid DESC LIMIT 1",
                     [username]).fetchone()
    status = {"has_password": has_password(db, username), "sent_at": row[0] if row else None,
              "expires_at": row[1] if row else None}
    if status["has_password"]:
        state = "password"
    elif row is None:
        state = "none"
    elif row[2] is None and row[3] is None and datetime.fromisoformat(row[1]) > now:
        state = "pending"
    else:
        state = "expired"
    return {**status, "state": state}


def password_states(db: sqlite_utils.Database, *, now: datetime | None = None) -> dict[str, str]:
    """Every account's ``link_status`` state (password, pending, expired, none), for the users list."""
    return {username: link_status(db, username, now=now)["state"]
            for (username,) in db.execute("SELECT username FROM users").fetchall()}


def send_reset(db: sqlite_utils.Database, settings: SmtpSettings, username: str, *, actor: str,
               now: datetime | None = None) -> datetime:
    """An admin mails an account a reset link (the person forgot and asked them); return when it expires."""
    user = auth.get_user(db, username)
    if not user.email.strip():
        raise AuthError("invite.error.no_email", username=username)
    if not _can_receive(user):
        raise AuthError("invite.error.account_closed", username=username)
    return _issue(db, settings, user, "reset", actor=actor, inviter=None, now=now or datetime.now(UTC))
