"""Statistics files → ``ParsedTable``: PxWeb JSON, JSON-stat 2.0, PC-Axis, and the documented CSV/XLSX layout.

Every parser is a pure function of the file's bytes. A file that cannot be read is refused with
``IndicatorImportError``: a catalogue key (``yse_core/i18n/errors_data.yaml``) with the place in the file
(``Place``: format, sheet, line or row, column) and the problem as parameters, shown in the reader's language.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from yse_core.errors import IndicatorImportError
from yse_core.i18n import LANGUAGES, t

from .catalogue import Catalogue, load_catalogue

FORMATS = ("pxweb-json", "jsonstat2", "px", "csv", "xlsx")
TABLE_12R5 = "12r5"

STATFIN_REGION = re.compile(r"^(SSS|KU\d{3}|SK\d{3}|MK\d{2}|ELY\d{2}|KUJOU|SKJOU|MKJO|ELYJO)$")
AREA_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
MISSING_MARKS = re.compile(r"^\.{1,6}$")  # StatFin: ".." not available, "..." confidential (suppressed)
TIME_DIMENSIONS = {"kuukausi", "timeperiod_m", "vuosi", "month", "year", "tid", "månad", "år", "time", "tidsperiod"}
CONTENT_DIMENSIONS = {"tiedot", "contentscode", "information", "uppgifter", "contents"}
TABLE_12R5_ALIASES = {"12r5", "1001"}  # 1001 is the id before the 8.6.2026 renaming
TABLE_ID_IN_TEXT = re.compile(r"^\s*(?:statfin_\w+?_pxt_)?(\d{2}[0-9a-z]{2})(?:\.px)?\s*(?:--|:|$)", re.IGNORECASE)

CSV_COLUMNS = {
    "region_code": ("region_code", "alue", "område", "omrade", "region"),
    "period": ("period", "kausi", "ajanjakso"),
    "indicator_code": ("indicator_code", "indikaattori", "indikator", "tiedot"),
    "value": ("value", "arvo", "värde", "varde"),
}
CSV_OPTIONAL_COLUMNS = ("region_name", "nimi", "alueen_nimi", "namn", "name")


class Record(NamedTuple):
    """One cell: a region (``SSS``, ``KU091``, ``SK011``… or an area id), period, code, value."""

    region_code: str
    period: str
    indicator_code: str
    value: float | None
    suppressed: bool


@dataclass(frozen=True)
class ParsedTable:
    """What a file holds: its format, table id, update date, source and cells."""

    format: str
    table_id: str | None
    updated: str | None
    source: str | None
    records: list[Record] = field(default_factory=list)
    title: str | None = None

    @property
    def periods(self) -> list[str]:
        """Return the periods in the file, sorted."""
        return sorted({record.period for record in self.records})


@dataclass(frozen=True)
class Place(Mapping):
    """Where in a statistics file a problem is: format or file, sheet, header or numbered line/row, column.

    A mapping of language → text, so that an error's ``where`` parameter is written in the reader's
    language (``errors.localize``), while ``file``, ``line`` and ``field`` stay readable to programs.
    """

    file: str
    sheet: str | None = None
    header: bool = False
    line: int | None = None
    unit: str = "line"  # how the number is named: import_place.line, row, data_row, data_value, value_index
    key: tuple[str, ...] = ()
    field: str | None = None

    def text(self, lang: str) -> str:
        """Return the place as the reader of ``lang`` reads it, e.g. ``csv: rivi 3, sarake value``."""
        parts = []
        if self.sheet is not None:
            parts.append(t("import_place.sheet", lang, sheet=self.sheet))
        if self.header:
            parts.append(t("import_place.header", lang))
        if self.line is not None:
            parts.append(t(f"import_place.{self.unit}", lang, line=str(self.line), combo=", ".join(self.key)))
        if self.field is not None:
            parts.append(t("import_place.field", lang, field=self.field))
        return f"{self.file}: {', '.join(parts)}" if parts else self.file

    def at(self, field: str) -> Place:
        """Return the same place narrowed to one column."""
        return replace(self, field=field)

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return self.text(lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)

    def __str__(self) -> str:
        return self.text("fi")


def _error(key: str, where: str | Place, **params: Any) -> IndicatorImportError:
    """An import error: ``where`` is the place, also given as ``file``/``line``/``field`` when it is a ``Place``."""
    if isinstance(where, Place):
        params = {"file": where.file, "line": where.line, "field": where.field, **params}
    return IndicatorImportError(key, where=where, **params)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 1] + "…'"


# --- cells ---------------------------------------------------------------------------------


def parse_period(raw: Any, where: str | Place) -> str:
    """Return ``YYYY-MM`` (from ``2026M06`` or ``2026-06``) or ``YYYY``; refuse anything else."""
    if isinstance(raw, datetime | date):
        return f"{raw.year:04d}-{raw.month:02d}"
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    elif isinstance(raw, float) and raw.is_integer():
        raw = str(int(raw))
    text = str(raw).strip() if raw is not None else ""
    match = re.fullmatch(r"(\d{4})(?:[M-](\d{2}))?", text)
    if match:
        year, month = int(match.group(1)), match.group(2)
        if 1990 <= year <= 2100 and (month is None or 1 <= int(month) <= 12):
            return f"{year:04d}-{month}" if month else f"{year:04d}"
    raise _error("import_error.period", where, value=_short(raw))


def parse_value(raw: Any, where: str | Place) -> tuple[float | None, bool]:
    """Return (value, suppressed): blank and dots (``...``) are suppressed, ``-`` is zero, decimal comma accepted."""
    if raw is None:
        return None, True
    if isinstance(raw, bool):
        raise _error("import_error.not_number", where, value=_short(raw))
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise _error("import_error.not_finite", where, value=_short(raw))
        return float(raw), False
    text = str(raw).strip()
    if text == "" or MISSING_MARKS.match(text):
        return None, True
    if text == "-":  # StatFin: "magnitude nil"
        return 0.0, False
    compact = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if NUMBER.match(compact):
        return float(compact.replace(",", ".")), False
    raise _error("import_error.not_number", where, value=_short(text))


def _statfin_region(raw: Any, where: str | Place) -> str:
    text = str(raw).strip() if raw is not None else ""
    if STATFIN_REGION.match(text):
        return text
    raise _error("import_error.statfin_region", where, value=_short(raw))


def _long_region(raw: Any, where: str | Place) -> str:
    text = str(raw).strip() if raw is not None else ""
    if STATFIN_REGION.match(text):
        return text
    if AREA_ID.match(text.lower()) and not text.isdigit():
        return text.lower()
    raise _error("import_error.long_region", where, value=_short(raw))


def _check_indicator(code: str, catalogue: Catalogue, where: str | Place) -> str:
    if code in catalogue:
        return code
    raise _error("import_error.unknown_indicator", where, code=code)


def _check_statfin_contents(codes: list[str], catalogue: Catalogue, title: str | None, where: str) -> None:
    """Refuse a file of another table (no 12r5 codes at all) or one with unknown content codes."""
    statfin = set(catalogue.codes("statfin"))
    known = [code for code in codes if code in statfin]
    found = ", ".join(codes[:8]) + (" …" if len(codes) > 8 else "")
    if not known:
        if title:
            raise _error("import_error.not_12r5_contents_titled", where, codes=found, title=title)
        raise _error("import_error.not_12r5_contents", where, codes=found)
    unknown = [code for code in codes if code not in statfin]
    if unknown:
        raise _error("import_error.unknown_indicators", where, codes=", ".join(unknown[:8]))


def _check_table_id(found: str | None, where: str) -> None:
    """Refuse when a table id or a title that starts with one names a table other than 12r5."""
    if not found:
        return
    match = TABLE_ID_IN_TEXT.match(str(found))
    if match and match.group(1).lower() not in TABLE_12R5_ALIASES:
        raise _error("import_error.other_table", where, table=str(found))


def _normalise_updated(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    match = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", text)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else (text or None)


def _no_duplicates(records: list[Record], describe) -> None:
    seen: set[tuple[str, str, str]] = set()
    for index, record in enumerate(records):
        key = (record.region_code, record.period, record.indicator_code)
        if key in seen:
            raise _error("import_error.duplicate", describe(index), cell=", ".join(key))
        seen.add(key)


def _require_records(records: list[Record], file_format: str) -> None:
    if not records:
        raise _error("import_error.no_values", file_format)


# --- detection ----------------------------------------------------------------------------


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def detect_format(file_name: str, data: bytes) -> str:
    """Return the format of a file from its content (and, when that is not decisive, its name)."""
    body = _strip_bom(data)
    if not body.strip():
        raise _error("import_error.empty", file_name)
    name = (file_name or "").lower()
    if body.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = body.lstrip()[:4096]
    if head.startswith((b"{", b"[")):
        text = head.decode("utf-8", errors="replace")
        if re.search(r'"class"\s*:\s*"dataset"', text) or re.search(r'"version"\s*:\s*"2', text):
            return "jsonstat2"
        if '"columns"' in text or '"data"' in text:
            return "pxweb-json"
        if '"dimension"' in text or '"value"' in text:
            return "jsonstat2"
        raise _error("import_error.json_unknown", file_name)
    latin = head.decode("latin-1")
    if re.match(r"\s*[A-Z][A-Z0-9-]*(\[[^\]]*\])?(\([^)]*\))?\s*=", latin) and (
        name.endswith(".px") or re.search(r"^\s*(CHARSET|AXIS-VERSION|CODEPAGE|MATRIX|STUB|HEADING)\b", latin, re.M)
    ):
        return "px"
    if name.endswith(".px"):
        return "px"
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        return "xlsx"
    first_line = latin.splitlines()[0].lower() if latin.splitlines() else ""
    header_names = {alias for aliases in CSV_COLUMNS.values() for alias in aliases}
    cells = {cell.strip().strip('"') for cell in re.split(r"[;,\t]", first_line)}
    if name.endswith((".csv", ".txt", ".tsv")) or cells & header_names:
        return "csv"
    raise _error("import_error.format_unknown", file_name, formats=", ".join(FORMATS))


def parse_file(file_name: str, data: bytes, fmt: str = "auto", catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse a statistics file of any supported format; ``fmt="auto"`` detects it."""
    catalogue = catalogue or load_catalogue()
    if not _strip_bom(data).strip():
        raise _error("import_error.empty", file_name)
    file_format = detect_format(file_name, data) if fmt in (None, "", "auto") else fmt
    parsers = {
        "pxweb-json": parse_pxweb_json,
        "jsonstat2": parse_jsonstat2,
        "px": parse_px,
        "csv": parse_csv,
        "xlsx": parse_xlsx,
    }
    if file_format not in parsers:
        raise _error("import_error.format_name", file_name, format=file_format, formats=", ".join(FORMATS))
    return parsers[file_format](data, catalogue)


