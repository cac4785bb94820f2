"""The examples in the models and new plots docstrings run (those not marked +SKIP)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "biomarker.models",
    "biomarker.models.delong",
    "biomarker.models.estimators",
    "biomarker.models.features",
    "biomarker.models.univariable",
    "biomarker.models.survival",
    "biomarker.models.validation",
    "biomarker.models.run",
    "biomarker.models.study",
    "biomarker.plots.biomarker_response",
    "biomarker.plots.roc",
    "biomarker.plots.calibration",
    "biomarker.plots.forest",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
