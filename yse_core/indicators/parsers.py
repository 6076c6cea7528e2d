"""Statistics files → ``ParsedTable``: PxWeb JSON, JSON-stat 2.0, PC-Axis, and the documented CSV/XLSX layout.

Every parser is a pure function of the file's bytes. A file that cannot be read is refused with
``IndicatorImportError`` naming the place (row, line, cell) and the problem, in Finnish and English.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from yse_core.errors import IndicatorImportError

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


def _error(fi: str, en: str) -> IndicatorImportError:
    return IndicatorImportError(f"{fi} ({en})")


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 1] + "…'"


# --- cells ---------------------------------------------------------------------------------


def parse_period(raw: Any, where: str) -> str:
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
    raise _error(
        f"{where}: kausi {_short(raw)} ei ole muotoa VVVV-KK, VVVVMkk tai VVVV",
        f"period {_short(raw)} is not in the form YYYY-MM, YYYYMmm or YYYY",
    )


def parse_value(raw: Any, where: str) -> tuple[float | None, bool]:
    """Return (value, suppressed): blank and dots (``...``) are suppressed, ``-`` is zero, decimal comma accepted."""
    if raw is None:
        return None, True
    if isinstance(raw, bool):
        raise _error(f"{where}: arvo {_short(raw)} ei ole luku", f"value {_short(raw)} is not a number")
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise _error(f"{where}: arvo {_short(raw)} ei ole äärellinen luku", f"value {_short(raw)} is not finite")
        return float(raw), False
    text = str(raw).strip()
    if text == "" or MISSING_MARKS.match(text):
        return None, True
    if text == "-":  # StatFin: "magnitude nil"
        return 0.0, False
    compact = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if NUMBER.match(compact):
        return float(compact.replace(",", ".")), False
    raise _error(f"{where}: arvo {_short(text)} ei ole luku", f"value {_short(text)} is not a number")


def _statfin_region(raw: Any, where: str) -> str:
    text = str(raw).strip() if raw is not None else ""
    if STATFIN_REGION.match(text):
        return text
    raise _error(
        f"{where}: aluekoodi {_short(raw)} ei ole 12r5:n koodi (SSS, KU###, SK###, MK##, ELY##)",
        f"region code {_short(raw)} is not a 12r5 code (SSS, KU###, SK###, MK##, ELY##)",
    )


def _long_region(raw: Any, where: str) -> str:
    text = str(raw).strip() if raw is not None else ""
    if STATFIN_REGION.match(text):
        return text
    if AREA_ID.match(text.lower()) and not text.isdigit():
        return text.lower()
    raise _error(
        f"{where}: aluekoodi {_short(raw)} ei ole alueen tunnus, SSS eikä kuntakoodi muotoa KU091",
        f"region code {_short(raw)} is not an area id, SSS or a municipality code like KU091",
    )


def _check_indicator(code: str, catalogue: Catalogue, where: str) -> str:
    if code in catalogue:
        return code
    raise _error(
        f"{where}: tuntematon indikaattorikoodi '{code}'",
        f"unknown indicator code '{code}'",
    )


def _check_statfin_contents(codes: list[str], catalogue: Catalogue, title: str | None, where: str) -> None:
    """Refuse a file of another table (no 12r5 codes at all) or one with unknown content codes."""
    statfin = set(catalogue.codes("statfin"))
    known = [code for code in codes if code in statfin]
    found = ", ".join(codes[:8]) + (" …" if len(codes) > 8 else "")
    if not known:
        label = f"; otsikko/title '{title}'" if title else ""
        raise _error(
            f"{where}: tiedosto ei ole taulukko 12r5 — sisältökoodit {found}{label}",
            "the file is another table, not 12r5: expected content codes such as TYOTTOMATLOPUSSA",
        )
    unknown = [code for code in codes if code not in statfin]
    if unknown:
        raise _error(
            f"{where}: tuntemattomat indikaattorikoodit {', '.join(unknown[:8])}",
            f"unknown indicator codes {', '.join(unknown[:8])}; 12r5 codes are listed in the indicator catalogue",
        )


def _check_table_id(found: str | None, where: str) -> None:
    """Refuse when a table id or a title that starts with one names a table other than 12r5."""
    if not found:
        return
    match = TABLE_ID_IN_TEXT.match(str(found))
    if match and match.group(1).lower() not in TABLE_12R5_ALIASES:
        raise _error(
            f"{where}: tiedosto on taulukko '{found}', ei 12r5",
            f"the file is table '{found}', not 12r5",
        )


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
            raise _error(
                f"{describe(index)}: sama alue, kausi ja indikaattori toiseen kertaan ({', '.join(key)})",
                f"duplicate region, period and indicator ({', '.join(key)})",
            )
        seen.add(key)


def _require_records(records: list[Record], file_format: str) -> None:
    if not records:
        raise _error(f"{file_format}: tiedostossa ei ole yhtään arvoa", "the file holds no values")


# --- detection ----------------------------------------------------------------------------


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def detect_format(file_name: str, data: bytes) -> str:
    """Return the format of a file from its content (and, when that is not decisive, its name)."""
    body = _strip_bom(data)
    if not body.strip():
        raise _error(f"{file_name}: tiedosto on tyhjä", "the file is empty")
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
        raise _error(
            f"{file_name}: JSON-tiedosto ei ole PxWebin json- eikä JSON-stat 2 -muotoa",
            "a JSON file that is neither PxWeb 'json' nor JSON-stat 2.0",
        )
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
    raise _error(
        f"{file_name}: tiedostomuotoa ei tunnistettu (tuetut: {', '.join(FORMATS)})",
        f"file format not recognised (supported: {', '.join(FORMATS)})",
    )


def parse_file(file_name: str, data: bytes, fmt: str = "auto", catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse a statistics file of any supported format; ``fmt="auto"`` detects it."""
    catalogue = catalogue or load_catalogue()
    if not _strip_bom(data).strip():
        raise _error(f"{file_name}: tiedosto on tyhjä", "the file is empty")
    file_format = detect_format(file_name, data) if fmt in (None, "", "auto") else fmt
    parsers = {
        "pxweb-json": parse_pxweb_json,
        "jsonstat2": parse_jsonstat2,
        "px": parse_px,
        "csv": parse_csv,
        "xlsx": parse_xlsx,
    }
    if file_format not in parsers:
        raise _error(
            f"tuntematon muoto '{file_format}' (tuetut: {', '.join(FORMATS)})",
            f"unknown format '{file_format}'",
        )
    return parsers[file_format](data, catalogue)


