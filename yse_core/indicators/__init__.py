"""Indicators: the catalogue, file parsers, aggregation to employment areas, storage and demo data."""

from .aggregate import AggregationResult, IndicatorValue, aggregate_to_areas
from .catalogue import Catalogue, CatalogueError, Indicator, load_catalogue
from .parsers import ParsedTable, Record, detect_format, parse_file
from .store import (
    ImportSummary,
    area_values,
    import_file,
    latest_period,
    recompute_areas,
    series,
    values_for_period,
)

__all__ = [
    "AggregationResult",
    "Catalogue",
    "CatalogueError",
    "ImportSummary",
    "Indicator",
    "IndicatorValue",
    "ParsedTable",
    "Record",
    "aggregate_to_areas",
    "area_values",
    "detect_format",
    "import_file",
    "latest_period",
    "load_catalogue",
    "parse_file",
    "recompute_areas",
    "series",
    "values_for_period",
]
