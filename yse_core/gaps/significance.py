"""Random variation in counts of people: is a difference evidence, or what small numbers produce anyway?

Pure functions; the method, with a worked example from the real 12r5 file, is in ``README.md`` beside this file.

* A share (k of n people, e.g. long-term unemployed among the unemployed) is taken as binomial. Against a
  reference share p (the whole country's, or a fixed limit) its standard error is sqrt(p(1-p)/n).
* A share's change over a year (p1 of n1 now, p0 of n0 a year earlier) has the standard error
  sqrt(p1(1-p1)/n1 + p0(1-p0)/n0): the two months are treated as independent samples, which overstates the
  variation (many people are counted in both months) and so errs towards silence.
* A count's change over a year: both counts are Poisson; the logarithm of their ratio has the standard error
  sqrt(1/now + 1/before), compared with the logarithm of the country's ratio.
* An average of waiting or processing times over n cases: the standard error is about mean / sqrt(n)
  (times taken as exponential, whose standard deviation equals the mean).

A difference is *beyond random variation* when it lies outside its 95 % interval (|z| > 1.96) **and** amounts to
at least ``MIN_PEOPLE`` people; a base of fewer than ``MIN_COUNT`` people is too small to say anything but info.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Z95 = 1.959964  # two-sided 95 %
MIN_PEOPLE = 10  # a difference smaller than this many people is never evidence, however stable
MIN_COUNT = 50  # a base below this many people raises at most an info point

Verdict = Literal["beyond", "within", "few", "small", "unknown"]


@dataclass(frozen=True)
class Test:
    """The outcome of one test: the verdict, the z value and the difference in people (None when not computable)."""

    verdict: Verdict
    z: float | None = None
    people: float | None = None
    base: float | None = None

    @property
    def beyond(self) -> bool:
        """True when the difference is evidence: outside its 95 % interval and large enough in people."""
        return self.verdict == "beyond"


def _judge(z: float, people: float, base: float) -> Test:
    if base < MIN_COUNT:
        return Test("small", z, people, base)
    if abs(z) <= Z95:
        return Test("within", z, people, base)
    if abs(people) < MIN_PEOPLE:
        return Test("few", z, people, base)
    return Test("beyond", z, people, base)


def _known(*numbers: float | None) -> bool:
    return all(number is not None and math.isfinite(number) for number in numbers)


def share_against(share: float | None, reference: float | None, base: float | None) -> Test:
    """A share (0–1) of ``base`` people against a reference share (0–1): binomial under the reference."""
    if not _known(share, reference, base) or base <= 0:
        return Test("unknown")
    variance = reference * (1 - reference) / base
    people = (share - reference) * base
    if variance <= 0:  # a reference of 0 or 1: any difference is a difference in people
        return _judge(math.inf if people else 0.0, people, base)
    return _judge((share - reference) / math.sqrt(variance), people, base)


def share_change_against(
    share_now: float | None, base_now: float | None, share_before: float | None, base_before: float | None,
    country_change: float | None,
) -> Test:
    """A share's change over a year (shares 0–1) against the country's change (0–1)."""
    if not _known(share_now, base_now, share_before, base_before, country_change) or min(base_now, base_before) <= 0:
        return Test("unknown")
    variance = share_now * (1 - share_now) / base_now + share_before * (1 - share_before) / base_before
    excess = (share_now - share_before) - country_change
    people = excess * base_now
    base = min(base_now, base_before)
    if variance <= 0:
        return _judge(math.inf if people else 0.0, people, base)
    return _judge(excess / math.sqrt(variance), people, base)


def count_change_against(now: float | None, before: float | None, country_ratio: float | None) -> Test:
    """A count's change over a year against the country's ratio (now / before): both counts Poisson."""
    if not _known(now, before, country_ratio) or now <= 0 or before <= 0 or country_ratio <= 0:
        return Test("unknown")
    z = (math.log(now / before) - math.log(country_ratio)) / math.sqrt(1 / now + 1 / before)
    return _judge(z, now - before * country_ratio, min(now, before))


def average_against(mean: float | None, reference: float | None, cases: float | None) -> Test:
    """An average time over ``cases`` cases against a reference time: standard error mean / sqrt(cases).

    ``people`` is the difference in days times the cases (person-days), so a few cases never pass the minimum.
    """
    if not _known(mean, reference, cases) or cases <= 0 or mean <= 0:
        return Test("unknown")
    z = (mean - reference) / (mean / math.sqrt(cases))
    return _judge(z, cases if abs(mean - reference) >= 1 else 0.0, cases)


def share_interval(share: float, base: float) -> tuple[float, float]:
    """The Wilson 95 % interval of a share (0–1) of ``base`` people."""
    if base <= 0:
        return 0.0, 1.0
    z2 = Z95 * Z95
    centre = (share + z2 / (2 * base)) / (1 + z2 / base)
    half = Z95 * math.sqrt(share * (1 - share) / base + z2 / (4 * base * base)) / (1 + z2 / base)
    return max(0.0, centre - half), min(1.0, centre + half)


def quantile(values: tuple[float, ...] | list[float], q: float) -> float | None:
    """The q-quantile (0–1) of the values by linear interpolation between order statistics; None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
