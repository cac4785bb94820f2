"""Every docstring example in the package runs (those marked ``+SKIP`` need files a user has)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import biomarker

MODULES = sorted(m.name for m in pkgutil.walk_packages(biomarker.__path__, "biomarker."))


def test_every_module_is_listed() -> None:
    assert {
        "biomarker.tmb.pipeline",
        "biomarker.clinical.recist",
        "biomarker.models.delong",
        "biomarker.flow.gating",
        "biomarker.simulate.study",
        "biomarker.store",
    } <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
