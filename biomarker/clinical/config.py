"""Every rule of an endpoint run in one place, settable from ``study.yaml`` (``endpoints:``) and the CLI.

:meth:`EndpointConfig.from_mapping` validates an ``endpoints:`` block (unknown keys are an error naming the
known ones) and builds the config; :func:`dataclasses.asdict` of it goes into the provenance.

Example ``study.yaml`` block::

    endpoints:
      evaluator: investigator          # or independent (accepted reads, RSACPTFL)
      confirm_days: 28                 # CR/PR confirmation interval
      min_sd_days: 42                  # SD minimum duration from first dose
      max_ne_between: 1
      cr_then_pr: pr                   # or sd (admiralonco)
      baseline_window_days: 28
      partial_dates: first             # first | mid | last | refuse
      os_censor_at: last_contact       # LSTALVDT; or cutoff
      data_cutoff: 2025-06-30
      study_drugs: [TORIPALIMAB, AXITINIB]
      terminology: {AEREL: {SUSPECTED: Y}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from biomarker.clinical.bor import BorRules
from biomarker.clinical.efficacy import PfsRules
from biomarker.clinical.evaluators import EVALUATORS
from biomarker.clinical.sdtm import IMPUTATION_RULES
from biomarker.errors import ConfigError

#: Flat keys of an ``endpoints:`` block that set a field of :class:`BorRules` / :class:`PfsRules`.
BOR_KEYS = {
    "confirm": "confirm",
    "confirm_days": "min_confirm_days",
    "min_sd_days": "min_sd_days",
    "max_ne_between": "max_ne_between",
    "cr_then_pr": "cr_then_pr",
}
PFS_KEYS = {"assessment_interval_days": "interval_days", "assessment_window_days": "window_days"}


@dataclass(frozen=True)
class EndpointConfig:
    """Parameters of an endpoint run (all recorded in the provenance).

    Attributes
    ----------
    bor
        Confirmation, SD duration, NEs allowed, CR-then-PR (:class:`~biomarker.clinical.bor.BorRules`).
    pfs
        Assessment schedule for the missed-assessment censoring rule.
    evaluator
        ``investigator`` (primary, the protocol) or ``independent`` (accepted independent reads).
    baseline_window_days
        How long before first dose a baseline scan may be.
    partial_dates
        Partial-date imputation: ``first``, ``mid``, ``last`` or ``refuse``; AE starts are never imputed
        before the first dose of the same month.
    os_censor_at
        ``last_contact`` (default, ADaM LSTALVDT from every complete dated record) or ``cutoff``.
    data_cutoff
        Overrides ``study.json``'s cut-off (``YYYY-MM-DD``).
    teae_window_days
        AEs starting more than this after the last dose are not treatment-emergent (``None``: no limit).
    death_window_days
        Deaths within this many days of the last dose are reported as such.
    cbr_min_days
        Stable disease counts as clinical benefit from this day (24 weeks).
    study_drugs
        Study drugs (EXTRT / SUPPAE per-drug codes), for per-drug safety and exposure.
    planned_doses
        Drug -> (dose per administration, days between administrations) for the relative dose intensity.
    terminology
        User controlled-terminology entries, ``{"AEREL": {"SUSPECTED": "Y"}}``.
    suppae_drugs
        SUPPAE QNAM -> study drug when QLABEL/QNAM do not say (``{"AEREL1": "TORIPALIMAB"}``).
    pfs_landmarks_months, os_landmarks_months, dor_landmarks_months
        Landmark times for Kaplan-Meier rates.
    figures, dpi
        Draw PNG figures when writing, and their resolution.
    adam_column_map, adam_params
        Overrides for ADaM inputs (see :mod:`biomarker.clinical.adam`).

    Examples
    --------
    >>> EndpointConfig.from_mapping({"min_sd_days": 35, "evaluator": "independent"}).bor.min_sd_days
    35
    """

    bor: BorRules = field(default_factory=BorRules)
    pfs: PfsRules = field(default_factory=PfsRules)
    evaluator: str = "investigator"
    baseline_window_days: int = 28
    partial_dates: str = "first"
    os_censor_at: str = "last_contact"
    data_cutoff: str | None = None
    teae_window_days: int | None = 30
    death_window_days: int = 30
    cbr_min_days: int = 168
    study_drugs: tuple[str, ...] = ("TORIPALIMAB", "AXITINIB")
    planned_doses: Mapping[str, tuple[float, float]] | None = None
    terminology: Mapping[str, Mapping[str, object]] | None = None
    suppae_drugs: Mapping[str, str] | None = None
    pfs_landmarks_months: tuple[float, ...] = (6.0,)
    os_landmarks_months: tuple[float, ...] = (6.0, 12.0)
    dor_landmarks_months: tuple[float, ...] = ()
    figures: bool = True
    dpi: int = 150
    adam_column_map: Mapping[str, Mapping[str, str | None]] | None = None
    adam_params: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.os_censor_at not in ("cutoff", "last_contact"):
            raise ConfigError(f"os_censor_at must be 'cutoff' or 'last_contact', not {self.os_censor_at!r}")
        if not isinstance(self.baseline_window_days, int) or self.baseline_window_days < 0:
            raise ConfigError(f"baseline_window_days must be an integer >= 0, not {self.baseline_window_days!r}")
        if self.evaluator not in EVALUATORS:
            raise ConfigError(f"evaluator must be one of {', '.join(EVALUATORS)}, not {self.evaluator!r}")
        if self.partial_dates not in IMPUTATION_RULES:
            raise ConfigError(f"partial_dates must be one of {', '.join(IMPUTATION_RULES)}, not {self.partial_dates!r}")
        if self.data_cutoff is not None:
            parsed = pd.to_datetime(str(self.data_cutoff), format="%Y-%m-%d", errors="coerce")
            if pd.isna(parsed):
                raise ConfigError(f"data_cutoff must be YYYY-MM-DD, not {self.data_cutoff!r}")

    @property
    def cutoff(self) -> pd.Timestamp | None:
        """The configured cut-off as a Timestamp (``None`` when unset)."""
        return None if self.data_cutoff is None else pd.Timestamp(str(self.data_cutoff))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object] | None, base: EndpointConfig | None = None) -> EndpointConfig:
        """Build a config from an ``endpoints:`` block (flat keys; see the module docstring).

        Unknown keys raise :class:`ConfigError` listing the known ones.

        Examples
        --------
        >>> EndpointConfig.from_mapping({"cr_then_pr": "sd", "data_cutoff": "2025-06-30"}).bor.cr_then_pr
        'sd'
        >>> EndpointConfig.from_mapping({"min_sd": 35})
        Traceback (most recent call last):
        ...
        biomarker.errors.ConfigError: endpoints: unknown setting(s) min_sd; known: ...
        """
        base = base or cls()
        mapping = dict(mapping or {})
        own = {f.name for f in fields(cls)} - {"bor", "pfs"}
        known = sorted(own | set(BOR_KEYS) | set(PFS_KEYS))
        unknown = sorted(k for k in mapping if k not in known)
        if unknown:
            raise ConfigError(f"endpoints: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
        bor = {BOR_KEYS[k]: mapping.pop(k) for k in list(mapping) if k in BOR_KEYS}
        pfs = {PFS_KEYS[k]: mapping.pop(k) for k in list(mapping) if k in PFS_KEYS}
        for key in ("study_drugs", "pfs_landmarks_months", "os_landmarks_months", "dor_landmarks_months"):
            if key in mapping:
                value = mapping[key]
                mapping[key] = tuple(value) if isinstance(value, list | tuple) else (value,)
        if "study_drugs" in mapping:
            mapping["study_drugs"] = tuple(str(d).upper() for d in mapping["study_drugs"])
        if "data_cutoff" in mapping and mapping["data_cutoff"] is not None:
            mapping["data_cutoff"] = str(mapping["data_cutoff"])[:10]
        if "planned_doses" in mapping and mapping["planned_doses"] is not None:
            doses = dict(mapping["planned_doses"])
            mapping["planned_doses"] = {str(k).upper(): tuple(map(float, v)) for k, v in doses.items()}
        try:
            return replace(
                base,
                bor=replace(base.bor, **bor),
                pfs=replace(base.pfs, **pfs),
                **mapping,
            )
        except TypeError as exc:
            raise ConfigError(f"endpoints: {exc}") from exc
