"""No page shows Python's None, pandas' nan or NaT: an empty value is a dash (formatting.MISSING) or the catalogue's words.

Every page of every role through the real app.py (AppTest), on the full demo database: invented answers (measures
with empty fields among them), discussions, follow-up items and imports.
"""

from __future__ import annotations

import ast
import json
import re
import shutil

import pandas as pd
import pytest

from tools.apptest_helpers import logged_in_app, tables
from yse_core import auth
from yse_core.db import open_db
from yse_core.questionnaire.models import MEASURE_FIELDS
from yse_core.responses import load_context
from yse_core.setup import init_database

from .conftest import ROOT

AREA = "espoo-kauniainen"  # a demo area with answers, a recorded discussion and follow-up items
USERS = {"respondent": f"demo-{AREA}", "reviewer": "demo-reviewer", "admin": "demo-admin"}
LEAKED_WORD = re.compile(r"\b(None|nan|NaN|NaT)\b")
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success")


def _role_pages() -> dict[str, list[str]]:
    """Each role's page scripts, read from app.py's PAGES so that a new page is checked too."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == "PAGES" for target in node.targets):
            return {role: [entry[0] for entry in entries] for role, entries in ast.literal_eval(node.value).items()}
    raise AssertionError("PAGES not found in app.py")


CASES = [(role, script) for role, scripts in _role_pages().items() for script in scripts]


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory):
    """The demo database as `make run` builds it, answers included; each test gets its own copy."""
    path = tmp_path_factory.mktemp("full-demo") / "demo.db"
    init_database(path, demo=True).close()
    return path


@pytest.fixture
def full_demo_path(full_demo, tmp_path):
    target = tmp_path / "demo.db"
    shutil.copy(full_demo, target)
    return target


def leaked_texts(app) -> list[str]:
    """Return every text, table cell or metric of the run that shows None, nan or NaT (or is an empty cell)."""
    found = []
    for kind in TEXT_ELEMENTS:
        found += [f"{kind}: {element.value}" for element in app.get(kind) if LEAKED_WORD.search(str(element.value))]
    for metric in app.metric:
        found += [f"metric: {text}" for text in (metric.label, metric.value, metric.delta) if LEAKED_WORD.search(str(text))]
    for kind, frames in (("dataframe", [element.value for element in app.get("dataframe")]), ("table", tables(app))):
        for frame in frames:
            found += [f"{kind}: {problem}" for problem in leaked_cells(frame)]
    return found


def leaked_cells(frame: pd.DataFrame) -> list[str]:
    """Return the cells (and column names) of a table that are null or read None, nan or NaT."""
    problems = [f"column {name!r}" for name in frame.columns if LEAKED_WORD.search(str(name))]
    for column in frame.columns:
        for row, cell in frame[column].items():
            if not isinstance(cell, (list, tuple)) and pd.isna(cell) or LEAKED_WORD.fullmatch(str(cell).strip()):
                problems.append(f"{column!r} row {row!r}: {cell!r}")
    return problems


def test_the_demo_area_has_a_measure_with_an_empty_field(full_demo):
    """The area's measures table meets an empty field (else the page tests below would not cover it)."""
    db = open_db(full_demo)
    try:
        values = db.execute("SELECT value FROM answers JOIN responses ON responses.id = answers.response_id "
                            "WHERE responses.area_id = ? AND value LIKE '[{%'", [AREA]).fetchall()
    finally:
        db.close()
    rows = [row for (value,) in values for row in json.loads(value)]
    assert rows and any(row.get(key) is None for row in rows for key in MEASURE_FIELDS)


@pytest.mark.parametrize(("role", "script"), CASES, ids=[f"{role}-{script[6:-3]}" for role, script in CASES])
def test_page_shows_no_none_nan_or_nat(full_demo_path, role, script):
    app = logged_in_app(full_demo_path, USERS[role])
    app.query_params["area"] = AREA  # the area view and the situation page open the area with answers
    app.switch_page(script).run()
    assert not app.exception, app.exception
    assert leaked_texts(app) == []


def test_every_theme_of_a_sent_questionnaire_shows_no_none(full_demo_path):
    """A sent response is read-only: its measures are tables, whose empty fields once read None."""
    db = open_db(full_demo_path)
    try:
        user = auth.get_user(db, USERS["respondent"])
        context = load_context(db, user, 2025, AREA)
        assert context.response["state"] != "draft"
        theme_ids = [theme.id for theme in context.questionnaire.themes]
    finally:
        db.close()
    app = logged_in_app(full_demo_path, USERS["respondent"])
    app.switch_page("pages/questionnaire.py").run()
    measure_tables = 0
    for theme_id in theme_ids:
        app.radio(key="yse_theme").set_value(theme_id).run()
        assert not app.exception, (theme_id, app.exception)
        assert leaked_texts(app) == [], theme_id
        measure_tables += sum(1 for table in tables(app) if table.columns[-1].startswith("Toimi "))
    assert measure_tables  # the read-only measures were on some theme
