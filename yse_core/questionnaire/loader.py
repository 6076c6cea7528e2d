"""Read questionnaire YAML files into validated ``Questionnaire`` models.

Every problem becomes a ``QuestionnaireError`` whose message names the file, the place inside it
(``themes[2].questions[0].type``) and what is wrong, in plain words.
"""

from __future__ import annotations

import difflib
import hashlib
import typing
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from yse_core.errors import QuestionnaireError
from yse_core.questionnaire.models import (
    INDICATOR_CODE_PATTERN,
    QUESTION_TYPES,
    QUESTIONNAIRE_ID_PATTERN,
    SLUG_PATTERN,
    Questionnaire,
    Text,
    _kind_of,
)

MAX_REPORTED_PROBLEMS = 10
QUESTIONNAIRE_SUFFIXES = (".yaml", ".yml")

Location = tuple[str | int, ...]
Problem = tuple[Location, str]


class _StrictSafeLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping and reports bad dates with a line.

    PyYAML silently keeps the last of two equal keys, which would quietly drop a translation or a
    whole question.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            first_lines: dict[object, int] = {}
            for key_node, _value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                if key in first_lines:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key '{key}' appears twice in the same mapping (first on line {first_lines[key] + 1})",
                        key_node.start_mark,
                    )
                first_lines[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode):  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' is not a valid date ({error})", node.start_mark
            ) from error


_StrictSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictSafeLoader.construct_yaml_timestamp)


