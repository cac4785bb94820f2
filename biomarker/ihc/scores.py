"""Parse PD-L1 and TIL scores the way pathology labs write them.

A score is a percentage (``"55"``, ``"55%"``, ``"0%"``), a category (``"<1%"``, ``">=50%"``, ``"≥50%"``,
``"1-49%"``, ``"Negative"``, SP142 ``"IC2"`` / ``"TC3"``), not evaluable (inadequate tissue) or blank.
Anything else is an error unless the user maps the spelling (:func:`load_spellings`): a guessed NaN would
silently drop a patient from every PD-L1 analysis.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from biomarker.errors import ConfigError
from biomarker.lab_tables import read_mapping

#: PD-L1 TPS categories of 22C3 NSCLC labelling (tumour proportion score).
CATEGORIES: tuple[str, ...] = ("<1", "1-49", ">=50")

#: Normalised spellings meaning "no result because the tissue was inadequate".
NOT_EVALUABLE = frozenset(
    {
        "notevaluable",
        "nonevaluable",
        "non-evaluable",
        "not-evaluable",
        "ne",
        "n/e",
        "inevaluable",
        "unevaluable",
        "notassessable",
        "nonassessable",
        "unassessable",
        "inassessable",
        "inadequate",
        "inadequatetissue",
        "insufficient",
        "insufficienttissue",
        "insufficienttumourcells",
        "insufficienttumorcells",
        "<100tumourcells",
        "<100tumorcells",
        "qns",
        "quantitynotsufficient",
        "invalid",
        "notinterpretable",
        "uninterpretable",
        "indeterminate",
    }
)
#: Normalised spellings meaning "no value was given" (blank cell, not done).
MISSING = frozenset({"", "na", "n/a", "nan", "none", "null", "-", ".", "nd", "notdone", "notperformed", "missing"})
#: ``Negative`` means below the 1% cut-off (22C3, 28-8, SP263 tumour-cell scoring).
NEGATIVE = frozenset({"negative", "neg", "neg.", "notexpressed", "noexpression"})

# SP142 scoring: tumour-cell (TC) and immune-cell (IC) categories, interval in %.
_SP142 = {
    "tc0": (0.0, 1.0),
    "tc1": (1.0, 5.0),
    "tc2": (5.0, 50.0),
    "tc3": (50.0, 100.0),
    "ic0": (0.0, 1.0),
    "ic1": (1.0, 5.0),
    "ic2": (5.0, 10.0),
    "ic3": (10.0, 100.0),
}
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_EXACT = re.compile(rf"^{_NUMBER}%?$")
_SIGNED = re.compile(r"^-\d+(?:[.,]\d+)?%?$")
_BOUND = re.compile(rf"^(<=|>=|<|>|=<|=>){_NUMBER}%?$")
_RANGE = re.compile(rf"^{_NUMBER}%?(?:-|to){_NUMBER}%?$")
_PREFIX = re.compile(r"^(?:pd-?l1|tps|cps|tc|ic|score|tumou?rproportionscore)[:=]?(?=[\d<>=])")


@dataclass(frozen=True)
class Score:
    """One parsed score.

    ``value`` is the number when the lab gave one, else NaN; ``low``/``high`` always bound the true value
    when anything is known (equal to ``value`` for an exact score). ``evaluable`` is False for inadequate
    tissue and None when nothing was reported.

    Examples
    --------
    >>> parse_score("1-49%")
    Score(value=nan, low=1.0, high=49.0, evaluable=True)
    """

    value: float
    low: float
    high: float
    evaluable: bool | None

    @property
    def category(self) -> str | None:
        """``<1``, ``1-49`` or ``>=50`` (TPS cut-offs), None when unknown or spanning a cut-off."""
        return tps_category(self.low, self.high)


MISSING_SCORE = Score(math.nan, math.nan, math.nan, None)
NOT_EVALUABLE_SCORE = Score(math.nan, math.nan, math.nan, False)


def normalise(text: str) -> str:
    """Lower-case, NFKC, ``≥``/``≤`` spelled out, dashes unified, spaces removed.

    Examples
    --------
    >>> normalise(" ≥ 50 % ")
    '>=50%'
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = s.replace("≥", ">=").replace("≤", "<=").replace("⩾", ">=").replace("⩽", "<=")
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    return re.sub(r"\s+", "", s)


