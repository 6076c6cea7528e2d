"""Validated YAML data: the strict pydantic base, value checks, strict YAML reading and problem reports.

Questionnaires, gap rules and the measures-row fields are YAML files read into frozen pydantic models
that forbid unknown keys. A problem is a ``(location, message)`` pair: the location is the path inside
the file (``('themes', 2, 'questions', 0, 'type')``), the message a ``YseError`` with a catalogue key
and parameters (``yse_core/i18n/errors_loaders.yaml``), so a loader error names the same file, line
and field in Finnish, Swedish and English.
"""

from __future__ import annotations

import difflib
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from yse_core.errors import YseError
from yse_core.i18n import LANGUAGES, t

MAX_REPORTED_PROBLEMS = 10
RULE_PROBLEMS = "rule_problems"  # the pydantic error type of problems found by our own model validators

Location = tuple[str | int, ...]
Problem = tuple[Location, YseError]


def message(key: str, /, **params: object) -> YseError:
    """One problem's text: a catalogue key and its parameters, filled in the reader's language."""
    return YseError(key, **params)


class MessageLines(YseError):
    """Several messages as one parameter of another, one per line (or joined by ``separator``), each in the reader's language."""

    def __init__(self, lines: list[YseError], bullet: str = "", separator: str = "\n"):
        super().__init__("loader.lines")
        self.lines = lines
        self.bullet = bullet
        self.separator = separator

    def message(self, lang: str = "fi") -> str:
        """Return the lines in ``lang``, joined by the separator."""
        return t("loader.lines", lang, lines=self.separator.join(self.bullet + line.message(lang) for line in self.lines))


# --- the strict base and the value checks shared by every model ----------------------------------


