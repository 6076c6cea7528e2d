"""The briefing pack: one area's answers, statistics, discussion points and open matters as a Word file.

Order of the document: a title page, then what to discuss (discussion points, last round's follow-up
items, open comments), then the evidence (indicators with charts, and the answers theme by theme).
"""

from __future__ import annotations

import io
from datetime import date

import sqlite_utils
from docx.shared import Cm, Pt

from yse_core import formatting
from yse_core.auth import User, area_contacts
from yse_core.comments import threads
from yse_core.db import is_demo
from yse_core.follow_ups import followup_question_id
from yse_core.i18n import t
from yse_core.indicators.aggregate import COUNTRY
from yse_core.indicators.situation import period_caption
from yse_core.indicators.store import series
from yse_core.questionnaire import is_visible
from yse_core.responses import ResponseContext, load_context, progress
from yse_core.rounds import reference_period

from . import word
from .archive import area_export, round_zip
from .content import (
    CHART_INDICATORS,
    IndicatorRow,
    area_label,
    discussion_points,
    follow_up_items,
    indicator_rows,
    owner_text,
    point_text,
    previous_round_year,
    questionnaire_indicator_codes,
    severity_label,
    sorted_points,
    state_label,
    status_label,
    theme_title,
)
from .safe import safe_filename

CHART_MONTHS = 24


def briefing_filename(round_year: int, area_id: str) -> str:
    """Return the file name of an area's briefing pack, e.g. ``YSE-2025-helsinki.docx``."""
    return f"YSE-{round_year}-{safe_filename(area_id)}.docx"


def briefing_docx(
    db: sqlite_utils.Database, user: User, round_year: int, area_id: str, lang: str = "fi", *, points: list | None = None
) -> bytes:
    """Return one area's briefing pack as .docx bytes; respondents may export only their own area.

    ``points`` are the area's discussion points (objects with ``severity``, ``theme``, ``title_in(lang)`` and
    ``message(lang)``); when None they come from the gaps engine.
    """
    return area_export(db, user, round_year, area_id, lang, action="export_briefing",
                       build=lambda: _briefing(db, user, round_year, area_id, lang, points))


def briefing_zip(db: sqlite_utils.Database, user: User, round_year: int, lang: str = "fi") -> bytes:
    """Return every area's briefing pack of a round in one .zip (reviewers and admins only)."""
    return round_zip(db, user, round_year, lang, filename=briefing_filename, action="export_zip",
                     build=lambda area_id: _briefing(db, user, round_year, area_id, lang, None))


def _briefing(db: sqlite_utils.Database, user: User, round_year: int, area_id: str, lang: str, points: list | None) -> bytes:
    context = load_context(db, user, round_year, area_id)
    if points is None:
        points = discussion_points(db, round_year, area_id, user)
    reference = reference_period(db, context.round)  # the round's statistics month: figures at or before it
    indicators = indicator_rows(db, area_id, questionnaire_indicator_codes(context.questionnaire), lang,
                                reference=reference)
    demo = is_demo(db) or any(row.is_demo for row in indicators)
    previous = previous_round_year(db, round_year)
    previous_items = follow_up_items(db, user, previous, area_id)
    open_threads = threads(db, user, context.response["id"], include_resolved=False)

    title = t("exports.briefing_title", lang, year=round_year)
    document = word.new_document(f"{title} – {area_label(context.area, lang)}", lang)
    _title_page(document, db, user, context, lang, title, demo, points, open_threads, previous_items)
    _points_section(document, context, points, lang)
    _follow_ups_section(document, context, previous, previous_items, lang)
    _comments_section(document, context, open_threads, lang)
    _indicators_section(document, db, context, indicators, demo, lang, reference)
    _answers_section(document, context, lang)
    return word.to_bytes(document)


