"""Fetch table 12r5 from Statistics Finland's PxWeb API v1 and import it (standard library only).

Since the ID change of 8.6.2026 the table is ``12r5.px`` and queries name variable *codes*
(``timeperiod_m``, ``ContentsCode`` …). The codes are therefore read from the table's metadata on every
run, never hard-coded. Limits from the API's ``?config``: 120,000 cells per query, 40 calls per 60 s.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from yse_core.errors import IndicatorImportError

from .catalogue import load_catalogue
from .parsers import TABLE_12R5, ParsedTable, parse_jsonstat2
from .store import ImportSummary, import_parsed

DEFAULT_BASE_URL = "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin/tyonv"
DEFAULT_TABLE = TABLE_12R5
MAX_CELLS = 120_000
MAX_CALLS = 40
CALL_WINDOW_SECONDS = 60.0
TIMEOUT_SECONDS = 60.0
COUNTRY_VALUE = "SSS"  # the area variable is the one holding the whole country
CONTENTS_VALUE = "TYOTTOMATLOPUSSA"  # the contents variable is the one holding this 12r5 code
MONTH = re.compile(r"^\d{4}M\d{2}$")

Opener = Callable[[str, bytes | None], bytes]
"""The network layer: ``opener(url, body)`` GETs (``body`` None) or POSTs JSON and returns the response body."""


def urllib_opener(url: str, body: bytes | None) -> bytes:
    """GET (no body) or POST a JSON body with urllib and return the response body."""
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"User-Agent": "yse-portal", "Accept": "application/json",
                                              **({"Content-Type": "application/json"} if body is not None else {})})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        return response.read()


class RateLimiter:
    """Keep calls under the API's limit: at most ``max_calls`` in any ``period`` seconds (sleeping when needed)."""

    def __init__(
        self,
        max_calls: int = MAX_CALLS - 1,  # one below the limit, so clock differences with the server never trip 429
        period: float = CALL_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if max_calls < 1 or period <= 0:
            raise ValueError("max_calls must be at least 1 and period positive")
        self.max_calls, self.period, self.clock, self.sleep = max_calls, period, clock, sleep
        self.calls: deque[float] = deque()

    def wait(self) -> float:
        """Block until one more call fits in the window, record it and return the seconds slept."""
        slept = 0.0
        while True:
            now = self.clock()
            while self.calls and now - self.calls[0] >= self.period:
                self.calls.popleft()
            if len(self.calls) < self.max_calls:
                self.calls.append(now)
                return slept
            pause = self.calls[0] + self.period - now
            self.sleep(pause)
            slept += pause


@dataclass(frozen=True)
class Variable:
    """One variable of a PxWeb table: its code, its label and its value codes."""

    code: str
    text: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class TableMetadata:
    """A table's URL and title and which variable is the area, the month and the contents."""

    url: str
    title: str | None
    area: Variable
    time: Variable
    contents: Variable


def table_url(base_url: str, table: str) -> str:
    """Return the URL of a table: ``{base}/{table}.px``."""
    table = table.strip()
    return f"{base_url.rstrip('/')}/{table if table.endswith('.px') else table + '.px'}"


def _http_error(code: int, url: str) -> IndicatorImportError:
    if code == 403:
        return IndicatorImportError("statfin_error.http_403", url=url, limit=MAX_CELLS)
    if code == 429:
        return IndicatorImportError("statfin_error.http_429", url=url, calls=MAX_CALLS, seconds=CALL_WINDOW_SECONDS)
    if code == 400:
        return IndicatorImportError("statfin_error.http_400", url=url)
    if code == 404:
        return IndicatorImportError("statfin_error.http_404", url=url)
    return IndicatorImportError("statfin_error.http_other", url=url, code=str(code))


def _call(url: str, body: bytes | None, opener: Opener, limiter: RateLimiter) -> bytes:
    limiter.wait()
    try:
        return opener(url, body)
    except urllib.error.HTTPError as error:
        raise _http_error(error.code, url) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise IndicatorImportError("statfin_error.unreachable", url=url, reason=str(reason)) from None


def _json(data: bytes, url: str) -> object:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndicatorImportError("statfin_error.not_json", url=url, reason=str(error)) from None


# --- metadata -------------------------------------------------------------------------------


def parse_metadata(url: str, data: bytes) -> TableMetadata:
    """Read a PxWeb v1 table description (GET of the table URL) and resolve the area, month and contents codes."""
    obj = _json(data, url)
    raw_variables = obj.get("variables") if isinstance(obj, dict) else None
    if not isinstance(raw_variables, list) or not raw_variables:
        raise IndicatorImportError("statfin_error.no_variables", url=url)
    variables: list[tuple[Variable, bool]] = []
    for index, raw in enumerate(raw_variables):
        if not isinstance(raw, dict) or not isinstance(raw.get("code"), str) or not isinstance(raw.get("values"), list):
            raise IndicatorImportError("statfin_error.not_a_variable", url=url, index=str(index))
        text = raw.get("text") if isinstance(raw.get("text"), str) else raw["code"]
        variables.append((Variable(raw["code"], text, tuple(str(value) for value in raw["values"])), raw.get("time") is True))

    listed = ", ".join(f"{variable.code} ({variable.text})" for variable, _ in variables)

    def pick(key: str, test: Callable[[Variable, bool], bool]) -> Variable:
        found = [variable for variable, is_time in variables if test(variable, is_time)]
        if len(found) != 1:
            raise IndicatorImportError(key, url=url, variables=listed)
        return found[0]

    area = pick("statfin_error.no_area_variable", lambda variable, _: COUNTRY_VALUE in variable.values)
    month = pick("statfin_error.no_month_variable", lambda variable, is_time: is_time or (
        bool(variable.values) and all(MONTH.match(value) for value in variable.values)))
    contents = pick("statfin_error.no_contents_variable", lambda variable, _: CONTENTS_VALUE in variable.values)
    if len({area.code, month.code, contents.code}) != 3 or len(variables) != 3:
        raise IndicatorImportError("statfin_error.not_12r5", url=url, variables=", ".join(variable.code for variable, _ in variables))
    title = obj.get("title") if isinstance(obj.get("title"), str) else None
    return TableMetadata(url, title, area, month, contents)


def fetch_metadata(
    base_url: str = DEFAULT_BASE_URL,
    table: str = DEFAULT_TABLE,
    opener: Opener | None = None,
    limiter: RateLimiter | None = None,
) -> TableMetadata:
    """GET the table's description and resolve its variable codes."""
    url = table_url(base_url, table)
    return parse_metadata(url, _call(url, None, opener or urllib_opener, limiter or RateLimiter()))


# --- queries --------------------------------------------------------------------------------


def latest_months(metadata: TableMetadata, months: int) -> list[str]:
    """Return the latest ``months`` month codes of the table, oldest first."""
    if months < 1:
        raise IndicatorImportError("statfin_error.months_at_least_one", months=months)
    available = sorted(value for value in metadata.time.values if MONTH.match(value))
    if not available:
        raise IndicatorImportError("statfin_error.no_months", url=metadata.url, variable=metadata.time.code)
    return available[-months:]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _selection(code: str, values: list[str]) -> dict:
    return {"code": code, "selection": {"filter": "item", "values": values}}


def build_queries(
    metadata: TableMetadata,
    months: int,
    max_cells: int = MAX_CELLS,
    contents: list[str] | None = None,
) -> list[dict]:
    """Return POST bodies for the latest N months, all areas and all (or the given) contents, each under ``max_cells``."""
    periods = latest_months(metadata, months)
    areas = list(metadata.area.values)
    codes = list(contents) if contents is not None else list(metadata.contents.values)
    if not codes or len(codes) > max_cells:
        raise IndicatorImportError("statfin_error.too_many_contents", count=len(codes), limit=max_cells)
    # Whole months while all areas of a month fit; otherwise one month at a time with the areas split.
    areas_per_query = min(len(areas), max_cells // len(codes))
    months_per_query = max_cells // (len(areas) * len(codes)) if areas_per_query == len(areas) else 1
    return [
        {
            "query": [
                _selection(metadata.area.code, area_chunk),
                _selection(metadata.time.code, month_chunk),
                _selection(metadata.contents.code, codes),
            ],
            "response": {"format": "json-stat2"},
        }
        for month_chunk in _chunks(periods, months_per_query)
        for area_chunk in _chunks(areas, areas_per_query)
    ]


def query_cells(query: dict) -> int:
    """Return how many cells a query asks for (the product of its selections)."""
    cells = 1
    for part in query["query"]:
        cells *= len(part["selection"]["values"])
    return cells


def plan_text(metadata: TableMetadata, queries: list[dict]) -> str:
    """Describe what a fetch would ask for (resolved codes, months, queries, cells) in Finnish."""
    months = sorted({value for query in queries for value in query["query"][1]["selection"]["values"]})
    contents = queries[0]["query"][2]["selection"]["values"] if queries else []
    return "\n".join([
        f"Taulukko {metadata.url}" + (f": {metadata.title}" if metadata.title else ""),
        f"Alue = {metadata.area.code} ({len(metadata.area.values)} arvoa), kuukausi = {metadata.time.code} "
        f"({months[0]}…{months[-1]}, {len(months)} kk), tiedot = {metadata.contents.code} ({len(contents)} koodia)",
        f"Kyselyjä {len(queries)}, soluja yhteensä {sum(query_cells(q) for q in queries)}, "
        f"suurin kysely {max(query_cells(q) for q in queries)} solua (raja {MAX_CELLS}).",
    ])


# --- fetch and import -----------------------------------------------------------------------


def fetch_tables(
    metadata: TableMetadata,
    queries: list[dict],
    opener: Opener | None = None,
    limiter: RateLimiter | None = None,
) -> ParsedTable:
    """POST every query, parse each JSON-stat 2 response and merge the cells into one table."""
    opener, limiter = opener or urllib_opener, limiter or RateLimiter()
    catalogue = load_catalogue()
    parts: list[ParsedTable] = []
    for number, query in enumerate(queries, start=1):
        body = _call(metadata.url, json.dumps(query).encode("utf-8"), opener, limiter)
        try:
            parts.append(parse_jsonstat2(body, catalogue))
        except IndicatorImportError as error:
            raise IndicatorImportError("statfin_error.in_query", number=number, total=len(queries), problem=error) from None
    records, seen = [], set()
    for part in parts:
        for record in part.records:
            key = (record.region_code, record.period, record.indicator_code)
            if key not in seen:  # the queries do not overlap; a repeated cell would be the same cell
                seen.add(key)
                records.append(record)
    updated = max((part.updated for part in parts if part.updated), default=None)
    source = next((part.source for part in parts if part.source), None)
    title = next((part.title for part in parts if part.title), metadata.title)
    return ParsedTable("jsonstat2", TABLE_12R5, updated, source, records, title)


def fetch_and_import(
    db: sqlite_utils.Database,
    table: str = DEFAULT_TABLE,
    months: int = 1,
    base_url: str = DEFAULT_BASE_URL,
    user: str | None = None,
    opener: Opener | None = None,
    limiter: RateLimiter | None = None,
    max_cells: int = MAX_CELLS,
) -> ImportSummary:
    """Fetch the latest N months of a 12r5 table from PxWeb (metadata first, split queries) and import them as one."""
    opener, limiter = opener or urllib_opener, limiter or RateLimiter()
    metadata = fetch_metadata(base_url, table, opener, limiter)
    known = set(load_catalogue().codes("statfin"))
    contents = [code for code in metadata.contents.values if code in known]
    skipped = [code for code in metadata.contents.values if code not in known]  # new codes the catalogue lacks
    queries = build_queries(metadata, months, max_cells, contents)
    parsed = fetch_tables(metadata, queries, opener, limiter)
    periods = parsed.periods
    span = periods[0] if len(periods) == 1 else f"{periods[0]}…{periods[-1]}"
    name = f"StatFin {table.removesuffix('.px')} (PxWeb API) {span}"
    return import_parsed(db, parsed, name, user=user,
                         extra_summary={"url": metadata.url, "queries": len(queries), "skipped_contents": skipped})


__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_CALLS",
    "MAX_CELLS",
    "Opener",
    "RateLimiter",
    "TableMetadata",
    "Variable",
    "build_queries",
    "fetch_and_import",
    "fetch_metadata",
    "fetch_tables",
    "latest_months",
    "parse_metadata",
    "plan_text",
    "query_cells",
    "table_url",
    "urllib_opener",
]
