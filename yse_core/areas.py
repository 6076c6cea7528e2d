"""Employment areas (työllisyysalueet) and municipalities: the shipped reference data and the admin CSV parser.

Pure Python over plain data: no Streamlit, no database. The parser raises ``ReferenceDataError`` with a
catalogue key (``areas.error.*``) and parameters; its message names the line and the problem in the
reader's language.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ReferenceDataError
from .i18n import LANGUAGES

REFERENCE_DIR = Path(__file__).parent / "reference"
MUNICIPALITIES_CSV = REFERENCE_DIR / "municipalities.csv"
AREAS_CSV = REFERENCE_DIR / "areas_2025.csv"

MUNICIPALITY_COLUMNS = ("code", "name_fi", "name_sv")
AREA_COLUMNS = (
    "municipality_code",
    "area_id",
    "area_name_fi",
    "area_name_sv",
    "region",
    "ely",
    "uusimaa",
    "membership_verified",
)
# Columns that describe the area (every row of the same area repeats them) → key in the parsed area dict.
AREA_ATTRIBUTE_KEYS = {
    "area_name_fi": "name_fi",
    "area_name_sv": "name_sv",
    "region": "region",
    "ely": "ely",
    "uusimaa": "uusimaa",
    "membership_verified": "membership_verified",
}
BOOLEAN_COLUMNS = ("uusimaa", "membership_verified")

# Åland's 16 municipalities belong to no area: Åland runs its own employment services and is not part of
# the 2025 reform (general knowledge; unsourced in the domain facts). Codes checked against the names in
# Statistics Finland's 2025 municipality boundaries: Brändö, Eckerö, Finström, Föglö, Geta, Hammarland,
# Jomala, Kumlinge, Kökar, Lemland, Lumparland, Maarianhamina (Mariehamn), Saltvik, Sottunga, Sund, Vårdö.
OUT_OF_SCOPE_CODES: frozenset[str] = frozenset(
    {"035", "043", "060", "062", "065", "076", "170", "295", "318", "417", "438", "478", "736", "766", "771", "941"}
)

TRUE_WORDS = frozenset({"1", "true", "kyllä"})
FALSE_WORDS = frozenset({"0", "false", "ei"})
AREA_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ELY_PATTERN = re.compile(r"^ELY(0[1-9]|1[0-5])$")
MUNICIPALITY_CODE_PATTERN = re.compile(r"^(?:KU)?(\d{1,3})$")
MISSING_LIST_LIMIT = 10

@dataclass(frozen=True)
class ParsedAreas:
    """Validated areas (id, name_fi, name_sv, region, ely, uusimaa, membership_verified) and memberships."""

    areas: list[dict]
    memberships: list[tuple[str, str]]


def _error(message_id: str, **params: object) -> ReferenceDataError:
    # Catalogue key areas.error.<message_id> (i18n/errors_core.yaml); the reader's language is chosen when shown.
    return ReferenceDataError(f"areas.error.{message_id}", **params)


def _part(message_id: str, **params: object) -> dict[str, str]:
    """A piece of a message (e.g. one header problem) in every language, to be joined into a parameter."""
    error = _error(message_id, **params)
    return {lang: error.message(lang) for lang in LANGUAGES}


def _joined(parts: list[dict[str, str]], separator: str) -> dict[str, str]:
    return {lang: separator.join(part[lang] for part in parts) for lang in LANGUAGES}


def load_municipalities() -> list[dict]:
    """Return every municipality (code, name_fi, name_sv) from the shipped municipalities.csv."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != MUNICIPALITY_COLUMNS:
            raise _error("bad_municipality_file", path=MUNICIPALITIES_CSV.name, expected=",".join(MUNICIPALITY_COLUMNS))
        return [{column: row[column] for column in MUNICIPALITY_COLUMNS} for row in reader]


def load_reference_areas() -> ParsedAreas:
    """Parse the shipped areas_2025.csv through the same validator an admin's upload goes through."""
    return parse_area_csv(AREAS_CSV.read_bytes(), load_municipalities())


def normalise_municipality_code(value: str) -> str | None:
    """Return a code written as 91, 091 or KU091 as "091", or None if it is not a code."""
    match = MUNICIPALITY_CODE_PATTERN.match(value.strip().upper())
    return match.group(1).zfill(3) if match else None


def parse_area_csv(data: bytes | str, municipalities: list[dict], lang: str = "fi") -> ParsedAreas:
    """Validate an areas CSV (long format, one row per municipality) and return its areas and memberships.

    ``lang`` is kept for old callers: the error's message is filled in the reader's language when shown.
    """
    text = _decode(data)
    if not text.strip():
        raise _error("empty_file")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    municipality_names = {row["code"]: _municipality_names(row) for row in municipalities}
    try:
        header = _read_header(reader)
        column_index = {column: header.index(column) for column in AREA_COLUMNS}
        areas: dict[str, dict] = {}
        first_rows: dict[str, tuple[int, dict]] = {}  # area id → (line, fields) of its first row
        placed: dict[str, tuple[int, str]] = {}  # municipality code → (line, area id)
        memberships: list[tuple[str, str]] = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            fields = _row_fields(row, header, column_index, line)
            code, area = _parse_row(fields, municipality_names, line)
            if code in placed:
                first_line, first_area = placed[code]
                raise _error(
                    "duplicate_municipality", line=line, municipality=_label(code, municipality_names),
                    first_line=first_line, first_area=first_area, area=area["id"],
                )
            if area["id"] in areas:
                _check_same_area(areas[area["id"]], first_rows[area["id"]], area, fields, line)
            else:
                areas[area["id"]] = area
                first_rows[area["id"]] = (line, fields)
            placed[code] = (line, area["id"])
            memberships.append((area["id"], code))
    except csv.Error:
        raise _error("bad_csv", line=reader.line_num) from None
    if not memberships:
        raise _error("no_rows")
    _check_all_mainland_placed(placed, municipality_names)
    return ParsedAreas(areas=list(areas.values()), memberships=memberships)