def _title_page(document, db, user, context: ResponseContext, lang, title, demo, points, open_threads, previous_items):
    area = context.area
    word.paragraph(document, title, style="Title")
    word.paragraph(document, area_label(area, lang), style="Subtitle")
    overall = progress(context)
    contacts = area_contacts(db, area["id"])
    contact_text = "\n".join(
        f"{contact['display_name']}" + (f" ({contact['email']})" if contact["email"] else "") for contact in contacts
    ) or t("exports.no_contacts", lang)
    response = context.response
    state = state_label(response["state"], lang)
    if response["submitted_at"]:
        state += f" ({t('exports.submitted', lang).lower()} {formatting.local_date(response['submitted_at'])})"
    other_name = area["name_sv"] if lang != "sv" else area["name_fi"]
    word.key_value_table(document, [
        (t("exports.area", lang), f"{area_label(area, lang)} ({other_name})\n{area['region']} · {area['id']}"),
        (t("exports.round", lang), str(context.round["year"])),
        (t("exports.questionnaire", lang), f"{context.questionnaire.title.get(lang)} (v{context.questionnaire.version})"),
        (t("exports.deadline", lang), formatting.local_date(context.round["deadline"])),
        (t("exports.response_state", lang), state),
        (t("exports.answered", lang), t("exports.progress", lang, answered=overall["answered"], visible=overall["visible"])),
        (t("exports.contacts", lang), contact_text),
    ])
    word.paragraph(document)
    if not area["membership_verified"]:
        word.note(document, t("area.membership_unverified", lang))
    if demo:
        word.note(document, t("exports.demo_note", lang))
    word.heading(document, t("exports.contents", lang), level=2)
    summary = [
        t("exports.summary_points", lang, count=len(points)),
        t("exports.summary_follow_ups", lang, count=len(previous_items)),
        t("exports.summary_comments", lang, count=len(open_threads)),
        t("exports.section_indicators", lang),
        t("exports.section_answers", lang),
    ]
    for line in summary:
        word.paragraph(document, line, style="List Bullet")
    word.paragraph(document)
    word.muted(document, t("exports.generated", lang, date=formatting.local_date(date.today().isoformat()), who=user.display_name))
    word.page_break(document)


def _points_section(document, context: ResponseContext, points: list, lang: str) -> None:
    word.heading(document, t("exports.section_points", lang))
    if not points:
        word.paragraph(document, t("exports.points_none", lang))
        return
    word.paragraph(document, t("exports.points_intro", lang))
    rows = [
        (severity_label(point.severity, lang), theme_title(context.questionnaire, point.theme, lang), point_text(point, lang))
        for point in sorted_points(points)
    ]
    word.table(document, [t("exports.severity", lang), t("exports.theme", lang), t("exports.point", lang)], rows,
               widths_cm=(3.0, 4.4, 9.6))


def _follow_ups_section(document, context: ResponseContext, previous: int | None, items: list[dict], lang: str) -> None:
    heading = t("exports.section_follow_ups", lang, year=previous) if previous else t("exports.section_follow_ups_none", lang)
    word.heading(document, heading)
    if not items:
        word.paragraph(document, t("exports.follow_ups_none", lang))
        return
    word.table(document, [t("exports.follow_up_item", lang), t("exports.owner", lang), t("exports.due", lang),
                          t("exports.status", lang)], [follow_up_cells(item, context, lang) for item in items],
               widths_cm=(8.6, 3.5, 2.6, 2.3))


def follow_up_cells(item: dict, context: ResponseContext, lang: str) -> tuple[str, str, str, str]:
    """Return a follow-up item's cells (the item with the area's reply, owner, due date, status) for a table."""
    body = item["body"]
    reply = context.values.get(followup_question_id(item["id"]))  # the area's answer in this round's questionnaire
    if isinstance(reply, str) and reply.strip():
        body += f"\n{t('exports.area_reply', lang)}: {reply}"
    return body, owner_text(item, lang), formatting.local_date(item["due"]), status_label(item["status"], lang)


def _comments_section(document, context: ResponseContext, open_threads: list[dict], lang: str) -> None:
    word.heading(document, t("exports.section_comments", lang))
    if not open_threads:
        word.paragraph(document, t("exports.comments_none", lang))
        return
    for thread in open_threads:
        kind = t("exports.clarification" if thread["needs_clarification"] else "exports.comment", lang)
        status = t(f"exports.comment_status_{thread['status']}", lang)
        if thread["question_id"]:
            try:
                about = context.questionnaire.question(thread["question_id"]).text.get(lang)
            except KeyError:
                about = thread["question_id"]
        else:
            about = t("exports.comment_whole", lang)
        heading = word.paragraph(document, f"{kind} ({status}): ", bold=True)
        word.add_text(heading, about, italic=True)
        for entry in [thread, *thread["replies"]]:
            line = word.paragraph(document, f"{entry['author_name'] or entry['author']}, {formatting.local_date(entry['created_at'])}: ",
                                  bold=True, size=9.5)
            word.add_text(line, entry["body"], size=9.5)
            line.paragraph_format.left_indent = Cm(0.6 if entry is thread else 1.2)


