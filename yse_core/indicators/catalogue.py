"""The indicator catalogue: codes, names, units, definitions and how derived figures are computed.

The catalogue is validated data (``catalogue.yaml``); nothing here knows about files or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, cached_property
from pathlib import Path
from string import Formatter
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from yse_core.errors import YseError
from yse_core.yaml_models import MessageLines

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
LANGUAGES = ("fi", "sv", "en")

Unit = Literal["persons", "count", "percent", "days"]
Kind = Literal["statfin", "derived", "service_process"]
# Placeholders a data caveat may name; the figures are computed from the stored values of the figure's own
# code and period when the caveat is shown (``caveats.caveat_figures``), never typed into the catalogue.
CAVEAT_FIELDS = frozenset({"period", "country_value", "unknown_location_count", "unknown_location_share"})


class CatalogueError(YseError):
    """The indicator catalogue file is malformed: names the file, the place and the problem."""



class Texts(BaseModel):
    """One text in Finnish, Swedish and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fi: str = Field(min_length=1)
    sv: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """Return the text in a language, falling back to Finnish."""
        return getattr(self, lang, None) if lang in LANGUAGES else self.fi


def _placeholders(text: str, where: str = "text") -> set[str]:
    """The ``{name}`` placeholders of a text; ValueError naming ``where`` when its braces are unbalanced."""
    try:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