def file_hash(path: str | Path) -> str:
    """The SHA-256 hex digest of a file's bytes (stored with a questionnaire to detect edits)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_questionnaire(path: str | Path, known_indicators: Iterable[str] | None = None) -> Questionnaire:
    """Load and validate one questionnaire YAML file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise QuestionnaireError(f"{path}: cannot read the file ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise QuestionnaireError(f"{path}: the file is not UTF-8 text (invalid byte at position {error.start})") from error
    return load_questionnaire_text(text, str(path), known_indicators)


def load_questionnaire_text(
    text: str, source_name: str = "<text>", known_indicators: Iterable[str] | None = None
) -> Questionnaire:
    """Validate a questionnaire given as YAML text; ``source_name`` names it in error messages."""
    data = _parse_yaml(text, source_name)
    if data is None:
        raise QuestionnaireError(f"{source_name}: the file is empty")
    if not isinstance(data, dict):
        raise QuestionnaireError(
            f"{source_name}: the top level must be a mapping of keys (id, version, year, title, themes), not {_kind_of(data)}"
        )
    known = None if known_indicators is None else frozenset(known_indicators)
    try:
        return Questionnaire.model_validate(data, context={"known_indicators": known})
    except ValidationError as error:
        raise QuestionnaireError(format_problems(source_name, _problems(error))) from None
    except RecursionError:
        raise QuestionnaireError(f"{source_name}: the YAML is nested too deeply") from None


def load_all(directory: str | Path, known_indicators: Iterable[str] | None = None) -> dict[str, Questionnaire]:
    """Load every ``*.yaml``/``*.yml`` file of a directory, keyed ``id@version``; all or nothing."""
    directory = Path(directory)
    if not directory.is_dir():
        raise QuestionnaireError(f"{directory}: not a directory of questionnaires")
    known = None if known_indicators is None else frozenset(known_indicators)
    paths = sorted(
        path
        for path in directory.iterdir()
        if path.suffix in QUESTIONNAIRE_SUFFIXES and path.is_file() and not path.name.startswith(".")
    )
    loaded: dict[str, Questionnaire] = {}
    sources: dict[str, Path] = {}
    failures: list[str] = []
    for path in paths:
        try:
            questionnaire = load_questionnaire(path, known)
        except QuestionnaireError as error:
            failures.append(str(error))
            continue
        if questionnaire.key in loaded:
            failures.append(f"{path}: questionnaire {questionnaire.key} is already defined in {sources[questionnaire.key]}")
            continue
        loaded[questionnaire.key] = questionnaire
        sources[questionnaire.key] = path
    if failures:
        raise QuestionnaireError(
            f"{directory}: {len(failures)} of {len(paths)} questionnaire files are broken, nothing was loaded:\n"
            + "\n".join(failures)
        )
    return loaded


def _parse_yaml(text: str, source_name: str) -> object:
    try:
        return yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        context = ""
        if error.context and error.problem:
            context = f" ({error.context}"
            if error.context_mark and error.context_mark is not mark:
                context += f" on line {error.context_mark.line + 1}, column {error.context_mark.column + 1}"
            context += ")"
        raise QuestionnaireError(f"{source_name}: YAML syntax error{where}: {problem}{context}") from None
    except yaml.YAMLError as error:
        raise QuestionnaireError(f"{source_name}: YAML syntax error: {error}") from None
    except RecursionError:
        raise QuestionnaireError(f"{source_name}: the YAML is nested too deeply") from None


def format_problems(source_name: str, problems: list[Problem], path=None) -> str:
    """``file: place: problem`` for one problem, a numbered list for several; ``path`` turns a location into text."""
    path = path or _path
    lines = [f"{path(loc)}: {message}" if loc else message for loc, message in problems[:MAX_REPORTED_PROBLEMS]]
    if len(lines) == 1:
        return f"{source_name}: {lines[0]}"
    text = f"{source_name}: {len(problems)} problems:\n" + "\n".join(f"  - {line}" for line in lines)
    if len(problems) > MAX_REPORTED_PROBLEMS:
        text += f"\n  - … and {len(problems) - MAX_REPORTED_PROBLEMS} more"
    return text


def _path(loc: Location) -> str:
    """``('themes', 2, 'questions', 0, 'type')`` -> ``themes[2].questions[0].type``."""
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _problems(error: ValidationError) -> list[Problem]:
    items = error.errors(include_url=False)
    suggestions = {tuple(item["loc"]): _suggest_key(tuple(item["loc"])) for item in items if item["type"] == "extra_forbidden"}
    # A misspelt key also makes the right key "missing"; the suggestion already says so.
    suggested = {(loc[:-1], suggestion) for loc, suggestion in suggestions.items() if suggestion}
    problems: list[Problem] = []
    for item in items:
        loc = tuple(item["loc"])
        if item["type"] == "questionnaire_rule":
            problems.extend((loc + tuple(relative), message) for relative, message in item["ctx"]["problems"])
        elif item["type"] == "extra_forbidden":
            problems.append((loc[:-1], _unknown_key_message(loc, suggestions[loc])))
        elif item["type"] == "missing" and (loc[:-1], loc[-1]) in suggested:
            continue
        else:
            problems.append(_describe(loc, item))
    return problems


def _suggest_key(loc: Location) -> str | None:
    """The allowed key closest to the unknown key at ``loc``, if one is close enough."""
    close = difflib.get_close_matches(str(loc[-1]), _allowed_keys(loc[:-1]), n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_key_message(loc: Location, suggestion: str | None) -> str:
    if suggestion:
        return f"unknown key '{loc[-1]}', did you mean '{suggestion}'?"
    allowed = _allowed_keys(loc[:-1])
    return f"unknown key '{loc[-1]}' (allowed keys: {', '.join(allowed)})" if allowed else f"unknown key '{loc[-1]}'"


def _describe(loc: Location, item: dict) -> Problem:
    kind = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return loc[:-1], f"required key '{loc[-1]}' is missing"
    if kind == "literal_error":
        if loc and loc[-1] == "type":
            close = difflib.get_close_matches(str(value), QUESTION_TYPES, n=1, cutoff=0.6)
            hint = f", did you mean '{close[0]}'?" if close else ""
            return loc, f"unknown question type {_show(value)}{hint} (types: {', '.join(QUESTION_TYPES)})"
        return loc, f"{_show(value)} is not allowed here; use one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        if pattern == SLUG_PATTERN:
            rule = "lowercase letters a-z, digits and underscores, starting with a letter"
            return loc, f"{_show(value)} is not a valid id: use {rule}"
        if pattern == QUESTIONNAIRE_ID_PATTERN:
            rule = "lowercase letters a-z, digits, hyphens and underscores, starting with a letter"
            return loc, f"{_show(value)} is not a valid questionnaire id: use {rule}"
        if pattern == INDICATOR_CODE_PATTERN:
            rule = "capital letters A-Z, digits and underscores"
            return loc, f"{_show(value)} is not a valid indicator code: use {rule}"
        return loc, f"{_show(value)} does not match the pattern {pattern}"
    if kind == "string_type":
        hint = " (put words such as yes, no, on and off in quotes)" if isinstance(value, bool) else ""
        return loc, f"expected text, got {_kind_of(value)}{hint}"
    if kind == "bool_type":
        return loc, f"expected true or false, got {_kind_of(value)}"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return loc, f"expected a whole number, got {_kind_of(value)} {_show(value)}"
    if kind == "list_type":
        return loc, f"expected a list, got {_kind_of(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if _model_at(loc) is Text:
            return loc, f"expected texts by language such as {{fi: ..., sv: ..., en: ...}}, got {_kind_of(value)}"
        return loc, f"expected a mapping of keys, got {_kind_of(value)}"
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return loc, "must not be empty"
        return loc, f"needs at least {ctx.get('min_length')} items, found {ctx.get('actual_length')}"
    if kind == "greater_than_equal":
        return loc, f"must be at least {ctx.get('ge')}, got {_show(value)}"
    if kind == "less_than_equal":
        return loc, f"must be at most {ctx.get('le')}, got {_show(value)}"
    if kind == "value_error":
        return loc, str(item["msg"]).removeprefix("Value error, ")
    if kind == "recursion_loop":
        return loc, "a YAML alias refers to itself"
    return loc, str(item["msg"])


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _model_at(loc: Location) -> type[BaseModel] | None:
    """The model class validating the value at ``loc`` (None when it is not a model)."""
    model: type[BaseModel] | None = Questionnaire
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            continue
        if model is None:
            return None
        field = next(
            (info for name, info in model.model_fields.items() if part in (name, info.alias)),
            None,
        )
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None


def _allowed_keys(loc: Location) -> list[str]:
    model = _model_at(loc)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]
