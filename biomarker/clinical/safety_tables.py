"""The AE tables of an endpoint run: treatment-emergent AEs, then the measures, grades and frequency tables.

:func:`study_teae` prepares AE (with SUPPAE and the study's terminology) and keeps the treatment-emergent events;
:func:`safety_tables` turns them into ``safety_measures``, ``ae_worst_grade``, ``ae_grades``, ``ae_overview``,
``ae_by_soc_pt`` and ``ae_by_max_grade`` (SOC rows by decreasing frequency, each followed by its PTs).
"""

from __future__ import annotations

import pandas as pd

from biomarker.clinical.config import EndpointConfig
from biomarker.clinical.safety import (
    grade_table,
    prepare_ae,
    safety_population,
    safety_table,
    treatment_emergent,
    worst_grade,
)
from biomarker.clinical.terminology import terminology


def study_teae(study, config: EndpointConfig, cutoff) -> pd.DataFrame:
    """Treatment-emergent AEs of a loaded SDTM study (AE + SUPPAE, the config's terminology, up to ``cutoff``)."""
    maps = terminology(config.terminology)
    ae = prepare_ae(study.ae, study.suppae, drugs=config.study_drugs, maps=maps, suppae_drugs=config.suppae_drugs)
    return treatment_emergent(ae, study.dm, window_days=config.teae_window_days, data_cutoff=cutoff)


def safety_tables(teae: pd.DataFrame, dm: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The AE tables of a run, by name, from the treatment-emergent AEs and the safety population of ``dm``."""
    n = safety_population(dm)
    worst = worst_grade(teae)
    measures = safety_table(teae, n)
    by_grade = grade_table(worst, n)
    overview = measures[measures["level"] == "overall"].drop(columns=["level", "soc", "pt"]).reset_index(drop=True)
    any_ae = measures[(measures["measure"] == "any_ae") & (measures["level"] != "overall")]
    return {
        "safety_measures": measures,
        "ae_worst_grade": worst,
        "ae_grades": by_grade,
        "ae_overview": overview,
        "ae_by_soc_pt": by_frequency(any_ae, "n_subjects").drop(columns=["measure", "measure_label"]),
        "ae_by_max_grade": by_frequency(by_grade, "any_grade"),
    }


def by_frequency(frame: pd.DataFrame, count: str) -> pd.DataFrame:
    """SOC rows by decreasing frequency, each followed by its PTs by decreasing frequency."""
    if frame.empty:
        return frame.reset_index(drop=True)
    soc_n = frame[frame["level"] == "soc"].set_index("soc")[count]
    out = frame.assign(_soc_n=frame["soc"].map(soc_n), _is_pt=frame["level"].eq("pt"))
    out = out.sort_values(
        ["_soc_n", "soc", "_is_pt", count, "pt"], ascending=[False, True, True, False, True], kind="stable"
    )
    return out.drop(columns=["_soc_n", "_is_pt"]).reset_index(drop=True)
