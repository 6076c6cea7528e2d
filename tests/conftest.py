"""Shared fixtures: real SQLite files in tmp_path, a real `streamlit run`, headless system Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from yse_core.db import open_db
from yse_core.setup import init_database

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A demo database (without the invented demo answers) built once per test session; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    init_database(path, demo=True, with_answers=False).close()
    return path


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real `streamlit run app.py` on a free localhost port."""

    def __init__(self, db_path: Path, env: dict | None = None):
        self.db_path = db_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db_path.parent / f"streamlit-{self.port}.log"
        environment = {**os.environ, "YSE_DB": str(db_path), **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=environment, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


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
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fi-FI")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # keep what the browser showed, for the person debugging
        target = ROOT / "screenshots" / f"FAILED-{request.node.name}.png"
        target.parent.mkdir(exist_ok=True)
        pg.screenshot(path=str(target), full_page=True)
    context.close()
