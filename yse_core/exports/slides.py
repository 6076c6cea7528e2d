"""Discussion slides: one area's deck for its YSE discussion (.pptx), in the shape of TEM's own deck.

Order of the slides, as in TEM's deck for the 2025 discussions (../shared/seed): a title slide with the area and
its TEM contact persons; the year's goals; the topical matters and TEM's general observations (round-level texts
an admin writes, ``round_texts``); then the area: its key figures against the whole country at the round's
statistics month (as in the briefing pack: period, source, demo and partial flags) and their chart; the area's
discussion points turned into questions; last round's follow-up items. Every slide is drawn on the blank
layout with a real title placeholder, so screen readers and the outline view see the titles.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import sqlite_utils
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from yse_core import formatting
from yse_core.auth import User, area_contacts
from yse_core.db import is_demo
from yse_core.gaps.models import MISSING_DATA
from yse_core.i18n import t
from yse_core.indicators.situation import period_caption
from yse_core.responses import ResponseContext, load_context
from yse_core.round_texts import points as text_points
from yse_core.round_texts import round_texts, text_in
from yse_core.rounds import reference_period

from .archive import area_export, round_zip
from .briefing import follow_up_cells, trend_chart_png
from .content import (
    CHART_INDICATORS,
    KEY_INDICATORS,
    IndicatorRow,
    area_label,
    discussion_points,
    follow_up_items,
    indicator_rows,
    previous_round_year,
    severity_label,
    sorted_points,
    theme_title,
)
from .safe import safe_filename

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
BODY_TOP = Inches(1.45)
BODY_BOTTOM = Inches(6.75)
MUTED_TOP, MUTED_HEIGHT = Inches(6.45), Inches(0.45)
BLUE = RGBColor(0x0B, 0x4F, 0x8A)
GREY = RGBColor(0x55, 0x5B, 0x66)
RED = RGBColor(0xB0, 0x00, 0x20)
SEVERITY_COLOURS = {"high": RGBColor(0xB0, 0x00, 0x20), "medium": RGBColor(0x9A, 0x5B, 0x00), "info": GREY}
LANGUAGE_IDS = {"fi": MSO_LANGUAGE_ID.FINNISH, "sv": MSO_LANGUAGE_ID.SWEDISH, "en": MSO_LANGUAGE_ID.ENGLISH_UK}
LANGUAGE_TAGS = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
BLANK_TITLE_ONLY = 5  # the default template's "Title Only" layout
QUESTION_KINDS = ("need_without_response", "self_assessment_contradicts", "activity_not_visible",
                  "measure_without_tracking", "implausible_figure", MISSING_DATA)
POINT_LINES_PER_SLIDE = 21  # estimated lines of text (at the points' sizes) that fit under a title
FOLLOW_UPS_PER_SLIDE = 6


def slides_filename(round_year: int, area_id: str) -> str:
    """Return the file name of an area's slides, e.g. ``YSE-2025-helsinki-kalvot.pptx``."""
    return f"YSE-{round_year}-{safe_filename(area_id)}-kalvot.pptx"


def slides_pptx(
    db: sqlite_utils.Database, user: User, round_year: int, area_id: str, lang: str = "fi", *, points: list | None = None,
) -> bytes:
    """Return one area's discussion slides as .pptx bytes; respondents may export only their own area.

    ``points`` are the area's discussion points (as for ``briefing_docx``); when None they come from the gaps engine.
    """
    return area_export(db, user, round_year, area_id, lang, action="export_slides",
                       build=lambda: _slides(db, user, round_year, area_id, lang, points))


def slides_zip(db: sqlite_utils.Database, user: User, round_year: int, lang: str = "fi") -> bytes:
    """Return every area's discussion slides of a round in one .zip (reviewers and admins only)."""
    return round_zip(db, user, round_year, lang, filename=slides_filename, action="export_slides_zip",
                     build=lambda area_id: _slides(db, user, round_year, area_id, lang, None))


