"""Users, bcrypt password hashes, roles, lockout and the current user's permissions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt
import sqlite_utils

from . import audit, sessions
from .db import now_iso, transaction
from .errors import AuthError, NotFound, PermissionDenied

ROLES = ("respondent", "reviewer", "admin")
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
DEMO_PASSWORD = "yse-demo"
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# One @, no spaces, a dot in the domain: enough to catch a typo before an invitation goes nowhere.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
EMAIL_MAX_LENGTH = 254


@dataclass(frozen=True)
class User:
    """A logged-in person and what their role lets them do."""

    username: str
    display_name: str
    role: str
    area_id: str | None
    email: str = ""
    language: str = "fi"
    active: bool = True
    locked_until: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_reviewer(self) -> bool:
        return self.role == "reviewer"

    @property
    def is_respondent(self) -> bool:
        return self.role == "respondent"

    def can_read_area(self, area_id: str) -> bool:
        """Respondents read only their own area; reviewers and admins read every area."""
        return self.role in ("reviewer", "admin") or self.area_id == area_id

    def require_area(self, area_id: str) -> None:
        """Raise PermissionDenied unless the user may read this area."""
        if not self.can_read_area(area_id):
            raise PermissionDenied("auth.error.no_area_access", username=self.username, area=area_id)

    def require_role(self, *roles: str) -> None:
        """Raise PermissionDenied unless the user has one of the roles."""
        if self.role not in roles:
            raise PermissionDenied("auth.error.role_required", roles=" / ".join(roles), role=self.role)


def hash_password(password: str) -> str:
    """Return a bcrypt hash of the password."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Check a password against its bcrypt hash."""
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def check_new_password(password: str, *, demo: bool = False) -> None:
    """Raise AuthError unless the password is long enough (12 characters; demo passwords exempt)."""
    if demo:
        return
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.error.password_too_short", min=MIN_PASSWORD_LENGTH, length=len(password))


def _row_to_user(row: dict) -> User:
    return User(
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        area_id=row["area_id"],
        email=row["email"] or "",
        language=row["language"] or "fi",
        active=bool(row["active"]),
        locked_until=row["locked_until"],
    )


def get_user(db: sqlite_utils.Database, username: str) -> User:
    """Return one user or raise NotFound."""
    rows = list(db.query("SELECT * FROM users WHERE username = ?", [username]))
    if not rows:
        raise NotFound("auth.error.no_user", username=username)
    return _row_to_user(rows[0])


def list_users(db: sqlite_utils.Database) -> list[dict]:
    """Return every user (without hashes) with the areas reviewers are contacts for."""
    rows = list(
        db.query(
            """SELECT u.username, u.display_name, u.email, u.role, u.area_id, u.active,
                      u.failed_logins, u.locked_until, u.language, u.created_at,
                      (SELECT group_concat(area_id, ', ') FROM reviewer_areas r WHERE r.username = u.username) AS contact_areas
               FROM users u ORDER BY u.role, u.username"""
        )
    )
    return rows


def clean_email(email: str) -> str:
    """Return the address without surrounding spaces, or raise AuthError naming it; an empty one means none."""
    email = email.strip()
    if email and (len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.match(email)):
        raise AuthError("auth.error.bad_email", email=email[:80])
    return email


def _validate_user_fields(db: sqlite_utils.Database, username: str, role: str, area_id: str | None) -> None:
    if not USERNAME_PATTERN.match(username):
        raise AuthError("auth.error.bad_username", username=username)
    if role not in ROLES:
        raise AuthError("auth.error.unknown_role", role=role, roles=", ".join(ROLES))
    if role == "respondent":
        if not area_id:
            raise AuthError("auth.error.respondent_needs_area")
        if not db.execute("SELECT 1 FROM areas WHERE id = ?", [area_id]).fetchone():
            raise AuthError("auth.error.unknown_area", area=area_id)
    elif area_id:
        raise AuthError("auth.error.area_only_for_respondent", role=role)


