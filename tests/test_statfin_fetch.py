"""The StatFin PxWeb client against recorded responses: code resolution, cell splitting, rate limit, errors.

The network layer is replaced by a plain ``opener(url, body)`` function serving the files in
``tests/fixtures/statfin/`` (rebuilt by ``make_fixtures.py`` there); one test serves them from a real
``http.server`` on 127.0.0.1 and one connects to a refused port.
"""

from __future__ import annotations

import itertools
import json
import math
import socket
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from yse_core.errors import IndicatorImportError
from yse_core.indicators.statfin import (
    MAX_CELLS,
    RateLimiter,
    build_queries,
    fetch_and_import,
    fetch_metadata,
    parse_metadata,
    query_cells,
)
from yse_core.indicators.store import area_values, imports

from .test_foundation import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "statfin"
METADATA = (FIXTURES / "12r5_metadata.json").read_bytes()
RESPONSE = json.loads((FIXTURES / "12r5_2026M06.jsonstat2.json").read_text(encoding="utf-8"))
BASE = "https://pxdata.example/PxWeb/api/v1/fi/StatFin/tyonv"
URL = f"{BASE}/12r5.px"


class NoSleep:
    """A fake clock whose sleep advances time instead of waiting."""

    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def answer(body: bytes) -> bytes:
    """Answer a json-stat2 POST from the recorded response: the requested slice, as PxWeb would."""
    query = json.loads(body)
    assert query["response"] == {"format": "json-stat2"}
    wanted = {part["code"]: part["selection"]["values"] for part in query["query"]}
    assert set(wanted) == set(RESPONSE["id"]), "the query must name the table's own variable codes"
    codes = {dim: sorted(RESPONSE["dimension"][dim]["category"]["index"],
                         key=RESPONSE["dimension"][dim]["category"]["index"].get) for dim in RESPONSE["id"]}
    assert all(set(wanted[dim]) <= set(codes[dim]) for dim in codes), "asked for cells the recording lacks"
    kept = {dim: [code for code in codes[dim] if code in wanted[dim]] for dim in RESPONSE["id"]}
    strides = [math.prod(RESPONSE["size"][position + 1:]) for position in range(len(RESPONSE["id"]))]
    values, status = [], {}
    for combo in itertools.product(*(kept[dim] for dim in RESPONSE["id"])):
        flat = sum(codes[dim].index(code) * stride for dim, code, stride in zip(RESPONSE["id"], combo, strides, strict=True))
        if str(flat) in RESPONSE["status"]:
            status[str(len(values))] = RESPONSE["status"][str(flat)]
        values.append(RESPONSE["value"][flat])
    dimension = {dim: {**RESPONSE["dimension"][dim],
                       "category": {"index": {code: i for i, code in enumerate(kept[dim])},
                                    "label": {code: RESPONSE["dimension"][dim]["category"]["label"][code]
                                              for code in kept[dim]}}}
                 for dim in RESPONSE["id"]}
    sliced = {**RESPONSE, "size": [len(kept[dim]) for dim in RESPONSE["id"]], "dimension": dimension,
              "value": values, "status": status}
    return json.dumps(sliced).encode("utf-8")


def recorded_opener(calls: list, metadata: bytes = METADATA):
    def opener(url: str, body: bytes | None) -> bytes:
        calls.append((url, json.loads(body) if body else None))
        assert url == URL
        return metadata if body is None else answer(body)

    return opener


def metadata_with(variables: list[dict]) -> bytes:
    return json.dumps({"title": "test", "variables": variables}).encode("utf-8")


def synthetic(areas: int, contents: int, months: int):
    return parse_metadata(URL, metadata_with([
        {"code": "Alue", "text": "Alue", "values": ["SSS", *[f"KU{i:03d}" for i in range(1, areas)]]},
        {"code": "timeperiod_m", "text": "Kuukausi", "values": [f"{2020 + i // 12}M{i % 12 + 1:02d}" for i in range(months)],
         "time": True},
        {"code": "ContentsCode", "text": "Tiedot", "values": ["TYOTTOMATLOPUSSA", *[f"C{i}" for i in range(1, contents)]]},
    ]))


# --- metadata --------------------------------------------------------------------------------


