"""Enrolling a test user's second factor through the core, so a test can type the current code."""

from __future__ import annotations

import time

import pyotp

from yse_core import second_factor


def enrol_user(db, username: str, at: float | None = None) -> str:
    """Enrol the user with a new secret and return it; the code of the step after ``at`` (now) is still unused.

    The enrolment is confirmed with the code of the step before ``at``: the confirming step counts as used
    (no replay), and a login typing ``pyotp.TOTP(secret).now()`` right after must be accepted.
    """
    at = time.time() if at is None else at
    secret = second_factor.new_secret()
    second_factor.enrol(db, username, secret, pyotp.TOTP(secret).at(at - 30), at=at)
    return secret


def current_code(secret: str) -> str:
    """The code an authenticator app shows now for the secret."""
    return pyotp.TOTP(secret).now()
