"""Areas and their municipalities in the database: read, and replace as a whole."""

from __future__ import annotations

import sqlite_utils

from . import audit
from .areas import ParsedAreas
from .db import transaction
from .errors import NotFound, ReferenceDataError
from .indicators.store import recompute_areas


def store_municipalities(db: sqlite_utils.Database, municipalities: list[dict]) -> None:
    """Insert or update the municipality names (code, name_fi, name_sv)."""
    with transaction(db):
        for row in municipalities:
            db.execute(
                """INSERT INTO municipalities(code, name_fi, name_sv) VALUES (?, ?, ?)
                   ON CONFLICT(code) DO UPDATE SET name_fi = excluded.name_fi, name_sv = excluded.name_sv""",
                [row["code"], row["name_fi"], row["name_sv"]],
            )


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


def list_areas(db: sqlite_utils.Database) -> list[dict]:
    """Return every area with its municipality count, ordered by Finnish name."""
    return list(
        db.query(
            """SELECT a.*, COUNT(m.municipality_code) AS municipality_count
               FROM areas a LEFT JOIN area_municipalities m ON m.area_id = a.id
               GROUP BY a.id ORDER BY a.name_fi"""
        )
    )


def get_area(db: sqlite_utils.Database, area_id: str) -> dict:
    """Return one area as a dict (booleans as bool), or raise NotFound."""
    rows = list(db.query("SELECT * FROM areas WHERE id = ?", [area_id]))
    if not rows:
        raise NotFound("areas.error.no_area", area=area_id)
    area = rows[0]
    area["uusimaa"] = bool(area["uusimaa"])
    area["membership_verified"] = bool(area["membership_verified"])
    return area


def area_municipalities(db: sqlite_utils.Database, area_id: str) -> list[dict]:
    """Return the member municipalities of an area."""
    return list(
        db.query(
            """SELECT m.code, m.name_fi, m.name_sv FROM area_municipalities am
               JOIN municipalities m ON m.code = am.municipality_code
               WHERE am.area_id = ? ORDER BY m.name_fi""",
            [area_id],
        )
    )


def memberships(db: sqlite_utils.Database) -> dict[str, str]:
    """Return municipality code → area id for every current membership."""
    return {row[0]: row[1] for row in db.execute("SELECT municipality_code, area_id FROM area_municipalities")}


def memberships_csv(db: sqlite_utils.Database) -> str:
    """Return the current areas in the long CSV layout an admin can edit and upload again."""
    lines = ["municipality_code,area_id,area_name_fi,area_name_sv,region,ely,uusimaa,membership_verified"]
    for row in db.query(
        """SELECT am.municipality_code, a.* FROM area_municipalities am JOIN areas a ON a.id = am.area_id
           ORDER BY a.id, am.municipality_code"""
    ):
        fields = [row["municipality_code"], row["id"], row["name_fi"], row["name_sv"], row["region"], row["ely"],
                  str(row["uusimaa"]), str(row["membership_verified"])]
        lines.append(",".join(f'"{f}"' if "," in f else f for f in fields))
    return "\n".join(lines) + "\n"