def test_recorded_metadata_resolves_the_new_style_codes():
    metadata = parse_metadata(URL, METADATA)
    assert (metadata.area.code, metadata.time.code, metadata.contents.code) == ("Alue", "timeperiod_m", "ContentsCode")
    assert metadata.time.text == "Kuukausi"
    assert len(metadata.area.values) == 10 and metadata.time.values[-1] == "2026M06"


@pytest.mark.parametrize(
    ("codes", "time_flag"),
    [
        (("Alue", "Kuukausi", "Tiedot"), False),  # before 8.6.2026, no time flag: found by the month values
        (("Region", "Month", "Information"), True),  # names play no part
        (("area_x", "tp", "cc"), False),
    ],
)
def test_codes_are_found_by_their_values_not_their_names(codes, time_flag):
    area, month, contents = codes
    metadata = parse_metadata(URL, metadata_with([
        {"code": contents, "text": "t", "values": ["TYOTTOMATLOPUSSA"]},
        {"code": month, "text": "k", "values": ["2026M05", "2026M06"], **({"time": True} if time_flag else {})},
        {"code": area, "text": "a", "values": ["SSS", "KU091"]},
    ]))
    assert (metadata.area.code, metadata.time.code, metadata.contents.code) == codes


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ([{"code": "Ammatti", "text": "Ammatti", "values": ["1", "2"]},
          {"code": "Alue", "text": "Alue", "values": ["SSS"]},
          {"code": "timeperiod_m", "text": "Kuukausi", "values": ["2026M06"], "time": True},
          {"code": "ContentsCode", "text": "Tiedot", "values": ["TYOTTOMATLOPUSSA"]}], "taulukko ei ole 12r5"),
        ([{"code": "Alue", "text": "Alue", "values": ["SSS"]},
          {"code": "timeperiod_m", "text": "Kuukausi", "values": ["2026M06"], "time": True},
          {"code": "ContentsCode", "text": "Tiedot", "values": ["AVPAIKAT"]}], "tietomuuttujaa"),
        ([], "muuttujia"),
    ],
)
def test_metadata_of_another_table_is_refused(variables, message):
    with pytest.raises(IndicatorImportError, match=message):
        parse_metadata(URL, metadata_with(variables))


def test_metadata_that_is_not_json_is_refused():
    with pytest.raises(IndicatorImportError, match="ei ole JSONia"):
        parse_metadata(URL, b"<html>maintenance</html>")


# --- queries ---------------------------------------------------------------------------------


def test_queries_ask_for_the_latest_months_with_the_tables_codes():
    [query] = build_queries(parse_metadata(URL, METADATA), months=3)
    assert query["response"] == {"format": "json-stat2"}
    assert [part["code"] for part in query["query"]] == ["Alue", "timeperiod_m", "ContentsCode"]
    assert query["query"][1]["selection"] == {"filter": "item", "values": ["2026M04", "2026M05", "2026M06"]}
    assert len(query["query"][0]["selection"]["values"]) == 10 and query_cells(query) == 10 * 3 * 7


@pytest.mark.parametrize(
    ("areas", "contents", "months", "max_cells", "expected_queries"),
    [
        (421, 23, 1, MAX_CELLS, 1),  # one month of the real table: 9,683 cells
        (421, 23, 12, MAX_CELLS, 1),  # 116,196 cells still fit
        (421, 23, 13, MAX_CELLS, 2),
        (421, 23, 36, MAX_CELLS, 3),
        (10, 7, 1, 35, 2),  # one month too big: the areas are split
        (10, 7, 2, 70, 2),  # exactly one month per query
        (10, 7, 3, 69, 6),
    ],
)
def test_queries_are_split_under_the_cell_limit_and_cover_every_cell_once(areas, contents, months, max_cells,
                                                                          expected_queries):
    queries = build_queries(synthetic(areas, contents, months), months, max_cells=max_cells)
    assert len(queries) == expected_queries
    assert all(query_cells(query) <= max_cells for query in queries)
    cells = [cell for query in queries
             for cell in itertools.product(*(part["selection"]["values"] for part in query["query"]))]
    assert len(cells) == len(set(cells)) == areas * contents * months


def test_more_months_than_the_table_has_asks_for_all_of_them():
    queries = build_queries(synthetic(10, 7, 4), months=24)
    assert queries[0]["query"][1]["selection"]["values"] == ["2020M01", "2020M02", "2020M03", "2020M04"]


