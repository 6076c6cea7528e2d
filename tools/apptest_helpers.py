"""Driving the real app.py with Streamlit's AppTest."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def logged_in_app(db_path: Path, username: str, password: str = "yse-demo") -> AppTest:
    """Return an AppTest of app.py logged in as the user through the real login form."""
    os.environ["YSE_DB"] = str(db_path)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    app.button[0].click()
    app.run()
    assert not app.exception, app.exception
    return app


def titles(app: AppTest) -> list[str]:
    return [element.value for element in app.title]


class _TableReader(HTMLParser):
    """The rows of every ``<table class="yse-table">`` in a body of HTML, as lists of cell texts (entities read)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table" and ("class", "yse-table") in attrs:
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(body: str) -> list[pd.DataFrame]:
    """The static tables (``ui.document.table``) in one ``st.html`` body, as frames of the texts shown."""
    reader = _TableReader()
    reader.feed(body)
    return [pd.DataFrame(rows[1:], columns=rows[0]) for rows in reader.tables if rows]


def tables(app: AppTest) -> list[pd.DataFrame]:
    """Every static table of the run (``ui.document.table``, drawn as HTML, not ``st.table``), in page order."""
    return [frame for element in app.get("html") for frame in html_tables(element.value)]
