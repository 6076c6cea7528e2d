"""Small building blocks for the Word (.docx) exports, on top of python-docx."""

from __future__ import annotations

import io
import weakref
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from .safe import xml_text

HEADER_FILL = "DCE6F0"
NOTE_COLOUR = RGBColor(0x8A, 0x1C, 0x1C)
MUTED_COLOUR = RGBColor(0x55, 0x5B, 0x66)

# python-docx looks a style up by name with an XPath search each time; a long document asks hundreds of times.
_styles: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached_style(document: DocumentType, name: str):
    """Return a document's style by name, looked up once per document."""
    found = _styles.setdefault(document.part, {})
    if name not in found:
        found[name] = document.styles[name]
    return found[name]


def new_document(title: str, lang: str = "fi") -> DocumentType:
    """Return an A4 document with 2 cm margins, readable body text and the title in its properties."""
    document = Document()
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2.0)
        section.top_margin = section.bottom_margin = Cm(2.0)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    document.core_properties.title = xml_text(title)
    document.core_properties.language = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}.get(lang, "fi-FI")
    return document


def to_bytes(document: DocumentType) -> bytes:
    """Return the document as .docx bytes."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_text(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False,
             colour: RGBColor | None = None, size: float | None = None) -> Paragraph:
    """Append text to a paragraph, keeping its line breaks and dropping characters XML cannot hold."""
    for index, line in enumerate(xml_text(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        run = paragraph.add_run()
        if index:
            run.add_break(WD_BREAK.LINE)
        run.add_text(line)
        run.bold = bold or None
        run.italic = italic or None
        if colour is not None:
            run.font.color.rgb = colour
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def paragraph(document: DocumentType, text: str = "", style: str | None = None, **format_) -> Paragraph:
    """Add a paragraph with text (see ``add_text`` for the formatting keywords)."""
    result = document.add_paragraph(style=cached_style(document, style) if style else None)
    if text:
        add_text(result, text, **format_)
    return result


def heading(document: DocumentType, text: str, level: int = 1) -> Paragraph:
    """Add a heading."""
    return document.add_paragraph(xml_text(text), style=cached_style(document, f"Heading {level}"))


def note(document: DocumentType, text: str) -> Paragraph:
    """Add a highlighted note (demo data, estimated membership)."""
    return paragraph(document, text, italic=True, colour=NOTE_COLOUR)


def muted(document: DocumentType, text: str, size: float = 8.5) -> Paragraph:
    """Add small grey text (sources, caveats, who prepared the document)."""
    return paragraph(document, text, colour=MUTED_COLOUR, size=size)


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_as_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def table(document: DocumentType, headers: Sequence[str] | None, rows: Sequence[Sequence[str]],
          widths_cm: Sequence[float] | None = None, *, size: float = 9.5) -> Table:
    """Add a bordered table; the header row (if any) is shaded, bold and repeated on every page."""
    columns = len(headers) if headers else len(rows[0]) if rows else 1
    result = document.add_table(rows=0, cols=columns)
    result.style = cached_style(document, "Table Grid")
    if headers:
        cells = result.add_row().cells
        _repeat_as_header(result.rows[0])
        for cell, text in zip(cells, headers, strict=True):
            add_text(cell.paragraphs[0], text, bold=True, size=size)
            _shade(cell, HEADER_FILL)
    for values in rows:
        cells = result.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            add_text(cell.paragraphs[0], text, size=size)
    if widths_cm:
        _set_widths(result, widths_cm)
    return result


def _set_widths(result: Table, widths_cm: Sequence[float]) -> None:
    """Fix column widths on the grid and every cell: Word reads the cells, LibreOffice the grid."""
    result.autofit = False
    for column, width in zip(result.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in result.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def key_value_table(document: DocumentType, pairs: Sequence[tuple[str, str]], widths_cm: tuple[float, float] = (5.0, 12.0)) -> Table:
    """Add a two-column table of labels (shaded, bold) and values."""
    result = document.add_table(rows=0, cols=2)
    result.style = cached_style(document, "Table Grid")
    for label, value in pairs:
        label_cell, value_cell = result.add_row().cells
        add_text(label_cell.paragraphs[0], label, bold=True)
        _shade(label_cell, HEADER_FILL)
        add_text(value_cell.paragraphs[0], value)
    _set_widths(result, widths_cm)
    return result


def page_break(document: DocumentType) -> None:
    """Start a new page."""
    document.add_page_break()
