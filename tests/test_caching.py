"""The data stamp, the one read cache (ui/cache.py) and the one place that opens connections (docs/caching.md)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tools.apptest_helpers import logged_in_app, tables
from ui.cache import ReadCache, cached
from yse_core import db as yse_db
from yse_core.indicators.store import import_file, recompute_areas

from .test_cli_indicators import REAL_FILE
from .test_foundation import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _write_elsewhere(path: Path, sql: str) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(sql)
    connection.close()


@pytest.mark.parametrize("sql", [
    "UPDATE areas SET name_sv = name_sv || '!' WHERE id = 'helsinki'",
    "UPDATE areas SET membership_verified = 1 - membership_verified WHERE id = 'vantaa'",
    "UPDATE area_municipalities SET area_id = 'vantaa' WHERE area_id = 'helsinki'",
    "DELETE FROM area_municipalities WHERE municipality_code = (SELECT MIN(municipality_code) FROM area_municipalities)",
])
def test_stamp_changes_after_a_registry_write_from_another_connection(demo_db, demo_db_path, sql):
    before = yse_db.data_stamp(demo_db)
    _write_elsewhere(demo_db_path, sql)
    assert yse_db.data_stamp(demo_db) != before


def test_stamp_changes_after_a_recompute(demo_db):
    import_file(demo_db, REAL_FILE.name, REAL_FILE.read_bytes(), user="test")  # municipal figures to re-aggregate
    before = yse_db.data_stamp(demo_db)
    recompute_areas(demo_db)
    assert yse_db.data_stamp(demo_db) != before


def test_stamp_changes_after_an_import_in_another_process(demo_db, demo_db_path):
    before = yse_db.data_stamp(demo_db)
    result = run_cli("import-indicators", str(REAL_FILE), "--user", "tilastot", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert yse_db.data_stamp(demo_db) != before


def test_stamp_stays_while_a_snapshot_is_open(demo_db, demo_db_path):
    with yse_db.snapshot(demo_db):
        before = yse_db.data_stamp(demo_db)
        _write_elsewhere(demo_db_path, "UPDATE areas SET name_sv = name_sv || '!' WHERE id = 'helsinki'")
        assert yse_db.data_stamp(demo_db) == before  # the block reads the database as of one moment
    assert yse_db.data_stamp(demo_db) != before


def test_cached_read_is_recomputed_after_an_import_in_another_process(demo_db, demo_db_path, monkeypatch):
    monkeypatch.setenv("YSE_DB", str(demo_db_path))
    calls = []

    @cached(max_entries=4)
    def demo_values(db) -> int:
        calls.append(1)
        return db.execute("SELECT COUNT(*) FROM indicator_values WHERE is_demo = 1").fetchone()[0]

    first = demo_values(demo_db)
    assert first > 0 and demo_values(demo_db) == first and len(calls) == 1  # the second read is the kept one
    result = run_cli("import-indicators", str(REAL_FILE), "--user", "tilastot", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert demo_values(demo_db) == 0 and len(calls) == 2  # a real import removes the demo figures


def test_cached_read_is_kept_per_input(demo_db, demo_db_path, monkeypatch):
    monkeypatch.setenv("YSE_DB", str(demo_db_path))

    @cached(max_entries=4)
    def area_name(db, area_id: str) -> str:
        return db.execute("SELECT name_fi FROM areas WHERE id = ?", [area_id]).fetchone()[0]

    assert area_name(demo_db, "helsinki") != area_name(demo_db, "vantaa")
    assert len(area_name.cache) == 2


def _spinner_script(db_path: str) -> None:
    import threading

    import streamlit as st

    from ui.cache import cached
    from yse_core import db as yse_db

    @cached(max_entries=4, loading="situation.panel_loading")
    def area_count(db) -> int:  # while it reads, is a spinner's delay timer running?
        st.session_state["spinner_timers"] = sum(isinstance(th, threading.Timer) for th in threading.enumerate())
        return db.execute("SELECT COUNT(*) FROM areas").fetchone()[0]

    st.markdown(str(area_count(yse_db.connect(db_path))))


def test_a_missing_value_is_read_under_its_spinner(demo_db_path, monkeypatch):
    """``loading`` puts a read that misses the cache under ``st.spinner`` (a found value is handed out without)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("YSE_DB", str(demo_db_path))
    app = AppTest.from_function(_spinner_script, kwargs={"db_path": str(demo_db_path)}, default_timeout=30).run()
    assert not app.exception
    assert app.session_state["spinner_timers"] >= 1
    assert app.markdown[0].value == "45"


def test_read_cache_drops_the_least_recently_used():
    store = ReadCache(max_entries=2)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # now "b" is the least recently used
    store.put("c", 3)
    assert (store.get("a"), store.get("b"), store.get("c")) == (1, None, 3)


def test_portal_connection_migrates_a_new_file(tmp_path):
    path = tmp_path / "new.db"
    yse_db.connect(path, create=True).close()
    db = yse_db.portal_connection(path)
    try:
        assert db["settings"].exists() and yse_db.data_stamp(db) == "0:0:0"
    finally:
        db.close()


def test_run_closes_its_connection(demo_db_path):
    opened = yse_db.run(demo_db_path, lambda db, area_id: db, "helsinki")
    with pytest.raises(sqlite3.ProgrammingError):
        opened.execute("SELECT 1")


OPENS_A_CONNECTION = re.compile(r"\bimport sqlite3\b|\bsqlite3\.connect\(|(?<![\w.])(?:\w+\.)?(?:connect|open_db)\(")


@pytest.mark.parametrize("source", sorted([*ROOT.glob("ui/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]),
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_ui_and_pages_open_no_connection_themselves(source):
    assert not OPENS_A_CONNECTION.findall(source.read_text(encoding="utf-8")), \
        f"{source.name}: open connections through yse_core.db (portal_connection, run)"


def test_demo_banner_follows_an_import_in_another_process(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-admin")
    assert [element.value for element in app.sidebar.warning]  # demo statistics
    result = run_cli("import-indicators", str(REAL_FILE), "--user", "tilastot", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    app.run()  # the same session and connection: no cache was cleared
    assert not app.exception, app.exception
    assert [element.value for element in app.sidebar.warning] == []


def test_situation_figures_follow_an_import_in_another_process(demo_db_path):
    app = logged_in_app(demo_db_path, "demo-helsinki")
    app.switch_page("pages/situation.py")
    app.run()
    assert not app.exception, app.exception
    before = tables(app)[0].to_csv()
    charts_before = [chart.proto.spec for chart in app.get("plotly_chart")]
    assert len(charts_before) == 3  # the trend, the map and the bars
    result = run_cli("import-indicators", str(REAL_FILE), "--user", "tilastot", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    app.run()
    assert not app.exception, app.exception
    assert tables(app)[0].to_csv() != before
    charts_after = [chart.proto.spec for chart in app.get("plotly_chart")]
    assert len(charts_after) == 3
    assert all(after != before for before, after in zip(charts_before, charts_after, strict=True))  # built anew