class Strict(BaseModel):
    """A frozen model that refuses unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def kind_of(value: object) -> YseError:
    """Describe a parsed YAML value in plain words for an error message."""
    if value is None:
        return message("loader.kind.null")
    if isinstance(value, bool):
        return message("loader.kind.bool")
    if isinstance(value, (int, float)):
        return message("loader.kind.number")
    if isinstance(value, str):
        return message("loader.kind.text")
    if isinstance(value, list):
        return message("loader.kind.list")
    if isinstance(value, dict):
        return message("loader.kind.mapping")
    return message("loader.kind.other", name=type(value).__name__)


def show(value: object) -> str:
    """A value as it is quoted in an error message, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number(value: object) -> int | float:
    """Accept an int or a finite float, never a bool or text such as ``"1.1 * 2"`` (nothing is evaluated)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("number_type", "expected a number, got {kind}", {"kind": kind_of(value)})
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number_type", "expected a finite number, got {value}", {"value": repr(value)})
    return value


def scalar(value: object) -> bool | int | float | str:
    """Accept a value a condition can compare with: true/false, a number or a text."""
    if isinstance(value, (bool, str)):
        return value
    return number(value)


Number = Annotated[int | float, PlainValidator(number)]
Scalar = Annotated[bool | int | float | str, PlainValidator(scalar)]


def rule_error(problems: list[Problem]) -> PydanticCustomError:
    """One validation error carrying every problem a model validator found, each with its relative location."""
    summary = "; ".join((".".join(str(part) for part in loc) + ": " if loc else "") + text.message("en") for loc, text in problems)
    # The summary is passed through ctx so braces in user text are never read as placeholders.
    return PydanticCustomError(RULE_PROBLEMS, "{summary}", {"summary": summary, "problems": problems})


class _LocalizedText(Strict):
    fi: str

    def get(self, lang: str = "fi") -> str:
        """Return the text in ``lang``, falling back to Finnish."""
        if lang in LANGUAGES:
            return getattr(self, lang) or self.fi
        return self.fi


class Texts(_LocalizedText):
    """A text in Finnish, Swedish and English; all three are required."""

    sv: str
    en: str

    @field_validator("fi", "sv", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("blank_text", "must not be empty")
        return value


class Text(_LocalizedText):
    """A text in Finnish (required) and optionally Swedish and English."""

    sv: str | None = None
    en: str | None = None

    @field_validator("fi", "sv", "en")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise PydanticCustomError("blank_translation", "must not be empty (leave out a translation that does not exist)")
        return value


# --- strict YAML reading ----------------------------------------------------------------------------


class StrictSafeLoader(yaml.SafeLoader):
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
                    raise _KeyedConstructorError(
                        message("loader.duplicate_key", name=str(key), first_line=str(first_lines[key] + 1)),
                        key_node.start_mark,
                    )
                first_lines[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode):  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as error:
            raise _KeyedConstructorError(message("loader.bad_date", value=node.value, reason=str(error)), node.start_mark) from error


StrictSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictSafeLoader.construct_yaml_timestamp)


class _KeyedConstructorError(yaml.constructor.ConstructorError):
    """A constructor error whose problem is one of our catalogue messages (PyYAML's own stay English)."""

    def __init__(self, problem: YseError, mark: yaml.Mark):
        super().__init__(None, None, problem.message("en"), mark)
        self.keyed_problem = problem


def read_yaml_file(path: typing.Any, error: type[YseError]) -> str:
    """The text of a YAML file (UTF-8, a byte-order mark allowed); ``error`` names the file when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as failure:
        raise error("loader.cannot_read", file=str(path), reason=failure.strerror or str(failure)) from failure
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        raise error("loader.not_utf8", file=str(path), position=str(failure.start)) from failure


def parse_yaml(text: str, source_name: str, error: type[YseError]) -> object:
    """Parse YAML text strictly; ``error`` names the file, line and column of a syntax error."""
    try:
        return yaml.load(text, Loader=StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as failure:
        mark = failure.problem_mark or failure.context_mark
        problem: object = getattr(failure, "keyed_problem", None) or failure.problem or failure.context or "invalid YAML"
        if failure.context and failure.problem:
            context_mark = failure.context_mark
            if context_mark and context_mark is not mark:
                problem = message("loader.yaml_context_at", problem=problem, context=failure.context,
                                  line=str(context_mark.line + 1), column=str(context_mark.column + 1))
            else:
                problem = message("loader.yaml_context", problem=problem, context=failure.context)
        if mark is None:
            raise error("loader.syntax_error", file=source_name, problem=problem) from None
        raise error("loader.syntax_error_at", file=source_name, line=str(mark.line + 1), column=str(mark.column + 1),
                    problem=problem) from None
    except yaml.YAMLError as failure:
        raise error("loader.syntax_error", file=source_name, problem=str(failure)) from None
    except RecursionError:
        raise error("loader.too_deep", file=source_name) from None


# --- reading a file into a model and reporting its problems ------------------------------------------


@dataclass(frozen=True)
class Schema:
    """How one kind of YAML file is read: its root model, its error class and its own wordings.

    ``describe`` may word a pydantic error itself (return None to use the common wording); ``tags`` maps
    the tags of tagged unions, which pydantic puts in a location, to their models (left out of the path).
    """

    model: type[BaseModel]
    error: type[YseError]
    describe: Callable[[Location, dict], Problem | None] = lambda loc, item: None
    tags: Mapping[str, type[BaseModel]] = field(default_factory=dict)

    def validate(self, data: object, source_name: str, context: dict | None = None) -> BaseModel:
        """Validate parsed YAML into the root model; the error names the file, each place and each problem."""
        if data is None:
            raise self.error("loader.empty", file=source_name)
        if not isinstance(data, dict):
            required = [info.alias or name for name, info in self.model.model_fields.items() if info.is_required()]
            raise self.error("loader.top_level", file=source_name, keys=", ".join(required), kind=kind_of(data))
        try:
            return self.model.model_validate(data, context=context)
        except ValidationError as failure:
            raise self.problems_error(source_name, self.problems(failure)) from None
        except RecursionError:
            raise self.error("loader.too_deep", file=source_name) from None

    def load(self, text: str, source_name: str, context: dict | None = None) -> BaseModel:
        """Parse and validate YAML text; ``source_name`` names it in error messages."""
        return self.validate(parse_yaml(text, source_name, self.error), source_name, context)

    def problems_error(self, source_name: str, problems: list[Problem]) -> YseError:
        """``file: place: problem`` for one problem, a numbered list for several (at most ten shown)."""
        if len(problems) == 1:
            loc, problem = problems[0]
            if loc:
                return self.error("loader.problem", file=source_name, path=self.path_text(loc), problem=problem)
            return self.error("loader.problem_here", file=source_name, problem=problem)
        lines = [
            message("loader.problem_line", path=self.path_text(loc), problem=problem) if loc else problem
            for loc, problem in problems[:MAX_REPORTED_PROBLEMS]
        ]
        if len(problems) > MAX_REPORTED_PROBLEMS:
            lines.append(message("loader.more_problems", count=len(problems) - MAX_REPORTED_PROBLEMS))
        return self.error("loader.problems", file=source_name, count=len(problems), problems=MessageLines(lines, "  - "))

    def path_text(self, loc: Location) -> str:
        """``('themes', 2, 'questions', 0, 'type')`` → ``themes[2].questions[0].type``; union tags are left out."""
        text = ""
        for part in loc:
            if part in self.tags:
                continue
            if isinstance(part, int) and not isinstance(part, bool):
                text += f"[{part}]"
            else:
                text += ("." if text else "") + str(part)
        return text

    def problems(self, error: ValidationError) -> list[Problem]:
        """Every problem of a validation error with its full location, a misspelt key once."""
        items = error.errors(include_url=False)
        suggestions = {tuple(item["loc"]): self._suggest_key(tuple(item["loc"])) for item in items if item["type"] == "extra_forbidden"}
        # A misspelt key also makes the right key "missing"; the suggestion already says so.
        suggested = {(loc[:-1], suggestion) for loc, suggestion in suggestions.items() if suggestion}
        problems: list[Problem] = []
        for item in items:
            loc = tuple(item["loc"])
            if item["type"] == RULE_PROBLEMS:
                problems.extend((loc + tuple(relative), text) for relative, text in item["ctx"]["problems"])
            elif item["type"] == "extra_forbidden":
                problems.append((loc[:-1], self._unknown_key(loc, suggestions[loc])))
            elif item["type"] == "missing" and (loc[:-1], loc[-1]) in suggested:
                continue
            else:
                problems.append(self.describe(loc, item) or self._describe(loc, item))
        return problems

    def _suggest_key(self, loc: Location) -> str | None:
        close = difflib.get_close_matches(str(loc[-1]), self._allowed_keys(loc[:-1]), n=1, cutoff=0.6)
        return close[0] if close else None

    def _unknown_key(self, loc: Location, suggestion: str | None) -> YseError:
        if suggestion:
            return message("loader.unknown_key_suggestion", name=str(loc[-1]), suggestion=suggestion)
        allowed = self._allowed_keys(loc[:-1])
        if allowed:
            return message("loader.unknown_key_allowed", name=str(loc[-1]), allowed=", ".join(allowed))
        return message("loader.unknown_key", name=str(loc[-1]))

    def _describe(self, loc: Location, item: dict) -> Problem:
        kind = item["type"]
        value = item.get("input")
        ctx = item.get("ctx") or {}
        if kind == "missing":
            return loc[:-1], message("loader.missing_key", name=str(loc[-1]))
        if kind == "literal_error":
            return loc, message("loader.literal", value=show(value), expected=str(ctx.get("expected")))
        if kind == "string_pattern_mismatch":
            return loc, message("loader.pattern", value=show(value), pattern=str(ctx.get("pattern")))
        if kind == "string_type":
            if isinstance(value, bool):
                return loc, message("loader.text_expected_not_bool", kind=kind_of(value))
            return loc, message("loader.text_expected", kind=kind_of(value))
        if kind == "bool_type":
            return loc, message("loader.bool_expected", kind=kind_of(value))
        if kind in ("int_type", "int_from_float", "int_parsing"):
            return loc, message("loader.int_expected", kind=kind_of(value), value=show(value))
        if kind == "number_type":
            return loc, message("loader.number_expected", kind=ctx["kind"])
        if kind == "finite_number_type":
            return loc, message("loader.finite_number_expected", value=ctx["value"])
        if kind in ("list_type", "tuple_type"):
            return loc, message("loader.list_expected", kind=kind_of(value))
        if kind in ("model_type", "model_attributes_type", "dict_type"):
            if self._model_at(loc) in (Text, Texts):
                return loc, message("loader.texts_expected", example="{fi: ..., sv: ..., en: ...}", kind=kind_of(value))
            return loc, message("loader.mapping_expected", kind=kind_of(value))
        if kind == "too_short":
            if ctx.get("min_length") == 1:
                return loc, message("loader.empty_list")
            return loc, message("loader.too_short", min_length=ctx.get("min_length"), length=ctx.get("actual_length"))
        if kind == "greater_than_equal":
            return loc, message("loader.at_least", limit=ctx.get("ge"), value=show(value))
        if kind == "less_than_equal":
            return loc, message("loader.at_most", limit=ctx.get("le"), value=show(value))
        if kind == "blank_text":
            return loc, message("loader.blank_text")
        if kind == "blank_translation":
            return loc, message("loader.blank_translation")
        if kind == "recursion_loop":
            return loc, message("loader.alias_loop")
        # Pydantic's own English for the rare rest.
        return loc, message("loader.pydantic", text=str(item["msg"]).removeprefix("Value error, "))

    def _model_at(self, loc: Location) -> type[BaseModel] | None:
        """The model class validating the value at ``loc`` (None when it is not a model)."""
        model: type[BaseModel] | None = self.model
        for part in loc:
            if part in self.tags:
                model = self.tags[part]
                continue
            if isinstance(part, int) and not isinstance(part, bool):
                continue
            if model is None:
                return None
            info = next((info for name, info in model.model_fields.items() if part in (name, info.alias)), None)
            if info is None:
                return None
            model = _inner_model(info.annotation)
        return model

    def _allowed_keys(self, loc: Location) -> list[str]:
        model = self._model_at(loc)
        if model is None:
            return []
        return [info.alias or name for name, info in model.model_fields.items()]


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None