# --- JSON ---------------------------------------------------------------------------------


def _load_json(data: bytes, file_format: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _error("import_error.not_utf8", file_format, offset=str(error.start)) from error
    if not text.strip():
        raise _error("import_error.empty", file_format)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _error("import_error.json_invalid", file_format, line=str(error.lineno), column=str(error.colno),
                     reason=error.msg) from error
    except RecursionError as error:
        raise _error("import_error.json_deep", file_format) from error


def parse_pxweb_json(data: bytes, catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse PxWeb API v1 ``json`` (``columns``, ``data[].key``, ``data[].values``, ``metadata``)."""
    catalogue = catalogue or load_catalogue()
    fmt = "pxweb-json"
    obj = _load_json(data, fmt)
    if not isinstance(obj, dict) or not isinstance(obj.get("columns"), list) or not isinstance(obj.get("data"), list):
        raise _error("import_error.pxweb_lists", fmt)
    meta = obj.get("metadata")
    meta = meta[0] if isinstance(meta, list) and meta and isinstance(meta[0], dict) else {}
    title = meta.get("label") if isinstance(meta.get("label"), str) else None
    _check_table_id(title, f"{fmt} metadata.label")
    dims: list[tuple[str, str]] = []
    contents: list[str] = []
    for index, column in enumerate(obj["columns"]):
        if not isinstance(column, dict) or not isinstance(column.get("code"), str):
            raise _error("import_error.pxweb_column", fmt, index=str(index))
        kind = column.get("type")
        if kind in ("d", "t"):
            dims.append((column["code"], kind))
        elif kind == "c":
            contents.append(column["code"])
        else:
            raise _error("import_error.pxweb_column_type", fmt, index=str(index), code=column["code"], kind=_short(kind))
    region_dims = [code for code, kind in dims if kind == "d"]
    time_dims = [code for code, kind in dims if kind == "t"]
    if len(region_dims) != 1 or len(time_dims) != 1:
        raise _error("import_error.not_12r5_variables", fmt, variables=", ".join(code for code, _ in dims))
    _check_statfin_contents(contents, catalogue, title, f"{fmt} columns")
    region_at = [code for code, _ in dims].index(region_dims[0])
    time_at = [code for code, _ in dims].index(time_dims[0])
    records: list[Record] = []
    places: list[Place] = []
    for row_number, row in enumerate(obj["data"], start=1):
        key = row.get("key") if isinstance(row, dict) else None
        values = row.get("values") if isinstance(row, dict) else None
        if not isinstance(key, list) or len(key) != len(dims) or not isinstance(values, list):
            raise _error("import_error.pxweb_key", fmt, row=str(row_number), found=_short(key),
                         variables=str([c for c, _ in dims]))
        label = Place(fmt, line=row_number, unit="data_row", key=tuple(str(part) for part in key))
        if len(values) != len(contents):
            raise _error("import_error.value_count", label, count=len(values), expected=len(contents))
        region = _statfin_region(key[region_at], label)
        period = parse_period(key[time_at], label)
        for code, raw in zip(contents, values, strict=True):
            value, suppressed = parse_value(raw, label.at(code))
            records.append(Record(region, period, code, value, suppressed))
            places.append(label)
    _require_records(records, fmt)
    _no_duplicates(records, lambda index: places[index])
    return ParsedTable(fmt, TABLE_12R5, _normalise_updated(meta.get("updated")),
                       meta.get("source") if isinstance(meta.get("source"), str) else None, records, title)


def _category_codes(dimension: Any, dim_id: str, size: int, fmt: str) -> list[str]:
    category = dimension.get("category") if isinstance(dimension, dict) else None
    index = category.get("index") if isinstance(category, dict) else None
    if index is None and isinstance(category, dict) and isinstance(category.get("label"), dict) and size == 1:
        index = list(category["label"])
    if isinstance(index, dict):
        try:
            codes = [code for code, _ in sorted(index.items(), key=lambda item: int(item[1]))]
        except (TypeError, ValueError) as error:
            raise _error("import_error.category_index_invalid", fmt, dimension=dim_id) from error
    elif isinstance(index, list):
        codes = [str(code) for code in index]
    else:
        raise _error("import_error.category_index_missing", fmt, dimension=dim_id)
    if len(codes) != size:
        raise _error("import_error.category_count", fmt, dimension=dim_id, count=len(codes), size=str(size))
    return [str(code) for code in codes]


def parse_jsonstat2(data: bytes, catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse a JSON-stat 2.0 dataset (as PxWeb returns with ``"format": "json-stat2"``)."""
    catalogue = catalogue or load_catalogue()
    fmt = "jsonstat2"
    obj = _load_json(data, fmt)
    if not isinstance(obj, dict):
        raise _error("import_error.json_not_object", fmt)
    if obj.get("class") != "dataset" or not str(obj.get("version", "")).startswith("2"):
        raise _error("import_error.jsonstat2", fmt, class_=_short(obj.get("class")), version=_short(obj.get("version")))
    title = obj.get("label") if isinstance(obj.get("label"), str) else None
    extension = obj.get("extension") if isinstance(obj.get("extension"), dict) else {}
    px = extension.get("px") if isinstance(extension.get("px"), dict) else {}
    _check_table_id(px.get("tableid"), f"{fmt} extension.px.tableid")
    _check_table_id(title, f"{fmt} label")
    ids, sizes, dimension = obj.get("id"), obj.get("size"), obj.get("dimension")
    if (
        not isinstance(ids, list)
        or not isinstance(sizes, list)
        or not isinstance(dimension, dict)
        or len(ids) != len(sizes)
        or not all(isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in sizes)
    ):
        raise _error("import_error.jsonstat_fields", fmt)
    ids = [str(dim_id) for dim_id in ids]
    codes_by_dim = {}
    for dim_id, size in zip(ids, sizes, strict=True):
        if dim_id not in dimension:
            raise _error("import_error.dimension_missing", fmt, dimension=dim_id)
        codes_by_dim[dim_id] = _category_codes(dimension[dim_id], dim_id, size, fmt)
    role = obj.get("role") if isinstance(obj.get("role"), dict) else {}

    def by_role(name: str, fallback: set[str]) -> str | None:
        listed = [dim_id for dim_id in role.get(name) or [] if dim_id in ids]
        if listed:
            return listed[0]
        named = [dim_id for dim_id in ids if dim_id.lower() in fallback]
        return named[0] if named else None

    time_dim = by_role("time", TIME_DIMENSIONS)
    metric_dim = by_role("metric", CONTENT_DIMENSIONS)
    rest = [dim_id for dim_id in ids if dim_id not in (time_dim, metric_dim)]
    if time_dim is None or metric_dim is None or len(rest) != 1:
        raise _error("import_error.not_12r5_variables", fmt, variables=", ".join(ids))
    region_dim = rest[0]
    _check_statfin_contents(codes_by_dim[metric_dim], catalogue, title, f"{fmt} dimension.{metric_dim}")
    total = math.prod(sizes)
    values = obj.get("value")
    if isinstance(values, list):
        if len(values) != total:
            raise _error("import_error.value_length", fmt, count=len(values), sizes=str(sizes), total=total)
    elif isinstance(values, dict):
        for key in values:
            if not str(key).isdigit() or int(key) >= total:
                raise _error("import_error.value_key", fmt, found=_short(key), last=str(total - 1))
        values = {int(key): value for key, value in values.items()}
    else:
        raise _error("import_error.value_missing", fmt)
    status = obj.get("status")
    records: list[Record] = []
    places: list[Place] = []
    positions = {dim_id: ids.index(dim_id) for dim_id in (region_dim, time_dim, metric_dim)}
    for flat, combo in enumerate(_product([codes_by_dim[dim_id] for dim_id in ids])):
        raw = values[flat] if isinstance(values, list) else values.get(flat)
        label = Place(fmt, line=flat, unit="value_index", key=combo)
        region = _statfin_region(combo[positions[region_dim]], label)
        period = parse_period(combo[positions[time_dim]], label)
        value, suppressed = parse_value(raw, label)
        cell_status = status if isinstance(status, str) else (
            status[flat] if isinstance(status, list) and flat < len(status) else
            status.get(str(flat)) if isinstance(status, dict) else None
        )
        if value is not None and isinstance(cell_status, str) and MISSING_MARKS.match(cell_status.strip()):
            value, suppressed = None, True
        records.append(Record(region, period, combo[positions[metric_dim]], value, suppressed))
        places.append(label)
    _require_records(records, fmt)
    _no_duplicates(records, lambda index: places[index])
    return ParsedTable(fmt, TABLE_12R5, _normalise_updated(obj.get("updated")),
                       obj.get("source") if isinstance(obj.get("source"), str) else None, records, title)


def _product(lists: list[list[str]]) -> Iterator[tuple[str, ...]]:
    """Cartesian product with the last list varying fastest (JSON-stat and PC-Axis cell order)."""
    if not lists:
        return
    if any(not items for items in lists):
        return
    indices = [0] * len(lists)
    while True:
        yield tuple(items[i] for items, i in zip(lists, indices, strict=True))
        position = len(lists) - 1
        while position >= 0:
            indices[position] += 1
            if indices[position] < len(lists[position]):
                break
            indices[position] = 0
            position -= 1
        if position < 0:
            return


# --- PC-Axis ------------------------------------------------------------------------------

PX_CODEPAGES = {
    "utf-8": "utf-8", "utf8": "utf-8",
    "iso-8859-1": "iso-8859-1", "iso8859-1": "iso-8859-1", "latin1": "iso-8859-1", "latin-1": "iso-8859-1",
    "iso-8859-15": "iso-8859-15", "iso8859-15": "iso-8859-15",
    "windows-1252": "cp1252", "cp1252": "cp1252", "ansi": "cp1252",
}


def _decode_px(data: bytes) -> tuple[str, str]:
    """Decode by the declared CODEPAGE (default iso-8859-1); refuse bytes that do not fit it."""
    fmt = "px"
    declared_match = re.search(rb'CODEPAGE\s*=\s*"([^"]*)"', data[:20000])
    declared = declared_match.group(1).decode("latin-1").strip() if declared_match else "iso-8859-1"
    encoding = PX_CODEPAGES.get(declared.lower())
    if encoding is None:
        raise _error("import_error.codepage_unsupported", fmt, codepage=declared)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if data.startswith(b"\xef\xbb\xbf") and encoding != "utf-8":
        raise _error("import_error.bom_codepage", fmt, codepage=declared)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise _error("import_error.codepage_byte", fmt, byte=f"{body[error.start]:02x}", offset=str(error.start),
                     line=str(line), codepage=declared) from error
    if encoding != "utf-8" and re.search(rb"[\xc2-\xf4][\x80-\xbf]", body):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise _error("import_error.utf8_codepage", fmt, codepage=declared)
    return text, declared


def _px_strings(raw: str, keyword: str) -> list[str]:
    """Parse a PX value: quoted strings separated by commas (list items) or whitespace (continuation)."""
    raw = raw.strip()
    if not raw.startswith('"'):
        return [raw]
    items: list[str] = []
    current: str | None = None
    position = 0
    while position < len(raw):
        char = raw[position]
        if char == '"':
            end = raw.find('"', position + 1)
            if end < 0:
                raise _error("import_error.px_quote", "px", keyword=keyword)
            piece = raw[position + 1 : end]
            current = piece if current is None else current + piece
            position = end + 1
        elif char == ",":
            items.append(current or "")
            current = None
            position += 1
        elif char.isspace():
            position += 1
        else:
            raise _error("import_error.px_value_text", "px", keyword=keyword, text=raw[position:position + 20])
    if current is not None:
        items.append(current)
    return items


def _px_keywords(text: str) -> tuple[dict[tuple[str, str | None], list[str]], str, int]:
    """Return {(keyword, subkey): values} for keywords without a language suffix, the DATA text and its line."""
    keywords: dict[tuple[str, str | None], list[str]] = {}
    position, length = 0, len(text)
    while position < length:
        while position < length and text[position] in " \t\r\n;":
            position += 1
        if position >= length:
            break
        line = text.count("\n", 0, position) + 1
        in_quote, cursor = False, position
        while cursor < length and (in_quote or text[cursor] != "="):
            if text[cursor] == '"':
                in_quote = not in_quote
            elif text[cursor] == ";" and not in_quote:
                break
            cursor += 1
        if cursor >= length:
            raise _error("import_error.px_keyword_truncated", Place("px", line=line))
        if text[cursor] != "=":
            raise _error("import_error.px_no_equals", Place("px", line=line))
        head = text[position:cursor].strip()
        match = re.fullmatch(r'([A-Za-z][A-Za-z0-9-]*)\s*(\[[^\]]*\])?\s*(?:\((.*)\))?', head, re.S)
        if not match:
            raise _error("import_error.px_keyword_unreadable", Place("px", line=line), keyword=_short(head))
        keyword, language, subkey = match.group(1).upper(), match.group(2), match.group(3)
        if keyword == "DATA":
            end = text.rfind(";")
            if end <= cursor:
                raise _error("import_error.px_data_unterminated", Place("px", line=line))
            return keywords, text[cursor + 1 : end], line
        in_quote, end = False, cursor + 1
        while end < length and (in_quote or text[end] != ";"):
            if text[end] == '"':
                in_quote = not in_quote
            end += 1
        if end >= length:
            raise _error("import_error.px_value_unterminated", Place("px", line=line), keyword=keyword)
        if language is None:
            sub = _px_strings(subkey, keyword)[0] if subkey else None
            keywords[(keyword, sub)] = _px_strings(text[cursor + 1 : end], keyword)
        position = end + 1
    raise _error("import_error.px_no_data", "px")


def parse_px(data: bytes, catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse a PC-Axis file (``STUB``/``HEADING``, ``VALUES``/``CODES``, ``DATA``), decoded by its CODEPAGE."""
    catalogue = catalogue or load_catalogue()
    fmt = "px"
    text, _ = _decode_px(data)
    keywords, data_text, data_line = _px_keywords(text)

    def first(keyword: str) -> str | None:
        values = keywords.get((keyword, None))
        return values[0] if values else None

    title = first("TITLE") or first("DESCRIPTION") or first("CONTENTS")
    for keyword in ("TABLEID", "MATRIX"):
        _check_table_id(first(keyword), f"{fmt} {keyword}")
    _check_table_id(title, f"{fmt} TITLE")
    variables = (keywords.get(("STUB", None)) or []) + (keywords.get(("HEADING", None)) or [])
    if not variables:
        raise _error("import_error.px_no_variables", fmt)
    codes_by_var: dict[str, list[str]] = {}
    for variable in variables:
        codes = keywords.get(("CODES", variable)) or keywords.get(("VALUES", variable))
        if not codes:
            raise _error("import_error.px_no_codes", fmt, variable=variable)
        values = keywords.get(("VALUES", variable))
        if values and len(values) != len(codes):
            raise _error("import_error.px_codes_values", fmt, variable=variable, codes=len(codes), values=len(values))
        codes_by_var[variable] = [code.strip() for code in codes]
    content_var = first("CONTVARIABLE")
    if content_var not in codes_by_var:
        content_var = next((v for v in variables if v.lower() in CONTENT_DIMENSIONS), None)
    time_vars = [variable for (keyword, variable) in keywords if keyword == "TIMEVAL" and variable in codes_by_var]
    time_var = time_vars[0] if time_vars else next((v for v in variables if v.lower() in TIME_DIMENSIONS), None)
    rest = [variable for variable in variables if variable not in (content_var, time_var)]
    if content_var is None or time_var is None or len(rest) != 1:
        raise _error("import_error.not_12r5_variables", fmt, variables=", ".join(variables))
    region_var = rest[0]
    _check_statfin_contents(codes_by_var[content_var], catalogue, title, f"{fmt} CODES(\"{content_var}\")")
    cells = [cell for cell in re.split(r"[\s,]+", data_text.strip()) if cell]
    expected = math.prod(len(codes_by_var[variable]) for variable in variables)
    if len(cells) != expected:
        raise _error("import_error.px_data_count", fmt, line=str(data_line), count=len(cells), expected=expected)
    positions = {variable: variables.index(variable) for variable in (region_var, time_var, content_var)}
    records: list[Record] = []
    places: list[Place] = []
    for index, (combo, cell) in enumerate(zip(_product([codes_by_var[v] for v in variables]), cells, strict=True)):
        label = Place(fmt, line=index + 1, unit="data_value", key=combo)
        region = _statfin_region(combo[positions[region_var]], label)
        period = parse_period(combo[positions[time_var]], label)
        value, suppressed = parse_value(cell.strip('"'), label)
        records.append(Record(region, period, combo[positions[content_var]], value, suppressed))
        places.append(label)
    _require_records(records, fmt)
    _no_duplicates(records, lambda index: places[index])
    return ParsedTable(fmt, TABLE_12R5, _normalise_updated(first("LAST-UPDATED") or first("CREATION-DATE")),
                       first("SOURCE"), records, title)


# --- the long layout: CSV and XLSX --------------------------------------------------------


def _map_header(header: list[Any], where: Place) -> dict[str, int]:
    names = [str(cell).strip().lstrip("\ufeff").strip('"').lower() if cell is not None else "" for cell in header]
    mapping: dict[str, int] = {}
    for column, aliases in CSV_COLUMNS.items():
        for position, name in enumerate(names):
            if name in aliases:
                mapping[column] = position
                break
    missing = [column for column in CSV_COLUMNS if column not in mapping]
    if missing:
        found = ", ".join(name for name in names if name) or "–"
        raise _error("import_error.missing_columns", where, missing=", ".join(missing), found=found)
    unknown = [name for position, name in enumerate(names)
               if name and position not in mapping.values() and name not in CSV_OPTIONAL_COLUMNS]
    if unknown:
        raise _error("import_error.unknown_columns", where, columns=", ".join(unknown))
    return mapping


def _long_records(rows: Iterable[tuple[Place, list[Any]]], mapping: dict[str, int], catalogue: Catalogue) -> list[Record]:
    records: list[Record] = []
    places: list[Place] = []
    width = max(mapping.values()) + 1
    for place, row in rows:
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        row = list(row) + [None] * (width - len(row))
        region = _long_region(row[mapping["region_code"]], place.at("region_code"))
        period = parse_period(row[mapping["period"]], place.at("period"))
        raw_code = row[mapping["indicator_code"]]
        code = _check_indicator(str(raw_code).strip().upper() if raw_code is not None else "",
                                catalogue, place.at("indicator_code"))
        value, suppressed = parse_value(row[mapping["value"]], place.at("value"))
        records.append(Record(region, period, code, value, suppressed))
        places.append(place)
    _no_duplicates(records, lambda index: places[index])
    return records


def _decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _fits_cp1252(data) else data.decode("latin-1")


def _fits_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def parse_csv(data: bytes, catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse the long CSV layout (comma, semicolon or tab; decimal comma; UTF-8 or Windows-1252)."""
    catalogue = catalogue or load_catalogue()
    fmt = "csv"
    text = _decode_text(data)
    if "\x00" in text:
        raise _error("import_error.nul", fmt)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise _error("import_error.empty", fmt)
    header_line = next(line for line in lines if line.strip())
    delimiter = max((";", ",", "\t"), key=header_line.count)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header: list[str] | None = None
        rows: list[tuple[Place, list[Any]]] = []
        for row in reader:
            if header is None:
                if not any(cell.strip() for cell in row):
                    continue
                header = row
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                key = "import_error.csv_fields_comma" if delimiter == "," else "import_error.csv_fields"
                raise _error(key, Place(fmt, line=reader.line_num), count=len(row), header=len(header))
            rows.append((Place(fmt, line=reader.line_num), [cell if cell.strip() else None for cell in row]))
    except csv.Error as error:
        raise _error("import_error.csv_unreadable", fmt, reason=str(error)) from error
    if header is None:
        raise _error("import_error.csv_no_header", fmt)
    mapping = _map_header(header, Place(fmt, header=True))
    records = _long_records(rows, mapping, catalogue)
    _require_records(records, fmt)
    return ParsedTable(fmt, None, None, None, records)


def parse_xlsx(data: bytes, catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse the long layout from the first worksheet of an .xlsx workbook (header in the first non-empty row)."""
    import openpyxl

    catalogue = catalogue or load_catalogue()
    fmt = "xlsx"
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # zipfile, openpyxl and lxml raise many different errors for damaged workbooks
        raise _error("import_error.xlsx_invalid", fmt, reason=type(error).__name__) from error
    try:
        if not workbook.worksheets:
            raise _error("import_error.xlsx_no_sheets", fmt)
        sheet = workbook.worksheets[0]
        header: list[Any] | None = None
        rows: list[tuple[Place, list[Any]]] = []
        try:
            for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(row)
                if header is None:
                    if any(cell is not None and str(cell).strip() for cell in cells):
                        header = cells
                    continue
                rows.append((Place(fmt, sheet=sheet.title, line=row_number, unit="row"), cells))
        except IndicatorImportError:
            raise
        except Exception as error:
            raise _error("import_error.xlsx_rows", fmt, sheet=sheet.title, reason=type(error).__name__) from error
        if header is None:
            raise _error("import_error.xlsx_empty_sheet", fmt, sheet=sheet.title)
        mapping = _map_header(header, Place(fmt, sheet=sheet.title, header=True))
        records = _long_records(rows, mapping, catalogue)
        _require_records(records, fmt)
        return ParsedTable(fmt, None, None, None, records)
    finally:
        workbook.close()
