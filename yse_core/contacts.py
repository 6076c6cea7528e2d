"""An area's TEM contact persons: the reviewers assigned to it (table ``reviewer_areas``), seen from the area.

``auth.set_reviewer_areas`` sets a reviewer's areas (the users page); these functions set an area's reviewers
(the areas page and ``yse areas contacts``). Both are admin changes recorded in the audit log.
"""

from __future__ import annotations

import sqlite_utils

from . import audit
from .area_registry import get_area
from .auth import User, area_contacts, get_user
from .db import transaction
from .errors import AuthError

__all__ = ["area_contacts", "assign_contact", "contacts_by_area", "reviewers", "set_area_contacts", "unassign_contact"]


def reviewers(db: sqlite_utils.Database) -> list[dict]:
    """Return every active reviewer (username, display name, e-mail): the people who can be an area's contact."""
    return list(db.query(
        "SELECT username, display_name, email FROM users WHERE role = 'reviewer' AND active = 1 ORDER BY display_name"))


def contacts_by_area(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Return area id → its contact persons (active reviewers, by display name) for every area that has any."""
    result: dict[str, list[dict]] = {}
    for row in db.query(
        """SELECT r.area_id, u.username, u.display_name, u.email FROM reviewer_areas r
           JOIN users u ON u.username = r.username WHERE u.active = 1 ORDER BY r.area_id, u.display_name"""
    ):
        result.setdefault(row.pop("area_id"), []).append(row)
    return result


def _checked(db: sqlite_utils.Database, admin: User, area_id: str, username: str) -> None:
    admin.require_role("admin")
    get_area(db, area_id)
    reviewer = get_user(db, username)
    if reviewer.role != "reviewer":
        raise AuthError("auth.error.not_reviewer", username=username, role=reviewer.role)


def assign_contact(db: sqlite_utils.Database, admin: User, area_id: str, username: str) -> bool:
    """Make a reviewer a contact person of an area; False when they already were. Admins only, audited."""
    _checked(db, admin, area_id, username)
    return _change(db, admin, area_id, username, "INSERT OR IGNORE INTO reviewer_areas(username, area_id) VALUES (?, ?)",
                   "contact_assigned")


def unassign_contact(db: sqlite_utils.Database, admin: User, area_id: str, username: str) -> bool:
    """Remove a reviewer from an area's contact persons; False when they were not one. Admins only, audited."""
    admin.require_role("admin")
    get_area(db, area_id)
    get_user(db, username)
    return _change(db, admin, area_id, username, "DELETE FROM reviewer_areas WHERE username = ? AND area_id = ?",
                   "contact_unassigned")


def _change(db: sqlite_utils.Database, admin: User, area_id: str, username: str, sql: str, action: str) -> bool:
    """Run ``sql`` (parameters: username, area id); audit ``action`` when it changed a row, and say whether it did."""
    with transaction(db):
        changed = db.execute(sql, [username, area_id]).rowcount
        if changed:
            audit.record(db, admin.username, action, area_id, reviewer=username)
    return bool(changed)


def set_area_contacts(db: sqlite_utils.Database, admin: User, area_id: str, usernames: list[str]) -> None:
    """Make exactly these reviewers the area's contact persons, in one transaction. Admins only, audited."""
    admin.require_role("admin")
    get_area(db, area_id)
    for username in usernames:
        _checked(db, admin, area_id, username)
    current = {row[0] for row in db.execute("SELECT username FROM reviewer_areas WHERE area_id = ?", [area_id])}
    with transaction(db):
        for username in sorted(current - set(usernames)):
            unassign_contact(db, admin, area_id, username)
        for username in usernames:
            assign_contact(db, admin, area_id, username)