@pytest.mark.parametrize(("months", "max_cells", "message"), [(0, MAX_CELLS, "vähintään 1"), (1, 5, "ei mahdu")])
def test_impossible_queries_are_refused(months, max_cells, message):
    with pytest.raises(IndicatorImportError, match=message):
        build_queries(synthetic(10, 7, 3), months, max_cells=max_cells)


# --- rate limit ------------------------------------------------------------------------------


def test_rate_limiter_sleeps_only_when_the_window_is_full():
    fake = NoSleep()
    limiter = RateLimiter(max_calls=3, period=60, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        assert limiter.wait() == 0
    fake.now = 10.0
    assert limiter.wait() == 50.0  # until the first call leaves the window
    assert fake.now == 60.0


def test_default_rate_limiter_keeps_under_forty_calls_per_minute():
    fake = NoSleep()
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep)
    started = []
    for _ in range(100):
        limiter.wait()
        started.append(fake.now)
    assert all(later - earlier >= 60 for earlier, later in zip(started, started[39:], strict=False))  # ≤ 39 in any 60 s
    assert started[38] == 0 and started[39] == 60 and started[78] == 120 and started[-1] == 120


def test_rate_limiter_never_sleeps_for_calls_spread_over_time():
    fake = NoSleep()
    limiter = RateLimiter(clock=fake.clock, sleep=fake.sleep)
    for _ in range(200):
        limiter.wait()
        fake.now += 2.0  # 30 calls a minute
    assert fake.slept == []


# --- fetch and import ------------------------------------------------------------------------


def test_fetch_and_import_imports_the_recorded_month(demo_db):
    calls: list = []
    summary = fetch_and_import(demo_db, months=1, base_url=BASE, user="admin", opener=recorded_opener(calls))
    assert [body is None for _, body in calls] == [True, False]  # metadata first, then one query
    assert summary.periods == ["2026-06"] and summary.table_id == "12r5"
    assert summary.file_name == "StatFin 12r5 (PxWeb API) 2026-06"
    values = {row["code"]: row for row in area_values(demo_db, "helsinki", "2026-06")}
    assert values["TYOTTOMATLOPUSSA"]["value"] == 52578 and values["TYOTOSUUS"]["value"] == 14.2
    assert {row["code"]: row["value"] for row in area_values(demo_db, "SSS", "2026-06")}["TYOTTOMATLOPUSSA"] == 352001
    latest = imports(demo_db)[0]
    assert (latest["imported_by"], latest["data_updated"], latest["summary"]["url"]) == ("admin", "2026-07-21", URL)


def test_fetch_and_import_stores_the_tables_own_source(demo_db):
    summary = fetch_and_import(demo_db, months=1, base_url=BASE, opener=recorded_opener([]))
    assert summary.source == imports(demo_db)[0]["source"] == RESPONSE["source"] == "KEHA-keskus, Työnvälitystilasto"
    helsinki = {row["code"]: row for row in area_values(demo_db, "helsinki", "2026-06")}
    assert helsinki["TYOTTOMATLOPUSSA"]["data_source"] == "KEHA-keskus, Työnvälitystilasto"


def test_split_queries_are_merged_into_one_import(demo_db):
    calls: list = []
    before = len(imports(demo_db))
    summary = fetch_and_import(demo_db, months=1, base_url=BASE, opener=recorded_opener(calls), max_cells=35)
    assert len(calls) == 3  # metadata and two queries of five areas
    assert len(imports(demo_db)) == before + 1
    assert imports(demo_db)[0]["summary"]["queries"] == 2
    assert summary.counts["country"] > 0 and summary.counts["municipality"] > 0
    assert {row["code"]: row["value"] for row in area_values(demo_db, "helsinki", "2026-06")}["TYOTTOMATLOPUSSA"] == 52578


def test_contents_the_catalogue_lacks_are_not_asked_for(demo_db):
    metadata = json.loads(METADATA)
    metadata["variables"][2]["values"].append("UUSIKOODI")
    metadata["variables"][2]["valueTexts"].append("Uusi tieto")
    calls: list = []
    fetch_and_import(demo_db, base_url=BASE, opener=recorded_opener(calls, json.dumps(metadata).encode("utf-8")))
    assert "UUSIKOODI" not in calls[1][1]["query"][2]["selection"]["values"]
    assert imports(demo_db)[0]["summary"]["skipped_contents"] == ["UUSIKOODI"]


