"""Exports: briefing packs, discussion slides, minutes, the round workbook and CSV, as bytes for pages and the CLI.

Every export checks who may make it and records itself in the audit log.
"""

from .briefing import briefing_docx, briefing_filename, briefing_zip
from .minutes import NoDiscussionRecord, has_minutes, minutes_docx, minutes_filename
from .safe import neutralise_cell, safe_filename
from .slides import slides_filename, slides_pptx, slides_zip
from .workbook import csv_filename, round_long_csv, round_workbook_xlsx, workbook_filename

__all__ = [
    "NoDiscussionRecord",
    "briefing_docx",
    "briefing_filename",
    "briefing_zip",
    "csv_filename",
    "has_minutes",
    "minutes_docx",
    "minutes_filename",
    "neutralise_cell",
    "round_long_csv",
    "round_workbook_xlsx",
    "safe_filename",
    "slides_filename",
    "slides_pptx",
    "slides_zip",
    "workbook_filename",
]