def add_user(
    db: sqlite_utils.Database,
    username: str,
    display_name: str,
    password: str | None,
    role: str,
    area_id: str | None = None,
    *,
    email: str = "",
    actor: str | None = None,
    demo: bool = False,
    password_hash: str | None = None,
) -> User:
    """Create a user with a bcrypt-hashed password, or with none (``password=None``) to be set by an invitation.

    An account without a password cannot sign in with one (it is left out of the login's credentials) until
    its person sets one through a one-time link (``invitations.invite``); single sign-on works as for any account.
    """
    _validate_user_fields(db, username, role, area_id)
    email = clean_email(email)
    if password is not None:
        check_new_password(password, demo=demo)
    if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise AuthError("auth.error.username_taken", username=username)
    with transaction(db):
        db.execute(
            """INSERT INTO users(username, display_name, email, password_hash, role, area_id, created_at, password_changed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [username, display_name, email, password_hash or (hash_password(password) if password is not None else ""),
             role, area_id, now_iso(), now_iso() if password is not None or password_hash else None],
        )
        audit.record(db, actor, "user_added", username, role=role, area_id=area_id)
    return get_user(db, username)


def set_password(db: sqlite_utils.Database, username: str, password: str, *, actor: str | None = None) -> None:
    """Replace a user's password (at least 12 characters), clear any lock and end the user's sessions."""
    get_user(db, username)
    check_new_password(password)
    with transaction(db):
        db.execute(
            "UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL WHERE username = ?",
            [hash_password(password), now_iso(), username],
        )
        audit.record(db, actor, "password_set", username)
        sessions.end_all(db, username, "password_changed", actor=actor)  # in every browser: sign in again


def update_user(
    db: sqlite_utils.Database,
    username: str,
    *,
    role: str | None = None,
    area_id: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    active: bool | None = None,
    actor: str | None = None,
) -> User:
    """Change a user's role, area, name, e-mail or active flag."""
    user = get_user(db, username)
    new_role = role or user.role
    new_area = area_id if role or area_id else user.area_id
    if new_role != "respondent":
        new_area = None
    _validate_user_fields(db, username, new_role, new_area)
    if email is not None:
        email = clean_email(email)
    with transaction(db):
        db.execute(
            "UPDATE users SET role = ?, area_id = ?, display_name = ?, email = ?, active = ? WHERE username = ?",
            [
                new_role,
                new_area,
                display_name if display_name is not None else user.display_name,
                email if email is not None else user.email,
                int(active if active is not None else user.active),
                username,
            ],
        )
        if new_role != "reviewer":
            db.execute("DELETE FROM reviewer_areas WHERE username = ?", [username])
        audit.record(db, actor, "user_changed", username, role=new_role, area_id=new_area,
                     active=active if active is not None else user.active,
                     **({"email": email} if email is not None and email != user.email else {}))
    return get_user(db, username)


def set_language(db: sqlite_utils.Database, username: str, language: str) -> None:
    """Remember the user's language choice (fi, sv or en)."""
    if language not in ("fi", "sv", "en"):
        raise AuthError("auth.error.unknown_language", language=language)
    with transaction(db):
        db.execute("UPDATE users SET language = ? WHERE username = ?", [language, username])


def lock_user(db: sqlite_utils.Database, username: str, *, minutes: int | None = None, actor: str | None = None) -> None:
    """Lock an account: for some minutes, or until an admin unlocks it when minutes is None."""
    get_user(db, username)
    until = (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat(timespec="seconds") if minutes else "9999-12-31T00:00:00+00:00"
    with transaction(db):
        db.execute("UPDATE users SET locked_until = ? WHERE username = ?", [until, username])
        audit.record(db, actor, "user_locked", username, until=until)
        sessions.end_all(db, username, "locked", actor=actor)  # stays ended after the account is unlocked


def unlock_user(db: sqlite_utils.Database, username: str, *, actor: str | None = None) -> None:
    """Clear a lock and the failed-login counter."""
    get_user(db, username)
    with transaction(db):
        db.execute("UPDATE users SET locked_until = NULL, failed_logins = 0 WHERE username = ?", [username])
        audit.record(db, actor, "user_unlocked", username)


def is_locked(user: User, at: datetime | None = None) -> bool:
    """True while the account's lock time has not passed."""
    if not user.locked_until:
        return False
    return datetime.fromisoformat(user.locked_until) > (at or datetime.now(UTC))


def record_failed_login(db: sqlite_utils.Database, username: str, at: datetime | None = None, **details) -> bool:
    """Count a failed login; the fifth in a row locks the account for 15 minutes. Returns True if now locked.

    A wrong second-factor code counts here too (details say so, e.g. ``reason="wrong code"``).
    """
    at = at or datetime.now(UTC)
    row = db.execute("SELECT failed_logins FROM users WHERE username = ?", [username]).fetchone()
    with transaction(db):
        if row is None:
            audit.record(db, username, "login_failed", username, reason="unknown user")
            return False
        failures = row[0] + 1
        locked = failures >= MAX_FAILED_LOGINS
        until = (at + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds") if locked else None
        db.execute(
            "UPDATE users SET failed_logins = ?, locked_until = COALESCE(?, locked_until) WHERE username = ?",
            [0 if locked else failures, until, username],
        )
        audit.record(db, username, "login_failed", username, failures=failures, **details)
        if locked:
            audit.record(db, username, "user_locked", username, until=until, reason="5 failed logins")
    return locked


def record_login(db: sqlite_utils.Database, username: str, **details) -> None:
    """Reset the failure counter and note a successful login (details: how, e.g. method="sso", provider=...)."""
    with transaction(db):
        db.execute("UPDATE users SET failed_logins = 0 WHERE username = ?", [username])
        audit.record(db, username, "login", username, **details)


def authenticate(db: sqlite_utils.Database, username: str, password: str, at: datetime | None = None) -> User:
    """Check a username and password, applying lockout; raise AuthError on failure."""
    try:
        user = get_user(db, username)
    except NotFound:
        audit.record(db, username, "login_failed", username, reason="unknown user")
        raise AuthError("login.failed") from None
    if not user.active:
        audit.record(db, username, "login_failed", username, reason="inactive")
        raise AuthError("login.failed")
    if is_locked(user, at):
        audit.record(db, username, "login_failed", username, reason="locked")
        raise locked_error(user)
    password_hash = db.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()[0]
    if not verify_password(password, password_hash):
        if record_failed_login(db, username, at):
            raise locked_error(get_user(db, username))
        raise AuthError("login.failed")
    record_login(db, username)
    return user


def locked_error(user: User) -> AuthError:
    """Return the error that says until when an account is locked."""
    if user.locked_until and user.locked_until.startswith("9999"):
        return AuthError("auth.error.locked_by_admin")
    until = datetime.fromisoformat(user.locked_until).astimezone() if user.locked_until else None
    return AuthError("auth.error.locked_until", time=until.strftime("%H:%M") if until else "?")


def session_user(db: sqlite_utils.Database, username: str) -> User:
    """Return the user behind a live session, refusing locked or deactivated accounts."""
    user = get_user(db, username)
    if not user.active:
        raise AuthError("auth.error.deactivated")
    if is_locked(user):
        raise locked_error(user)
    return user


def credentials_for_authenticator(db: sqlite_utils.Database) -> dict:
    """Build streamlit-authenticator's credentials dict from the users table (hashes only)."""
    users = {}
    # An invited account without a password yet is not in them: nothing can match an empty hash.
    for row in db.query("SELECT username, display_name, email, password_hash, role FROM users "
                        "WHERE active = 1 AND password_hash != ''"):
        users[row["username"]] = {
            "name": row["display_name"],
            "email": row["email"] or f"{row['username']}@invalid.example",
            "password": row["password_hash"],
            "roles": [row["role"]],
            "failed_login_attempts": 0,
            "logged_in": False,
        }
    return {"usernames": users}


def set_reviewer_areas(db: sqlite_utils.Database, username: str, area_ids: list[str], *, actor: str | None = None) -> None:
    """Make a reviewer the TEM contact person of exactly these areas."""
    user = get_user(db, username)
    if user.role != "reviewer":
        raise AuthError("auth.error.not_reviewer", username=username, role=user.role)
    with transaction(db):
        db.execute("DELETE FROM reviewer_areas WHERE username = ?", [username])
        for area_id in area_ids:
            db.execute("INSERT INTO reviewer_areas(username, area_id) VALUES (?, ?)", [username, area_id])
        audit.record(db, actor, "contacts_set", username, areas=area_ids)


def reviewer_area_ids(db: sqlite_utils.Database, username: str) -> list[str]:
    """Return the areas this reviewer is a TEM contact person for."""
    return [r[0] for r in db.execute("SELECT area_id FROM reviewer_areas WHERE username = ? ORDER BY area_id", [username]).fetchall()]


def area_contacts(db: sqlite_utils.Database, area_id: str) -> list[dict]:
    """Return the TEM contact persons (reviewers) of an area."""
    return list(
        db.query(
            """SELECT u.username, u.display_name, u.email FROM reviewer_areas r
               JOIN users u ON u.username = r.username WHERE r.area_id = ? AND u.active = 1 ORDER BY u.display_name""",
            [area_id],
        )
    )
