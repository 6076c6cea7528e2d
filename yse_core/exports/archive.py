"""One area's export file, or one file per area of a round in one .zip: the briefing packs and the slides share this."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import sqlite_utils

from yse_core import audit
from yse_core.auth import User
from yse_core.errors import NotFound


def area_export(
    db: sqlite_utils.Database, user: User, round_year: int, area_id: str, lang: str, *,
    build: Callable[[], bytes], action: str,
) -> bytes:
    """Return ``build()`` for one area of a round (respondents only their own area), audited as ``action``."""
    user.require_area(area_id)
    data = build()
    audit.record(db, user.username, action, f"{round_year}/{area_id}", lang=lang, bytes=len(data))
    return data


def round_zip(
    db: sqlite_utils.Database, user: User, round_year: int, lang: str, *,
    build: Callable[[str], bytes], filename: Callable[[int, str], str], action: str,
) -> bytes:
    """Return ``build(area_id)`` for every area of the round in one .zip (reviewers and admins only), audited as ``action``."""
    user.require_role("reviewer", "admin")
    area_ids = [row[0] for row in db.execute(
        "SELECT area_id FROM responses WHERE round_year = ? ORDER BY area_id", [round_year])]
    if not area_ids:
        raise NotFound("exports.no_round", year=str(round_year))
    buffer = io.BytesIO()
    # .docx and .pptx files are already compressed: storing them is as small and much faster than deflating again
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for area_id in area_ids:
            archive.writestr(filename(round_year, area_id), build(area_id))
    audit.record(db, user.username, action, str(round_year), lang=lang, areas=len(area_ids))
    return buffer.getvalue()
