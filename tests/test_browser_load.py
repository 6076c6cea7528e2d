"""Twenty real browser sessions answering at once against one `streamlit run` (the driver is tools/load_browsers.py).

One run serves the five tests below: the run takes a few minutes on two CPUs, and each test reads one
kind of outcome from it. Latency figures are printed and written to bench-results/browser-load-test.json,
never asserted; only generous time limits inside the run turn a hang into a failure.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tools import load_browsers
from yse_core.db import open_db

# Part of make test (about three to four minutes of 21 Chromium pages on two CPUs); YSE_BROWSER_LOAD=0 skips it
# for a quick local run.
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(os.environ.get("YSE_BROWSER_LOAD") == "0", reason="YSE_BROWSER_LOAD=0")]

AREAS = 20


@pytest.fixture(scope="module")
def browser_load(demo_template, tmp_path_factory) -> dict:
    """Run the sessions once on a fresh copy of the demo database (no demo answers: every area starts empty)."""
    target = tmp_path_factory.mktemp("browser-load") / "demo.db"
    template = open_db(demo_template)
    template.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    template.close()
    shutil.copy(demo_template, target)
    result = load_browsers.run(target, areas=AREAS)
    report = load_browsers.ROOT / "bench-results" / "browser-load-test.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print("\n" + load_browsers.summary(result))
    return result


def test_twenty_browser_sessions_answering_at_once_store_every_answer_exactly(browser_load):
    assert browser_load["sessions"] == AREAS + 1
    assert browser_load["incomplete"] == []
    assert browser_load["problems"]["answers"] == []


def test_two_sessions_saving_the_same_question_at_once_get_a_conflict_never_a_silent_overwrite(browser_load):
    assert sorted(browser_load["conflict"].values()) == ["lost", "won"]
    assert browser_load["problems"]["conflict"] == []


def test_a_page_stays_on_its_theme_while_its_answers_are_saved(browser_load):
    """Bug 2 (docs/reliability.md): a page jumped back to the first theme now and then under this load."""
    assert browser_load["theme_jumps"] == []


def test_no_page_shows_an_exception_an_error_or_a_locked_database(browser_load):
    assert browser_load["problems"]["pages"] == []


def test_no_login_click_is_lost_under_load(browser_load):
    """A second click is only made when the form is still there after a quiet pause; the audit log's login
    time then tells whether the first click was lost (docs/reliability.md, bug 3)."""
    lost = [line for line in browser_load["second_clicks"] if ", lost:" in line or "no login event" in line]
    assert lost == []


def test_the_database_file_is_intact_after_the_browser_load(browser_load):
    assert browser_load["problems"]["integrity"] == []