def point_question(point, lang: str = "fi") -> str:
    """Return the question a discussion point asks the area, by the kind of gap it is (generic for other kinds)."""
    kind = getattr(point, "kind", None)
    return t(f"slides.question_{kind}" if kind in QUESTION_KINDS else "slides.question_other", lang)


# --- the deck ----------------------------------------------------------------------------------------


@dataclass
class _Deck:
    presentation: Presentation
    lang: str
    footer: str
    demo: bool

    def slide(self, title: str):
        slide = self.presentation.slides.add_slide(self.presentation.slide_layouts[BLANK_TITLE_ONLY])
        heading = slide.shapes.title
        heading.left, heading.top, heading.width, heading.height = MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(0.95)
        frame = heading.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.text = title
        paragraph = frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.LEFT
        self.style(paragraph.runs[0], size=28, bold=True, colour=BLUE)
        line = slide.shapes.add_connector(1, MARGIN, Inches(1.3), WIDTH - MARGIN, Inches(1.3))
        line.line.color.rgb = BLUE
        line.line.width = Pt(1.5)
        self._footer(slide)
        return slide

    def _footer(self, slide) -> None:
        number = len(self.presentation.slides)
        frame = self.textbox(slide, MARGIN, Inches(6.95), WIDTH - 2 * MARGIN, Inches(0.4))
        paragraph = frame.paragraphs[0]
        self.run(paragraph, self.footer, size=10, colour=GREY)
        if self.demo:
            self.run(paragraph, "   " + t("slides.demo_marker", self.lang), size=10, bold=True, colour=RED)
        self.run(paragraph, f"   {number}", size=10, colour=GREY)

    def textbox(self, slide, left, top, width, height):
        frame = slide.shapes.add_textbox(left, top, width, height).text_frame
        frame.word_wrap = True
        return frame

    def style(self, run, *, size: float, bold: bool = False, italic: bool = False, colour: RGBColor | None = None):
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.italic = italic
        run.font.language_id = LANGUAGE_IDS.get(self.lang, MSO_LANGUAGE_ID.FINNISH)
        if colour is not None:
            run.font.color.rgb = colour
        return run

    def run(self, paragraph, text: str, **style):
        run = paragraph.add_run()
        run.text = text
        return self.style(run, **style)

    def paragraph(self, frame, text: str = "", *, first: bool = False, space_after: float = 6, **style):
        paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
        paragraph.space_after = Pt(space_after)
        if text:
            self.run(paragraph, text, **style)
        return paragraph

    def bullets(self, frame, items: list[tuple[int, str]], *, size: float = 18, first: bool = True) -> None:
        """Points as a bulleted list, sub-points (level 1) indented with a dash, hanging indents."""
        for index, (level, text) in enumerate(items):
            paragraph = self.paragraph(frame, first=first and index == 0, space_after=8 if level == 0 else 4)
            _bullet(paragraph, "•" if level == 0 else "–", indent=Inches(0.35), left=Inches(0.35 + 0.45 * level))
            self.run(paragraph, text, size=size if level == 0 else size - 2)

    def muted(self, slide, text: str, top: int = MUTED_TOP, height: int = MUTED_HEIGHT) -> None:
        frame = self.textbox(slide, MARGIN, top, WIDTH - 2 * MARGIN, height)
        self.paragraph(frame, text, first=True, size=11, italic=True, colour=GREY)


def _bullet(paragraph, char: str, *, indent: Emu, left: Emu) -> None:
    properties = paragraph._p.get_or_add_pPr()
    properties.set("marL", str(int(left)))
    properties.set("indent", str(-int(indent)))
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum"):
        for old in properties.findall(qn(tag)):
            properties.remove(old)
    bullet = properties.makeelement(qn("a:buChar"), {"char": char})
    properties.append(bullet)