# --- JSON ---------------------------------------------------------------------------------


def _load_json(data: bytes, file_format: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _error(
            f"{file_format}: tavu kohdassa {error.start} ei ole UTF-8:aa",
            f"byte at offset {error.start} is not UTF-8",
        ) from error
    if not text.strip():
        raise _error(f"{file_format}: tiedosto on tyhjä", "the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _error(
            f"{file_format}: JSON on virheellinen tai katkennut rivillä {error.lineno}, sarakkeessa {error.colno}: {error.msg}",
            f"invalid or truncated JSON at line {error.lineno}, column {error.colno}",
        ) from error
    except RecursionError as error:
        raise _error(f"{file_format}: JSON on liian syvälle sisäkkäinen", "JSON nested too deeply") from error


def parse_pxweb_json(data: bytes, catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse PxWeb API v1 ``json`` (``columns``, ``data[].key``, ``data[].values``, ``metadata``)."""
    catalogue = catalogue or load_catalogue()
    fmt = "pxweb-json"
    obj = _load_json(data, fmt)
    if not isinstance(obj, dict) or not isinstance(obj.get("columns"), list) or not isinstance(obj.get("data"), list):
        raise _error(f"{fmt}: kentät 'columns' ja 'data' puuttuvat", "the 'columns' and 'data' lists are missing")
    meta = obj.get("metadata")
    meta = meta[0] if isinstance(meta, list) and meta and isinstance(meta[0], dict) else {}
    title = meta.get("label") if isinstance(meta.get("label"), str) else None
    _check_table_id(title, f"{fmt} metadata.label")
    dims: list[tuple[str, str]] = []
    contents: list[str] = []
    for index, column in enumerate(obj["columns"]):
        if not isinstance(column, dict) or not isinstance(column.get("code"), str):
            raise _error(f"{fmt}: columns[{index}] ei ole sarakekuvaus", f"columns[{index}] is not a column description")
        kind = column.get("type")
        if kind in ("d", "t"):
            dims.append((column["code"], kind))
        elif kind == "c":
            contents.append(column["code"])
        else:
            raise _error(
                f"{fmt}: columns[{index}] ('{column['code']}') tyyppi {_short(kind)} ei ole d, t eikä c",
                f"column '{column['code']}' has type {_short(kind)}, not d, t or c",
            )
    region_dims = [code for code, kind in dims if kind == "d"]
    time_dims = [code for code, kind in dims if kind == "t"]
    if len(region_dims) != 1 or len(time_dims) != 1:
        raise _error(
            f"{fmt}: tiedosto ei ole taulukko 12r5 — muuttujat {', '.join(code for code, _ in dims)}",
            "the file is another table: 12r5 has exactly one area and one month variable",
        )
    _check_statfin_contents(contents, catalogue, title, f"{fmt} columns")
    region_at = [code for code, _ in dims].index(region_dims[0])
    time_at = [code for code, _ in dims].index(time_dims[0])
    records: list[Record] = []
    places: list[str] = []
    for row_number, row in enumerate(obj["data"], start=1):
        key = row.get("key") if isinstance(row, dict) else None
        values = row.get("values") if isinstance(row, dict) else None
        if not isinstance(key, list) or len(key) != len(dims) or not isinstance(values, list):
            raise _error(
                f"{fmt}: data-rivi {row_number}: avain {_short(key)} ei vastaa muuttujia {[c for c, _ in dims]}",
                f"data row {row_number}: key {_short(key)} does not match the variables",
            )
        label = f"{fmt}: data-rivi {row_number} (avain/key {', '.join(str(part) for part in key)})"
        if len(values) != len(contents):
            raise _error(
                f"{label}: {len(values)} arvoa, odotettiin {len(contents)}",
                f"{len(values)} values, expected {len(contents)}",
            )
        region = _statfin_region(key[region_at], label)
        period = parse_period(key[time_at], label)
        for code, raw in zip(contents, values, strict=True):
            value, suppressed = parse_value(raw, f"{label}, sarake/column {code}")
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
            raise _error(f"{fmt}: dimension.{dim_id}.category.index ei ole kelvollinen",
                         f"dimension {dim_id}: category.index is not valid") from error
    elif isinstance(index, list):
        codes = [str(code) for code in index]
    else:
        raise _error(f"{fmt}: dimension.{dim_id}.category.index puuttuu", f"dimension {dim_id}: category.index is missing")
    if len(codes) != size:
        raise _error(
            f"{fmt}: dimension.{dim_id}: {len(codes)} luokkaa, mutta size sanoo {size}",
            f"dimension {dim_id} has {len(codes)} categories but size says {size}",
        )
    return [str(code) for code in codes]


def parse_jsonstat2(data: bytes, catalogue: Catalogue | None = None) -> ParsedTable:
    """Parse a JSON-stat 2.0 dataset (as PxWeb returns with ``"format": "json-stat2"``)."""
    catalogue = catalogue or load_catalogue()
    fmt = "jsonstat2"
    obj = _load_json(data, fmt)
    if not isinstance(obj, dict):
        raise _error(f"{fmt}: JSON ei ole objekti", "the JSON is not an object")
    if obj.get("class") != "dataset" or not str(obj.get("version", "")).startswith("2"):
        raise _error(
            f"{fmt}: ei JSON-stat 2.0 -datasetti (class={_short(obj.get('class'))}, version={_short(obj.get('version'))})",
            "not a JSON-stat 2.0 dataset: download with \"format\": \"json-stat2\"",
        )
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
        raise _error(f"{fmt}: kentät id, size ja dimension puuttuvat tai eivät täsmää",
                     "id, size and dimension are missing or do not match")
    ids = [str(dim_id) for dim_id in ids]
    codes_by_dim = {}
    for dim_id, size in zip(ids, sizes, strict=True):
        if dim_id not in dimension:
            raise _error(f"{fmt}: dimension.{dim_id} puuttuu", f"dimension {dim_id} is missing")
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
        raise _error(
            f"{fmt}: tiedosto ei ole taulukko 12r5 — muuttujat {', '.join(ids)}",
            "the file is another table: 12r5 has an area, a month and a contents variable",
        )
    region_dim = rest[0]
    _check_statfin_contents(codes_by_dim[metric_dim], catalogue, title, f"{fmt} dimension.{metric_dim}")
    total = math.prod(sizes)
    values = obj.get("value")
    if isinstance(values, list):
        if len(values) != total:
            raise _error(
                f"{fmt}: value-taulukossa {len(values)} arvoa, size {sizes} edellyttää {total}",
                f"value has {len(values)} entries; size {sizes} needs {total}",
            )
    elif isinstance(values, dict):
        for key in values:
            if not str(key).isdigit() or int(key) >= total:
                raise _error(f"{fmt}: value-avain {_short(key)} ei ole indeksi 0…{total - 1}",
                             f"value key {_short(key)} is not an index 0…{total - 1}")
        values = {int(key): value for key, value in values.items()}
    else:
        raise _error(f"{fmt}: value puuttuu", "value is missing")
    status = obj.get("status")
    records: list[Record] = []
    places: list[str] = []
    positions = {dim_id: ids.index(dim_id) for dim_id in (region_dim, time_dim, metric_dim)}
    for flat, combo in enumerate(_product([codes_by_dim[dim_id] for dim_id in ids])):
        raw = values[flat] if isinstance(values, list) else values.get(flat)
        label = f"{fmt}: value[{flat}] ({', '.join(combo)})"
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
        raise _error(f"{fmt}: CODEPAGE '{declared}' ei ole tuettu (utf-8, iso-8859-1, windows-1252)",
                     f"CODEPAGE '{declared}' is not supported")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if data.startswith(b"\xef\xbb\xbf") and encoding != "utf-8":
        raise _error(f"{fmt}: tiedosto alkaa UTF-8-tunnisteella, mutta CODEPAGE on '{declared}'",
                     f"the file starts with a UTF-8 byte-order mark but CODEPAGE says '{declared}'")
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise _error(
            f"{fmt}: tavu 0x{body[error.start]:02x} rivillä {line} ei ole CODEPAGEn '{declared}' mukainen",
            f"byte at offset {error.start} (line {line}) does not decode as the declared CODEPAGE '{declared}'",
        ) from error
    if encoding != "utf-8" and re.search(rb"[\xc2-\xf4][\x80-\xbf]", body):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise _error(
                f"{fmt}: tiedosto on UTF-8-muodossa, mutta CODEPAGE on '{declared}'",
                f"the bytes are UTF-8 but CODEPAGE says '{declared}'",
            )
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
                raise _error(f"px: avainsanan {keyword} lainausmerkki jää auki", f"{keyword}: unterminated quote")
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
            raise _error(f"px: avainsanan {keyword} arvo on virheellinen kohdassa '{raw[position:position + 20]}'",
                         f"{keyword}: unexpected text in value")
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
            raise _error(f"px: rivi {line}: tiedosto päättyy kesken avainsanan (katkennut tiedosto?)",
                         f"line {line}: the file ends inside a keyword (truncated file?)")
        if text[cursor] != "=":
            raise _error(f"px: rivi {line}: avainsanalta puuttuu '='", f"line {line}: keyword without '='")
        head = text[position:cursor].strip()
        match = re.fullmatch(r'([A-Za-z][A-Za-z0-9-]*)\s*(\[[^\]]*\])?\s*(?:\((.*)\))?', head, re.S)
        if not match:
            raise _error(f"px: rivi {line}: avainsanaa {_short(head)} ei voi lukea", f"line {line}: cannot read keyword")
        keyword, language, subkey = match.group(1).upper(), match.group(2), match.group(3)
        if keyword == "DATA":
            end = text.rfind(";")
            if end <= cursor:
                raise _error(f"px: rivi {line}: DATA ei pääty ';'-merkkiin (katkennut tiedosto?)",
                             "DATA is not terminated by ';' (truncated file?)")
            return keywords, text[cursor + 1 : end], line
        in_quote, end = False, cursor + 1
        while end < length and (in_quote or text[end] != ";"):
            if text[end] == '"':
                in_quote = not in_quote
            end += 1
        if end >= length:
            raise _error(f"px: rivi {line}: avainsanan {keyword} arvo ei pääty ';'-merkkiin (katkennut tiedosto?)",
                         f"line {line}: value of {keyword} is not terminated by ';' (truncated file?)")
        if language is None:
            sub = _px_strings(subkey, keyword)[0] if subkey else None
            keywords[(keyword, sub)] = _px_strings(text[cursor + 1 : end], keyword)
        position = end + 1
    raise _error("px: DATA-osa puuttuu", "the DATA section is missing")


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
        raise _error(f"{fmt}: STUB ja HEADING puuttuvat", "STUB and HEADING are missing")
    codes_by_var: dict[str, list[str]] = {}
    for variable in variables:
        codes = keywords.get(("CODES", variable)) or keywords.get(("VALUES", variable))
        if not codes:
            raise _error(f"{fmt}: muuttujalta '{variable}' puuttuvat VALUES/CODES", f"variable '{variable}' has no VALUES/CODES")
        values = keywords.get(("VALUES", variable))
        if values and len(values) != len(codes):
            raise _error(
                f"{fmt}: muuttujalla '{variable}' on {len(codes)} koodia mutta {len(values)} arvoa",
                f"variable '{variable}' has {len(codes)} CODES but {len(values)} VALUES",
            )
        codes_by_var[variable] = [code.strip() for code in codes]
    content_var = first("CONTVARIABLE")
    if content_var not in codes_by_var:
        content_var = next((v for v in variables if v.lower() in CONTENT_DIMENSIONS), None)
    time_vars = [variable for (keyword, variable) in keywords if keyword == "TIMEVAL" and variable in codes_by_var]
    time_var = time_vars[0] if time_vars else next((v for v in variables if v.lower() in TIME_DIMENSIONS), None)
    rest = [variable for variable in variables if variable not in (content_var, time_var)]
    if content_var is None or time_var is None or len(rest) != 1:
        raise _error(
            f"{fmt}: tiedosto ei ole taulukko 12r5 — muuttujat {', '.join(variables)}",
            "the file is another table: 12r5 has an area, a month and a contents variable",
        )
    region_var = rest[0]
    _check_statfin_contents(codes_by_var[content_var], catalogue, title, f"{fmt} CODES(\"{content_var}\")")
    cells = [cell for cell in re.split(r"[\s,]+", data_text.strip()) if cell]
    expected = math.prod(len(codes_by_var[variable]) for variable in variables)
    if len(cells) != expected:
        raise _error(
            f"{fmt}: DATA-osassa (rivi {data_line}) on {len(cells)} arvoa, muuttujat edellyttävät {expected}",
            f"DATA (line {data_line}) has {len(cells)} values; the variables need {expected}",
        )
    positions = {variable: variables.index(variable) for variable in (region_var, time_var, content_var)}
    records: list[Record] = []
    places: list[str] = []
    for index, (combo, cell) in enumerate(zip(_product([codes_by_var[v] for v in variables]), cells, strict=True)):
        label = f"{fmt}: DATA-arvo {index + 1} ({', '.join(combo)})"
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


def _map_header(header: list[Any], where: str) -> dict[str, int]:
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
        raise _error(
            f"{where}: sarakkeet puuttuvat: {', '.join(missing)} (löytyi: {found}); "
            "käytä region_code,period,indicator_code,value tai alue,kausi,indikaattori,arvo",
            f"missing columns: {', '.join(missing)} (found: {found})",
        )
    unknown = [name for position, name in enumerate(names)
               if name and position not in mapping.values() and name not in CSV_OPTIONAL_COLUMNS]
    if unknown:
        raise _error(f"{where}: tuntemattomat sarakkeet: {', '.join(unknown)}", f"unknown columns: {', '.join(unknown)}")
    return mapping


def _long_records(rows: Iterable[tuple[str, list[Any]]], mapping: dict[str, int], catalogue: Catalogue) -> list[Record]:
    records: list[Record] = []
    places: list[str] = []
    width = max(mapping.values()) + 1
    for place, row in rows:
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        row = list(row) + [None] * (width - len(row))
        region = _long_region(row[mapping["region_code"]], f"{place}, sarake/column region_code")
        period = parse_period(row[mapping["period"]], f"{place}, sarake/column period")
        raw_code = row[mapping["indicator_code"]]
        code = _check_indicator(str(raw_code).strip().upper() if raw_code is not None else "",
                                catalogue, f"{place}, sarake/column indicator_code")
        value, suppressed = parse_value(row[mapping["value"]], f"{place}, sarake/column value")
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
        raise _error(f"{fmt}: tiedostossa on NUL-merkkejä (ei tekstitiedosto?)", "the file contains NUL bytes (not text?)")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise _error(f"{fmt}: tiedosto on tyhjä", "the file is empty")
    header_line = next(line for line in lines if line.strip())
    delimiter = max((";", ",", "\t"), key=header_line.count)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header: list[str] | None = None
        rows: list[tuple[str, list[Any]]] = []
        for row in reader:
            if header is None:
                if not any(cell.strip() for cell in row):
                    continue
                header = row
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                raise _error(
                    f"{fmt}: rivi {reader.line_num}: {len(row)} kenttää, otsikossa {len(header)}"
                    + (" (desimaalipilkku ilman lainausmerkkejä? käytä ';'-erotinta)" if delimiter == "," else ""),
                    f"line {reader.line_num}: {len(row)} fields, the header has {len(header)}",
                )
            rows.append((f"{fmt}: rivi/line {reader.line_num}", [cell if cell.strip() else None for cell in row]))
    except csv.Error as error:
        raise _error(f"{fmt}: CSV ei ole luettavissa: {error}", f"cannot read CSV: {error}") from error
    if header is None:
        raise _error(f"{fmt}: otsikkorivi puuttuu (tiedostossa on vain erotinmerkkejä)", "the header row is missing")
    mapping = _map_header(header, f"{fmt}: otsikkorivi/header")
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
        raise _error(f"{fmt}: tiedosto ei ole kelvollinen Excel-työkirja ({type(error).__name__})",
                     "the file is not a valid .xlsx workbook") from error
    try:
        if not workbook.worksheets:
            raise _error(f"{fmt}: työkirjassa ei ole taulukoita", "the workbook has no worksheets")
        sheet = workbook.worksheets[0]
        header: list[Any] | None = None
        rows: list[tuple[str, list[Any]]] = []
        try:
            for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(row)
                if header is None:
                    if any(cell is not None and str(cell).strip() for cell in cells):
                        header = cells
                    continue
                rows.append((f"{fmt}: taulukko/sheet '{sheet.title}', rivi/row {row_number}", cells))
        except IndicatorImportError:
            raise
        except Exception as error:
            raise _error(f"{fmt}: taulukon '{sheet.title}' rivejä ei voi lukea ({type(error).__name__})",
                         "the worksheet rows cannot be read") from error
        if header is None:
            raise _error(f"{fmt}: taulukko '{sheet.title}' on tyhjä", f"worksheet '{sheet.title}' is empty")
        mapping = _map_header(header, f"{fmt}: taulukko/sheet '{sheet.title}', otsikkorivi/header")
        records = _long_records(rows, mapping, catalogue)
        _require_records(records, fmt)
        return ParsedTable(fmt, None, None, None, records)
    finally:
        workbook.close()
