"""The minutes of one area's YSE discussion as a Word file, from the recorded discussion and follow-up items."""

from __future__ import annotations

import sqlite_utils

from yse_core import audit, formatting
from yse_core.area_registry import get_area
from yse_core.auth import User
from yse_core.discussions import GENERAL_NOTES, get_discussion
from yse_core.errors import NotFound
from yse_core.follow_ups import FOLLOW_UP_THEME_ID
from yse_core.i18n import LANGUAGES, t
from yse_core.indicators.catalogue import load_catalogue
from yse_core.questionnaire import Questionnaire
from yse_core.rounds import get_questionnaire, get_round

from . import word
from .content import area_label, follow_up_items, owner_text, status_label, theme_title
from .safe import safe_filename


class NoDiscussionRecord(NotFound):
    """The area's discussion in the round has not been recorded, so there are no minutes."""


def minutes_filename(round_year: int, area_id: str) -> str:
    """Return the file name of an area's minutes, e.g. ``YSE-2025-helsinki-muistio.docx``."""
    return f"YSE-{round_year}-{safe_filename(area_id)}-muistio.docx"


def has_minutes(db: sqlite_utils.Database, round_year: int, area_id: str) -> bool:
    """Return True when the area's discussion in the round has been recorded."""
    return db.execute("SELECT 1 FROM discussions WHERE round_year = ? AND area_id = ?", [round_year, area_id]).fetchone() is not None


def minutes_docx(db: sqlite_utils.Database, user: User, round_year: int, area_id: str, lang: str = "fi") -> bytes:
    """Return the minutes of an area's discussion as .docx bytes; NoDiscussionRecord if none is recorded."""
    record = get_discussion(db, user, round_year, area_id)  # checks that the user may read the area
    area = get_area(db, area_id)
    if record is None:
        raise NoDiscussionRecord("exports.no_minutes", area={language: area_label(area, language) for language in LANGUAGES},
                                 year=str(round_year))
    questionnaire = get_questionnaire(db, get_round(db, round_year)["questionnaire_key"])
    items = follow_up_items(db, user, round_year, area_id)

    title = t("exports.minutes_title", lang, year=round_year)
    document = word.new_document(f"{title} – {area_label(area, lang)}", lang)
    word.paragraph(document, title, style="Title")
    word.paragraph(document, area_label(area, lang), style="Subtitle")
    word.key_value_table(document, [
        (t("exports.area", lang), area_label(area, lang)),
        (t("exports.round", lang), str(round_year)),
        (t("exports.held_on", lang), formatting.local_date(record["held_on"])),
        (t("exports.participants", lang), record["participants"] or ""),
    ])
    word.muted(document, t("exports.recorded_by", lang, who=_display_name(db, record["recorded_by"]),
                           when=formatting.local_date(record["recorded_at"])))

    word.heading(document, t("exports.section_notes", lang))
    notes = _notes_in_order(record["notes"], questionnaire)
    if not notes:
        word.paragraph(document, t("exports.notes_none", lang))
    for theme_id, text in notes:
        word.heading(document, theme_title(questionnaire, theme_id, lang), level=2)
        word.paragraph(document, text)

    word.heading(document, t("exports.section_agreed", lang))
    if items:
        word.table(
            document,
            [t("exports.follow_up_item", lang), t("exports.owner", lang), t("exports.due", lang), t("exports.status", lang),
             t("exports.linked_to", lang)],
            [(item["body"], owner_text(item, lang), formatting.local_date(item["due"]), status_label(item["status"], lang),
              _linked(item, questionnaire, lang)) for item in items],
            widths_cm=(6.3, 3.2, 2.5, 1.9, 3.1), size=9,
        )
    else:
        word.paragraph(document, t("exports.agreed_none", lang))

    word.heading(document, t("exports.section_follow_up_discussion", lang))
    word.paragraph(document, t("exports.follow_up_needed" if record["follow_up_needed"] else "exports.follow_up_not_needed", lang),
                   bold=True)
    if record["follow_up_date"]:
        word.paragraph(document, f"{t('exports.follow_up_date', lang)}: {formatting.local_date(record['follow_up_date'])}")
    if record["follow_up_notes"]:
        word.paragraph(document, f"{t('exports.follow_up_notes', lang)}:", bold=True)
        word.paragraph(document, record["follow_up_notes"])

    data = word.to_bytes(document)
    audit.record(db, user.username, "export_minutes", f"{round_year}/{area_id}", lang=lang, bytes=len(data))
    return data


def _notes_in_order(notes: dict, questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """Return (theme id, text) pairs: general notes first, then the themes in questionnaire order, then the rest."""
    order = [GENERAL_NOTES, *(theme.id for theme in questionnaire.themes), FOLLOW_UP_THEME_ID]
    known = [(key, notes[key]) for key in order if notes.get(key)]
    return known + [(key, text) for key, text in notes.items() if key not in order and text]


def _display_name(db: sqlite_utils.Database, username: str | None) -> str:
    row = db.execute("SELECT display_name FROM users WHERE username = ?", [username]).fetchone() if username else None
    return row[0] if row else (username or "–")


def _linked(item: dict, questionnaire: Questionnaire, lang: str) -> str:
    parts = []
    if item["question_id"]:
        try:
            parts.append(questionnaire.question(item["question_id"]).text.get(lang))
        except KeyError:
            parts.append(item["question_id"])
    if item["indicator_code"]:
        catalogue = load_catalogue()
        code = item["indicator_code"]
        parts.append(catalogue.get(code).name.get(lang) if code in catalogue else code)
    return "\n".join(parts)