def _slides(db: sqlite_utils.Database, user: User, round_year: int, area_id: str, lang: str, points: list | None) -> bytes:
    context = load_context(db, user, round_year, area_id)
    if points is None:
        points = discussion_points(db, round_year, area_id, user)
    reference = reference_period(db, context.round)
    rows = indicator_rows(db, area_id, KEY_INDICATORS, lang, reference=reference)
    demo = is_demo(db) or any(row.is_demo for row in rows)
    contacts = area_contacts(db, area_id)
    texts = round_texts(db, round_year)
    previous = previous_round_year(db, round_year)
    items = follow_up_items(db, user, previous, area_id)

    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = WIDTH, HEIGHT
    name = area_label(context.area, lang)
    title = t("slides.deck_title", lang, year=round_year)
    properties = presentation.core_properties
    properties.title = f"{title} – {name}"
    properties.author = user.display_name
    properties.language = LANGUAGE_TAGS.get(lang, "fi-FI")
    deck = _Deck(presentation, lang, f"{title} · {name}", demo)

    _title_slide(deck, context, title, name, contacts, user, reference)
    _goals_slide(deck, texts, round_year, contacts)
    for kind, heading in (("topics", "slides.topics"), ("observations", "slides.observations")):
        _text_slides(deck, texts, kind, t(heading, lang))
    _figures_slide(deck, context, rows, name, reference)
    _chart_slide(deck, db, context, rows, name, reference)
    _points_slides(deck, context, points)
    _follow_up_slides(deck, context, previous, items)
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def _contact_names(contacts: list[dict]) -> str:
    return ", ".join(contact["display_name"] for contact in contacts)


def _title_slide(deck: _Deck, context: ResponseContext, title: str, name: str, contacts: list[dict], user: User,
                 reference: str | None) -> None:
    lang = deck.lang
    slide = deck.slide(title)
    frame = deck.textbox(slide, MARGIN, Inches(1.9), WIDTH - 2 * MARGIN, Inches(4.4))
    deck.paragraph(frame, name, first=True, size=40, bold=True, colour=BLUE, space_after=4)
    other = context.area["name_sv"] if lang != "sv" else context.area["name_fi"]
    deck.paragraph(frame, f"{other} · {context.area['region']}", size=18, colour=GREY, space_after=28)
    deck.paragraph(frame, t("exports.contacts", lang), size=20, bold=True, space_after=4)
    if contacts:
        for contact in contacts:
            paragraph = deck.paragraph(frame, contact["display_name"], size=20, space_after=2)
            if contact["email"]:
                deck.run(paragraph, f"  {contact['email']}", size=14, colour=GREY)
    else:
        deck.paragraph(frame, t("slides.no_contacts", lang), size=20, italic=True)
    deck.paragraph(frame, "", space_after=18)
    month = period_caption([], lang, reference=reference, round_year=context.round["year"])
    if month:
        deck.paragraph(frame, month, size=14, colour=GREY, space_after=2)
    deck.paragraph(frame, t("exports.generated", lang, date=formatting.local_date(date.today().isoformat()),
                            who=user.display_name), size=14, colour=GREY)
    if deck.demo:
        deck.muted(slide, t("exports.demo_note", lang))


def _goals_slide(deck: _Deck, texts: dict, round_year: int, contacts: list[dict]) -> None:
    lang = deck.lang
    slide = deck.slide(t("slides.goals", lang, year=round_year))
    frame = deck.textbox(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, BODY_BOTTOM - BODY_TOP - Inches(0.5))
    body, written_in = text_in(texts, "goals", lang)
    items = text_points(body) if body else [(0, t("slides.text_missing", lang))]
    if contacts:  # as TEM's deck says it: the area's contact persons can be reached at any time
        items.append((0, t("slides.contacts_sentence", lang, names=_contact_names(contacts))))
    else:
        items.append((0, t("slides.no_contacts", lang)))
    deck.bullets(frame, items, size=20)
    _source_line(deck, slide, texts, written_in)


def _source_line(deck: _Deck, slide, texts: dict, written_in: str | None) -> None:
    lang = deck.lang
    source, _ = text_in(texts, "source", lang)
    parts = [source] if source else []
    if written_in and written_in != lang:
        parts.append(t("slides.text_in_finnish", lang))
    if parts:
        deck.muted(slide, " ".join(parts))


