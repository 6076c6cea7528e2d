"""The browser bench's own machinery on the empty page (no timed assertions): settle, bytes, the row's shape."""

import json
import time

import pytest

from tools import bench_browser
from tools.portal_server import Server

pytestmark = pytest.mark.browser


@pytest.fixture
def empty_server(tmp_path):
    script = tmp_path / "empty_page.py"
    script.write_text(bench_browser.EMPTY_SCRIPT)
    server = Server(tmp_path / "unused.db", launcher="streamlit", script=script)
    yield server
    server.stop()


def test_settle_and_rows_on_the_empty_page(browser, empty_server, tmp_path):
    load, rerun = bench_browser.bench_empty(browser, empty_server.url, runs=1)
    for figure in (load, rerun):
        assert figure.error is None
        assert len(figure.samples_ms) == 1 and figure.samples_ms[0] > 0  # the warm-up run is not kept
        assert all(size > 0 for size in figure.bytes)  # the run's messages really came over the websocket
    floor = {"load": 100.0, "rerun": 50.0}
    row = rerun.row(floor)
    assert set(row) == {"name", "kind", "scale", "n", "median_ms", "p90_ms", "x_empty", "bytes_median", "samples_ms", "error"}
    assert row["x_empty"] == pytest.approx(row["median_ms"] / 50.0, abs=0.01)
    assert row["p90_ms"] >= row["median_ms"]
    report = {"machine": {}, "results": [load.row(floor), row]}
    json.dumps(report)  # what main writes
    assert "empty page: rerun" in bench_browser.format_table(report)


def test_settle_waits_for_a_run_after_the_action(browser, empty_server):
    """A page that already shows its last element is not settled until a run after the action has ended."""
    context, page, wire = bench_browser._new_page(browser)
    try:
        bench_browser._open(page, wire, empty_server.url, bench_browser.EMPTY_MARKER)
        since = time.perf_counter()
        with pytest.raises(TimeoutError):  # nothing was clicked, so no run ends after ``since``
            bench_browser.settle(page, wire, since, bench_browser.EMPTY_MARKER, timeout_s=2)
        page.get_by_role("button", name="Rerun").click()
        ms, size = bench_browser.settle(page, wire, since, bench_browser.EMPTY_MARKER)
        assert ms > 0 and size > 0 and wire.served(since)
    finally:
        context.close()


def test_the_navigation_floor_switches_between_the_empty_pages(browser, tmp_path):
    script = tmp_path / "empty_navigation.py"
    script.write_text(bench_browser.EMPTY_NAV_SCRIPT)
    server = Server(tmp_path / "unused.db", launcher="streamlit", script=script)
    try:
        figure = bench_browser.bench_empty_navigation(browser, server.url, runs=2)
    finally:
        server.stop()
    assert figure.error is None and figure.kind == "navigate"
    assert len(figure.samples_ms) == 2 and all(ms > 0 for ms in figure.samples_ms)
    assert all(size > 0 for size in figure.bytes)  # each switch ran the other page's script on the server
