"""docs/controlled-terminology.md lists exactly the mappings the code applies."""

from __future__ import annotations

import re
from pathlib import Path

from biomarker.clinical.terminology import DEFAULT_MAPS

DOC = Path(__file__).resolve().parents[2] / "docs" / "controlled-terminology.md"


def test_every_mapping_of_the_code_is_in_the_doc_and_no_other():
    text = DOC.read_text()
    for var, table in DEFAULT_MAPS.items():
        section = text.split(f"### {var}\n", 1)[1].split("###", 1)[0].split("## ", 1)[0]
        documented = {}
        for target, values in re.findall(r"^\| `([^`]+)` \| (.+) \|$", section, flags=re.M):
            for value in re.findall(r"`([^`]+)`", values):
                documented[value] = target
        assert documented == {k: str(v) for k, v in table.items()}, var