def _decode(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _error("not_utf8") from None
    return data.removeprefix("\ufeff")


def _delimiter(text: str) -> str:
    # Finnish Excel saves "CSV" with semicolons; the header decides, since column names contain neither.
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _municipality_names(row: dict) -> dict[str, str]:
    """A municipality's name by language: the Swedish name in Swedish, the Finnish one otherwise."""
    return {lang: row["name_sv"] if lang == "sv" and row.get("name_sv") else row["name_fi"] for lang in LANGUAGES}


def _read_header(reader) -> list[str]:
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            while not header[-1]:  # empty trailing cells that Excel adds
                header.pop()
            _check_header(header, reader.line_num)
            return header
    raise _error("empty_file")


def _check_header(header: list[str], line: int) -> None:
    problems = []
    for column in dict.fromkeys(header):
        if header.count(column) > 1:
            problems.append(_part("header_duplicate", column=column or '""'))
    missing = [column for column in AREA_COLUMNS if column not in header]
    for column in header:
        if column in AREA_COLUMNS:
            continue
        suggestion = difflib.get_close_matches(column, missing, n=1, cutoff=0.75)
        if suggestion:
            problems.append(_part("header_unknown_suggestion", column=column or '""', suggestion=suggestion[0]))
        else:
            problems.append(_part("header_unknown", column=column or '""'))
    problems.extend(_part("header_missing", column=column) for column in missing)
    if problems:
        raise _error("header_problems", line=line, problems=_joined(problems, "; "), expected=",".join(AREA_COLUMNS))


def _row_fields(row: list[str], header: list[str], column_index: dict[str, int], line: int) -> dict:
    cells = [cell.strip() for cell in row]
    # Excel often pads rows with empty trailing cells (";;;"); only real content counts.
    while len(cells) > len(header) and not cells[-1]:
        cells.pop()
    if len(cells) != len(header):
        raise _error("field_count", line=line, expected=len(header), found=len(cells))
    fields = {column: cells[index] for column, index in column_index.items()}
    for column in AREA_COLUMNS:
        if not fields[column]:
            raise _error("empty_field", line=line, field=column)
    return fields


def _parse_row(fields: dict, municipality_names: dict[str, dict[str, str]], line: int) -> tuple[str, dict]:
    code = _municipality_code(fields["municipality_code"], municipality_names, line)
    if not AREA_ID_PATTERN.match(fields["area_id"]):
        raise _error("bad_area_id", line=line, value=fields["area_id"])
    if not ELY_PATTERN.match(fields["ely"]):
        raise _error("bad_ely", line=line, value=fields["ely"])
    area = {"id": fields["area_id"]}
    for column, key in AREA_ATTRIBUTE_KEYS.items():
        area[key] = _boolean(fields[column], column, line) if column in BOOLEAN_COLUMNS else fields[column]
    return code, area


def _municipality_code(value: str, municipality_names: dict[str, dict[str, str]], line: int) -> str:
    code = normalise_municipality_code(value)
    if code is None:
        raise _error("bad_code", line=line, value=value)
    # Åland first: a list of municipalities without Åland must still say why an Åland code is refused.
    if code in OUT_OF_SCOPE_CODES:
        raise _error("out_of_scope", line=line, municipality=_label(code, municipality_names))
    if code not in municipality_names:
        raise _error("unknown_code", line=line, code=code)
    return code


def _label(code: str, municipality_names: dict[str, dict[str, str]]) -> dict[str, str]:
    """The code and name by language, e.g. 091 Helsinki (091 Helsingfors in Swedish); the bare code if unlisted."""
    names = municipality_names.get(code, {})
    return {lang: f"{code} {names.get(lang, '')}".strip() for lang in LANGUAGES}


def _boolean(value: str, field: str, line: int) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _error("bad_boolean", line=line, field=field, value=value)


def _check_same_area(first_area: dict, first_row: tuple[int, dict], area: dict, fields: dict, line: int) -> None:
    # Compare parsed values, so "1" on one row and "true" on another are the same flag.
    first_line, first_fields = first_row
    for column, key in AREA_ATTRIBUTE_KEYS.items():
        if first_area[key] != area[key]:
            raise _error(
                "inconsistent_area", line=line, area=area["id"], field=column,
                value=fields[column], first_line=first_line, first_value=first_fields[column],
            )


def _check_all_mainland_placed(placed: dict, municipality_names: dict[str, dict[str, str]]) -> None:
    missing = sorted(code for code in municipality_names if code not in placed and code not in OUT_OF_SCOPE_CODES)
    if not missing:
        return
    listed = [_label(code, municipality_names) for code in missing[:MISSING_LIST_LIMIT]]
    municipalities = _joined(listed, ", ")
    if len(missing) > MISSING_LIST_LIMIT:
        municipalities = _joined([municipalities, _part("and_more", count=len(missing) - MISSING_LIST_LIMIT)], " ")
    raise _error("missing_municipalities", count=len(missing), municipalities=municipalities)