def _text_slides(deck: _Deck, texts: dict, kind: str, heading: str) -> None:
    body, written_in = text_in(texts, kind, deck.lang)
    if not body:
        if kind == "topics":  # the topical matters belong to every deck: say they are not written
            slide = deck.slide(heading)
            frame = deck.textbox(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(1))
            deck.paragraph(frame, t("slides.text_missing", deck.lang), first=True, size=18, italic=True)
        return
    items = text_points(body)
    pages = _pages(items, lambda item: _lines(item[1], 18 if item[0] == 0 else 16, 12.1 - 0.45 * item[0]) + 0.4, 14)
    for number, page in enumerate(pages):
        slide = deck.slide(heading if number == 0 else f"{heading} ({t('slides.continued', deck.lang)})")
        frame = deck.textbox(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, BODY_BOTTOM - BODY_TOP - Inches(0.5))
        deck.bullets(frame, page, size=18)
        _source_line(deck, slide, texts, written_in)


def _lines(text: str, size: float, width_inches: float) -> float:
    """Estimated lines a text takes at a font size in a box of a width (an average letter is about half its size wide)."""
    per_line = max(20, int(width_inches * 72 / (size * 0.47)))
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _pages(items: list, lines_of, capacity: float) -> list[list]:
    pages: list[list] = [[]]
    used = 0.0
    for item in items:
        lines = lines_of(item)
        if pages[-1] and used + lines > capacity:
            pages.append([])
            used = 0.0
        pages[-1].append(item)
        used += lines
    return pages


def _figures_slide(deck: _Deck, context: ResponseContext, rows: list[IndicatorRow], name: str, reference) -> None:
    lang = deck.lang
    slide = deck.slide(t("slides.area_figures", lang, area=name))
    caption = period_caption([row.period for row in rows], lang, reference=reference, round_year=context.round["year"])
    frame = deck.textbox(slide, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(0.4))
    deck.paragraph(frame, caption or t("exports.indicators_none", lang), first=True, size=14, bold=True)
    if not rows:
        return
    headers = [t("exports.indicator", lang), name, t("exports.whole_country", lang), t("exports.period", lang),
               t("exports.notes", lang)]
    cells = [(row.name, row.area_text(lang), row.value_text(row.country_value, row.country_flag, lang),
              formatting.period(row.period), row.notes(lang)) for row in rows]
    widths = (Inches(4.6), Inches(1.9), Inches(1.9), Inches(1.2), Inches(2.53))
    table = slide.shapes.add_table(len(cells) + 1, len(headers), MARGIN, Inches(1.85), sum(widths, Emu(0)),
                                   Inches(0.36) * (len(cells) + 1)).table
    for column, width in enumerate(widths):
        table.columns[column].width = width
    for row_index, values in enumerate([headers, *cells]):
        table.rows[row_index].height = Inches(0.36)
        for column, value in enumerate(values):
            cell = table.cell(row_index, column)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.text_frame.word_wrap = True
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if column in (1, 2) and row_index else PP_ALIGN.LEFT
            deck.run(paragraph, value, size=12 if row_index else 12, bold=row_index == 0)
    sources = "; ".join(source.rstrip(".") for source in sorted({row.source for row in rows}))
    caveats = list(dict.fromkeys(row.caveat for row in rows if row.caveat))
    note = f"{t('exports.sources', lang)}: {sources}."
    if caveats:
        note += f" {t('exports.caveats', lang)}: " + " ".join(caveats)
    top = Inches(1.85) + Inches(0.36) * (len(cells) + 1) + Inches(0.1)  # below the table, above the footer
    frame = deck.textbox(slide, MARGIN, top, WIDTH - 2 * MARGIN, Inches(6.9) - top)
    deck.paragraph(frame, note, first=True, size=9 if caveats else 11, italic=True, colour=GREY)


