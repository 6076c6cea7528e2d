"""Areas and their municipalities in the database: read them, store municipality names.

Replacing the areas as a whole (which re-aggregates the area figures) is ``yse_core.area_update``: the
indicators read areas from here, so this module does not import them.
"""

from __future__ import annotations

import sqlite_utils

from .db import transaction
from .errors import NotFound


def store_municipalities(db: sqlite_utils.Database, municipalities: list[dict]) -> None:
    """Insert or update the municipality names (code, name_fi, name_sv)."""
    with transaction(db):
        for row in municipalities:
            db.execute(
                """INSERT INTO municipalities(code, name_fi, name_sv) VALUES (?, ?, ?)
                   ON CONFLICT(code) DO UPDATE SET name_fi = excluded.name_fi, name_sv = excluded.name_sv""",
                [row["code"], row["name_fi"], row["name_sv"]],
            )


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
