"""What a TBNK tube's FCS keywords (or its manifest row) say: subject, visit, date, beads per test, volume."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from biomarker.errors import ConfigError, InputError
from biomarker.flow.exports import normalise_visit
from biomarker.flow.manifest import ManifestEntry

log = logging.getLogger(__name__)

#: FCS keywords (FlowKit lower-cases them and drops ``$``) holding beads per test and sample volume.
BEAD_KEYWORDS: tuple[str, ...] = ("beads count", "bead count", "beads per test", "trucount beads", "beads/test")
VOLUME_KEYWORDS: tuple[str, ...] = ("sample volume", "sample vol", "volume")


def keyword(meta: Mapping[str, str], names: Sequence[str]) -> str | None:
    """The first non-empty keyword among ``names``."""
    for name in names:
        value = meta.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def beads_per_test(meta: Mapping[str, str], given: float | None, path: Path) -> float:
    """Beads per test from the kit lot (``given``) or the ``BEADS COUNT`` keyword."""
    if given is not None:
        if not given > 0:
            raise ConfigError(f"beads per test must be > 0, not {given}")
        return float(given)
    text = keyword(meta, BEAD_KEYWORDS)
    if text is None:
        raise InputError(
            path,
            "no beads per test: no BEADS COUNT keyword",
            hint="give the Trucount lot's beads per test (--beads N / beads_per_test=N)",
        )
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"BEADS COUNT keyword {text!r} is not a number", hint="give --beads N") from None
    if not value > 0:
        raise InputError(path, f"BEADS COUNT keyword is {text}", hint="give --beads N")
    return value


def sample_volume(meta: Mapping[str, str], given: float | None, path: Path) -> tuple[float, bool]:
    """Sample volume in uL and whether it was assumed (50 uL, the Trucount protocol)."""
    if given is not None:
        if not given > 0:
            raise ConfigError(f"sample volume must be > 0 uL, not {given}")
        return float(given), False
    text = keyword(meta, VOLUME_KEYWORDS)
    if text is None:
        log.warning("%s: no SAMPLE VOLUME keyword; assuming 50 uL (Trucount protocol)", path)
        return 50.0, True
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            path, f"SAMPLE VOLUME keyword {text!r} is not a number", hint="give sample_volume_ul"
        ) from None
    unit = (meta.get("sample volume unit") or "uL").strip().lower().replace("µ", "u").replace("μ", "u")
    factor = {"ul": 1.0, "microliter": 1.0, "microlitre": 1.0, "ml": 1000.0, "nl": 0.001}.get(unit)
    if factor is None:
        raise InputError(path, f"unknown SAMPLE VOLUME UNIT {unit!r}", hint="give sample_volume_ul")
    if not value > 0:
        raise InputError(path, f"SAMPLE VOLUME is {text}", hint="give sample_volume_ul")
    return value * factor, False


def fcs_date(text: str | None) -> str | None:
    """FCS ``$DATE`` (``30-MAR-2022``, FCS 3.x ``dd-mmm-yyyy``) as ISO 8601; None when absent or unparsable.

    >>> fcs_date("30-MAR-2022"), fcs_date("yesterday")
    ('2022-03-30', None)
    """
    if not text:
        return None
    for fmt in ("%d-%b-%Y", "%d-%b-%y", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip().title(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def subject_visit(
    meta: Mapping[str, str],
    path: Path,
    subject_keyword: str,
    visit_keyword: str,
    manifest: Mapping[str, ManifestEntry] | None,
) -> tuple[str, str, str | None]:
    """Subject, visit and collection date from the manifest (first) or the tube's keywords; never the file name.

    Raises
    ------
    InputError
        Neither the manifest nor the keywords name the subject and the visit.
    """
    if manifest is not None:
        entry = manifest.get(path.name)
        if entry is None:
            raise InputError(path, "not in the manifest", hint="add a row: file, subject, visit, date")
        return entry.usubjid, entry.visit, entry.collection_date or fcs_date(meta.get("date"))
    subject = keyword(meta, (subject_keyword.lower(),))
    visit = keyword(meta, (visit_keyword.lower(),))
    if not subject or not visit:
        absent = " and ".join(k for k, v in ((subject_keyword, subject), (visit_keyword, visit)) if not v)
        raise InputError(
            path,
            f"no subject or visit: no {absent} keyword",
            hint="give a manifest (CSV: file, subject, visit, date) or the keywords that hold them",
        )
    return subject, normalise_visit(visit), fcs_date(meta.get("date"))