class Indicator(BaseModel):
    """One indicator: raw StatFin code, service-process figure or a figure derived from other codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z0-9_]+$")
    name: Texts
    unit: Unit
    higher_is_worse: bool | None
    definition: Texts
    source: str = Field(min_length=1)
    caveat: Texts | None = None
    data_caveat: Texts | None = None  # a template filled from the stored data when shown (CAVEAT_FIELDS)
    frequency: Literal["monthly"] = "monthly"
    kind: Kind
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    yoy_of: str | None = None
    yoy: Literal["persons", "percent"] | None = None
    decimals: int | None = Field(default=None, ge=0, le=4)
    deadline_rule: dict[int, Texts] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if (self.yoy_of is None) != (self.yoy is None):
            raise ValueError("yoy_of and yoy must be given together")
        if self.yoy_of and (self.numerator or self.denominator):
            raise ValueError("a year-on-year indicator has no numerator/denominator")
        if self.denominator and not self.numerator:
            raise ValueError("a denominator needs a numerator")
        if self.kind == "derived" and not (self.numerator or self.yoy_of):
            raise ValueError("a derived indicator needs numerator (and denominator) or yoy_of")
        if self.kind != "derived" and self.yoy_of:
            raise ValueError("only derived indicators can be year-on-year changes")
        if self.deadline_rule is not None and self.kind != "service_process":
            raise ValueError("deadline_rule belongs to service_process indicators only")
        if self.denominator and self.unit in ("persons", "count"):
            raise ValueError("a ratio cannot have unit persons/count")
        for lang in LANGUAGES:
            if self.caveat and _placeholders(getattr(self.caveat, lang), f"caveat.{lang}"):
                raise ValueError(f"caveat.{lang} has a placeholder: figures from the data go in data_caveat")
        if self.data_caveat:
            fields = {lang: _placeholders(getattr(self.data_caveat, lang), f"data_caveat.{lang}") for lang in LANGUAGES}
            unknown = sorted(set().union(*fields.values()) - CAVEAT_FIELDS)
            if unknown:
                raise ValueError(f"data_caveat names unknown figure {unknown[0]} (known: {', '.join(sorted(CAVEAT_FIELDS))})")
            if len({frozenset(names) for names in fields.values()}) > 1:
                raise ValueError("data_caveat must name the same figures in fi, sv and en")
        return self

    @property
    def is_computed(self) -> bool:
        """True when the portal computes the value from other codes (ratios, sums, year-on-year)."""
        return bool(self.numerator or self.yoy_of)

    @property
    def is_summable(self) -> bool:
        """True for plain counts that are summed over municipalities or areas."""
        return not self.is_computed

    @property
    def scale(self) -> float:
        """Multiplier of a ratio: 100 for percentages, 1 for averages in days."""
        return 100.0 if self.unit == "percent" else 1.0

    def caveat_texts(self, figures: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, str] | None:
        """The caveat per language: the fixed text, then the data caveat filled with ``figures``.

        ``figures`` maps a language to placeholder → formatted figure; the data caveat is left out when a
        figure it names is not known (no such stored value). None when there is nothing to say.
        """
        texts = {}
        for lang in LANGUAGES:
            parts = [getattr(self.caveat, lang)] if self.caveat else []
            known = (figures or {}).get(lang, {})
            if self.data_caveat and _placeholders(template := getattr(self.data_caveat, lang)) <= set(known):
                parts.append(template.format(**known))
            if parts:
                texts[lang] = " ".join(parts)
        return texts or None

    def deadline_rule_for(self, period: str) -> Texts | None:
        """Return the deadline rule in force in a period (``YYYY`` or ``YYYY-MM``), if any."""
        if not self.deadline_rule:
            return None
        year = int(period[:4])
        years = [y for y in self.deadline_rule if y <= year]
        return self.deadline_rule[max(years)] if years else self.deadline_rule[min(self.deadline_rule)]


class Catalogue(BaseModel):
    """Every indicator the portal knows, in display order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    anchors: dict[str, Any] | None = None  # YAML anchors used inside the file; not read
    indicators: tuple[Indicator, ...]

    @model_validator(mode="after")
    def _references(self) -> Catalogue:
        seen: set[str] = set()
        for indicator in self.indicators:
            if indicator.code in seen:
                raise ValueError(f"code {indicator.code} appears twice")
            seen.add(indicator.code)
        for indicator in self.indicators:
            for ref in (*indicator.numerator, *indicator.denominator, *filter(None, [indicator.yoy_of])):
                if ref not in seen:
                    raise ValueError(f"{indicator.code} refers to unknown code {ref}")
        self._order()  # raises on a cycle
        return self

    def _order(self) -> tuple[str, ...]:
        by_code = {indicator.code: indicator for indicator in self.indicators}
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(code: str) -> None:
            if state.get(code) == "done":
                return
            if state.get(code) == "visiting":
                raise ValueError(f"computation of {code} refers back to itself")
            state[code] = "visiting"
            indicator = by_code[code]
            for ref in (*indicator.numerator, *indicator.denominator, *filter(None, [indicator.yoy_of])):
                visit(ref)
            state[code] = "done"
            if indicator.is_computed:
                order.append(code)

        for indicator in self.indicators:
            visit(indicator.code)
        return tuple(order)

    @cached_property
    def _by_code(self) -> dict[str, Indicator]:
        return {indicator.code: indicator for indicator in self.indicators}

    def get(self, code: str) -> Indicator:
        """Return the indicator with this code; KeyError names the code if it is unknown."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown indicator code {code}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def codes(self, kind: str | None = None) -> list[str]:
        """Return every code in display order, optionally only one kind."""
        return [i.code for i in self.indicators if kind is None or i.kind == kind]

    @cached_property
    def computed_order(self) -> tuple[str, ...]:
        """The computed codes, each after the codes it is computed from."""
        return self._order()

    def raw_components(self, code: str) -> frozenset[str]:
        """Return the input (summable) codes a code is ultimately computed from; itself if it is an input."""
        indicator = self.get(code)
        if not indicator.is_computed:
            return frozenset([code])
        parts: set[str] = set()
        for ref in (*indicator.numerator, *indicator.denominator, *filter(None, [indicator.yoy_of])):
            parts |= self.raw_components(ref)
        return frozenset(parts)


def parse_catalogue(text: str, file_name: str = "catalogue.yaml") -> Catalogue:
    """Validate catalogue YAML text; CatalogueError names the file, the path inside it and the problem."""
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # the C loader when built
    except yaml.YAMLError as error:
        raise CatalogueError("catalogue_error.yaml_invalid", file=file_name, problem=str(error)) from error
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            path = ".".join(str(part) for part in item["loc"])
            if item["loc"][:1] == ("indicators",) and len(item["loc"]) > 1 and isinstance(raw, dict):
                index = item["loc"][1]
                try:
                    path = f"indicators[{raw['indicators'][index].get('code', index)}]." + ".".join(
                        str(part) for part in item["loc"][2:]
                    )
                except (KeyError, IndexError, TypeError, AttributeError):
                    pass
            problems.append(YseError("catalogue_error.problem", path=path, problem=item["msg"]))
        raise CatalogueError("catalogue_error.problems", file=file_name, problems=MessageLines(problems, separator="; ")) from error


@cache
def load_catalogue() -> Catalogue:
    """Load and validate the shipped catalogue (cached for the life of the process)."""
    return parse_catalogue(CATALOGUE_PATH.read_text(encoding="utf-8"), CATALOGUE_PATH.name)
