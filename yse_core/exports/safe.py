"""Making people's text safe to put into spreadsheets, Word files and file names.

Spreadsheet formula injection: Excel, LibreOffice and Google Sheets read a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)`` can leak data or lure a reader to a
site), and a leading tab or carriage return can hide such a character from a quick look. Every text
cell an export writes goes through ``neutralise_cell``, which puts an apostrophe in front of such
text. We chose the apostrophe (OWASP's recommendation) over other escapes because it is the marker
spreadsheet users know as "this is text", it works the same in .xlsx and .csv, and the original text
stays readable right after it; the price is that the apostrophe is visible in the cell.
"""

from __future__ import annotations

import re
import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot hold (C0 controls other than tab, newline, carriage return): .docx and
# .xlsx files are XML, so python-docx and openpyxl refuse them. Answers may contain them (pasted text).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FILENAME_MAX_LENGTH = 100


def xml_text(text: str) -> str:
    """Return text without the control characters that .docx and .xlsx (XML) cannot hold."""
    return _XML_ILLEGAL.sub("", text)


def neutralise_cell(value: object) -> object:
    """Return a spreadsheet cell value that no spreadsheet program runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe;
    other values (numbers, dates, None, ordinary text) come back unchanged apart from XML-illegal
    control characters, which are dropped.
    """
    if not isinstance(value, str):
        return value
    value = xml_text(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def safe_filename(text: str, default: str = "export") -> str:
    """Return ``text`` as a portable file name: ASCII letters, digits, ``.``, ``_`` and ``-`` only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = _FILENAME_UNSAFE.sub("-", ascii_text).strip(".-_")
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:FILENAME_MAX_LENGTH].strip(".-_")
    return cleaned or default