def tps_category(low: float, high: float) -> str | None:
    """The TPS category containing the interval ``[low, high]`` (``<1`` is ``[0, 1)``).

    Examples
    --------
    >>> tps_category(55, 55), tps_category(0, 1), tps_category(1, 49), tps_category(10, 60)
    ('>=50', '<1', '1-49', None)
    """
    if math.isnan(low) or math.isnan(high):
        return None
    if high < 1 or (high == 1 and low < 1):
        return "<1"
    if low >= 1 and high < 50:
        return "1-49"
    if low >= 50:
        return ">=50"
    return None


def parse_score(text: object, *, spellings: Mapping[str, object] | None = None, maximum: float = 100.0) -> Score:
    """Parse one reported score (percent of cells).

    Parameters
    ----------
    text
        The cell as read (``str``, a number or None).
    spellings
        Extra spellings, normalised key (see :func:`normalise`) -> an accepted spelling or a number.
    maximum
        The largest possible value (100 for TPS, IC, TIL and the capped CPS).

    Raises
    ------
    ValueError
        For an unknown spelling or an impossible number; the reader adds the file, row and column.

    Examples
    --------
    >>> parse_score("55%").value, parse_score("<1%").high, parse_score("not evaluable").evaluable
    (55.0, 1.0, False)
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return MISSING_SCORE
    if isinstance(text, int | float) and not isinstance(text, bool):
        return _exact(float(text), maximum, str(text))
    s = normalise(str(text))
    if spellings and s in spellings:
        mapped = spellings[s]
        if mapped is None:
            return MISSING_SCORE
        return parse_score(mapped, maximum=maximum)
    if s in MISSING:
        return MISSING_SCORE
    if s in NOT_EVALUABLE or s.replace("-", "") in NOT_EVALUABLE:
        return NOT_EVALUABLE_SCORE
    if s in NEGATIVE:
        return Score(math.nan, 0.0, 1.0, True)
    if s in _SP142:
        low, high = _SP142[s]
        return Score(math.nan, low, high, True)
    s = _PREFIX.sub("", s)
    if m := _EXACT.match(s):
        return _exact(_num(m.group(1)), maximum, str(text))
    if _SIGNED.match(s):
        raise ValueError(f"negative score {text!r}")
    if m := _BOUND.match(s):
        op, x = m.group(1), _num(m.group(2))
        _check_range(x, maximum, str(text))
        if op in ("<", "<=", "=<"):
            return Score(math.nan, 0.0, x, True)
        return Score(math.nan, x, maximum, True)
    if m := _RANGE.match(s):
        low, high = _num(m.group(1)), _num(m.group(2))
        _check_range(low, maximum, str(text))
        _check_range(high, maximum, str(text))
        if low > high:
            raise ValueError(f"range {text!r} runs backwards")
        return Score(math.nan, low, high, True)
    raise ValueError(f"unknown score {text!r}")


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _check_range(x: float, maximum: float, text: str) -> None:
    if math.isnan(x) or x < 0:
        raise ValueError(f"negative score {text!r}")
    if x > maximum:
        raise ValueError(f"score {text!r} is above {maximum:g}%")


def _exact(x: float, maximum: float, text: str) -> Score:
    _check_range(x, maximum, text)
    return Score(x, x, x, True)


def load_spellings(mapping: Mapping[str, object] | str | os.PathLike[str] | None) -> dict[str, object]:
    """Extra spellings from a dict or a YAML file, keys normalised.

    The YAML is a mapping ``their spelling: accepted spelling or number`` (``"weak (1-49%)": "1-49%"``,
    ``"NE - crush artefact": not evaluable``); a ``spellings:`` key may hold it instead (beside ``columns:``).

    Examples
    --------
    >>> load_spellings({"Weakly positive": "1-49%"})
    {'weaklypositive': '1-49%'}
    """
    data = read_mapping(mapping, "the spelling map", "their spelling -> accepted spelling")
    if "spellings" in data or "columns" in data:
        data = data.get("spellings") or {}
    out: dict[str, object] = {}
    for key, value in data.items():
        if value is not None and not isinstance(value, str | int | float):
            raise ConfigError(f"spelling {key!r} maps to {value!r}: give an accepted spelling or a number")
        if value is not None:
            try:
                parse_score(value)
            except ValueError as exc:
                raise ConfigError(f"spelling {key!r} maps to {value!r}, which is not accepted: {exc}") from exc
        out[normalise(str(key))] = value
    return out
