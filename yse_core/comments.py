"""TEM's comments and clarification requests on an area's answers, and the area's replies."""

from __future__ import annotations

import sqlite_utils

from . import audit
from .auth import User
from .db import now_iso, transaction
from .errors import AnswerError, NotFound

MAX_COMMENT_LENGTH = 5_000


def _response(db: sqlite_utils.Database, user: User, response_id: int) -> dict:
    rows = list(db.query("SELECT id, area_id, round_year FROM responses WHERE id = ?", [response_id]))
    if not rows:
        raise NotFound("comments.error.no_response", response_id=str(response_id))
    user.require_area(rows[0]["area_id"])
    return rows[0]


def _check_body(body: str) -> str:
    if not body or not body.strip():
        raise AnswerError("comments.error.empty")
    if len(body) > MAX_COMMENT_LENGTH:
        raise AnswerError("comments.error.too_long", limit=MAX_COMMENT_LENGTH, length=len(body))
    return body


def add_comment(
    db: sqlite_utils.Database, user: User, response_id: int, body: str, *, question_id: str | None = None,
    needs_clarification: bool = False,
) -> int:
    """Let a reviewer or admin comment on one answer (or the whole response), optionally asking for clarification."""
    user.require_role("reviewer", "admin")
    response = _response(db, user, response_id)
    body = _check_body(body)
    with transaction(db):
        cursor = db.execute(
            """INSERT INTO comments(response_id, question_id, author, body, needs_clarification, status, created_at)
               VALUES (?, ?, ?, ?, ?, 'open', ?)""",
            [response_id, question_id, user.username, body, int(needs_clarification), now_iso()],
        )
        audit.record(db, user.username, "comment_added", f"{response['round_year']}/{response['area_id']}",
                     question=question_id, clarification=needs_clarification)
    return cursor.lastrowid


def _thread_root(db: sqlite_utils.Database, comment_id: int) -> dict:
    rows = list(db.query("SELECT * FROM comments WHERE id = ?", [comment_id]))
    if not rows:
        raise NotFound("comments.error.no_comment", comment_id=str(comment_id))
    if rows[0]["parent_id"] is not None:
        raise AnswerError("comments.error.reply_to_first")
    return rows[0]


def reply(db: sqlite_utils.Database, user: User, comment_id: int, body: str) -> int:
    """Reply in a comment thread: the area's respondents and TEM's reviewers may; a respondent's reply marks it answered."""
    root = _thread_root(db, comment_id)
    _response(db, user, root["response_id"])  # respondents only in their own area
    body = _check_body(body)
    with transaction(db):
        cursor = db.execute(
            """INSERT INTO comments(response_id, question_id, parent_id, author, body, status, created_at)
               VALUES (?, ?, ?, ?, ?, 'open', ?)""",
            [root["response_id"], root["question_id"], comment_id, user.username, body, now_iso()],
        )
        if user.is_respondent and root["status"] == "open":
            db.execute("UPDATE comments SET status = 'answered' WHERE id = ?", [comment_id])
    return cursor.lastrowid


def resolve(db: sqlite_utils.Database, user: User, comment_id: int) -> None:
    """Mark a comment thread resolved; only TEM's reviewers and admins may."""
    user.require_role("reviewer", "admin")
    root = _thread_root(db, comment_id)
    _response(db, user, root["response_id"])
    with transaction(db):
        db.execute("UPDATE comments SET status = 'resolved', resolved_by = ?, resolved_at = ? WHERE id = ?",
                   [user.username, now_iso(), comment_id])
        audit.record(db, user.username, "comment_resolved", str(comment_id))


def threads(db: sqlite_utils.Database, user: User, response_id: int, *, include_resolved: bool = True) -> list[dict]:
    """Return the comment threads of a response (each with its replies), oldest first."""
    _response(db, user, response_id)
    rows = list(db.query(
        """SELECT c.*, u.display_name AS author_name FROM comments c LEFT JOIN users u ON u.username = c.author
           WHERE c.response_id = ? ORDER BY c.id""", [response_id]))
    roots = {row["id"]: {**row, "replies": []} for row in rows if row["parent_id"] is None}
    for row in rows:
        if row["parent_id"] is not None and row["parent_id"] in roots:
            roots[row["parent_id"]]["replies"].append(row)
    result = list(roots.values())
    if not include_resolved:
        result = [thread for thread in result if thread["status"] != "resolved"]
    return result


def open_clarification_count(db: sqlite_utils.Database, user: User, response_id: int) -> int:
    """Return how many clarification requests on a response are not resolved."""
    _response(db, user, response_id)
    return db.execute(
        "SELECT COUNT(*) FROM comments WHERE response_id = ? AND parent_id IS NULL AND needs_clarification = 1 AND status != 'resolved'",
        [response_id],
    ).fetchone()[0]
