"""Round-level texts an admin writes for a year's discussions: the goals, the topical matters, TEM's general
observations and a line saying where the texts come from, in Finnish, Swedish and (optionally) English.

They open every area's discussion slides (``exports.slides``), as in TEM's own deck. A text is plain: one
point a line (a leading "•" or "*" is dropped); a line indented by spaces or starting with "-", "–" or "o" is a sub-point of the point above.
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
import yaml

from . import audit
from .auth import User
from .db import now_iso, transaction
from .errors import YseError
from .i18n import LANGUAGES
from .rounds import get_round

KINDS = ("goals", "topics", "observations", "source")
MAX_LENGTH = 5_000
SUB_MARKERS = ("- ", "– ", "o ")
POINT_MARKERS = ("• ", "* ")


def round_texts(db: sqlite_utils.Database, round_year: int) -> dict[str, dict[str, str]]:
    """Return kind → language → text of a round (only the texts written); anyone who sees the round may read them."""
    texts: dict[str, dict[str, str]] = {}
    for kind, lang, body in db.execute(
        "SELECT kind, lang, body FROM round_texts WHERE round_year = ? ORDER BY kind, lang", [round_year]
    ):
        texts.setdefault(kind, {})[lang] = body
    return texts


def text_in(texts: dict[str, dict[str, str]], kind: str, lang: str) -> tuple[str, str | None]:
    """Return a text in ``lang`` if written, else in Finnish, with the language it is in (None when neither is)."""
    by_lang = texts.get(kind, {})
    for candidate in (lang, "fi"):
        if by_lang.get(candidate, "").strip():
            return by_lang[candidate], candidate
    return "", None


def set_round_text(
    db: sqlite_utils.Database, user: User, round_year: int, kind: str, lang: str, body: str,
) -> None:
    """Store (or, with an empty body, remove) one text of a round; admins only, audited."""
    user.require_role("admin")
    get_round(db, round_year)
    if kind not in KINDS:
        raise YseError("round_texts.error.unknown_kind", kind=kind, kinds=", ".join(KINDS))
    if lang not in LANGUAGES:
        raise YseError("round_texts.error.unknown_language", language=lang)
    body = "\n".join(line.rstrip() for line in (body or "").replace("\r\n", "\n").split("\n")).strip("\n")
    if len(body) > MAX_LENGTH:
        raise YseError("round_texts.error.too_long", limit=MAX_LENGTH, length=len(body))
    old = db.execute("SELECT body FROM round_texts WHERE round_year = ? AND kind = ? AND lang = ?",
                     [round_year, kind, lang]).fetchone()
    if (old[0] if old else "") == body:
        return
    with transaction(db):
        if body.strip():
            db.execute(
                """INSERT INTO round_texts(round_year, kind, lang, body, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(round_year, kind, lang) DO UPDATE SET body = excluded.body,
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at""",
                [round_year, kind, lang, body, user.username, now_iso()],
            )
        else:
            db.execute("DELETE FROM round_texts WHERE round_year = ? AND kind = ? AND lang = ?", [round_year, kind, lang])
        audit.record(db, user.username, "round_text_set", f"{round_year}/{kind}/{lang}", length=len(body))


def points(text: str) -> list[tuple[int, str]]:
    """Return a text as (level, point) pairs: level 0 for a point, 1 for a sub-point; blank lines are skipped."""
    result = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        stripped = line.strip()
        level = 1 if line[:1].isspace() else 0
        for marker in SUB_MARKERS:
            if stripped.startswith(marker):
                level, stripped = 1, stripped[len(marker):].strip()
                break
        else:
            for marker in POINT_MARKERS:
                if stripped.startswith(marker):
                    stripped = stripped[len(marker):].strip()
        result.append((level, stripped))
    return result


TEM_2025_TEXTS = Path(__file__).parent / "reference" / "tem_round_texts_2025.yaml"


def fill_demo_round_texts(db: sqlite_utils.Database, round_year: int) -> None:
    """Give a demo round TEM's real 2025 texts (from the seed deck) where it has none; marked by the source text."""
    if db.execute("SELECT 1 FROM round_texts WHERE round_year = ? LIMIT 1", [round_year]).fetchone():
        return
    texts = yaml.safe_load(TEM_2025_TEXTS.read_text(encoding="utf-8"))
    init = User("init", "init", "admin", None)
    with transaction(db):
        for kind in KINDS:
            for lang, body in texts.get(kind, {}).items():
                set_round_text(db, init, round_year, kind, lang, body)
