"""Sessions on the server: one row per sign-in, so that a session can end before its cookie does.

A single sign-on has one too (``identity_session``); what follows is said of a password sign-in.

A session begins at a password sign-in (form, and after the second factor where one is asked) and its id
travels in the login cookie, so the browser's later tabs and reloads continue the same session. It ends:
- after ``idle_minutes()`` without a run of the portal (``YSE_IDLE_MINUTES``, default 30): the answers are
  saved as they change, so an idle sign-out loses nothing;
- at logout;
- when the user's password is set (by the user through a reset link, or by an admin) or an admin locks the
  account: every session of that user ends, those in other browsers included.
A live Streamlit session checks its row on every run (one lookup by primary key) and marks itself seen at
most once a minute, so an edit does not write twice.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlite_utils

from . import audit
from .db import transaction
from .env_settings import positive_number
from .errors import AuthError

DEFAULT_IDLE_MINUTES = 30
SEEN_EVERY = timedelta(seconds=60)  # at most this stale ``last_seen_at`` (see seen_every)
REASONS = ("logout", "idle", "password_changed", "locked", "deactivated")


def idle_minutes() -> float:
    """Minutes without activity after which a session ends: ``YSE_IDLE_MINUTES`` (default 30)."""
    return positive_number("YSE_IDLE_MINUTES", DEFAULT_IDLE_MINUTES, "session.error.bad_idle_setting")


def seen_every() -> timedelta:
    """How stale ``last_seen_at`` may get: a minute, or a quarter of a (test's) shorter idle timeout."""
    return min(SEEN_EVERY, timedelta(minutes=idle_minutes()) / 4)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


def start(db: sqlite_utils.Database, username: str, at: datetime | None = None) -> str:
    """Begin a session for ``username``; return its id (random, 128 bits), which goes into the login cookie."""
    session_id = secrets.token_urlsafe(16)
    stamp = _iso(at or datetime.now(UTC))
    with transaction(db):
        db.execute("INSERT INTO sessions(id, username, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
                   [session_id, username, stamp, stamp])
    return session_id


def identity_session(db: sqlite_utils.Database, provider: str, subject: str, issued_at: object, username: str,
                     at: datetime | None = None) -> str:
    """Return the session of one single sign-on, begun the first time any tab shows it; an ended one stays ended.

    An SSO sign-in has no cookie of ours to carry a session id, so the id is derived from the identity itself
    (provider, subject, time of the sign-in at the provider): a reload or a new tab on the same identity cookie
    continues the same session, and the idle timeout holds for it as for a password sign-in. A new sign-in at the
    provider is a new session. The subject is hashed, not stored.
    """
    digest = hashlib.sha256(f"{provider}\0{subject}\0{issued_at}".encode()).hexdigest()[:32]
    session_id = f"sso-{digest}"
    stamp = _iso(at or datetime.now(UTC))
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO sessions(id, username, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
                   [session_id, username, stamp, stamp])
    return session_id


def check(db: sqlite_utils.Database, session_id: str, username: str, at: datetime | None = None) -> datetime:
    """Return when the session was last seen; raise AuthError when it has ended, gone idle or is not this user's.

    A session found idle is ended here (reason ``idle``), so it stays ended if the user comes back later.
    """
    row = next(db.query("SELECT username, last_seen_at, ended_at, end_reason FROM sessions WHERE id = ?",
                        [session_id]), None)
    if row is None or row["username"] != username:
        raise AuthError("session.error.unknown")
    if row["ended_at"] is not None:
        reason = row["end_reason"] or "logout"
        raise AuthError(f"session.error.{reason}", **({"minutes": idle_minutes()} if reason == "idle" else {}))
    now = at or datetime.now(UTC)
    seen = datetime.fromisoformat(row["last_seen_at"])
    if now - seen > timedelta(minutes=idle_minutes()):
        end(db, session_id, "idle", at=now)
        raise AuthError("session.error.idle", minutes=idle_minutes())  # 0,4 in Finnish
    return seen


def keep_alive(db: sqlite_utils.Database, session_id: str, username: str, marked: datetime | None = None,
               at: datetime | None = None) -> datetime:
    """Check a live tab's session and mark it seen at most every ``seen_every()``; return when it was last marked.

    ``marked`` is when this tab last marked it (kept in the tab's state), so an edit does not write twice.
    """
    now = at or datetime.now(UTC)
    seen = check(db, session_id, username, at=now)
    if marked is not None and marked > seen:
        seen = marked
    if now - seen >= seen_every():
        touch(db, session_id, at=now)
        seen = now
    return seen


def touch(db: sqlite_utils.Database, session_id: str, at: datetime | None = None) -> None:
    """Mark the session seen now."""
    with transaction(db):
        db.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
                   [_iso(at or datetime.now(UTC)), session_id])


def end(db: sqlite_utils.Database, session_id: str, reason: str, at: datetime | None = None) -> None:
    """End one session (logout or idle); ending an ended one changes nothing."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    with transaction(db):
        db.execute("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
                   [_iso(at or datetime.now(UTC)), reason, session_id])


def end_all(db: sqlite_utils.Database, username: str, reason: str, *, actor: str | None = None,
            keep: str | None = None) -> int:
    """End every open session of ``username`` except ``keep``; audited when any ended. Returns how many."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    with transaction(db):
        cursor = db.execute(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE username = ? AND ended_at IS NULL AND id IS NOT ?",
            [_iso(datetime.now(UTC)), reason, username, keep])
        ended = cursor.rowcount
        if ended:
            audit.record(db, actor, "sessions_ended", username, reason=reason, count=ended)
    return ended


def open_sessions(db: sqlite_utils.Database, username: str) -> int:
    """How many sessions of ``username`` are open (not ended; an idle one counts until it is next checked)."""
    return db.execute("SELECT COUNT(*) FROM sessions WHERE username = ? AND ended_at IS NULL", [username]).fetchone()[0]


__all__ = ["DEFAULT_IDLE_MINUTES", "REASONS", "SEEN_EVERY", "check", "end", "end_all", "idle_minutes",
           "open_sessions", "seen_every", "start", "touch"]
