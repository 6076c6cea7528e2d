"""Replacing the area registry as a whole: areas, memberships, and the area figures that follow them.

Above both ``area_registry`` (which the indicators read areas from) and ``indicators.store`` (which
re-aggregates the figures after a membership change), so the dependency between them goes one way.
"""

from __future__ import annotations

import sqlite_utils

from . import audit
from .areas import ParsedAreas
from .db import transaction
from .errors import ReferenceDataError
from .indicators.store import recompute_areas


def replace_areas(db: sqlite_utils.Database, parsed: ParsedAreas, *, actor: str | None = None) -> dict:
    """Replace every area and membership in one transaction; refuse if users or responses would be orphaned."""
    new_ids = {area["id"] for area in parsed.areas}
    in_use = {
        row[0]
        for row in db.execute(
            """SELECT area_id FROM users WHERE area_id IS NOT NULL
               UNION SELECT area_id FROM responses UNION SELECT area_id FROM reviewer_areas"""
        ).fetchall()
    }
    orphaned = sorted(in_use - new_ids)
    if orphaned:
        raise ReferenceDataError("areas.error.orphaned", areas=", ".join(orphaned[:10]))
    before = {row[0]: row[1] for row in db.execute("SELECT municipality_code, area_id FROM area_municipalities")}
    with transaction(db):
        db.execute("DELETE FROM area_municipalities")
        for area in parsed.areas:
            db.execute(
                """INSERT INTO areas(id, name_fi, name_sv, region, ely, uusimaa, membership_verified)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(id) DO UPDATE SET name_fi = excluded.name_fi, name_sv = excluded.name_sv,
                     region = excluded.region, ely = excluded.ely, uusimaa = excluded.uusimaa,
                     membership_verified = excluded.membership_verified""",
                [area["id"], area["name_fi"], area["name_sv"], area["region"], area["ely"],
                 int(area["uusimaa"]), int(area["membership_verified"])],
            )
        db.execute(
            f"DELETE FROM areas WHERE id NOT IN ({', '.join('?' for _ in new_ids)})", sorted(new_ids)
        )
        for area_id, code in parsed.memberships:
            db.execute("INSERT INTO area_municipalities(municipality_code, area_id) VALUES (?, ?)", [code, area_id])
        moved = sum(1 for area_id, code in parsed.memberships if before.get(code) not in (None, area_id))
        summary = {"areas": len(parsed.areas), "municipalities": len(parsed.memberships), "moved": moved}
        if moved:  # area figures are sums over members: recompute them for the new membership
            recompute_areas(db)
        audit.record(db, actor, "areas_replaced", None, **summary)
    return summary
