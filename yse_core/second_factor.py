"""A second factor for password accounts: TOTP (RFC 6238, pyotp) and single-use recovery codes.

Required for admins and reviewers (not on the demo database), optional for respondents. The secret is kept
in ``second_factors`` (it must be read back to check a code); the last accepted time step is remembered, so a
code is refused once its step or an earlier one has been used (no replay). Recovery codes are shown once and
stored as bcrypt hashes. A wrong code counts toward the password lockout (``auth.record_failed_login``).
"""

from __future__ import annotations

import hmac
import io
import secrets
import time
from dataclasses import dataclass

import bcrypt
import pyotp
import segno
import sqlite_utils

from . import audit, auth
from .db import is_demo, now_iso, transaction
from .errors import AuthError

ISSUER = "YSE-portaali"
REQUIRED_ROLES = ("admin", "reviewer")
VALID_WINDOW = 1  # the step before and after the current one are accepted too (clock drift, slow typing)
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
RECOVERY_CODE_LENGTH = 10  # 50 bits each
RECOVERY_HASH_ROUNDS = 10  # a recovery login checks up to ten hashes: kept well under a second


@dataclass(frozen=True)
class Status:
    """Whether a user has a second factor, since when, and how many unused recovery codes are left."""

    enrolled: bool
    enrolled_at: str | None = None
    recovery_codes_left: int = 0


def is_required(db: sqlite_utils.Database, role: str) -> bool:
    """True when a user of ``role`` must have a second factor: admins and reviewers, except on the demo database."""
    return role in REQUIRED_ROLES and not is_demo(db)


def new_secret() -> str:
    """Return a new random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """Return the otpauth:// address an authenticator app reads from the QR code (issuer YSE-portaali)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_png(uri: str) -> bytes:
    """Return the QR code of an address as PNG bytes."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def grouped(secret: str) -> str:
    """Return a secret in groups of four characters, as it is typed into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def status(db: sqlite_utils.Database, username: str) -> Status:
    """Return the user's second-factor status."""
    return statuses(db).get(username, Status(False))


def statuses(db: sqlite_utils.Database) -> dict[str, Status]:
    """Return the status of every user who has a second factor (others have none)."""
    rows = db.execute(
        """SELECT f.username, f.enrolled_at,
                  (SELECT COUNT(*) FROM recovery_codes r WHERE r.username = f.username AND r.used_at IS NULL)
           FROM second_factors f"""
    ).fetchall()
    return {username: Status(True, enrolled_at, left) for username, enrolled_at, left in rows}


def is_enrolled(db: sqlite_utils.Database, username: str) -> bool:
    """True when the user has a confirmed second factor."""
    return db.execute("SELECT 1 FROM second_factors WHERE username = ?", [username]).fetchone() is not None


def _matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step within the window whose code this is, or None."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def _hash_code(code: str) -> str:
    return bcrypt.hashpw(code.encode("ascii"), bcrypt.gensalt(RECOVERY_HASH_ROUNDS)).decode("ascii")


def _new_recovery_codes() -> list[str]:
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _store_recovery_codes(db: sqlite_utils.Database, username: str) -> list[str]:
    codes = _new_recovery_codes()
    db.execute("DELETE FROM recovery_codes WHERE username = ?", [username])
    for code in codes:
        db.execute("INSERT INTO recovery_codes(username, code_hash, created_at) VALUES (?, ?, ?)",
                   [username, _hash_code(_normalise(code)), now_iso()])
    return codes


def enrol(db: sqlite_utils.Database, username: str, secret: str, code: str, *, at: float | None = None) -> list[str]:
    """Confirm a new secret with one code from the app; store it and return ten recovery codes (shown once).

    A wrong code raises AuthError and is not counted toward the lockout: it proves nothing about the account.
    """
    auth.get_user(db, username)
    if is_enrolled(db, username):
        raise AuthError("second_factor.error.already_enrolled")
    step = _matching_step(secret, "".join(code.split()), time.time() if at is None else at)
    if step is None:
        raise AuthError("second_factor.error.enrol_wrong_code")
    with transaction(db):
        db.execute("INSERT INTO second_factors(username, secret, enrolled_at, last_step) VALUES (?, ?, ?, ?)",
                   [username, secret, now_iso(), step])
        codes = _store_recovery_codes(db, username)
        audit.record(db, username, "second_factor_enrolled", username)
    return codes


