"""Read ``rules.yaml`` into validated ``GapRules``; every problem becomes one ``GapRuleError`` naming file, place and problem."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from yse_core.indicators.catalogue import Catalogue, load_catalogue
from yse_core.questionnaire.loader import format_problems as format_problem_list
from yse_core.questionnaire.models import Questionnaire

from .models import COMPARISONS, CONDITION_TAGS, KINDS, SEVERITIES, GapRuleError, GapRules, Location, Problem, reference_problems

RULES_PATH = Path(__file__).with_name("rules.yaml")


class _StrictSafeLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML would silently keep the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' appears twice in the same mapping (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_rules(
    path: str | Path = RULES_PATH, *, catalogue: Catalogue | None = None, questionnaire: Questionnaire | None = None
) -> GapRules:
    """Load and validate a rules file; with a catalogue or questionnaire, unknown codes and question ids are errors too."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise GapRuleError(f"{path}: cannot read the file ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        raise GapRuleError(f"{path}: the file is not UTF-8 text (invalid byte at position {error.start})") from error
    return parse_rules(text, str(path), catalogue=catalogue, questionnaire=questionnaire)


@cache
def shipped_rules() -> GapRules:
    """The shipped ``rules.yaml``, checked against the indicator catalogue (cached for the life of the process)."""
    return load_rules(RULES_PATH, catalogue=load_catalogue())


def parse_rules(
    text: str,
    source_name: str = "<text>",
    *,
    catalogue: Catalogue | None = None,
    questionnaire: Questionnaire | None = None,
) -> GapRules:
    """Validate rules given as YAML text; ``source_name`` names them in error messages."""
    try:
        data = yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise GapRuleError(f"{source_name}: YAML syntax error{where}: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise GapRuleError(f"{source_name}: YAML syntax error: {error}") from None
    if not isinstance(data, dict):
        raise GapRuleError(f"{source_name}: the top level must be a mapping with 'questionnaire' and 'rules'")
    try:
        rules = GapRules.model_validate(data)
    except ValidationError as error:
        raise GapRuleError(format_problems(source_name, _problems(error))) from None
    except RecursionError:
        raise GapRuleError(f"{source_name}: the YAML is nested too deeply") from None
    problems = reference_problems(rules, catalogue, questionnaire)
    if problems:
        raise GapRuleError(format_problems(source_name, problems))
    return rules


def format_problems(source_name: str, problems: list[Problem]) -> str:
    """``file: rules[3].when.indicator: problem`` for one problem, a list for several (the questionnaire's wording)."""
    return format_problem_list(source_name, problems, path_text)


def path_text(loc: Location) -> str:
    """``('rules', 3, 'when', 'indicator')`` → ``rules[3].when.indicator``; union tags are left out."""
    text = ""
    for part in loc:
        if part in CONDITION_TAGS:
            continue
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _problems(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        if item["type"] == "gap_rule":
            problems += [(loc + tuple(relative), message) for relative, message in item["ctx"]["problems"]]
        else:
            problems.append(_describe(loc, item))
    return problems


_CHOICES = {"kind": KINDS, "severity": SEVERITIES, "compare": COMPARISONS}


def _describe(loc: Location, item: dict) -> Problem:
    kind = item["type"]
    value = item.get("input")
    if kind == "missing":
        return loc[:-1], f"required key '{loc[-1]}' is missing"
    if kind == "extra_forbidden":
        return loc[:-1], f"unknown key '{loc[-1]}'"
    if kind == "literal_error":
        name = next((part for part in reversed(loc) if isinstance(part, str)), "")
        choices = _CHOICES.get(name)
        if choices:
            return loc, f"unknown {name} {value!r} (use one of: {', '.join(choices)})"
        return loc, f"{value!r} is not allowed here"
    if kind == "string_pattern_mismatch":
        return loc, f"{value!r} is not a valid id or code here (pattern {item['ctx']['pattern']})"
    if kind == "string_type":
        return loc, f"expected text, got {_plain(value)}"
    if kind == "bool_type":
        return loc, f"expected true or false, got {_plain(value)}"
    if kind in ("list_type", "tuple_type"):
        return loc, f"expected a list, got {_plain(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"expected a mapping of keys, got {_plain(value)}"
    if kind == "too_short":
        return loc, "must not be empty"
    if kind == "value_error":
        return loc, str(item["msg"]).removeprefix("Value error, ")
    return loc, str(item["msg"])


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing (null)" if value is None else type(value).__name__
