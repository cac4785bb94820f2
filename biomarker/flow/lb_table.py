"""TBNK results from a CDISC LB-style long table (``USUBJID, VISIT, LBTESTCD, LBORRES, LBORRESU``)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from biomarker.errors import InputError
from biomarker.flow.export_columns import count_factor
from biomarker.flow.exports import _number, normalise_visit

log = logging.getLogger(__name__)

_LB_TESTS: dict[str, str] = {
    "cd3": "cd3",
    "cd4": "cd4",
    "cd8": "cd8",
    "cd19": "b",
    "bcell": "b",
    "bcells": "b",
    "cd16cd56": "nk",
    "cd1656": "nk",
    "cd56cd16": "nk",
    "cd56": "nk",
    "nk": "nk",
    "nkcell": "nk",
    "nkcells": "nk",
    "lym": "lymph",
    "lymph": "lymph",
    "lymphocytes": "lymph",
    "cd45": "lymph",
}


def read_lb(
    path: Path, header: list[str], rows: list[dict[str, Any]], where: list[str]
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Records (one per subject and visit) from a CDISC LB long table; ``CD4LY`` or unit ``%`` is % of
    lymphocytes, a count unit makes an absolute count (converted to cells/uL)."""
    keys = {h.strip().upper(): h for h in header}
    test = keys.get("LBTESTCD") or keys.get("LBTEST")
    if "LBSTRESN" in keys and "LBSTRESU" in keys:
        result, unit = keys["LBSTRESN"], keys["LBSTRESU"]
    else:
        result, unit = keys.get("LBORRES"), keys.get("LBORRESU")
    needed = {
        "USUBJID": keys.get("USUBJID"),
        "VISIT": keys.get("VISIT"),
        "LBTESTCD": test,
        "LBORRES": result,
        "LBORRESU": unit,
    }
    missing = [k for k, v in needed.items() if v is None]
    if missing:
        raise InputError(
            path,
            f"LB table without {', '.join(missing)}",
            where="header",
            hint="an LB table needs USUBJID, VISIT, LBTESTCD, LBORRES, LBORRESU",
        )
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for row, loc in zip(rows, where, strict=True):
        subject, visit = str(row.get(needed["USUBJID"]) or "").strip(), str(row.get(needed["VISIT"]) or "").strip()
        if not subject or not visit:
            raise InputError(path, "empty USUBJID or VISIT", where=loc)
        visit = normalise_visit(visit)
        code = re.sub(r"[^a-z0-9]", "", str(row.get(test) or "").lower())
        unit_text = str(row.get(unit) or "").strip()
        pct = unit_text == "%" or (code.endswith("ly") and code[:-2] in _LB_TESTS)
        base = code[:-2] if code.endswith("ly") and code[:-2] in _LB_TESTS else code
        subset = _LB_TESTS.get(base)
        if subset is None:
            log.debug("%s %s: LB test %r is not a TBNK subset, skipped", path, loc, code)
            continue
        if pct and unit_text not in ("%", ""):
            raise InputError(path, f"{row.get(test)} is a percentage but its unit is {unit_text!r}", where=loc)
        if pct and subset == "lymph":
            continue
        if pct:
            field, factor = f"{subset}_pct_lymph", 1.0
        else:
            if not unit_text:
                raise InputError(path, f"{row.get(test)}: no unit", where=loc, hint="fill LBORRESU (cells/uL, 10^9/L)")
            field, factor = f"{subset}_abs_per_ul", count_factor(path, unit_text, loc)
        k = (subject, visit, field)
        if k in seen:
            raise InputError(
                path,
                f"{subject} {visit} {field} given twice (also {seen[k]})",
                where=loc,
                hint="one result per subject, visit and test",
            )
        seen[k] = loc
        rec = by_key.setdefault((subject, visit), {"usubjid": subject, "visit": visit, "source": f"{path.name}:{loc}"})
        rec[field] = _number(path, row.get(result), loc, result) * factor
        date_col = keys.get("LBDTC")
        if date_col and row.get(date_col):
            rec.setdefault("collection_date", str(row.get(date_col)).strip())
    records = list(by_key.values())
    return records, [[] for _ in records]