@pytest.mark.parametrize(
    ("status", "message"),
    [(400, "HTTP 400"), (403, "HTTP 403"), (404, "HTTP 404"), (429, "HTTP 429"), (503, "HTTP 503")],
)
def test_http_errors_are_named_and_nothing_is_imported(demo_db, status, message):
    def opener(url: str, body: bytes | None) -> bytes:
        if body is None:
            return METADATA
        raise urllib.error.HTTPError(url, status, "error", {}, None)

    before = len(imports(demo_db))
    with pytest.raises(IndicatorImportError, match=message):
        fetch_and_import(demo_db, base_url=BASE, opener=opener)
    assert len(imports(demo_db)) == before


def test_a_broken_response_names_the_query(demo_db):
    def opener(url: str, body: bytes | None) -> bytes:
        return METADATA if body is None else answer(body)[:200]

    with pytest.raises(IndicatorImportError, match=r"kysely 1/1: jsonstat2: JSON on virheellinen"):
        fetch_and_import(demo_db, base_url=BASE, opener=opener)


# --- the real network layer on localhost -----------------------------------------------------


@pytest.fixture
def pxweb_server():
    """A tiny PxWeb stand-in on 127.0.0.1 serving the recorded files; yields (base URL, requests seen)."""
    seen: list[tuple[str, str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: bytes, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            seen.append(("GET", self.path, None))
            if self.path == "/api/v1/fi/StatFin/tyonv/12r5.px":
                self._reply(METADATA)
            else:
                self._reply(b'{"error": "not found"}', 404)

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(("POST", self.path, self.headers.get("Content-Type")))
            self._reply(answer(body))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/fi/StatFin/tyonv", seen
    server.shutdown()
    server.server_close()


def _refused_base_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1/fi/StatFin/tyonv"  # nothing listens there any more


def test_fetch_over_real_http_from_a_local_server(demo_db, pxweb_server):
    base_url, seen = pxweb_server
    summary = fetch_and_import(demo_db, months=1, base_url=base_url)
    assert seen == [("GET", "/api/v1/fi/StatFin/tyonv/12r5.px", None),
                    ("POST", "/api/v1/fi/StatFin/tyonv/12r5.px", "application/json")]
    assert summary.periods == ["2026-06"]
    assert {row["code"]: row["value"] for row in area_values(demo_db, "helsinki", "2026-06")}["TYOTTOMATLOPUSSA"] == 52578


def test_unknown_table_on_the_server_is_named_404(pxweb_server):
    base_url, _ = pxweb_server
    with pytest.raises(IndicatorImportError, match="Taulukkoa ei löydy \\(HTTP 404\\).*statfin_tyonv_pxt_12r5.px"):
        fetch_metadata(base_url, "statfin_tyonv_pxt_12r5")


def test_refused_connection_gives_the_clear_message(demo_db):
    before = len(imports(demo_db))
    with pytest.raises(IndicatorImportError) as raised:
        fetch_and_import(demo_db, base_url=_refused_base_url())
    assert str(raised.value).startswith("Tilastokeskuksen rajapintaan ei saada yhteyttä: ")
    assert "tarkista verkkoyhteys tai tuo tiedosto komennolla import-indicators" in str(raised.value)
    assert len(imports(demo_db)) == before


def test_cli_fetch_statfin_imports_from_the_local_server(demo_db_path, pxweb_server):
    base_url, _ = pxweb_server
    result = run_cli("fetch-statfin", "--table", "12r5", "--months", "1", "--base-url", base_url, db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert "Tuotu StatFin 12r5 (PxWeb API) 2026-06 (muoto jsonstat2, taulukko 12r5" in result.stdout


def test_cli_fetch_statfin_dry_run_only_reads_metadata(demo_db_path, pxweb_server):
    base_url, seen = pxweb_server
    result = run_cli("fetch-statfin", "--months", "6", "--base-url", base_url, "--dry-run", db_path=demo_db_path)
    assert result.returncode == 0, result.stderr
    assert "Alue = Alue (10 arvoa), kuukausi = timeperiod_m (2026M01…2026M06, 6 kk), tiedot = ContentsCode" in result.stdout
    assert [method for method, _, _ in seen] == ["GET"]


def test_cli_fetch_statfin_without_a_connection_is_one_line(demo_db_path):
    result = run_cli("fetch-statfin", "--months", "1", "--base-url", _refused_base_url(), db_path=demo_db_path)
    assert result.returncode == 1
    assert "ei saada yhteyttä" in result.stderr and "import-indicators" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
