"""Single sign-on: an identity provider's verified e-mail opens the account an admin created for it.

The portal never creates users from a sign-in: the provider's ``email`` claim, with ``email_verified`` true,
must match the e-mail of exactly one portal user (case-insensitive); that user's role, area, active flag and
lock decide the rest, as for a password login. The identity counts for ``max_age_days`` after the provider
issued it (``iat``), the same time a password login is remembered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import sqlite_utils

from . import audit, auth
from .errors import AuthError, YseError


class SignInExpired(AuthError):
    """The identity provider's sign-in is older than the portal remembers a login."""


def user_for_identity(db: sqlite_utils.Database, claims: Mapping, provider: str, *, max_age_days: float,
                      now: datetime | None = None) -> auth.User:
    """Return the active portal user the provider's verified e-mail belongs to; raise AuthError otherwise.

    A refusal (unverified or unknown e-mail, several users with it, a deactivated or locked account) is audited
    as ``login_failed`` with the e-mail and provider; an expired sign-in (SignInExpired) is not a refusal and is
    not audited.
    """
    issued_at = claims.get("iat")
    now = now or datetime.now(UTC)
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool) \
            or datetime.fromtimestamp(issued_at, UTC) + timedelta(days=max_age_days) <= now:
        raise SignInExpired("sso.error.expired")
    email = claims.get("email")
    email = email.strip() if isinstance(email, str) else ""
    if not email or claims.get("email_verified") is not True:
        raise _refused(db, None, email, provider, "email not verified", AuthError("sso.error.unverified"))
    matches = [row["username"] for row in db.query("SELECT username, email FROM users WHERE email != ''")
               if row["email"].strip().casefold() == email.casefold()]
    if not matches:
        raise _refused(db, None, email, provider, "unknown email", AuthError("sso.error.unknown_email", email=email))
    if len(matches) > 1:
        raise _refused(db, None, email, provider, "email of several users",
                       AuthError("sso.error.ambiguous_email", email=email))
    try:
        return auth.session_user(db, matches[0])
    except YseError as error:  # deactivated or locked
        raise _refused(db, matches[0], email, provider, error.key or str(error), error) from None


def _refused(db: sqlite_utils.Database, username: str | None, email: str, provider: str, reason: str,
             error: YseError) -> YseError:
    audit.record(db, username, "login_failed", username or email, method="sso", provider=provider, email=email,
                 reason=reason)
    return error


def record_sign_in(db: sqlite_utils.Database, user: auth.User, provider: str, issued_at: float) -> None:
    """Record an SSO sign-in once: another session on the same identity (a new tab) is not a new sign-in."""
    latest = audit.events(db, username=user.username, action="login", limit=1)
    details = {"method": "sso", "provider": provider, "issued_at": int(issued_at)}
    if latest and latest[0]["details"] and json.loads(latest[0]["details"]) == details:
        return
    auth.record_login(db, user.username, **details)