def _chart_slide(deck: _Deck, db, context: ResponseContext, rows: list[IndicatorRow], name: str, reference) -> None:
    lang = deck.lang
    png = trend_chart_png(db, context.area, rows, deck.demo, lang, reference, width_inches=12.0, panel_inches=1.65,
                          dpi=110)
    if png is None:
        return
    slide = deck.slide(t("exports.charts", lang))
    picture = slide.shapes.add_picture(io.BytesIO(png), MARGIN, Inches(1.4), height=Inches(5.4))
    picture.left = int((WIDTH - picture.width) / 2)
    description = t("slides.chart_description", lang, area=name, indicators=", ".join(
        row.name for row in rows if row.code in CHART_INDICATORS))
    picture._element.nvPicPr.cNvPr.set("descr", description)  # the picture's alternative text


def _points_slides(deck: _Deck, context: ResponseContext, points: list) -> None:
    lang = deck.lang
    heading = t("slides.points", lang)
    ordered = sorted_points(points)
    if not ordered:
        slide = deck.slide(heading)
        frame = deck.textbox(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(1))
        deck.paragraph(frame, t("exports.points_none", lang), first=True, size=18, italic=True)
        return
    width = 12.1

    def lines(point) -> float:
        return (_lines(point.title_in(lang), 16, width) + _lines(point.message(lang), 13, width)
                + _lines(point_question(point, lang), 15, width) + 1)

    pages = _pages(ordered, lines, POINT_LINES_PER_SLIDE)
    for number, page in enumerate(pages):
        slide = deck.slide(heading if number == 0 else f"{heading} ({t('slides.continued', lang)})")
        frame = deck.textbox(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, BODY_BOTTOM - BODY_TOP)
        for index, point in enumerate(page):
            paragraph = deck.paragraph(frame, first=index == 0, space_after=2)
            deck.run(paragraph, f"{severity_label(point.severity, lang)} · ", size=16, bold=True,
                     colour=SEVERITY_COLOURS.get(point.severity, GREY))
            deck.run(paragraph, point.title_in(lang), size=16, bold=True)
            deck.run(paragraph, f"  ({theme_title(context.questionnaire, point.theme, lang)})", size=12, colour=GREY)
            deck.paragraph(frame, point.message(lang), size=13, colour=GREY, space_after=3)
            question = deck.paragraph(frame, space_after=14)
            deck.run(question, f"{t('slides.question', lang)}: ", size=15, bold=True, colour=BLUE)
            deck.run(question, point_question(point, lang), size=15, colour=BLUE)


def _follow_up_slides(deck: _Deck, context: ResponseContext, previous: int | None, items: list[dict]) -> None:
    lang = deck.lang
    heading = t("exports.section_follow_ups", lang, year=previous) if previous else t("exports.section_follow_ups_none", lang)
    if not items:
        slide = deck.slide(heading)
        frame = deck.textbox(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(1))
        deck.paragraph(frame, t("exports.follow_ups_none", lang), first=True, size=18, italic=True)
        return
    headers = [t("exports.follow_up_item", lang), t("exports.owner", lang), t("exports.due", lang), t("exports.status", lang)]
    widths = (Inches(6.9), Inches(2.6), Inches(1.5), Inches(1.13))
    for start in range(0, len(items), FOLLOW_UPS_PER_SLIDE):
        page = items[start:start + FOLLOW_UPS_PER_SLIDE]
        slide = deck.slide(heading if not start else f"{heading} ({t('slides.continued', lang)})")
        table = slide.shapes.add_table(len(page) + 1, len(headers), MARGIN, BODY_TOP, sum(widths, Emu(0)),
                                       Inches(0.5) * (len(page) + 1)).table
        for column, width in enumerate(widths):
            table.columns[column].width = width
        for row_index, values in enumerate([headers, *(follow_up_cells(item, context, lang) for item in page)]):
            for column, value in enumerate(values):
                cell = table.cell(row_index, column)
                cell.text_frame.word_wrap = True
                deck.run(cell.text_frame.paragraphs[0], value, size=13, bold=row_index == 0)
