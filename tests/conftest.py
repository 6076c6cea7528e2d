"""Shared fixtures: real SQLite files in tmp_path, a real `streamlit run`, headless system Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools.browser_helpers import new_page
from tools.portal_server import CHROMIUM, CHROMIUM_ARGS, ROOT, Server
from tools.test_calendar import build_template
from yse_core.db import open_db
from yse_core.setup import init_database

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "ROOT", "Server"]  # the tests import these from here (the tools import tools.portal_server)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A demo database (without the invented demo answers) built once per test session; tests get their own copy.

    Made on the tests' calendar (``tools.test_calendar``: round ``ROUND`` open, whatever the date is).
    """
    return build_template(tmp_path_factory.mktemp("template") / "demo.db")


@pytest.fixture
def demo_db_path(demo_template, tmp_path) -> Path:
    """A fresh copy of the demo database for one test."""
    target = tmp_path / "demo.db"
    source = open_db(demo_template)
    source.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source.close()
    shutil.copy(demo_template, target)
    return target


@pytest.fixture
def demo_db(demo_db_path):
    db = open_db(demo_db_path)
    yield db
    db.close()


@pytest.fixture
def plain_db(tmp_path):
    """A non-demo database with the reference data and questionnaires only."""
    db = init_database(tmp_path / "plain.db", demo=False)
    yield db
    db.close()


@pytest.fixture
def server(demo_db_path):
    srv = Server(demo_db_path)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    yield from _kept_on_failure(new_page(browser), request)


@pytest.fixture
def tall_page(browser, request):
    """A page 1800 px tall: a long form stays in view for its screenshots."""
    yield from _kept_on_failure(new_page(browser, height=1800), request)


def _kept_on_failure(pg, request):
    yield pg
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # keep what the browser showed, for the person debugging
        target = ROOT / "screenshots" / f"FAILED-{request.node.name}.png"
        target.parent.mkdir(exist_ok=True)
        pg.screenshot(path=str(target), full_page=True)
    pg.context.close()
