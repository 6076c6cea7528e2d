"""Read ``rules.yaml`` into validated ``GapRules``; every problem becomes one ``GapRuleError`` naming file, place and problem."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from yse_core.errors import YseError
from yse_core.indicators.catalogue import Catalogue, load_catalogue
from yse_core.questionnaire.models import Questionnaire
from yse_core.yaml_models import Schema, message, read_yaml_file, show

from .models import (
    COMPARISONS,
    KINDS,
    SEVERITIES,
    AllOf,
    AnswerCondition,
    AnyOf,
    GapRuleError,
    GapRules,
    IndicatorCondition,
    Location,
    reference_problems,
)

RULES_PATH = Path(__file__).with_name("rules.yaml")


def load_rules(
    path: str | Path = RULES_PATH, *, catalogue: Catalogue | None = None, questionnaire: Questionnaire | None = None
) -> GapRules:
    """Load and validate a rules file; with a catalogue or questionnaire, unknown codes and question ids are errors too."""
    path = Path(path)
    text = read_yaml_file(path, GapRuleError)
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
    rules = SCHEMA.load(text, source_name)
    problems = reference_problems(rules, catalogue, questionnaire)
    if problems:
        raise SCHEMA.problems_error(source_name, problems)
    return rules


_CHOICES = {"kind": KINDS, "severity": SEVERITIES, "compare": COMPARISONS}


def _describe(loc: Location, item: dict) -> tuple[Location, YseError] | None:
    """The gap rules' own wording of an unknown choice and of a malformed id or code."""
    value = item.get("input")
    if item["type"] == "literal_error":
        name = next((part for part in reversed(loc) if isinstance(part, str)), "")
        choices = _CHOICES.get(name)
        if choices:
            return loc, message("gaps.problem.unknown_choice", name=name, value=show(value), choices=", ".join(choices))
    if item["type"] == "condition_form":
        return loc, message("gaps.problem.condition_form")
    if item["type"] == "string_pattern_mismatch":
        return loc, message("gaps.problem.bad_code", value=show(value), pattern=str(item["ctx"]["pattern"]))
    return None


SCHEMA = Schema(GapRules, GapRuleError, _describe,
                {"all-condition": AllOf, "any-condition": AnyOf, "indicator-condition": IndicatorCondition,
                 "question-condition": AnswerCondition})