def _indicators_section(document, db, context: ResponseContext, rows: list[IndicatorRow], demo: bool, lang: str,
                        reference: str | None) -> None:
    word.heading(document, t("exports.section_indicators", lang))
    if not rows:
        word.paragraph(document, t("exports.indicators_none", lang))
        return
    if demo:
        word.note(document, t("exports.demo_note", lang))
    word.paragraph(document, t("exports.indicators_intro", lang))
    word.paragraph(document, period_caption([row.period for row in rows], lang, reference=reference,
                                            round_year=context.round["year"]), bold=True)
    area_name = area_label(context.area, lang)
    word.table(
        document,
        [t("exports.indicator", lang), area_name, t("exports.whole_country", lang), t("exports.period", lang),
         t("exports.notes", lang)],
        [(row.name, row.area_text(lang), row.value_text(row.country_value, row.country_flag, lang),
          formatting.period(row.period), row.notes(lang)) for row in rows],
        widths_cm=(5.6, 2.6, 2.6, 1.8, 4.4), size=9,
    )
    sources = sorted({row.source for row in rows})
    word.muted(document, f"{t('exports.sources', lang)}: " + "; ".join(sources)).paragraph_format.space_before = Pt(6)
    caveats = list(dict.fromkeys(row.caveat for row in rows if row.caveat))
    if caveats:
        word.muted(document, f"{t('exports.caveats', lang)}:")
        for caveat in caveats:
            word.muted(document, f"– {caveat}")
    _charts(document, db, context, rows, demo, lang, reference)


def _charts(document, db, context: ResponseContext, rows: list[IndicatorRow], demo: bool, lang: str,
            reference: str | None) -> None:
    png = trend_chart_png(db, context.area, rows, demo, lang, reference)
    if png is None:
        return
    word.heading(document, t("exports.charts", lang), level=2).paragraph_format.keep_with_next = True
    document.add_picture(io.BytesIO(png), width=Cm(16.5))


def trend_chart_png(db, area: dict, rows: list[IndicatorRow], demo: bool, lang: str, reference: str | None,
                    **size) -> bytes | None:
    """Return the chart of the key indicators (``CHART_INDICATORS``) over the last months up to the round's month,
    the area against the whole country, as PNG; None when the area has none of them. ``size``: the chart's
    ``width_inches`` and ``panel_inches``."""
    from .charts_static import Panel, trend_panels_png  # matplotlib loads only when a chart is drawn

    by_code = {row.code: row for row in rows}
    area_id = area["id"]
    panels = []
    for code in CHART_INDICATORS:
        values = [value for value in series(db, [area_id, COUNTRY], code)
                  if reference is None or value["period"] <= reference]  # the round's figures end at its month
        area_points = [(v["period"], v["value"]) for v in values if v["region_code"] == area_id][-CHART_MONTHS:]
        if not area_points:
            continue
        start = area_points[0][0]
        country_points = [(v["period"], v["value"]) for v in values if v["region_code"] == COUNTRY and v["period"] >= start]
        row = by_code.get(code)
        unit = "%" if row is None or row.unit == "percent" else ""
        panels.append(Panel(row.name if row else code, area_points, country_points, unit))
    if not panels:
        return None
    return trend_panels_png(panels, area_label(area, lang), t("exports.whole_country", lang),
                            note=t("exports.chart_demo", lang) if demo else None, **size)


def _answers_section(document, context: ResponseContext, lang: str) -> None:
    word.page_break(document)
    word.heading(document, t("exports.section_answers", lang))
    values = context.values
    for theme in context.questionnaire.themes:
        questions = [question for question in theme.questions if is_visible(question, values, context.area)]
        if not questions:
            continue
        word.heading(document, theme.title.get(lang), level=2)
        for question in questions:
            value = values.get(question.id)
            word.paragraph(document, question.text.get(lang), bold=True).paragraph_format.keep_with_next = True
            if question.type == "measures" and value:
                for number, pairs in enumerate(formatting.measure_rows(value, lang), start=1):
                    word.paragraph(document, t("exports.measure_number", lang, number=number), italic=True
                                   ).paragraph_format.keep_with_next = True
                    word.table(document, None, pairs, widths_cm=(4.5, 12.5), size=9.5)
                    word.paragraph(document)
            else:
                answer = word.paragraph(document, formatting.answer_text(question, value, lang),
                                        colour=word.MUTED_COLOUR if value is None else None)
                answer.paragraph_format.left_indent = Cm(0.4)
