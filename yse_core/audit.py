"""The audit log: who did what, when."""

from __future__ import annotations

import json

import sqlite_utils

from . import log
from .db import now_iso, transaction


def record(db: sqlite_utils.Database, username: str | None, action: str, target: str | None = None, **details) -> None:
    """Append one event (login, failed login, lockout, user change, export, import, reopen…)."""
    with transaction(db):
        db.execute(
            "INSERT INTO audit_log(at, username, action, target, details) VALUES (?, ?, ?, ?, ?)",
            [now_iso(), username, action, target, json.dumps(details, ensure_ascii=False) if details else None],
        )
    if action == "login_failed" and details.get("reason") == "unknown user":
        username = target = None  # what was typed as a user name may be a password: not in the server's log
    log.event(action, username, target, **details)


def events(
    db: sqlite_utils.Database,
    *,
    username: str | None = None,
    action: str | None = None,
    since: str | None = None,
    limit: int = 500,
) -> list[dict]:
    """Return audit events, newest first, optionally filtered."""
    where, params = [], []
    if username:
        where.append("username = ?")
        params.append(username)
    if action:
        where.append("action = ?")
        params.append(action)
    if since:
        where.append("at >= ?")
        params.append(since)
    sql = "SELECT id, at, username, action, target, details FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return list(db.query(sql, params))


def actions(db: sqlite_utils.Database) -> list[str]:
    """Return the distinct action names in the log, for a filter."""
    return [row["action"] for row in db.query("SELECT DISTINCT action FROM audit_log ORDER BY action")]