def new_recovery_codes(db: sqlite_utils.Database, username: str) -> list[str]:
    """Replace a user's recovery codes with ten new ones (the old ones stop working); return them."""
    if not is_enrolled(db, username):
        raise AuthError("second_factor.error.not_enrolled")
    with transaction(db):
        codes = _store_recovery_codes(db, username)
        audit.record(db, username, "recovery_codes_renewed", username)
    return codes


def verify(db: sqlite_utils.Database, username: str, code: str, *, at: float | None = None) -> str:
    """Check a login's second step: a TOTP code or a recovery code; return "totp" or "recovery_code".

    On success the login is recorded (``auth.record_login``: the failure counter starts again). A wrong,
    replayed or used code raises AuthError and counts as a failed login; the fifth in a row locks the account.
    """
    at = time.time() if at is None else at
    user = auth.get_user(db, username)
    if auth.is_locked(user):
        raise auth.locked_error(user)
    row = db.execute("SELECT secret, last_step FROM second_factors WHERE username = ?", [username]).fetchone()
    if row is None:
        raise AuthError("second_factor.error.not_enrolled")
    secret, last_step = row
    typed = _normalise(code)
    if typed.isdigit():
        step = _matching_step(secret, typed, at)
        if step is not None:
            with transaction(db):
                accepted = db.execute(
                    "UPDATE second_factors SET last_step = ? WHERE username = ? AND (last_step IS NULL OR last_step < ?)",
                    [step, username, step]).rowcount
                if accepted:
                    auth.record_login(db, username, second_factor="totp")
                    return "totp"
            return _refuse(db, username, "second_factor.error.replayed", "replayed code")
        return _refuse(db, username, "second_factor.error.wrong_code", "wrong code")
    for code_id, code_hash, used_at in db.execute(
            "SELECT id, code_hash, used_at FROM recovery_codes WHERE username = ? ORDER BY used_at IS NOT NULL, id",
            [username]).fetchall():
        if auth.verify_password(typed, code_hash):
            if used_at is not None:
                return _refuse(db, username, "second_factor.error.recovery_code_used", "used recovery code")
            with transaction(db):
                if db.execute("UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL",
                              [now_iso(), code_id]).rowcount:
                    left = status(db, username).recovery_codes_left
                    audit.record(db, username, "recovery_code_used", username, left=left)
                    auth.record_login(db, username, second_factor="recovery_code")
                    return "recovery_code"
            return _refuse(db, username, "second_factor.error.recovery_code_used", "used recovery code")
    return _refuse(db, username, "second_factor.error.wrong_code", "wrong code")


def _refuse(db: sqlite_utils.Database, username: str, key: str, reason: str) -> str:
    """Count the failure toward the lockout and raise the message (the lockout's when this one locks)."""
    if auth.record_failed_login(db, username, reason=reason, step="second factor"):
        raise AuthError("second_factor.error.locked", minutes=auth.LOCK_MINUTES)
    failures = db.execute("SELECT failed_logins FROM users WHERE username = ?", [username]).fetchone()[0]
    raise AuthError(key, left=auth.MAX_FAILED_LOGINS - failures)


def reset(db: sqlite_utils.Database, username: str, *, actor: str | None) -> bool:
    """Remove a user's second factor and recovery codes (a lost phone); True if there was one. Audited.

    An admin or reviewer enrols again at the next password login; a respondent may.
    """
    auth.get_user(db, username)
    with transaction(db):
        removed = db.execute("DELETE FROM second_factors WHERE username = ?", [username]).rowcount
        db.execute("DELETE FROM recovery_codes WHERE username = ?", [username])
        audit.record(db, actor, "second_factor_reset", username, had_factor=bool(removed))
    return bool(removed)
