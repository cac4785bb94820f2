"""The examples in the clinical and plots docstrings run (those not marked +SKIP)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "biomarker.clinical.sdtm",
    "biomarker.clinical.recist",
    "biomarker.clinical.bor",
    "biomarker.clinical.efficacy",
    "biomarker.clinical.survival",
    "biomarker.clinical.safety",
    "biomarker.clinical.adam",
    "biomarker.clinical.run",
    "biomarker.plots._figure",
    "biomarker.plots.waterfall",
    "biomarker.plots.spider",
    "biomarker.plots.swimmer",
    "biomarker.plots.km",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
